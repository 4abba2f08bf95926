#!/usr/bin/env node
// Writes the malformed Parquet files (run by hand; the files are committed):
//
//   node tests/parquet/make-malformed.mjs
//
// A small CUR-shaped month (Athena-integration column names, 80 line items in
// January 2025) is written by DuckDB, uncompressed with dictionary pages
// (PARQUET_VERSION V1), and as GZIP and ZSTD copies; the broken files are
// derived from those, either by patching bytes in place or by re-laying the
// pages out with a changed page header or footer (lib.mjs's Thrift compact
// reader/writer: every offset and size in the footer is recomputed, so only
// the intended lie is in the file).
//
// Out, in tests/parquet/malformed/:
//   valid.parquet, valid-gzip.parquet, valid-zstd.parquet   the bases (control:
//                                            they read and ingest)
//   <case>.parquet                           one defect each
//   expect.txt                               case, the text reckon's error
//                                            must contain, the column and row
//                                            group it must name ("-" where the
//                                            file is broken before any column),
//                                            and what pqdump says when that
//                                            differs from reckon ingest
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { importNode, parseFile, buildFile, readFooter, fv, f, setI32, setI64, T } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(HERE, 'malformed');
fs.mkdirSync(OUT, { recursive: true });

// ---- the CUR-shaped month, written by DuckDB ----
const { DuckDBInstance } = await importNode('@duckdb/node-api');
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const q = async (s) => (await con.runAndReadAll(s)).getRowObjectsJson();
await q("SET TimeZone='UTC'");
await q('SET threads=1');
// deterministic: everything derives from the row number i
await q(`CREATE TABLE cur AS
SELECT
  'li-' || lpad(i::VARCHAR, 6, '0') || '-' || md5(i::VARCHAR)[1:12] AS identity_line_item_id,
  strftime(TIMESTAMP '2025-01-01' + INTERVAL (i % 31) DAY + INTERVAL (i % 24) HOUR, '%Y-%m-%dT%H:00:00Z') || '/' ||
    strftime(TIMESTAMP '2025-01-01' + INTERVAL (i % 31) DAY + INTERVAL (i % 24 + 1) HOUR, '%Y-%m-%dT%H:00:00Z') AS identity_time_interval,
  'Anniversary' AS bill_bill_type,
  '111122223333' AS bill_payer_account_id,
  TIMESTAMP_MS '2025-01-01 00:00:00' AS bill_billing_period_start_date,
  TIMESTAMP_MS '2025-02-01 00:00:00' AS bill_billing_period_end_date,
  ['111122223333', '444455556666', '777788889999'][i % 3 + 1] AS line_item_usage_account_id,
  CASE WHEN i % 50 = 7 THEN 'Tax' WHEN i % 40 = 3 THEN 'Credit' ELSE 'Usage' END AS line_item_line_item_type,
  (TIMESTAMP '2025-01-01' + INTERVAL (i % 31) DAY + INTERVAL (i % 24) HOUR)::TIMESTAMP_MS AS line_item_usage_start_date,
  (TIMESTAMP '2025-01-01' + INTERVAL (i % 31) DAY + INTERVAL (i % 24 + 1) HOUR)::TIMESTAMP_MS AS line_item_usage_end_date,
  ['AmazonEC2', 'AmazonS3', 'AWSLambda', 'AmazonRDS'][i % 4 + 1] AS line_item_product_code,
  ['BoxUsage:m5.large', 'TimedStorage-ByteHrs', 'Request', 'InstanceUsage:db.t3.micro', 'DataTransfer-Out-Bytes', 'BoxUsage:t3.small'][i % 6 + 1] AS line_item_usage_type,
  ['RunInstances', 'PutObject', 'Invoke', 'CreateDBInstance'][i % 4 + 1] AS line_item_operation,
  'arn:aws:ec2:us-east-1:111122223333:instance/i-' || md5('r' || i::VARCHAR)[1:17] AS line_item_resource_id,
  (1 + i % 7)::DOUBLE AS line_item_usage_amount,
  'USD' AS line_item_currency_code,
  CASE WHEN i % 40 = 3 THEN -1.25 ELSE round((i % 97) * 0.0137 + 0.001, 4) END::DOUBLE AS line_item_unblended_cost,
  CASE WHEN i % 40 = 3 THEN -1.25 ELSE round((i % 97) * 0.0137 + 0.001, 4) END::DOUBLE AS line_item_blended_cost,
  'line item ' || (i % 13)::VARCHAR AS line_item_line_item_description,
  ['AmazonEC2', 'AmazonS3', 'AWSLambda', 'AmazonRDS'][i % 4 + 1] AS product_servicecode,
  CASE WHEN i % 5 = 0 THEN NULL ELSE ['web', 'data', 'ml'][i % 3 + 1] END AS resource_tags_user_team
FROM range(80) t(i)`);
const total = (await q('SELECT round(sum(line_item_unblended_cost), 4)::VARCHAR AS t FROM cur'))[0].t;
const base = {};
for (const [name, codec] of [['valid', 'uncompressed'], ['valid-gzip', 'gzip'], ['valid-zstd', 'zstd']]) {
  const file = path.join(OUT, `${name}.parquet`);
  await q(`COPY cur TO '${file}' (FORMAT PARQUET, COMPRESSION ${codec}, PARQUET_VERSION V1)`);
  base[name] = fs.readFileSync(file);
}
fs.writeFileSync(path.join(OUT, 'valid.total'), `${total}\n`);

// ---- helpers ----
const cases = [];
function emit(name, buf, expect, column = '-', rowGroup = '-', pqdumpExpect = '') {
  fs.writeFileSync(path.join(OUT, `${name}.parquet`), buf);
  cases.push([name, expect, column, rowGroup, pqdumpExpect]);
}
const colOf = (foot, name) => foot.rowGroups[0].columns.find((c) => c.path === name);
const rebuild = (b, fn) => { const foot = parseFile(b); fn(foot); return buildFile(foot); };
const largestData = (col) => col.pages.filter((p) => p.type !== 'DICTIONARY_PAGE').sort((a, b) => b.payload.length - a.payload.length)[0];

// A gzip member of exactly n bytes that inflates to `inflated` zero bytes:
// the deflate stream of the zeros, padded to size with a FEXTRA field.
function gzipBomb(n, inflated) {
  const zeros = Buffer.alloc(inflated);
  const def = zlib.deflateRawSync(zeros, { level: 9 });
  const xlen = n - 10 - 2 - def.length - 8;
  if (xlen < 0) throw new Error(`the page is too small for the gzip bomb (${n} < ${def.length + 20})`);
  const head = Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 2, 3, xlen & 0xff, xlen >> 8]);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(zlib.crc32(zeros), 0);
  tail.writeUInt32LE(inflated >>> 0, 4);
  return Buffer.concat([head, Buffer.alloc(xlen, 0x41), def, tail]);
}
// A ZSTD frame of RLE blocks (4 bytes that each inflate to 128 KiB), padded
// to exactly n bytes with a skippable frame.
function zstdBomb(n) {
  const blocks = Math.floor((n - 6 - 8) / 4);
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38])]; // no content size, 128 KiB window
  for (let k = 0; k < blocks; k++) {
    const h = (131072 << 3) | (1 << 1) | (k === blocks - 1 ? 1 : 0); // RLE block of 128 KiB
    parts.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 0x00]));
  }
  const used = 6 + blocks * 4;
  const skip = Buffer.alloc(n - used);
  skip.writeUInt32LE(0x184d2a50, 0);
  skip.writeUInt32LE(n - used - 8, 4);
  parts.push(skip);
  const out = Buffer.concat(parts);
  if (out.length !== n) throw new Error('zstd bomb size');
  return { buf: out, inflated: blocks * 131072 };
}

const V = base.valid;
const footV = readFooter(V);
const META = 'corrupt footer metadata (Thrift)';

// 1. truncated files
emit('truncated-tail', V.subarray(0, Math.floor(V.length * 0.6)), 'wrong magic at the end of the file');
emit('truncated-footer', Buffer.concat([V.subarray(0, 4), V.subarray(V.length - 8 - Math.floor(footV.footerLen / 2))]),
  'footer length points outside the file');
emit('footer-cut', Buffer.concat([V.subarray(0, footV.footerStart + Math.floor(footV.footerLen / 2)), V.subarray(V.length - 8)]), META);
emit('empty', Buffer.alloc(0), 'file is too short to be Parquet');

// 2. wrong magic
{
  const b = Buffer.from(V); b.write('PAR0', 0, 'latin1');
  emit('magic-start', b, 'wrong magic at the start of the file');
  const e = Buffer.from(V); e.write('PARX', e.length - 4, 'latin1');
  emit('magic-end', e, 'wrong magic at the end of the file');
}

// 3. corrupt Thrift in the footer: an invalid field type (13) in the
// FileMetaData header of num_rows, and a string length that runs past the footer
{
  const b = Buffer.from(V);
  const nr = f(footV.meta, 3);
  b[nr.hstart] = (b[nr.hstart] & 0xf0) | 13;
  emit('thrift-bad-type', b, META);
  const c = Buffer.from(V);
  const name = fv(footV.schema[1].el, 4);
  const nameField = f(footV.schema[1].el, 4);
  // the varint length of the first column's name: make it 0x7f (127) bytes long... and far more with a continuation
  const lenAt = nameField.start;
  if (c[lenAt] !== name.length) throw new Error('unexpected name length encoding');
  c[lenAt] = 0xff; // continuation: the next byte joins the length -> thousands of bytes
  emit('thrift-bad-length', c, META);
}

// 4. page sizes that lie
const unblended = 'line_item_unblended_cost';
emit('page-size-past-chunk', rebuild(V, (foot) => {
  const col = colOf(foot, unblended);
  const p = largestData(col);
  setI32(p.header, 3, fv(p.header, 3) + 5000); // compressed_page_size beyond the chunk
}), 'runs past the end of the column chunk', unblended, '0');
emit('page-size-short', rebuild(V, (foot) => {
  const col = colOf(foot, unblended);
  const p = largestData(col);
  // compressed and uncompressed both 16 bytes short: the page's data is cut
  // and the next header would start inside it
  setI32(p.header, 3, fv(p.header, 3) - 16);
  setI32(p.header, 2, fv(p.header, 2) - 16);
}), 'Parquet column line_item_unblended_cost, row group 0', unblended, '0');
emit('page-uncompressed-mismatch', rebuild(V, (foot) => {
  const p = largestData(colOf(foot, unblended));
  setI32(p.header, 2, fv(p.header, 2) + 100); // uncompressed codec, sizes disagree
}), 'uncompressed page size does not match its declared size', unblended, '0');

// 5. dictionary index out of range: the dictionary page says it has 1 value
const usageType = 'line_item_usage_type';
emit('dict-index-range', rebuild(V, (foot) => {
  const col = colOf(foot, usageType);
  const d = col.pages.find((p) => p.type === 'DICTIONARY_PAGE');
  setI32(f(d.header, 7), 1, 1);
}), 'out of range (the dictionary has 1 values)', usageType, '0');
emit('dict-missing', rebuild(V, (foot) => {
  const col = colOf(foot, usageType);
  col.pages = col.pages.filter((p) => p.type !== 'DICTIONARY_PAGE');
}), 'dictionary-encoded page without a dictionary page', usageType, '0');

// 6. decompression bombs
const resId = 'line_item_resource_id';
emit('gzip-bomb', rebuild(base['valid-gzip'], (foot) => {
  const p = largestData(colOf(foot, resId));
  // about 1000 times the page in zeros, in a page declared a few KB
  p.payload = gzipBomb(p.payload.length, (p.payload.length - 64) * 1000);
}), 'gzip page is corrupt or inflates to a size other than declared', resId, '0');
let zInflated = 0;
emit('zstd-bomb', rebuild(base['valid-zstd'], (foot) => {
  const p = largestData(colOf(foot, resId));
  const z = zstdBomb(p.payload.length);
  zInflated = z.inflated;
  p.payload = z.buf;
}), 'zstd page is corrupt or inflates to a size other than declared', resId, '0');
emit('absurd-uncompressed-size', rebuild(base['valid-gzip'], (foot) => {
  const p = largestData(colOf(foot, resId));
  setI32(p.header, 2, 2147483647);
}), 'bytes uncompressed (more than the', resId, '0');
emit('absurd-dict-size', rebuild(base['valid-zstd'], (foot) => {
  const d = colOf(foot, usageType).pages.find((p) => p.type === 'DICTIONARY_PAGE');
  setI32(d.header, 2, 2000000000);
}), 'bytes uncompressed (more than the', usageType, '0');
emit('absurd-value-count', rebuild(V, (foot) => {
  const p = largestData(colOf(foot, unblended));
  setI32(f(p.header, 5), 1, 2000000000);
}), 'values (more than the', unblended, '0');

// 7. a schema that does not match the pages
const usageStart = 'line_item_usage_start_date';
emit('schema-type', rebuild(V, (foot) => {
  const el = foot.schema.find((s) => s.name === usageStart).el;
  setI32(el, 1, 5); // INT64 -> DOUBLE in the schema; the chunk metadata still says INT64
}), "does not match the schema's type", usageStart, '0');
emit('schema-type-both', rebuild(V, (foot) => {
  // schema and chunk metadata agree on FIXED_LEN_BYTE_ARRAY(3), the pages hold doubles
  const el = foot.schema.find((s) => s.name === unblended).el;
  setI32(el, 1, 7);
  setI32(el, 2, 3);
  setI32(colOf(foot, unblended).md, 1, 7);
}), 'column line_item_unblended_cost, row group 0', unblended, '0');
emit('schema-required', rebuild(V, (foot) => {
  // an optional column with nulls declared REQUIRED: its pages carry levels
  const el = foot.schema.find((s) => s.name === 'resource_tags_user_team').el;
  setI32(el, 3, 0);
}), 'Parquet column resource_tags_user_team, row group 0', 'resource_tags_user_team', '0');
emit('schema-extra-column', rebuild(V, (foot) => {
  // one more column in the schema than the row group has chunks
  const root = foot.schema[0].el;
  setI32(root, 5, fv(root, 5) + 1);
  const list = f(foot.meta, 2);
  const copy = structuredClone(list.v[list.v.length - 1]);
  copy.v.set(4, { t: T.BINARY, v: Buffer.from('extra_column') });
  list.v.push(copy);
}), 'row group 0 has 21 column chunks but the schema has 22 columns');
emit('chunk-missing', rebuild(V, (foot) => {
  // the row group lists one column chunk fewer than the schema
  const cols = f(foot.rowGroups[0].rg, 1);
  cols.v.pop();
  foot.rowGroups[0].columns.pop();
}), 'row group 0 has 20 column chunks but the schema has 21 columns');

// 8. a column chunk whose pages hold fewer rows than the row group declares
emit('fewer-rows', rebuild(V, (foot) => {
  setI64(foot.rowGroups[0].rg, 3, 100);
  setI64(foot.meta, 3, 100);
}), 'fewer rows than its row group declares', 'identity_line_item_id', '0', 'rows where 100 were expected');
emit('chunk-no-data', rebuild(V, (foot) => {
  // one column chunk keeps its dictionary but loses its data page (and says
  // it holds no values): that column has no rows at all
  const col = colOf(foot, usageType);
  col.pages = col.pages.filter((p) => p.type === 'DICTIONARY_PAGE');
  if (col.pages.length !== 1) throw new Error('expected a dictionary page');
  setI64(col.md, 5, 0);
}), 'fewer rows than its row group declares', usageType, '0', 'rows where 80 were expected');

const lines = [
  '# Malformed Parquet files (tests/parquet/make-malformed.mjs) and what reckon must say about each.',
  '# case<TAB>text the error contains<TAB>column it names (- none)<TAB>row group it names (- none)<TAB>pqdump text if different',
  ...cases.map((c) => c.join('\t')),
];
fs.writeFileSync(path.join(OUT, 'expect.txt'), lines.join('\n') + '\n');
console.log(`wrote ${cases.length} malformed files; valid total ${total}; zstd bomb inflates to ${zInflated} bytes`);
