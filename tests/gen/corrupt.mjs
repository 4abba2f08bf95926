// corrupt.mjs — rewrites one cell of a generated .csv.gz part, to prove the
// identity checker notices. Usage:
//   node corrupt.mjs FILE.csv.gz LINE_ITEM_TYPE COLUMN VALUE
// COLUMN is a header as written in the file (legacy or CUR 2.0 spelling).
// The first row of that line item type gets VALUE; "+1e-10" adds 1e-10 to a
// decimal instead. Exits 1 when no such row or column exists.
import fs from 'node:fs';
import zlib from 'node:zlib';

const [file, lit, column, value] = process.argv.slice(2);
if (!value) { console.error('usage: node corrupt.mjs FILE.csv.gz LINE_ITEM_TYPE COLUMN VALUE'); process.exit(2); }

// Splits one CSV line into raw cells (quotes kept), RFC 4180.
function cells(line) {
  const out = [];
  let cur = '', q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) { cur += ch; if (ch === '"') { if (line[i + 1] === '"') { cur += '"'; i++; } else q = false; } }
    else if (ch === '"') { cur += ch; q = true; }
    else if (ch === ',') { out.push(cur); cur = ''; }
    else cur += ch;
  }
  out.push(cur);
  return out;
}

function plusTiny(s) {
  // exact decimal + 0.0000000001, on the text
  const neg = s.startsWith('-');
  let [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  f = f.padEnd(10, '0');
  let n = BigInt(i + f) * (neg ? -1n : 1n) + 1n;
  const sign = n < 0n ? '-' : '';
  if (n < 0n) n = -n;
  const t = n.toString().padStart(11, '0');
  return `${sign}${t.slice(0, -10)}.${t.slice(-10)}`.replace(/\.?0+$/, '');
}

const lines = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n');
const hdr = cells(lines[0]);
const ci = hdr.indexOf(column), ti = hdr.findIndex((h) => h === 'lineItem/LineItemType' || h === 'line_item_line_item_type');
if (ci < 0 || ti < 0) { console.error(`no column ${column}`); process.exit(1); }
let done = false;
for (let k = 1; k < lines.length && !done; k++) {
  if (!lines[k]) continue;
  const c = cells(lines[k]);
  if (c[ti] !== lit) continue;
  c[ci] = value === '+1e-10' ? plusTiny(c[ci] || '0') : value;
  lines[k] = c.join(',');
  done = true;
}
if (!done) { console.error(`no ${lit} row in ${file}`); process.exit(1); }
fs.writeFileSync(file, zlib.gzipSync(lines.join('\n')));
