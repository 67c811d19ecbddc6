// duck_time.mjs — time one SQL query inside DuckDB (2 threads, like
// tests/tools/duck.mjs): a warm-up run, then the best of N, in seconds, so the
// figure excludes node's and DuckDB's start-up.
// usage: node bench/duck_time.mjs N "SQL"
import { createRequire } from 'node:module';
const require = createRequire(new URL('../tests/tools/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');
const [n, sql] = [Number(process.argv[2]), process.argv[3]];
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await inst.connect();
await con.runAndReadAll(sql);
let best = Infinity;
for (let i = 0; i < n; i++) {
  const t0 = process.hrtime.bigint();
  await con.runAndReadAll(sql);
  best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
}
console.log(best.toFixed(4));
