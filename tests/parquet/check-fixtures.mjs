#!/usr/bin/env node
// Reads every writer fixture in tests/parquet/fixtures with reckon's decoder
// (pqdump) and compares every cell with the source rows the writer was given.
//
//   node tests/parquet/check-fixtures.mjs PQDUMP [FIXTURE-NAME-SUBSTRING]
//
// Normalisation (pqdump's value forms are in the header of pqdump.c):
//   ints and int64        exact, as BigInt
//   double                the same IEEE double (pqdump's text parsed back);
//                         NaN/±Infinity as pqdump's strings; 0 and -0 equal
//   float                 the same float32
//   decimal               the same unscaled integer at the column's scale; a
//                         value with |v| >= 10^20 (beyond reckon's decimals)
//                         must print "(out of range)"
//   ts (ms/us/ns)         {"ts": ms}, ms = floor(raw / unit) (toward -inf)
//   date                  {"date": days}
//   string                the same UTF-8 bytes
//   binary, fixed         the same bytes (pqdump prints BYTE_ARRAY raw, FIXED as hex)
//   map / list            entries in written order; null vs empty kept apart
// Fixtures whose codec reckon refuses must fail: non-zero exit, the expected
// message, naming the column and the row group.
// Each readable fixture is also dumped with --batch 37 (batches that cut
// across pages and row groups): the output must be byte-identical.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseJsonBytes } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIR = path.join(HERE, 'fixtures');
const PQDUMP = process.argv[2];
const FILTER = process.argv[3] ?? '';
if (!PQDUMP) {
  console.error('usage: check-fixtures.mjs PQDUMP [FILTER]');
  process.exit(2);
}

const rowsCache = new Map();
function loadRows(name) {
  if (!rowsCache.has(name)) {
    const lines = fs.readFileSync(path.join(DIR, name), 'utf8').split('\n').filter(Boolean);
    const head = JSON.parse(lines[0]);
    rowsCache.set(name, { columns: head.columns, rows: lines.slice(1).map((l) => JSON.parse(l)) });
  }
  return rowsCache.get(name);
}

const floorDiv = (a, d) => a / d - (a % d !== 0n && a < 0n ? 1n : 0n);
const UNIT = { ms: 1n, us: 1000n, ns: 1000000n };
const specialNum = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };
const show = (v) => {
  if (v === null || v === undefined) return String(v);
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('utf8'));
  if (v.num !== undefined) return v.num;
  if (v.obj) return `{${v.obj.map(([k, x]) => `${show(k)}:${show(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(show).join(',')}]`;
  return JSON.stringify(v);
};
const unscaled = (s, scale) => {
  const neg = s.startsWith('-');
  const [a, b = ''] = (neg ? s.slice(1) : s).split('.');
  if (b.length > scale) return null;
  const u = BigInt(a + b.padEnd(scale, '0'));
  return neg ? -u : u;
};
const single = (v, key) => v && v.obj && v.obj.length === 1 && v.obj[0][0].toString() === key ? v.obj[0][1] : undefined;

// true when pqdump's value `got` is the source value `src` of column spec c
function same(c, src, got) {
  if (src === null) return got === null;
  if (got === null) return false;
  switch (c.kind) {
    case 'int8': case 'int16': case 'int32': case 'int64':
      return got.num !== undefined && /^-?[0-9]+$/.test(got.num) && BigInt(got.num) === BigInt(src);
    case 'bool': return got === src;
    case 'float': case 'double': {
      const want = typeof src === 'string' ? specialNum[src] : src;
      if (Buffer.isBuffer(got)) {
        const t = got.toString();
        return (t === 'NaN' && Number.isNaN(want)) || (t === 'Infinity' && want === Infinity) || (t === '-Infinity' && want === -Infinity);
      }
      if (got.num === undefined || Number.isNaN(want) || !Number.isFinite(want)) return false;
      const x = Number(got.num);
      return c.kind === 'float' ? Math.fround(x) === Math.fround(want) : x === want;
    }
    case 'string': return Buffer.isBuffer(got) && got.equals(Buffer.from(src, 'utf8'));
    case 'binary': return Buffer.isBuffer(got) && got.toString('hex') === src;
    case 'fixed': return Buffer.isBuffer(got) && got.toString('latin1').toLowerCase() === src;
    case 'ts': {
      const ms = single(got, 'ts');
      return ms?.num !== undefined && BigInt(ms.num) === floorDiv(BigInt(src), UNIT[c.unit]);
    }
    case 'date': {
      const d = single(got, 'date');
      return d?.num !== undefined && BigInt(d.num) === BigInt(src);
    }
    case 'decimal': {
      if (!Buffer.isBuffer(got)) return false;
      const u = unscaled(src, c.scale);
      const lim = 10n ** BigInt(20 + c.scale);
      const t = got.toString();
      if (u >= lim || u <= -lim) return t === '(out of range)';
      const g = unscaled(t, c.scale);
      return g !== null && g === u;
    }
    case 'map': {
      if (!got.obj || got.obj.length !== src.length) return false;
      const vk = { kind: c.value };
      return src.every(([k, v], i) => got.obj[i][0].equals(Buffer.from(k, 'utf8')) && same(vk, v, got.obj[i][1]));
    }
    case 'list': {
      if (!Array.isArray(got) || got.length !== src.length) return false;
      const ek = { kind: c.elem };
      return src.every((v, i) => same(ek, v, got[i]));
    }
  }
  throw new Error(`unknown kind ${c.kind}`);
}

const runDump = (file, extra = []) => spawnSync(PQDUMP, [file, ...extra], { maxBuffer: 1 << 30 });

let files = 0, rowsSeen = 0, cells = 0, mismatches = 0, failures = 0, refused = 0;
const problems = [];
const manifests = fs.readdirSync(DIR).filter((f) => f.endsWith('.json') && f.includes(FILTER)).sort();
for (const mf of manifests) {
  const man = JSON.parse(fs.readFileSync(path.join(DIR, mf), 'utf8'));
  const base = mf.replace(/\.json$/, '');
  const file = path.join(DIR, `${base}.parquet`);
  files++;
  const r = runDump(file);
  const stderr = r.stderr.toString();
  if (/AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|LeakSanitizer/.test(stderr)) {
    failures++;
    problems.push(`${base}: sanitizer report:\n${stderr.slice(0, 2000)}`);
    continue;
  }
  if (man.expect_error) {
    const ok = r.status !== 0 && r.status !== null && stderr.includes(man.expect_error) && /column \S+/.test(stderr) && /row group \d+/.test(stderr);
    if (ok) refused++;
    else {
      failures++;
      problems.push(`${base}: expected a refusal containing "${man.expect_error}" naming the column and row group; got exit ${r.status}, stderr: ${stderr.trim()}`);
    }
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${base}: refused (${stderr.trim().replace(/^.*?: /, '')})`);
    continue;
  }
  if (r.status !== 0) {
    failures++;
    problems.push(`${base}: pqdump exited ${r.status}: ${stderr.trim()}`);
    console.log(`FAIL ${base}: pqdump exited ${r.status}: ${stderr.trim()}`);
    continue;
  }
  const { columns, rows } = loadRows(man.rows);
  const out = r.stdout;
  const lines = [];
  for (let p = 0; p < out.length;) {
    const e = out.indexOf(10, p);
    const end = e < 0 ? out.length : e;
    if (end > p) lines.push(out.subarray(p, end));
    p = end + 1;
  }
  let fileMis = 0;
  const perCol = new Map();
  const note = (msg, col) => {
    fileMis++;
    if (col) perCol.set(col, (perCol.get(col) ?? 0) + 1);
    if (fileMis <= 8) problems.push(`${base}: ${msg}`);
  };
  if (lines.length !== rows.length) note(`${lines.length} rows decoded, ${rows.length} written`);
  const printed = columns.filter((c) => c.kind !== 'struct'); // pqdump skips nested structs
  for (let i = 0; i < Math.min(lines.length, rows.length); i++) {
    let obj;
    try {
      obj = parseJsonBytes(lines[i]);
    } catch (e) {
      note(`row ${i}: pqdump printed invalid JSON: ${e.message}`);
      continue;
    }
    const got = new Map(obj.obj.map(([k, v]) => [k.toString(), v]));
    if (got.size !== printed.length) note(`row ${i}: ${got.size} columns printed, ${printed.length} expected (${[...got.keys()].join(',')})`);
    rowsSeen++;
    columns.forEach((c, j) => {
      if (c.kind === 'struct') return;
      cells++;
      if (!got.has(c.name)) return note(`row ${i}: column ${c.name} missing`, c.name);
      if (!same(c, rows[i][j], got.get(c.name))) note(`row ${i} column ${c.name} (${c.kind}${c.unit ? ' ' + c.unit : ''}${c.scale !== undefined ? ` ${c.precision},${c.scale}` : ''}): wrote ${JSON.stringify(rows[i][j])}, pqdump gave ${show(got.get(c.name))}`, c.name);
    });
  }
  // the same output whatever the batch size
  const r2 = runDump(file, ['--batch', '37']);
  if (r2.status !== 0 || !r2.stdout.equals(out)) note(`pqdump --batch 37 gives a different output (exit ${r2.status}: ${r2.stderr.toString().trim()})`);
  mismatches += fileMis;
  if (fileMis > 8) problems.push(`${base}: ... ${fileMis - 8} more`);
  const cols = [...perCol].map(([k, n]) => `${k}×${n}`).join(' ');
  console.log(`${fileMis ? 'FAIL' : 'ok  '} ${base}: ${lines.length} rows${fileMis ? `, ${fileMis} mismatches ${cols}` : ''}`);
}

if (problems.length) {
  console.log('\nProblems:');
  for (const p of problems) console.log('  ' + p);
}
console.log(`\nfiles ${files} (${refused} refused as expected), rows ${rowsSeen}, cells compared ${cells}, mismatches ${mismatches}, failures ${failures}`);
const failed = new Set(problems.map((p) => p.split(':')[0])).size;
console.log(`${files - failed} passed, ${failed} failed`);
process.exit(files === 0 || mismatches + failures ? 1 : 0);
