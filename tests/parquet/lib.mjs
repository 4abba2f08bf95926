// Shared helpers for the Parquet writer and malformed-file tests:
//  - a small Thrift compact-protocol reader that keeps byte offsets (to read a
//    file's footer and page headers, and to patch them in place),
//  - a page walker (what codecs, encodings and page types a file really has),
//  - a JSON reader for pqdump's output that keeps strings as bytes, numbers as
//    their text and object keys in order,
//  - a seeded PRNG and an importer for the npm packages in tests/node.
import fs from 'node:fs';

// ---- npm packages live in tests/node ----
const NODE_MODULES = new URL('../node/node_modules/', import.meta.url);
export async function importNode(name) {
  // ESM packages: read the package's exports for its Node entry point.
  const dir = new URL(`${name}/`, NODE_MODULES);
  const pkg = JSON.parse(fs.readFileSync(new URL('package.json', dir), 'utf8'));
  const pick = (e) => (typeof e === 'string' ? e : e && (pick(e.node) ?? pick(e.import) ?? pick(e.default)));
  const entry = pick(pkg.exports?.['.'] ?? pkg.exports) ?? pkg.module ?? pkg.main ?? 'index.js';
  return import(new URL(entry, dir).href);
}

// ---- deterministic PRNG (mulberry32) ----
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
    u64: () => (BigInt(Math.floor(next() * 2 ** 32)) << 32n) | BigInt(Math.floor(next() * 2 ** 32)),
  };
}

// ---- Thrift compact protocol ----
export const T = { STOP: 0, TRUE: 1, FALSE: 2, BYTE: 3, I16: 4, I32: 5, I64: 6, DOUBLE: 7, BINARY: 8, LIST: 9, SET: 10, MAP: 11, STRUCT: 12 };

export function readVarint(buf, pos) {
  let v = 0n, shift = 0n, p = pos;
  for (;;) {
    if (p >= buf.length) throw new Error('varint runs past the buffer');
    const b = buf[p++];
    v |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7n;
    if (shift > 70n) throw new Error('varint too long');
  }
  return { v, end: p };
}
const unzig = (v) => (v >> 1n) ^ -(v & 1n);

export function writeVarint(v) {
  let x = BigInt(v);
  const out = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x) b |= 0x80;
    out.push(b);
  } while (x);
  return Buffer.from(out);
}
export const zigzag = (v) => { const x = BigInt(v); return (x << 1n) ^ (x >> 63n); };

// A value: { t: type, v: value, start, end } (start/end: the value's bytes).
// Structs: v is a Map id -> { t, v, start, end, hstart } (hstart: field header).
function readValue(buf, pos, t) {
  const start = pos;
  switch (t) {
    case T.TRUE: return { t, v: true, start, end: pos };
    case T.FALSE: return { t, v: false, start, end: pos };
    case T.BYTE: return { t, v: (buf[pos] << 24) >> 24, start, end: pos + 1 };
    case T.I16: case T.I32: case T.I64: {
      const { v, end } = readVarint(buf, pos);
      const z = unzig(v);
      return { t, v: t === T.I64 ? z : Number(z), start, end };
    }
    case T.DOUBLE: return { t, v: buf.readDoubleLE(pos), start, end: pos + 8 };
    case T.BINARY: {
      const { v, end } = readVarint(buf, pos);
      const n = Number(v);
      if (end + n > buf.length) throw new Error('binary runs past the buffer');
      return { t, v: buf.subarray(end, end + n), start, end: end + n };
    }
    case T.LIST: case T.SET: {
      const h = buf[pos];
      let n = h >> 4, p = pos + 1;
      const et = h & 15;
      if (n === 15) { const r = readVarint(buf, p); n = Number(r.v); p = r.end; }
      const items = [];
      for (let i = 0; i < n; i++) {
        let it;
        if (et === T.TRUE || et === T.FALSE) it = { t: et, v: buf[p] === 1, start: p, end: p + 1 };
        else it = readValue(buf, p, et);
        items.push(it);
        p = it.end;
      }
      return { t, v: items, et, start, end: p };
    }
    case T.MAP: {
      const r = readVarint(buf, pos);
      const n = Number(r.v);
      let p = r.end;
      const items = [];
      if (n) {
        const kt = buf[p] >> 4, vt = buf[p] & 15;
        p++;
        for (let i = 0; i < n; i++) {
          const k = readValue(buf, p, kt); p = k.end;
          const v = readValue(buf, p, vt); p = v.end;
          items.push([k, v]);
        }
      }
      return { t, v: items, start, end: p };
    }
    case T.STRUCT: return readStruct(buf, pos);
    default: throw new Error(`bad thrift type ${t} at ${pos}`);
  }
}

export function readStruct(buf, pos) {
  const start = pos;
  const fields = new Map();
  let last = 0, p = pos;
  for (;;) {
    if (p >= buf.length) throw new Error('struct runs past the buffer');
    const hstart = p;
    const h = buf[p++];
    if (h === 0) break;
    const t = h & 15;
    let id;
    if (h >> 4) id = last + (h >> 4);
    else { const r = readVarint(buf, p); id = Number(unzig(r.v)); p = r.end; }
    last = id;
    const val = readValue(buf, p, t);
    val.hstart = hstart;
    fields.set(id, val);
    p = val.end;
  }
  return { t: T.STRUCT, v: fields, start, end: p };
}

export const f = (s, id) => s?.v.get(id);
export const fv = (s, id) => s?.v.get(id)?.v;

// ---- Parquet footer and pages ----
export const PHYS = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'];
export const ENC = { 0: 'PLAIN', 2: 'PLAIN_DICTIONARY', 3: 'RLE', 4: 'BIT_PACKED', 5: 'DELTA_BINARY_PACKED', 6: 'DELTA_LENGTH_BYTE_ARRAY', 7: 'DELTA_BYTE_ARRAY', 8: 'RLE_DICTIONARY', 9: 'BYTE_STREAM_SPLIT' };
export const CODEC = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'LZO', 'BROTLI', 'LZ4', 'ZSTD', 'LZ4_RAW'];
export const PAGE = ['DATA_PAGE', 'INDEX_PAGE', 'DICTIONARY_PAGE', 'DATA_PAGE_V2'];

// The footer: { footerStart, footerLen, meta (struct), schema [...], rowGroups [...] }
export function readFooter(buf) {
  if (buf.length < 12 || buf.toString('latin1', buf.length - 4) !== 'PAR1') throw new Error('not a Parquet file');
  const flen = buf.readUInt32LE(buf.length - 8);
  const footerStart = buf.length - 8 - flen;
  const meta = readStruct(buf, footerStart);
  const schema = fv(meta, 2).map((el) => ({
    el,
    name: fv(el, 4).toString(),
    type: fv(el, 1),
    typeLength: fv(el, 2),
    repetition: fv(el, 3),
    numChildren: fv(el, 5),
    converted: fv(el, 6),
  }));
  const rowGroups = fv(meta, 4).map((rg) => ({
    rg,
    numRows: fv(rg, 3),
    columns: fv(rg, 1).map((cc) => {
      const md = f(cc, 3);
      return {
        cc, md,
        type: fv(md, 1),
        path: fv(md, 3).map((x) => x.v.toString()).join('.'),
        codec: fv(md, 4),
        numValues: fv(md, 5),
        totalUncompressed: fv(md, 6),
        totalCompressed: fv(md, 7),
        dataPageOffset: fv(md, 9),
        dictPageOffset: fv(md, 11),
        encodings: fv(md, 2).map((x) => ENC[x.v] ?? `enc${x.v}`),
      };
    }),
  }));
  return { footerStart, footerLen: flen, meta, schema, rowGroups };
}

// Every page of a column chunk: { offset, header (struct), type, headerLen,
// compressed, uncompressed, numValues, encoding, dataStart }.
export function readPages(buf, col) {
  let start = Number(col.dataPageOffset);
  if (col.dictPageOffset !== undefined && col.dictPageOffset > 0n && Number(col.dictPageOffset) < start) start = Number(col.dictPageOffset);
  const end = start + Number(col.totalCompressed);
  const pages = [];
  let p = start;
  while (p < end) {
    const h = readStruct(buf, p);
    const type = fv(h, 1);
    const dph = f(h, 5), dict = f(h, 7), v2 = f(h, 8);
    const sub = dph ?? dict ?? v2;
    const pg = {
      offset: p, header: h, type: PAGE[type] ?? `page${type}`, headerLen: h.end - p,
      uncompressed: fv(h, 2), compressed: fv(h, 3),
      numValues: fv(sub, 1),
      encoding: ENC[dph ? fv(dph, 2) : dict ? fv(dict, 2) : fv(v2, 4)],
      dataStart: h.end,
    };
    if (v2) { pg.numNulls = fv(v2, 2); pg.numRows = fv(v2, 3); pg.defLen = fv(v2, 5); pg.repLen = fv(v2, 6); pg.isCompressed = fv(v2, 7); }
    pages.push(pg);
    p = h.end + pg.compressed;
  }
  return pages;
}

// ---- JSON as pqdump prints it ----
// Strings come back as Buffers (their bytes), numbers as { num: 'text' },
// objects as { obj: [[keyBuffer, value], ...] } in order, arrays as arrays.
export function parseJsonBytes(buf) {
  let p = 0;
  const ws = () => { while (p < buf.length && (buf[p] === 32 || buf[p] === 9 || buf[p] === 10 || buf[p] === 13)) p++; };
  const fail = (m) => { throw new Error(`${m} at byte ${p} of ${JSON.stringify(buf.toString('utf8').slice(0, 200))}`); };
  function str() {
    p++; // "
    const out = [];
    for (;;) {
      if (p >= buf.length) fail('unterminated string');
      const c = buf[p++];
      if (c === 0x22) break;
      if (c !== 0x5c) { out.push(c); continue; }
      const e = buf[p++];
      const simple = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9 };
      if (e in simple) { out.push(simple[e]); continue; }
      if (e !== 0x75) fail('bad escape');
      let cp = parseInt(buf.toString('latin1', p, p + 4), 16); p += 4;
      if (cp >= 0xd800 && cp < 0xdc00 && buf[p] === 0x5c && buf[p + 1] === 0x75) {
        const lo = parseInt(buf.toString('latin1', p + 2, p + 6), 16);
        if (lo >= 0xdc00 && lo < 0xe000) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); p += 6; }
      }
      out.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
    }
    return Buffer.from(out);
  }
  function val() {
    ws();
    const c = buf[p];
    if (c === 0x22) return str();
    if (c === 0x7b) {
      p++; const obj = [];
      ws();
      if (buf[p] === 0x7d) { p++; return { obj }; }
      for (;;) {
        ws();
        if (buf[p] !== 0x22) fail('expected a key');
        const k = str(); ws();
        if (buf[p++] !== 0x3a) fail('expected :');
        obj.push([k, val()]); ws();
        if (buf[p] === 0x2c) { p++; continue; }
        if (buf[p] === 0x7d) { p++; return { obj }; }
        fail('expected , or }');
      }
    }
    if (c === 0x5b) {
      p++; const arr = [];
      ws();
      if (buf[p] === 0x5d) { p++; return arr; }
      for (;;) {
        arr.push(val()); ws();
        if (buf[p] === 0x2c) { p++; continue; }
        if (buf[p] === 0x5d) { p++; return arr; }
        fail('expected , or ]');
      }
    }
    if (buf.toString('latin1', p, p + 4) === 'null') { p += 4; return null; }
    if (buf.toString('latin1', p, p + 4) === 'true') { p += 4; return true; }
    if (buf.toString('latin1', p, p + 5) === 'false') { p += 5; return false; }
    const m = /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(buf.toString('latin1', p, Math.min(buf.length, p + 400)));
    if (!m) fail('unexpected character');
    p += m[0].length;
    return { num: m[0] };
  }
  const v = val();
  ws();
  if (p !== buf.length) fail('trailing bytes');
  return v;
}

// ---- Thrift compact writer (the inverse of readStruct) ----
function writeValue(out, val) {
  switch (val.t) {
    case T.TRUE: case T.FALSE: return;
    case T.BYTE: out.push(Buffer.from([val.v & 0xff])); return;
    case T.I16: case T.I32: case T.I64: out.push(writeVarint(BigInt.asUintN(64, zigzag(val.v)))); return;
    case T.DOUBLE: { const b = Buffer.alloc(8); b.writeDoubleLE(val.v); out.push(b); return; }
    case T.BINARY: out.push(writeVarint(val.v.length), Buffer.from(val.v)); return;
    case T.LIST: case T.SET: {
      const n = val.v.length;
      if (n < 15) out.push(Buffer.from([(n << 4) | val.et]));
      else out.push(Buffer.from([0xf0 | val.et]), writeVarint(n));
      for (const it of val.v) {
        if (it.t === T.TRUE || it.t === T.FALSE) out.push(Buffer.from([it.v ? 1 : 2]));
        else writeValue(out, it);
      }
      return;
    }
    case T.MAP: {
      out.push(writeVarint(val.v.length));
      if (val.v.length) out.push(Buffer.from([(val.v[0][0].t << 4) | val.v[0][1].t]));
      for (const [k, v] of val.v) { writeValue(out, k); writeValue(out, v); }
      return;
    }
    case T.STRUCT: {
      let last = 0;
      for (const [id, fval] of val.v) {
        const t = fval.t === T.TRUE || fval.t === T.FALSE ? (fval.v ? T.TRUE : T.FALSE) : fval.t;
        const d = id - last;
        if (d > 0 && d <= 15) out.push(Buffer.from([(d << 4) | t]));
        else out.push(Buffer.from([t]), writeVarint(BigInt.asUintN(64, zigzag(id))));
        last = id;
        writeValue(out, fval);
      }
      out.push(Buffer.from([0]));
      return;
    }
  }
  throw new Error(`cannot write thrift type ${val.t}`);
}
export function writeStruct(s) {
  const out = [];
  writeValue(out, s);
  return Buffer.concat(out);
}
export const setI32 = (s, id, n) => s.v.set(id, { t: T.I32, v: n });
export const setI64 = (s, id, n) => s.v.set(id, { t: T.I64, v: BigInt(n) });

// ---- rewriting a Parquet file ----
// parseFile: the footer plus every column chunk's pages ({ header, payload }).
// buildFile lays the pages out again and fixes every offset and size in the
// footer (page headers keep whatever sizes a test wrote into them).
export function parseFile(buf) {
  const foot = readFooter(buf);
  for (const rg of foot.rowGroups) {
    for (const col of rg.columns) {
      col.pages = readPages(buf, col).map((p) => ({ header: p.header, type: p.type, payload: Buffer.from(buf.subarray(p.dataStart, p.dataStart + p.compressed)) }));
    }
  }
  return foot;
}
export function buildFile(foot) {
  const parts = [Buffer.from('PAR1')];
  let off = 4;
  for (const rg of foot.rowGroups) {
    let rgStart = null, rgSize = 0;
    for (const col of rg.columns) {
      const start = off;
      let dictOff = null, dataOff = null, usize = 0;
      for (const p of col.pages) {
        const hb = writeStruct(p.header);
        if (p.type === 'DICTIONARY_PAGE') dictOff ??= off;
        else dataOff ??= off;
        parts.push(hb, p.payload);
        usize += hb.length + Number(fv(p.header, 2));
        off += hb.length + p.payload.length;
      }
      rgStart ??= start;
      rgSize += off - start;
      const md = col.md;
      setI64(md, 9, dataOff ?? start);
      if (dictOff !== null) setI64(md, 11, dictOff); else md.v.delete(11);
      setI64(md, 7, off - start);
      setI64(md, 6, usize);
      for (const id of [10, 14, 15]) md.v.delete(id); // index page, bloom filter
      setI64(col.cc, 2, start);
      for (const id of [4, 5, 6, 7]) col.cc.v.delete(id); // page indexes (not copied)
    }
    if (rg.rg.v.has(5)) setI64(rg.rg, 5, rgStart ?? 4);
    if (rg.rg.v.has(6)) setI64(rg.rg, 6, rgSize);
  }
  const fb = writeStruct(foot.meta);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(fb.length);
  parts.push(fb, len, Buffer.from('PAR1'));
  return Buffer.concat(parts);
}
