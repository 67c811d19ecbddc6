// pq_jsoncmp.mjs — compare two JSON-lines files value by value (used by the
// Parquet e2e tests to hold `tripflow parquet cat --format jsonl` against
// DuckDB's own JSON of the same file).  Numbers compare by value with 64-bit
// integers kept exact; a timestamp's "+00" zone suffix (DuckDB's TIMESTAMPTZ)
// is dropped and its fraction compared without trailing zeros (tripflow
// always writes six digits, DuckDB trims them).  usage: node pq_jsoncmp.mjs A.jsonl B.jsonl  -> exit 1 on the
// first difference, printing the line and the two values.  --float32: also
// accept non-integral numbers equal at single precision (FLOAT columns, which
// DuckDB writes widened to double).
import { readFileSync } from 'node:fs';

function parse(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
  function value() {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o = {};
      ws();
      if (text[i] === '}') { i++; return o; }
      for (;;) {
        ws();
        const k = value();
        ws();
        if (text[i++] !== ':') throw new Error('expected : at ' + i);
        o[k] = value();
        ws();
        const d = text[i++];
        if (d === '}') return o;
        if (d !== ',') throw new Error('expected , at ' + i);
      }
    }
    if (c === '[') {
      i++;
      const a = [];
      ws();
      if (text[i] === ']') { i++; return a; }
      for (;;) {
        a.push(value());
        ws();
        const d = text[i++];
        if (d === ']') return a;
        if (d !== ',') throw new Error('expected , at ' + i);
      }
    }
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      let s = JSON.parse(text.slice(i, j + 1));
      i = j + 1;
      const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(\.\d+)?(\+00)?$/.exec(s);
      if (m) s = m[1] + (m[2] ? m[2].replace(/0+$/, '').replace(/\.$/, '') : '');
      return s;
    }
    const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 40));
    if (m) {
      i += m[0].length;
      const tok = m[0];
      if (!m[1] && !m[2]) return { n: BigInt(tok).toString() };
      const v = Number(tok);
      return { n: Number.isInteger(v) && Math.abs(v) < 2 ** 63 ? BigInt(v).toString() : String(v) };

    }
    for (const [w, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(w, i)) { i += w.length; return v; }
    }
    throw new Error('bad JSON at ' + i + ': ' + text.slice(i, i + 20));
  }
  const v = value();
  return v;
}

const args = process.argv.slice(2);
const f32 = args[0] === '--float32' ? (args.shift(), true) : false;
const canon = v => JSON.stringify(v, (k, x) => {
  if (f32 && x && typeof x === 'object' && typeof x.n === 'string' && /[.e]/.test(x.n)) return { n: String(Math.fround(Number(x.n))) };
  return x;
});
const [a, b] = args;
const la = readFileSync(a, 'utf8').split('\n').filter(l => l.length);
const lb = readFileSync(b, 'utf8').split('\n').filter(l => l.length);
if (la.length !== lb.length) {
  console.error(`${a} has ${la.length} lines, ${b} has ${lb.length}`);
  process.exit(1);
}
for (let k = 0; k < la.length; k++) {
  const x = canon(parse(la[k])), y = canon(parse(lb[k]));
  if (x !== y) {
    let p = 0;
    while (p < x.length && x[p] === y[p]) p++;
    console.error(`line ${k + 1} differs at character ${p}:\n  ${a}: ...${x.slice(Math.max(0, p - 60), p + 80)}\n  ${b}: ...${y.slice(Math.max(0, p - 60), p + 80)}`);
    process.exit(1);
  }
}
console.log(`${la.length} rows equal`);
