// duck.mjs — run a named DuckDB job for the benchmarks and print its wall
// time in ms measured inside DuckDB's process (startup excluded), as JSON.
// usage: node bench/duck.mjs JOB ARGS...   (DuckDB comes from tests/tools)
//   ingest CSV          load the trips CSV, parse the POINTs into 4 doubles and
//                       the time, then the two group-bys of the ingest job
//   ingest_copy CSV OUT KEY   the same, then COPY the trips to OUT as Parquet
//                       (ZSTD); KEY=1 adds a 128-bit trip key (md5 of the five
//                       fields, as a UUID), like the lake's trip_key column
//   bbox GLOB BOX MODE REPS   the weekly count of trips in a bounding box over
//                       Parquet files, REPS times; prints each run's ms
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/tools/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');
const [job, ...args] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads: String(process.env.DUCK_THREADS ?? 2) });
const con = await db.connect();
const t0 = performance.now();
const out = { job };
const pt = (col, i) => `cast(split_part(trim(substr(${col}, 6), '( )'), ' ', ${i}) as double)`;
if (job === 'ingest') {
  const [csv] = args;
  await con.run(`create table trips as
    select region, datasource, cast(datetime as timestamp) as ts,
           ${pt('origin_coord', 1)} as olon, ${pt('origin_coord', 2)} as olat,
           ${pt('destination_coord', 1)} as dlon, ${pt('destination_coord', 2)} as dlat
    from read_csv('${csv}', header = true, all_varchar = true)`);
  out.load_ms = performance.now() - t0;
  const w = await con.runAndReadAll(`select region, date_trunc('week', ts) as week, count(*) from trips group by all`);
  const h = await con.runAndReadAll(`select region, datasource, date_trunc('hour', ts) as hour, count(*), max(ts)
                                     from trips group by all`);
  out.weeks = w.getRows().length;
  out.hours = h.getRows().length;
  out.rows = Number((await con.runAndReadAll('select count(*) from trips')).getRows()[0][0]);
} else if (job === 'ingest_copy') {
  const [csv, outfile, key] = args;
  await con.run(`create table trips as
    select region, datasource, cast(datetime as timestamp) as ts,
           ${pt('origin_coord', 1)} as olon, ${pt('origin_coord', 2)} as olat,
           ${pt('destination_coord', 1)} as dlon, ${pt('destination_coord', 2)} as dlat
           ${key === '1' ? ", md5(concat_ws('|', region, origin_coord, destination_coord, datetime, datasource))::uuid as trip_key" : ''}
    from read_csv('${csv}', header = true, all_varchar = true)`);
  out.load_ms = performance.now() - t0;
  await con.runAndReadAll(`select region, date_trunc('week', ts) as week, count(*) from trips group by all`);
  await con.runAndReadAll(`select region, datasource, date_trunc('hour', ts) as hour, count(*), max(ts) from trips group by all`);
  const t1 = performance.now();
  await con.run(`copy trips to '${outfile}' (format parquet, compression zstd)`);
  out.copy_ms = performance.now() - t1;
} else if (job === 'bbox') {
  const [glob, box, mode, reps] = args;
  const [a, b, c, d] = box.split(',').map(Number);
  const o = `origin_lon between ${a} and ${c} and origin_lat between ${b} and ${d}`;
  const dd = `destination_lon between ${a} and ${c} and destination_lat between ${b} and ${d}`;
  const cond = { origin: o, destination: dd, both: `(${o}) and (${dd})`, either: `(${o}) or (${dd})` }[mode];
  const sql = `select date_trunc('week', datetime at time zone 'UTC') as w, count(*) from read_parquet('${glob}')
               where ${cond} group by 1 order by 1`;
  out.runs_ms = [];
  for (let i = 0; i < Number(reps); i++) {
    const s0 = performance.now();
    const r = await con.runAndReadAll(sql);
    out.runs_ms.push(performance.now() - s0);
    out.trips = r.getRows().reduce((n, row) => n + Number(row[1]), 0);
  }
} else {
  console.error(`unknown job ${job}`);
  process.exit(2);
}
out.ms = performance.now() - t0;
console.log(JSON.stringify(out));
