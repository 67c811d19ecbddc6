// duck.mjs — run SQL in DuckDB (an independent engine) for cross-checks.
// usage: node duck.mjs [--json|--csv] "SQL"   (default --csv, header included)
// Doubles print in shortest round-trip form, bigints as integers, NULL empty.
import { DuckDBInstance } from '@duckdb/node-api';

const args = process.argv.slice(2);
let mode = 'csv';
if (args[0] === '--json' || args[0] === '--csv') mode = args.shift().slice(2);
const sql = args.join(' ');
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await inst.connect();
let reader;
try {
  reader = await con.runAndReadAll(sql);
} catch (e) {
  console.error(String(e.message || e));
  process.exit(1);
}
const cols = reader.columnNames();
const rows = reader.getRowsJson();
function cell(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  const s = String(v);
  return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}
if (mode === 'json') {
  console.log(JSON.stringify(rows.map(r => Object.fromEntries(cols.map((c, i) => [c, r[i]])))));
} else {
  const out = [cols.join(',')];
  for (const r of rows) out.push(r.map(cell).join(','));
  console.log(out.join('\n'));
}
