// trips_check.mjs — an independent computation of tripflow's trip model with
// DuckDB (and a geohash written here in JavaScript) over a trips CSV, for the
// e2e cross-checks.  usage: node trips_check.mjs FILE.csv KIND [ARG]
//   facts                      region,datasource,hour_start,trip_count,latest_trip
//   weekly REGION              week_start,trips for every ISO week from the first to the last trip's week
//   latest                     region_1,region_2,datasource,datetime
//   regions DATASOURCE         region
//   groups PRECISION BUCKET_S  region,origin_cell,destination_cell,bucket,trips,4 means,first,last
// Trips are deduplicated on their normalised fields (names case-folded,
// coordinates and time as values), as semantics.md defines identity.
import { DuckDBInstance } from '@duckdb/node-api';

const [file, kind, a1, a2] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();
const pt = (col, i) => `cast(regexp_extract(${col}, '^\\s*POINT\\s*\\(\\s*(\\S+)\\s+(\\S+)\\s*\\)\\s*$', ${i}) as double)`;
await con.run(`create table raw as select * from read_csv('${file}', header=true, all_varchar=true, quote='"', escape='"')`);
await con.run(`create table trips as
  select any_value(region) as region, any_value(datasource) as datasource, ts, olon, olat, dlon, dlat from (
    select trim(region) as region, trim(datasource) as datasource,
           cast(datetime as timestamptz) at time zone 'UTC' as ts,
           ${pt('origin_coord', 1)} as olon, ${pt('origin_coord', 2)} as olat,
           ${pt('destination_coord', 1)} as dlon, ${pt('destination_coord', 2)} as dlat
    from raw)
  group by lower(region), lower(datasource), ts, olon, olat, dlon, dlat`);
const q = async (sql) => (await con.runAndReadAll(sql)).getRowsJson();
const fmt = (t) => String(t).replace(/\.000000$/, '');
let rows;
if (kind === 'facts') {
  rows = await q(`select region, datasource, strftime(date_trunc('hour', ts), '%Y-%m-%d %H:%M:%S'), count(*),
                  strftime(max(ts), '%Y-%m-%d %H:%M:%S') from trips group by all order by 1, 2, 3`);
} else if (kind === 'weekly') {
  rows = await q(`with w as (select generate_series as week_start from generate_series(
                    (select date_trunc('week', min(ts)) from trips), (select date_trunc('week', max(ts)) from trips), interval 7 day))
                  select strftime(w.week_start, '%Y-%m-%d'), count(t.ts) from w left join trips t
                    on date_trunc('week', t.ts) = w.week_start and lower(t.region) = lower('${a1}')
                  group by 1 order by 1`);
} else if (kind === 'latest') {
  rows = await q(`with top2 as (select region, count(*) n from trips group by 1 order by n desc, lower(region) limit 2)
                  select (select region from top2 order by n desc, lower(region) limit 1),
                         (select region from top2 order by n desc, lower(region) limit 1 offset 1),
                         datasource, strftime(ts, '%Y-%m-%d %H:%M:%S') from trips
                  where region in (select region from top2) order by ts desc, lower(datasource) limit 1`);
} else if (kind === 'regions') {
  rows = await q(`select distinct region from trips where lower(datasource) = lower('${a1}') order by lower(region)`);
} else if (kind === 'groups') {
  const p = Number(a1), bucket = Number(a2);
  const B32 = '0123456789bcdefghjkmnpqrstuvwxyz';
  const gh = (lat, lon) => {
    let lo = [-90, 90], la = [-180, 180], bits = 0, n = 0, out = '', even = true;
    while (out.length < p) {
      const r = even ? la : lo, v = even ? lon : lat, mid = (r[0] + r[1]) / 2;
      bits <<= 1;
      if (v >= mid) { bits |= 1; r[0] = mid; } else r[1] = mid;
      even = !even;
      if (++n === 5) { out += B32[bits]; bits = 0; n = 0; }
    }
    return out;
  };
  const all = await q(`select region, epoch_us(ts)::varchar, olon, olat, dlon, dlat from trips`);
  const m = new Map();
  for (const [region, us, olon, olat, dlon, dlat] of all) {
    const t = BigInt(us), day = 86400000000n;
    const tod = ((t % day) + day) % day;
    const b = Number(tod / (BigInt(bucket) * 1000000n));
    const k = [region, gh(olat, olon), gh(dlat, dlon), b].join('|');
    let g = m.get(k);
    if (!g) m.set(k, g = { n: 0, s: [0, 0, 0, 0], first: t, last: t });
    g.n++; g.s[0] += olon; g.s[1] += olat; g.s[2] += dlon; g.s[3] += dlat;
    if (t < g.first) g.first = t;
    if (t > g.last) g.last = t;
  }
  const iso = (t) => new Date(Number(t / 1000n)).toISOString().replace('T', ' ').replace(/\.000Z$/, '').replace('Z', '');
  rows = [...m.entries()].map(([k, g]) => [...k.split('|'), g.n, ...g.s.map(s => s / g.n), iso(g.first), iso(g.last)]);
  rows.sort((x, y) => (x.join(',') < y.join(',') ? -1 : 1));
}
for (const r of rows) console.log(r.map(v => (v === null ? '' : fmt(v))).join(','));
