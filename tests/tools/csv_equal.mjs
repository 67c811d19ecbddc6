// csv_equal.mjs — compare two CSV files row by row: equal text, except that
// cells which both parse as numbers may differ by a relative tolerance.
// usage: node csv_equal.mjs A.csv B.csv [TOLERANCE=1e-9]
// Exit 0 when equal; else prints the first differences and exits 1.
import { readFileSync } from 'node:fs';

const [a, b, tolArg] = process.argv.slice(2);
const tol = Number(tolArg ?? '1e-9');
const lines = (f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.length);
const A = lines(a), B = lines(b);
let bad = 0;
const num = (s) => (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(s) ? Number(s) : NaN);
if (A.length !== B.length) {
  console.log(`row counts differ: ${A.length} vs ${B.length}`);
  bad++;
}
for (let i = 0; i < Math.min(A.length, B.length) && bad < 5; i++) {
  const x = A[i].split(','), y = B[i].split(',');
  const same = x.length === y.length && x.every((v, k) => {
    if (v === y[k]) return true;
    const p = num(v), q = num(y[k]);
    return !isNaN(p) && !isNaN(q) && Math.abs(p - q) <= tol * Math.max(1, Math.abs(p), Math.abs(q));
  });
  if (!same) {
    console.log(`row ${i + 1}:\n  ${A[i]}\n  ${B[i]}`);
    bad++;
  }
}
process.exit(bad ? 1 : 0);
