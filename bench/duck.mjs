// duck.mjs — run a named DuckDB job for the benchmarks and print its wall
// time in ms measured inside DuckDB's process (startup excluded), as JSON.
// usage: node bench/duck.mjs JOB ARGS...   (DuckDB comes from tests/tools)
//   ingest CSV          load the trips CSV, parse the POINTs into 4 doubles and
//                       the time, then the two group-bys of the ingest job
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
} else {
  console.error(`unknown job ${job}`);
  process.exit(2);
}
out.ms = performance.now() - t0;
console.log(JSON.stringify(out));
