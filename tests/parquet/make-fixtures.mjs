#!/usr/bin/env node
// Writes the Parquet writer fixtures (run by hand; the files are committed):
//
//   node tests/parquet/make-fixtures.mjs
//
// Three independent writers get the same kind of deterministic data (fixed
// seed): DuckDB (@duckdb/node-api), arrow-rs compiled to WebAssembly
// (parquet-wasm, from Arrow tables built with apache-arrow) and the pure
// JavaScript hyparquet-writer. Each is asked for every compression, data page
// version, dictionary setting and explicit encoding it lets us choose.
//
// Out, in tests/parquet/fixtures/:
//   <dataset>.rows.jsonl       the source rows a writer was given (duckdb,
//                              duckdb-2rg, wasm, hyparquet): a header
//                              line {"columns":[...]} then one JSON array per
//                              row (see "Source form" below)
//   <writer>-<variant>.parquet the file the writer wrote
//   <writer>-<variant>.json    which rows it holds, the writer options, and
//                              for codecs reckon refuses the expected error
//   COVERAGE.md                writer x variant -> codec, encodings, page types
//                              (from DuckDB's parquet_metadata() and from the
//                              page headers), and what no writer can produce
//
// Source form of a cell (what check-fixtures.mjs compares pqdump against):
//   int8/16/32, date (days)   JSON number         int64      decimal string
//   float, double             JSON number, or "NaN" "Infinity" "-Infinity" "-0"
//   string                    JSON string (compared as UTF-8 bytes)
//   binary, fixed             lowercase hex of the bytes
//   ts (unit ms/us/ns)        decimal string of the raw value in its unit
//   decimal (p, s)            exact decimal string with s decimals
//   map                       [[key, value], ...] in written order, or null
//   list                      [elem, ...] or null
//   struct (DuckDB only)      written, but pqdump skips nested structs
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { rng, importNode, readFooter, readPages, CODEC } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'fixtures');
fs.mkdirSync(OUT, { recursive: true });

// ---------------------------------------------------------------- columns --
// kind: int8 int16 int32 int64 bool float double string binary fixed ts date
//       decimal map list struct;  null: share of nulls (0 = required)
const common = [
  { name: 'id', kind: 'int64', null: 0, gen: 'seq' },
  { name: 'i32', kind: 'int32', null: 0.1 },
  { name: 'i64', kind: 'int64', null: 0.1 },
  { name: 'flag', kind: 'bool', null: 0.1 },
  { name: 'f32', kind: 'float', null: 0.1 },
  { name: 'f64', kind: 'double', null: 0.1 },
  { name: 'cost', kind: 'double', null: 0.05, gen: 'cost' },
  { name: 's', kind: 'string', null: 0.1 },
  { name: 's_req', kind: 'string', null: 0, gen: 'region' },
  { name: 's_long', kind: 'string', null: 0.05, gen: 'long' },
  { name: 'bin', kind: 'binary', null: 0.1 },
  { name: 'ts_ms', kind: 'ts', unit: 'ms', utc: false, null: 0.1 },
  { name: 'ts_us', kind: 'ts', unit: 'us', utc: true, null: 0.1 },
  { name: 'ts_ns', kind: 'ts', unit: 'ns', utc: false, null: 0.1 },
  { name: 'day', kind: 'date', null: 0.1 },
  { name: 'd_9_2', kind: 'decimal', precision: 9, scale: 2, null: 0.1 },
  { name: 'd_18_6', kind: 'decimal', precision: 18, scale: 6, null: 0.1 },
  { name: 'd_38_10', kind: 'decimal', precision: 38, scale: 10, null: 0.1 },
  { name: 'tags', kind: 'map', value: 'string', null: 0.1 },
  { name: 'costs', kind: 'map', value: 'double', null: 0.1 },
  { name: 'li', kind: 'list', elem: 'int64', null: 0.1 },
];
const DATASETS = {
  duckdb: {
    rows: 250, seed: 1001,
    columns: [
      ...common,
      { name: 'i8', kind: 'int8', null: 0.1 },
      { name: 'i16', kind: 'int16', null: 0.1 },
      { name: 'fx', kind: 'fixed', length: 16, null: 0.1 }, // UUID
      { name: 'ts_us_local', kind: 'ts', unit: 'us', utc: false, null: 0.1 },
      { name: 'd_4_1', kind: 'decimal', precision: 4, scale: 1, null: 0.1 },
      { name: 'd_38_18', kind: 'decimal', precision: 38, scale: 18, null: 0.1 },
      { name: 'ls', kind: 'list', elem: 'string', null: 0.1 },
      { name: 'st', kind: 'struct', null: 0.1 },
    ],
  },
  // DuckDB writes at least 2048 rows per row group: more than one needs more
  // rows, so a narrower table for that
  'duckdb-2rg': {
    writer: 'duckdb', rows: 2100, seed: 1002,
    columns: common.filter((c) => ['id', 'i32', 'cost', 's_req', 'ts_us', 'day', 'tags'].includes(c.name)),
  },
  wasm: {
    rows: 300, seed: 2002,
    columns: [
      ...common,
      { name: 'i8', kind: 'int8', null: 0.1 },
      { name: 'i16', kind: 'int16', null: 0.1 },
      { name: 'fx', kind: 'fixed', length: 5, null: 0.1 },
      { name: 'ts_ms_utc', kind: 'ts', unit: 'ms', utc: true, null: 0.1 },
      { name: 'ts_ns_utc', kind: 'ts', unit: 'ns', utc: true, null: 0.1 },
      { name: 'd_38_18', kind: 'decimal', precision: 38, scale: 18, null: 0.1 },
      { name: 'ls', kind: 'list', elem: 'string', null: 0.1 },
    ],
  },
  hyparquet: {
    rows: 300, seed: 3003,
    columns: [
      ...common,
      { name: 'fx', kind: 'fixed', length: 5, null: 0.1 },
      { name: 'ts_us_local', kind: 'ts', unit: 'us', utc: false, null: 0.1 },
      { name: 'd_fixed_9_3', kind: 'decimal', precision: 9, scale: 3, phys: 'fixed', null: 0.1 },
      { name: 'd_fixed_30_8', kind: 'decimal', precision: 30, scale: 8, phys: 'fixed', null: 0.1 },
      { name: 'd_bin_25_5', kind: 'decimal', precision: 25, scale: 5, phys: 'binary', null: 0.1 },
      { name: 'd_bin_38_0', kind: 'decimal', precision: 38, scale: 0, phys: 'binary', null: 0.1 },
      { name: 'ls', kind: 'list', elem: 'string', null: 0.1 },
    ],
  },
};

// ------------------------------------------------------------------- data --
const STRINGS = [
  '', 'a', 'AmazonEC2', 'BoxUsage:m5.large', 'us-east-1', 'Ünïcödé', '日本語のテキスト', 'emoji 🎉👍🏽',
  'e\u0301 combining', 'Ελληνικά', 'עברית', 'tab\there', 'line\nbreak', 'quote " and \\ backslash',
  'ctl \u0001\u001f', 'nul\u0000inside', '  spaces  ', '$0.096 per On Demand Linux m5.large Instance Hour',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 astral', '中文', 'ÿ', '{"json":[1,2]}', "it's", '\u007f del',
];
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2', 'global', ''];
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'écho', 'föxtrot', 'golf', 'hotel', 'índia', 'juliett', '東京', '🚀'];
const TAG_KEYS = ['user:team', 'aws:createdBy', 'env', 'CostCenter', 'ünï-key', 'project', '', 'user:Name'];
const COST_KEYS = ['compute', 'storage', 'network', 'support', 'tax', 'credit'];

const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n;
const F32_SPECIAL = [3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, 1.1754943508222875e-38,
  'NaN', 'Infinity', '-Infinity', '-0', 0, 1, -1, Math.fround(0.1), Math.fround(-123.456)];
const F64_SPECIAL = [1.7976931348623157e308, -1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 'NaN',
  'Infinity', '-Infinity', '-0', 0, 0.1, -0.3, 1e-19, 1.5e-18, 123456789.123456789, 1e20, 99999999999999999999.0,
  0.0012345678901234567, 4.35e-7, -2.5e-12, 9007199254740993, 1e-300];
// unit -> [lo, hi] of raw values (ns: within the years 1678..2261)
const TS_RANGE = { ms: [-5e12, 7e12], us: [-5e15, 7e15], ns: [-9e18, 9e18] };

const fmtDec = (u, s) => {
  const neg = u < 0n;
  let t = (neg ? -u : u).toString().padStart(s + 1, '0');
  if (s) t = t.slice(0, t.length - s) + '.' + t.slice(t.length - s);
  return (neg ? '-' : '') + t;
};
const randBig = (r, digits) => {
  let x = 0n;
  const n = r.int(1, digits);
  for (let i = 0; i < n; i++) x = x * 10n + BigInt(r.int(0, 9));
  return r.chance(0.4) ? -x : x;
};
const hex = (bytes) => Buffer.from(bytes).toString('hex');

function genString(r) {
  if (r.chance(0.6)) return r.pick(STRINGS);
  const n = r.int(1, 12);
  let s = '';
  for (let i = 0; i < n; i++) s += r.chance(0.85) ? String.fromCharCode(r.int(0x20, 0x7e)) : r.pick(['é', 'ß', '€', '猫', '😀', 'Ω']);
  return s;
}

function genValue(c, r, i, n) {
  switch (c.kind) {
    case 'int8': return [-128, 127, 0, -1][i] ?? r.int(-128, 127);
    case 'int16': return [-32768, 32767, 0, -1][i] ?? r.int(-32768, 32767);
    case 'int32': {
      const sp = [-2147483648, 2147483647, 0, -1, 1][i];
      if (sp !== undefined) return sp;
      return r.chance(0.5) ? r.pick([7, -7, 1000, 42, -99999, 123456789]) : r.int(-2147483648, 2147483647);
    }
    case 'int64': {
      if (c.gen === 'seq') return String(i);
      const sp = [I64_MIN, I64_MAX, 0n, -1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 62n][i];
      if (sp !== undefined) return String(sp);
      if (r.chance(0.4)) return String(r.pick([5n, -5n, 1n << 40n, 123456789012345n]));
      return String(BigInt.asIntN(64, r.u64()));
    }
    case 'bool': return r.chance(0.6);
    case 'float': {
      if (i < F32_SPECIAL.length) return F32_SPECIAL[i];
      if (r.chance(0.3)) return Math.fround(r.pick([0.5, 2.25, -7.75, 1e-3, 65504]));
      return Math.fround((r.next() - 0.5) * 10 ** r.int(-8, 12));
    }
    case 'double': {
      if (c.gen === 'cost') {
        // amounts as CUR has them: a few decimals, many repeats
        if (r.chance(0.5)) return r.pick([0, 0.096, 0.0116, -12.5, 1.25, 0.000001, 100]);
        return Math.round((r.next() - 0.2) * 1e8) / 10 ** r.int(2, 10);
      }
      if (i < F64_SPECIAL.length) return F64_SPECIAL[i];
      if (r.chance(0.2)) return r.pick([0.5, 0.1, 2.75, -1e6, 3.14159]);
      if (r.chance(0.4)) return Math.round((r.next() - 0.5) * 1e8) / 1e4;
      return (r.next() - 0.5) * 10 ** r.int(-12, 15);
    }
    case 'string': {
      if (c.gen === 'region') return r.pick(REGIONS);
      if (c.gen === 'long') {
        // a small repeated set first (dictionary), then long distinct strings
        // (the dictionary outgrows its limit: writers fall back to PLAIN)
        if (i < n * 0.3) return r.pick(['short-a', 'short-b', 'short-c', '']);
        let s = `${i}:`;
        const len = r.int(30, 80);
        while (s.length < len) s += r.pick(WORDS) + ' ';
        return s;
      }
      return genString(r);
    }
    case 'binary': {
      const n2 = r.chance(0.1) ? 0 : r.int(1, 16);
      const b = [];
      for (let k = 0; k < n2; k++) b.push(r.pick([0, 0xff, 0x80, 0x22, 0x5c, 0x0a, r.int(0, 255)]));
      return hex(b);
    }
    case 'fixed': {
      if (i === 0) return '00'.repeat(c.length);
      if (i === 1) return 'ff'.repeat(c.length);
      const b = [];
      for (let k = 0; k < c.length; k++) b.push(r.int(0, 255));
      return hex(b);
    }
    case 'ts': {
      const d = { ms: 1n, us: 1000n, ns: 1000000n }[c.unit];
      const sp = [0n, -1n, 1n, d - 1n, -d, -d - 1n, 1735689600000n * d, -2208988800000n * d][i];
      if (sp !== undefined) return String(sp);
      if (c.unit === 'ns' && r.chance(0.05)) return String(r.pick([-9200000000000000001n, 9200000000000000000n]));
      const [lo, hi] = TS_RANGE[c.unit];
      if (r.chance(0.3)) return String(BigInt(r.pick([1735689600000, 1738368000000, 1740787200000])) * d); // month starts
      return String(BigInt(Math.floor(lo + r.next() * (hi - lo))));
    }
    case 'date': return [0, -1, 1, -719162, 2932896, 20089][i] ?? (r.chance(0.3) ? r.pick([20089, 20120, 20148]) : r.int(-30000, 80000));
    case 'decimal': {
      const { precision: p, scale: s } = c;
      const max = 10n ** BigInt(p) - 1n;
      const sp = [0n, 1n, -1n, max, -max, 10n ** BigInt(s)][i];
      if (sp !== undefined) return fmtDec(sp, s);
      if (r.chance(0.3)) return fmtDec(r.pick([12345n, -500n, 99n, 10n ** BigInt(s) * 7n]) % (max + 1n), s);
      // mostly within reckon's range (|v| < 10^20), a few beyond for wide types
      const digits = Math.min(p, r.chance(0.9) ? 19 + s : p);
      return fmtDec(randBig(r, digits), s);
    }
    case 'map': {
      if (i === 0) return [];
      const m = r.int(0, 4);
      if (m === 0 && r.chance(0.5)) return [];
      const keys = [...(c.value === 'double' ? COST_KEYS : TAG_KEYS)];
      const out = [];
      for (let k = 0; k < m; k++) {
        const key = keys.splice(r.int(0, keys.length - 1), 1)[0];
        let v = null;
        if (!r.chance(0.15)) v = c.value === 'double' ? genValue({ kind: 'double', gen: 'cost' }, r, 99, n) : genString(r);
        out.push([key, v]);
      }
      return out;
    }
    case 'list': {
      if (i === 0) return [];
      const m = r.int(0, c.elem === 'string' ? 3 : 5);
      const out = [];
      for (let k = 0; k < m; k++) {
        if (r.chance(0.15)) out.push(null);
        else out.push(c.elem === 'string' ? genString(r) : genValue({ kind: 'int64' }, r, 99, n));
      }
      return out;
    }
    case 'struct': return { x: r.int(-5, 5), y: r.chance(0.2) ? null : genString(r) };
  }
  throw new Error(`kind ${c.kind}`);
}

function genRows(ds) {
  const r = rng(ds.seed);
  const rows = [];
  for (let i = 0; i < ds.rows; i++) {
    rows.push(ds.columns.map((c) => {
      // nulls nowhere in the first rows (they hold the special values)
      if (c.null && i >= 8 && r.chance(c.null)) return null;
      return genValue(c, r, i, ds.rows);
    }));
  }
  return rows;
}

// the column spec as the checker needs it
const specOf = (c) => {
  const o = { name: c.name, kind: c.kind, nullable: c.null > 0 };
  for (const k of ['unit', 'utc', 'precision', 'scale', 'phys', 'value', 'elem', 'length']) if (c[k] !== undefined) o[k] = c[k];
  return o;
};

const numOf = (v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === '-0' ? -0 : v);
const unscaled = (s, scale) => {
  const neg = s.startsWith('-');
  const [a, b = ''] = (neg ? s.slice(1) : s).split('.');
  const u = BigInt(a + b.padEnd(scale, '0'));
  return neg ? -u : u;
};

// ----------------------------------------------------------------- DuckDB --
const sqlStr = (s) => {
  if (s === '') return "''";
  // control characters (and NUL) go through chr()
  const parts = [];
  let cur = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (cp < 0x20) {
      if (cur) parts.push(`'${cur.replaceAll("'", "''")}'`);
      cur = '';
      parts.push(`chr(${cp})`);
    } else cur += ch;
  }
  if (cur) parts.push(`'${cur.replaceAll("'", "''")}'`);
  return parts.length === 1 ? parts[0] : `(${parts.join(' || ')})`;
};
const duckType = (c) => {
  switch (c.kind) {
    case 'int8': return 'TINYINT';
    case 'int16': return 'SMALLINT';
    case 'int32': return 'INTEGER';
    case 'int64': return 'BIGINT';
    case 'bool': return 'BOOLEAN';
    case 'float': return 'FLOAT';
    case 'double': return 'DOUBLE';
    case 'string': return 'VARCHAR';
    case 'binary': return 'BLOB';
    case 'fixed': return 'UUID';
    case 'ts': return c.unit === 'ms' ? 'TIMESTAMP_MS' : c.unit === 'ns' ? 'TIMESTAMP_NS' : c.utc ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    case 'date': return 'DATE';
    case 'decimal': return `DECIMAL(${c.precision},${c.scale})`;
    case 'map': return `MAP(VARCHAR, ${c.value === 'double' ? 'DOUBLE' : 'VARCHAR'})`;
    case 'list': return c.elem === 'string' ? 'VARCHAR[]' : 'BIGINT[]';
    case 'struct': return 'STRUCT(x INTEGER, y VARCHAR)';
  }
};
const duckLit = (c, v) => {
  if (v === null) return `NULL::${duckType(c)}`;
  switch (c.kind) {
    case 'int8': case 'int16': case 'int32': case 'date':
      return c.kind === 'date' ? `(DATE '1970-01-01' + (${v})::INTEGER)` : `(${v})::${duckType(c)}`;
    case 'int64': return `(${v})::BIGINT`;
    case 'bool': return v ? 'true' : 'false';
    case 'float': case 'double': {
      const t = typeof v === 'string' ? { NaN: 'nan', Infinity: 'inf', '-Infinity': '-inf', '-0': '-0.0' }[v] : String(v);
      return `CAST('${t}' AS DOUBLE)${c.kind === 'float' ? '::FLOAT' : ''}`;
    }
    case 'string': return sqlStr(v);
    case 'binary': return `from_hex('${v}')`;
    case 'fixed': return `'${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20)}'::UUID`;
    case 'ts':
      if (c.unit === 'ms') return `epoch_ms((${v})::BIGINT)::TIMESTAMP_MS`;
      if (c.unit === 'ns') return `make_timestamp_ns((${v})::BIGINT)`;
      return `make_timestamp((${v})::BIGINT)${c.utc ? '::TIMESTAMPTZ' : ''}`;
    case 'decimal': return `'${v}'::${duckType(c)}`;
    case 'map': {
      const vt = { kind: c.value === 'double' ? 'double' : 'string' };
      return `MAP {${v.map(([k, x]) => `${sqlStr(k)}: ${duckLit(vt, x)}`).join(', ')}}::${duckType(c)}`;
    }
    case 'list': {
      const et = { kind: c.elem === 'string' ? 'string' : 'int64' };
      return `[${v.map((x) => duckLit(et, x)).join(', ')}]::${duckType(c)}`;
    }
    case 'struct': return `{'x': ${v.x}, 'y': ${v.y === null ? 'NULL' : sqlStr(v.y)}}::${duckType(c)}`;
  }
};

let duck;
async function duckdb() {
  if (duck) return duck;
  const { DuckDBInstance } = await importNode('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const q = async (s) => (await con.runAndReadAll(s)).getRowObjectsJson();
  await q("SET TimeZone='UTC'");
  await q('SET threads=1');
  duck = { q };
  return duck;
}

async function loadDuckTable(ds, rows) {
  const { q } = await duckdb();
  await q('DROP TABLE IF EXISTS src');
  const cols = ds.columns.filter((c) => true);
  await q(`CREATE TABLE src (${cols.map((c) => `"${c.name}" ${duckType(c)}${c.null ? '' : ' NOT NULL'}`).join(', ')})`);
  for (let i = 0; i < rows.length; i += 200) {
    const vals = rows.slice(i, i + 200).map((row) => `(${cols.map((c, j) => duckLit(c, row[j])).join(', ')})`);
    await q(`INSERT INTO src VALUES ${vals.join(',\n')}`);
  }
}

async function writeDuck(file, opts) {
  const { q } = await duckdb();
  const o = [`FORMAT PARQUET`, `COMPRESSION ${opts.codec}`, `PARQUET_VERSION ${opts.version}`, `ROW_GROUP_SIZE 2048`];
  if (opts.extra) o.push(opts.extra);
  await q(`COPY (SELECT * FROM src ORDER BY id) TO '${file}' (${o.join(', ')})`);
}

// ------------------------------------------------------------ parquet-wasm --
let A, PW;
async function arrowTable(ds, rows) {
  A ??= await importNode('apache-arrow');
  const n = rows.length;
  const fields = [], datas = [];
  const validity = (j) => {
    const bm = new Uint8Array(Math.ceil(n / 8));
    let nulls = 0;
    rows.forEach((r, i) => { if (r[j] !== null) bm[i >> 3] |= 1 << (i & 7); else nulls++; });
    return { nullBitmap: bm, nullCount: nulls };
  };
  const i128words = (u) => {
    const w = new Uint32Array(4);
    let x = BigInt.asUintN(128, u);
    for (let k = 0; k < 4; k++) { w[k] = Number(x & 0xffffffffn); x >>= 32n; }
    return w;
  };
  ds.columns.forEach((c, j) => {
    const col = rows.map((r) => r[j]);
    let type, data;
    const v = validity(j);
    switch (c.kind) {
      case 'int8': case 'int16': case 'int32': case 'date': {
        type = { int8: new A.Int8(), int16: new A.Int16(), int32: new A.Int32(), date: new A.DateDay() }[c.kind];
        const Arr = { int8: Int8Array, int16: Int16Array, int32: Int32Array, date: Int32Array }[c.kind];
        data = A.makeData({ type, length: n, ...v, data: Arr.from(col, (x) => x ?? 0) });
        break;
      }
      case 'int64': case 'ts': {
        type = c.kind === 'int64' ? new A.Int64()
          : new { ms: A.TimestampMillisecond, us: A.TimestampMicrosecond, ns: A.TimestampNanosecond }[c.unit](c.utc ? 'UTC' : null);
        data = A.makeData({ type, length: n, ...v, data: BigInt64Array.from(col, (x) => BigInt(x ?? 0)) });
        break;
      }
      case 'float': case 'double': {
        type = c.kind === 'float' ? new A.Float32() : new A.Float64();
        const Arr = c.kind === 'float' ? Float32Array : Float64Array;
        data = A.makeData({ type, length: n, ...v, data: Arr.from(col, (x) => numOf(x ?? 0)) });
        break;
      }
      case 'bool': type = new A.Bool(); data = A.vectorFromArray(col, type).data[0]; break;
      case 'string': type = new A.Utf8(); data = A.vectorFromArray(col, type).data[0]; break;
      case 'binary': {
        type = new A.Binary();
        const bufs = col.map((x) => Buffer.from(x ?? '', 'hex'));
        const offs = new Int32Array(n + 1);
        bufs.forEach((b, i) => { offs[i + 1] = offs[i] + b.length; });
        data = A.makeData({ type, length: n, ...v, valueOffsets: offs, data: new Uint8Array(Buffer.concat(bufs)) });
        break;
      }
      case 'fixed': {
        type = new A.FixedSizeBinary(c.length);
        const bytes = new Uint8Array(Buffer.concat(col.map((x) => Buffer.from(x ?? '00'.repeat(c.length), 'hex'))));
        data = A.makeData({ type, length: n, ...v, data: bytes });
        break;
      }
      case 'decimal': {
        type = new A.Decimal(c.scale, c.precision, 128);
        const words = new Uint32Array(n * 4);
        col.forEach((x, i) => { if (x !== null) words.set(i128words(unscaled(x, c.scale)), i * 4); });
        data = A.makeData({ type, length: n, ...v, data: words });
        break;
      }
      case 'map': {
        const vt = c.value === 'double' ? new A.Float64() : new A.Utf8();
        type = new A.Map_(new A.Field('key_value', new A.Struct([new A.Field('key', new A.Utf8(), false), new A.Field('value', vt, true)]), false));
        data = A.vectorFromArray(col.map((m) => (m === null ? null : new Map(m.map(([k, x]) => [k, c.value === 'double' ? numOf(x) : x])))), type).data[0];
        break;
      }
      case 'list': {
        type = new A.List(new A.Field('element', c.elem === 'string' ? new A.Utf8() : new A.Int64(), true));
        data = A.vectorFromArray(col.map((l) => (l === null ? null : l.map((x) => (x === null ? null : c.elem === 'string' ? x : BigInt(x))))), type).data[0];
        break;
      }
      default: throw new Error(c.kind);
    }
    fields.push(new A.Field(c.name, type, c.null > 0));
    datas.push(data);
  });
  const schema = new A.Schema(fields);
  const batch = new A.RecordBatch(schema, A.makeData({ type: new A.Struct(fields), length: n, nullCount: 0, children: datas }));
  return new A.Table([batch]);
}

async function writeWasm(file, table, opts) {
  PW ??= await importNode('parquet-wasm');
  const { Compression, WriterVersion, Encoding, EnabledStatistics, WriterPropertiesBuilder, writeParquet, Table } = PW;
  let b = new WriterPropertiesBuilder()
    .setCompression(Compression[opts.codec])
    .setWriterVersion(WriterVersion[opts.version])
    .setMaxRowGroupSize(120)
    .setDataPageSizeLimit(1024)
    .setWriteBatchSize(32)
    .setDictionaryPageSizeLimit(1024)
    .setStatisticsEnabled(EnabledStatistics.None)
    .setDictionaryEnabled(opts.dict !== false)
    .setCreatedBy('parquet-wasm 0.8.0 (arrow-rs parquet 59.3.0)');
  if (opts.encoding) b = b.setEncoding(Encoding[opts.encoding]);
  for (const [col, enc] of Object.entries(opts.encodings ?? {})) b = b.setColumnEncoding(col, Encoding[enc]);
  const w = Table.fromIPCStream(A.tableToIPC(table, 'stream'));
  fs.writeFileSync(file, writeParquet(w, b.build()));
}

// -------------------------------------------------------- hyparquet-writer --
// Stored-block ZSTD (raw blocks in a frame) and literal-only LZ4 block: valid
// streams of those formats written here, since Node has no such compressor.
function zstdRaw(bytes) {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0]), Buffer.alloc(4)];
  parts[1].writeUInt32LE(bytes.length);
  const B = 1 << 17;
  for (let o = 0; o < bytes.length || o === 0; o += B) {
    const chunk = bytes.subarray(o, o + B);
    const last = o + B >= bytes.length ? 1 : 0;
    const h = (chunk.length << 3) | last; // block type 0 = raw
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), Buffer.from(chunk));
    if (last) break;
  }
  return new Uint8Array(Buffer.concat(parts));
}
function lz4Literals(bytes) {
  const n = bytes.length, head = [];
  if (n < 15) head.push(n << 4);
  else {
    head.push(0xf0);
    let r = n - 15;
    while (r >= 255) { head.push(255); r -= 255; }
    head.push(r);
  }
  return new Uint8Array(Buffer.concat([Buffer.from(head), Buffer.from(bytes)]));
}
const COMPRESSORS = {
  GZIP: (b) => new Uint8Array(zlib.gzipSync(b)),
  BROTLI: (b) => new Uint8Array(zlib.brotliCompressSync(b)),
  ZSTD: zstdRaw,
  LZ4_RAW: lz4Literals,
};

let HW;
function hyparquetSchema(ds) {
  const schema = [{ name: 'root', num_children: ds.columns.length }];
  const rep = (c) => (c.null ? 'OPTIONAL' : 'REQUIRED');
  const leaf = (kind, extra = {}) => {
    switch (kind) {
      case 'int32': return { type: 'INT32', ...extra };
      case 'int64': return { type: 'INT64', ...extra };
      case 'bool': return { type: 'BOOLEAN', ...extra };
      case 'float': return { type: 'FLOAT', ...extra };
      case 'double': return { type: 'DOUBLE', ...extra };
      case 'string': return { type: 'BYTE_ARRAY', converted_type: 'UTF8', ...extra };
      case 'binary': return { type: 'BYTE_ARRAY', ...extra };
    }
  };
  for (const c of ds.columns) {
    const r = rep(c);
    switch (c.kind) {
      case 'fixed': schema.push({ name: c.name, type: 'FIXED_LEN_BYTE_ARRAY', type_length: c.length, repetition_type: r }); break;
      case 'ts': {
        const unit = { ms: 'MILLIS', us: 'MICROS', ns: 'NANOS' }[c.unit];
        schema.push({ name: c.name, type: 'INT64', repetition_type: r, logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: c.utc, unit } });
        break;
      }
      case 'date': schema.push({ name: c.name, type: 'INT32', converted_type: 'DATE', repetition_type: r }); break;
      case 'decimal': {
        const type = c.phys === 'binary' ? 'BYTE_ARRAY' : c.phys === 'fixed' || c.precision > 18 ? 'FIXED_LEN_BYTE_ARRAY' : c.precision <= 9 ? 'INT32' : 'INT64';
        const el = { name: c.name, type, repetition_type: r, converted_type: 'DECIMAL', scale: c.scale, precision: c.precision,
          logical_type: { type: 'DECIMAL', scale: c.scale, precision: c.precision } };
        if (type === 'FIXED_LEN_BYTE_ARRAY') el.type_length = c.precision <= 9 ? 4 : c.precision === 30 ? 13 : 16;
        schema.push(el);
        break;
      }
      case 'map':
        schema.push({ name: c.name, repetition_type: r, converted_type: 'MAP', num_children: 1 },
          { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
          { name: 'key', ...leaf('string'), repetition_type: 'REQUIRED' },
          { name: 'value', ...leaf(c.value), repetition_type: 'OPTIONAL' });
        break;
      case 'list':
        schema.push({ name: c.name, repetition_type: r, converted_type: 'LIST', num_children: 1 },
          { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
          { name: 'element', ...leaf(c.elem), repetition_type: 'OPTIONAL' });
        break;
      default: schema.push({ name: c.name, ...leaf(c.kind), repetition_type: r });
    }
  }
  return schema;
}
function hyparquetColumns(ds, rows, encodings) {
  return ds.columns.map((c, j) => {
    const col = rows.map((r) => r[j]);
    let data;
    switch (c.kind) {
      case 'int64': data = col.map((x) => (x === null ? null : BigInt(x))); break;
      case 'ts': data = col.map((x) => (x === null ? null : BigInt(x))); break;
      case 'float': case 'double': data = col.map((x) => (x === null ? null : numOf(x))); break;
      case 'binary': case 'fixed': data = col.map((x) => (x === null ? null : new Uint8Array(Buffer.from(x, 'hex')))); break;
      case 'decimal': data = col.map((x) => (x === null ? null : unscaled(x, c.scale))); break;
      case 'map': data = col.map((m) => (m === null ? null : m.map(([k, x]) => ({ key: k, value: c.value === 'double' ? numOf(x) : x })))); break;
      case 'list': data = col.map((l) => (l === null ? null : l.map((x) => (x === null ? null : c.elem === 'int64' ? BigInt(x) : x)))); break;
      default: data = col;
    }
    const o = { name: c.name, data };
    if (encodings?.[c.name]) o.encoding = encodings[c.name];
    return o;
  });
}
async function writeHyparquet(file, ds, rows, opts) {
  HW ??= await importNode('hyparquet-writer');
  const writer = new HW.ByteWriter();
  try { HW.parquetWrite({
    writer,
    columnData: hyparquetColumns(ds, rows, opts.encodings),
    schema: hyparquetSchema(ds),
    codec: opts.codec,
    compressors: COMPRESSORS,
    rowGroupSize: 120,
    statistics: false,
    pageSize: 1024,
    createdBy: 'hyparquet-writer 0.17.0',
  }); } catch (e) { throw new Error(`${file}: ${e.message} ${JSON.stringify(opts.encodings)}`); }
  fs.writeFileSync(file, Buffer.from(writer.getBuffer()));
}

// --------------------------------------------------------------- variants --
const cols = (ds, pred) => DATASETS[ds].columns.filter(pred).map((c) => c.name);
const encFor = (ds, pred, enc) => Object.fromEntries(cols(ds, pred).map((n) => [n, enc]));
const isInt = (c) => ['int8', 'int16', 'int32', 'int64', 'ts', 'date'].includes(c.kind) || (c.kind === 'decimal' && !c.phys && c.precision <= 18);
const isStr = (c) => c.kind === 'string' || c.kind === 'binary';
const isFloat = (c) => c.kind === 'float' || c.kind === 'double';
const BROTLI_ERR = 'codec BROTLI is not supported';

const VARIANTS = [];
// DuckDB: every codec it writes, data pages v1 (PARQUET_VERSION V1) and v2
// (V2 also switches to DELTA_* and BYTE_STREAM_SPLIT encodings), dictionary
// on (default) and off (DICTIONARY_SIZE_LIMIT 1: no dictionary fits).
for (const version of ['V1', 'V2']) {
  for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd', 'lz4_raw']) {
    VARIANTS.push({ writer: 'duckdb', variant: `${version.toLowerCase()}-${codec.replace('_', '')}`, opts: { version, codec } });
  }
  VARIANTS.push({ writer: 'duckdb', variant: `${version.toLowerCase()}-nodict-snappy`, opts: { version, codec: 'snappy', extra: 'DICTIONARY_SIZE_LIMIT 1' } });
}
VARIANTS.push({ writer: 'duckdb', dataset: 'duckdb-2rg', variant: 'v1-snappy-2rg', opts: { version: 'V1', codec: 'snappy' } });
VARIANTS.push({ writer: 'duckdb', dataset: 'duckdb-2rg', variant: 'v2-zstd-2rg', opts: { version: 'V2', codec: 'zstd' } });
VARIANTS.push({ writer: 'duckdb', variant: 'v1-brotli', opts: { version: 'V1', codec: 'brotli' }, error: BROTLI_ERR });

// parquet-wasm (arrow-rs): every codec, writer versions 1 (data page v1) and
// 2 (data page v2), dictionary on/off, and each explicit encoding.
for (const version of ['V1', 'V2']) {
  for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD', 'LZ4_RAW']) {
    VARIANTS.push({ writer: 'wasm', variant: `${version.toLowerCase()}-${codec.toLowerCase().replace('_', '')}`, opts: { version, codec } });
  }
  const v = version.toLowerCase();
  VARIANTS.push({ writer: 'wasm', variant: `${v}-plain`, opts: { version, codec: 'UNCOMPRESSED', dict: false, encoding: 'PLAIN' } });
  VARIANTS.push({ writer: 'wasm', variant: `${v}-delta`, opts: { version, codec: v === 'v1' ? 'SNAPPY' : 'ZSTD', dict: false,
    encodings: { ...encFor('wasm', isInt, 'DELTA_BINARY_PACKED'), ...encFor('wasm', isStr, 'DELTA_LENGTH_BYTE_ARRAY') } } });
  VARIANTS.push({ writer: 'wasm', variant: `${v}-deltaba`, opts: { version, codec: v === 'v1' ? 'GZIP' : 'LZ4_RAW', dict: false,
    encodings: { ...encFor('wasm', (c) => isStr(c) || c.kind === 'fixed' || (c.kind === 'decimal' && c.precision > 18), 'DELTA_BYTE_ARRAY') } } });
  VARIANTS.push({ writer: 'wasm', variant: `${v}-bss`, opts: { version, codec: v === 'v1' ? 'UNCOMPRESSED' : 'SNAPPY', dict: false,
    encodings: { ...encFor('wasm', (c) => isFloat(c) || ['int32', 'int64', 'fixed'].includes(c.kind), 'BYTE_STREAM_SPLIT') } } });
  VARIANTS.push({ writer: 'wasm', variant: `${v}-rle`, opts: { version, codec: 'UNCOMPRESSED', dict: false, encoding: 'PLAIN', encodings: { flag: 'RLE' } } });
  // the dictionary's fallback encoding, chosen: DELTA for ints and strings
  VARIANTS.push({ writer: 'wasm', variant: `${v}-dict-fallback-delta`, opts: { version, codec: 'ZSTD',
    encodings: { ...encFor('wasm', (c) => c.kind === 'int64', 'DELTA_BINARY_PACKED'), s_long: 'DELTA_BYTE_ARRAY', s: 'DELTA_LENGTH_BYTE_ARRAY' } } });
}
VARIANTS.push({ writer: 'wasm', variant: 'v1-brotli', opts: { version: 'V1', codec: 'BROTLI' }, error: BROTLI_ERR });
VARIANTS.push({ writer: 'wasm', variant: 'v1-lz4hadoop', opts: { version: 'V1', codec: 'LZ4' }, error: 'codec LZ4 (Hadoop framing) is not supported' });

// hyparquet-writer: data page v2 only; SNAPPY built in, GZIP/BROTLI from
// node:zlib, ZSTD/LZ4_RAW as stored blocks (above); each explicit encoding.
const allHy = (enc, pred) => encFor('hyparquet', pred, enc);
for (const codec of ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'ZSTD', 'LZ4_RAW']) {
  VARIANTS.push({ writer: 'hyparquet', variant: `v2-${codec.toLowerCase().replace('_', '')}`, opts: { codec } });
}
VARIANTS.push({ writer: 'hyparquet', variant: 'v2-brotli', opts: { codec: 'BROTLI' }, error: BROTLI_ERR });
VARIANTS.push({ writer: 'hyparquet', variant: 'v2-plain', opts: { codec: 'UNCOMPRESSED', encodings: allHy('PLAIN', (c) => !['map', 'list'].includes(c.kind)) } });
VARIANTS.push({ writer: 'hyparquet', variant: 'v2-dict', opts: { codec: 'UNCOMPRESSED', encodings: allHy('RLE_DICTIONARY', (c) => !['map', 'list', 'bool'].includes(c.kind)) } });
VARIANTS.push({ writer: 'hyparquet', variant: 'v2-delta', opts: { codec: 'SNAPPY', encodings: {
  ...allHy('DELTA_BINARY_PACKED', (c) => ['int32', 'int64', 'ts', 'date'].includes(c.kind) || (c.kind === 'decimal' && !c.phys && c.precision <= 18)),
  ...allHy('DELTA_LENGTH_BYTE_ARRAY', (c) => isStr(c) || c.phys === 'binary') } } });
VARIANTS.push({ writer: 'hyparquet', variant: 'v2-deltaba', opts: { codec: 'GZIP', encodings: allHy('DELTA_BYTE_ARRAY', (c) => isStr(c) || c.phys === 'binary') } });
VARIANTS.push({ writer: 'hyparquet', variant: 'v2-bss', opts: { codec: 'UNCOMPRESSED', encodings: allHy('BYTE_STREAM_SPLIT',
  (c) => isFloat(c) || ['int32', 'int64', 'ts', 'date', 'fixed'].includes(c.kind) || c.phys === 'fixed' || (c.kind === 'decimal' && !c.phys)) } });
VARIANTS.push({ writer: 'hyparquet', variant: 'v2-rle', opts: { codec: 'UNCOMPRESSED', encodings: { flag: 'RLE' } } });

// ------------------------------------------------------------------- main --
const only = process.argv[2]; // optional: a writer name
const written = [];
for (const [dsName, ds] of Object.entries(DATASETS)) {
  const name = ds.writer ?? dsName;
  if (only && only !== name) continue;
  const rows = genRows(ds);
  const rowsFile = `${dsName}.rows.jsonl`;
  const lines = [JSON.stringify({ dataset: dsName, writer: name, seed: ds.seed, columns: ds.columns.map(specOf) })];
  for (const r of rows) lines.push(JSON.stringify(r));
  fs.writeFileSync(path.join(OUT, rowsFile), lines.join('\n') + '\n');
  let table;
  if (name === 'duckdb') await loadDuckTable(ds, rows);
  if (name === 'wasm') table = await arrowTable(ds, rows);
  for (const v of VARIANTS.filter((x) => (x.dataset ?? x.writer) === dsName)) {
    const base = `${name}-${v.variant}`;
    const file = path.join(OUT, `${base}.parquet`);
    if (name === 'duckdb') await writeDuck(file, v.opts);
    else if (name === 'wasm') await writeWasm(file, table, v.opts);
    else await writeHyparquet(file, ds, rows, v.opts);
    const man = { writer: name, variant: v.variant, rows: rowsFile, options: v.opts };
    if (v.error) man.expect_error = v.error;
    fs.writeFileSync(path.join(OUT, `${base}.json`), JSON.stringify(man, null, 1) + '\n');
    written.push({ ...v, base, file, ds, rows });
    console.log(`${base}.parquet ${fs.statSync(file).size} bytes`);
  }
}

// --------------------------------------------------------------- coverage --
const { q } = await duckdb();
const all = fs.readdirSync(OUT).filter((x) => x.endsWith('.parquet')).sort();
const table = [];
const combos = new Map(); // "phys | encoding | page" -> Set(writers)
const codecPages = new Map();
for (const fn of all) {
  const file = path.join(OUT, fn);
  const base = fn.replace(/\.parquet$/, '');
  const man = JSON.parse(fs.readFileSync(path.join(OUT, `${base}.json`), 'utf8'));
  const buf = fs.readFileSync(file);
  const foot = readFooter(buf);
  const md = await q(`SELECT compression, encodings FROM parquet_metadata('${file}')`);
  const duckEnc = new Set(), duckCodec = new Set();
  for (const m of md) {
    duckCodec.add(m.compression);
    for (const e of String(m.encodings).split(',')) duckEnc.add(e.trim());
  }
  // columns holding nulls (or null maps/lists, or null entries), from the source rows
  const src = fs.readFileSync(path.join(OUT, man.rows), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const nullCols = new Set();
  src.slice(1).forEach((r) => r.forEach((v, j) => {
    if (v === null || (Array.isArray(v) && v.some((x) => x === null || (Array.isArray(x) && x[1] === null)))) nullCols.add(src[0].columns[j].name);
  }));
  const pageTypes = new Set(), pageEnc = new Set();
  let pages = 0, fallback = 0;
  const leafPhys = new Map();
  for (const s of foot.schema) if (s.type !== undefined) leafPhys.set(s.name, s.type);
  for (const rg of foot.rowGroups) {
    for (const col of rg.columns) {
      const ps = readPages(buf, col);
      pages += ps.length;
      const encs = new Set();
      for (const p of ps) {
        pageTypes.add(p.type);
        if (p.type !== 'DICTIONARY_PAGE') { pageEnc.add(p.encoding); encs.add(p.encoding); }
        const phys = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'][col.type];
        const k = `${phys}|${p.type === 'DICTIONARY_PAGE' ? 'dictionary page (PLAIN)' : p.encoding}|${p.type === 'DATA_PAGE_V2' ? 'v2' : p.type === 'DATA_PAGE' ? 'v1' : 'dict'}`;
        if (!combos.has(k)) combos.set(k, new Set());
        combos.get(k).add(man.writer);
        const ck = `${CODEC[col.codec]}|${p.type}`;
        if (!codecPages.has(ck)) codecPages.set(ck, new Set());
        codecPages.get(ck).add(man.writer);
      }
      if ((encs.has('RLE_DICTIONARY') || encs.has('PLAIN_DICTIONARY')) && encs.size > 1) fallback++;
    }
  }
  table.push({ base, man, size: buf.length, rgs: foot.rowGroups.length, rows: foot.rowGroups.reduce((a, r) => a + Number(r.numRows), 0),
    codec: [...duckCodec].join(','), duckEnc: [...duckEnc].sort().join(', '), pageTypes: [...pageTypes].sort().join(', '),
    pageEnc: [...pageEnc].sort().join(', '), pages, fallback, nullCols: [...nullCols].length });
}

const md = [];
md.push('# Parquet writer fixtures: what they cover', '');
md.push('Generated by `node tests/parquet/make-fixtures.mjs` (do not edit by hand); checked in CI by');
md.push('`tests/parquet/check-fixtures.mjs`, which compares every cell pqdump decodes with the writer\'s source rows.', '');
md.push('Writers: **duckdb** = DuckDB ' + (await q('SELECT version() v'))[0].v + ' (`@duckdb/node-api`), ' +
  '**wasm** = arrow-rs `parquet` 59.3.0 compiled to WebAssembly (`parquet-wasm` 0.8.0, data from `apache-arrow`), ' +
  '**hyparquet** = `hyparquet-writer` 0.17.0 (pure JavaScript). AWS\'s own parquet-mr files are the real Athena CUR ' +
  'months in tests/fixtures/real-cur/awslabs (tested by tests/cli/parquet_real.sh).', '');
md.push('Codec and encodings per column chunk are DuckDB\'s `parquet_metadata()`; page types and the encodings of the');
md.push('data pages come from walking every page header. "fallback" counts column chunks whose data pages mix a');
md.push('dictionary encoding with another one (the writer gave up on the dictionary mid-chunk). "null cols" counts');
md.push('columns with nulls (null values, null maps or lists, null map values or list elements) in the source rows.', '');
md.push('| fixture | rows | row groups | pages | codec | encodings (parquet_metadata) | data page encodings | page types | fallback | null cols | expected |');
md.push('|---|---|---|---|---|---|---|---|---|---|---|');
for (const t of table) {
  md.push(`| ${t.base} | ${t.rows} | ${t.rgs} | ${t.pages} | ${t.codec} | ${t.duckEnc} | ${t.pageEnc} | ${t.pageTypes} | ${t.fallback} | ${t.nullCols} | ${t.man.expect_error ? 'refused: ' + t.man.expect_error : 'read'} |`);
}
md.push('', '## Physical type × data page encoding × page version', '');
md.push('| physical type | encoding | page | writers |', '|---|---|---|---|');
for (const k of [...combos.keys()].sort()) {
  const [p, e, v] = k.split('|');
  md.push(`| ${p} | ${e} | ${v} | ${[...combos.get(k)].sort().join(', ')} |`);
}
// what the decoder supports that no fixture has (type x data page encoding x page version)
const SUPPORTED = {
  BOOLEAN: ['PLAIN', 'RLE'],
  INT32: ['PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY', 'DELTA_BINARY_PACKED', 'BYTE_STREAM_SPLIT'],
  INT64: ['PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY', 'DELTA_BINARY_PACKED', 'BYTE_STREAM_SPLIT'],
  INT96: ['PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY'],
  FLOAT: ['PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY', 'BYTE_STREAM_SPLIT'],
  DOUBLE: ['PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY', 'BYTE_STREAM_SPLIT'],
  BYTE_ARRAY: ['PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY', 'DELTA_LENGTH_BYTE_ARRAY', 'DELTA_BYTE_ARRAY'],
  FIXED_LEN_BYTE_ARRAY: ['PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY', 'DELTA_BYTE_ARRAY', 'BYTE_STREAM_SPLIT'],
};
const missing = [];
for (const [t, encs] of Object.entries(SUPPORTED)) {
  for (const e of encs) for (const v of ['v1', 'v2']) if (!combos.has(`${t}|${e}|${v}`)) missing.push(`${t} ${e} ${v}`);
}
md.push('', 'Supported by the decoder but in no fixture (no writer here produces them): ' + missing.join('; ') + '.');
md.push('', '## Codec × page type', '');
md.push('| codec | page type | writers |', '|---|---|---|');
for (const k of [...codecPages.keys()].sort()) {
  const [c, p] = k.split('|');
  md.push(`| ${c} | ${p} | ${[...codecPages.get(k)].sort().join(', ')} |`);
}
md.push('', '## What none of these writers can produce', '');
md.push('- **INT96** timestamps: none of DuckDB, arrow-rs or hyparquet-writer writes them (only legacy Hive/Impala/Spark');
md.push('  writers do). The decoder\'s INT96 path is exercised only by the fuzz corpus and unit-level checks.');
md.push('- **PLAIN_DICTIONARY** (the deprecated v1 name) on data pages: only DuckDB with PARQUET_VERSION V1 (and AWS\'s');
md.push('  parquet-mr, tests/cli/parquet_real.sh); arrow-rs and hyparquet-writer write RLE_DICTIONARY.');
md.push('- **BIT_PACKED** levels: deprecated; no writer here emits them.');
md.push('- **LZO**: no writer here writes it (reckon refuses it with "codec LZO is not supported").');
md.push('- **LZ4** (Hadoop framing, codec 5): only arrow-rs writes it (wasm-v1-lz4hadoop), refused by reckon by design.');
md.push('- **BROTLI**: written by all three, refused by reckon by design ("codec BROTLI is not supported").');
md.push('- **ZSTD / LZ4_RAW with hyparquet-writer**: Node has no compressor for them, so make-fixtures.mjs wraps pages in');
md.push('  valid stored-block streams (ZSTD raw blocks, an LZ4 block of literals); real compressed ZSTD and LZ4_RAW pages');
md.push('  come from DuckDB and arrow-rs.');
md.push('- **DuckDB** has no explicit per-column encoding option: PARQUET_VERSION V1 gives PLAIN/PLAIN_DICTIONARY, V2 gives');
md.push('  RLE_DICTIONARY, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY and BYTE_STREAM_SPLIT, but both write DATA_PAGE (v1)');
md.push('  pages: DuckDB 1.5 never writes DATA_PAGE_V2 (arrow-rs and hyparquet-writer do). It writes DECIMAL on');
md.push('  INT32/INT64/FIXED only, and at least 2048 rows per row group (hence the 2100-row duckdb-2rg table for the');
md.push('  files with two row groups). It decides on a dictionary per chunk and never falls back mid-chunk; arrow-rs');
md.push('  does (the "fallback" column above: a dictionary page, then PLAIN or the chosen DELTA encoding).');
md.push('- **DECIMAL on BYTE_ARRAY**: hyparquet-writer only (d_bin_* columns).');
md.push('- **Data page v1 with hyparquet-writer**: it writes only DATA_PAGE_V2.');
fs.writeFileSync(path.join(OUT, 'COVERAGE.md'), md.join('\n') + '\n');
console.log(`wrote ${all.length} fixtures and COVERAGE.md`);
