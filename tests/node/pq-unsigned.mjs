#!/usr/bin/env node
// Integers of every width, signed and unsigned, written by DuckDB and read
// back by reckon's decoder (pqdump): a UBIGINT of all ones must come out as
// 18446744073709551615, not -1, and the signed extremes must survive.
//
//   node tests/node/pq-unsigned.mjs PQDUMP
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PQDUMP = process.argv[2];
if (!PQDUMP) { console.error('usage: pq-unsigned.mjs PQDUMP'); process.exit(2); }
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-pqu-'));
const file = path.join(dir, 'ints.parquet');
const types = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT'];
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
// min, max, 0, 1, and a value between for each type (ranges are DuckDB's own)
const sel = types.map((t, i) => `c${i}`).join(', ');
const rows = [];
for (const t of types) {
  const unsigned = t.startsWith('U');
  const bits = { TINYINT: 8, SMALLINT: 16, INTEGER: 32, BIGINT: 64 }[t.replace(/^U/, '')];
  const lo = unsigned ? 0n : -(1n << BigInt(bits - 1));
  const hi = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) - 1n;
  rows.push([lo, hi, 0n, 1n, hi / 3n]);
}
const values = [0, 1, 2, 3, 4].map((r) => `(${types.map((t, i) => `(${rows[i][r]})::${t}`).join(', ')})`).join(',\n');
await c.run(`COPY (SELECT * FROM (VALUES ${values}) v(${sel})) TO '${file}' (FORMAT parquet)`);
const duck = (await c.runAndReadAll(`SELECT ${types.map((t, i) => `c${i}::VARCHAR AS c${i}`).join(', ')} FROM '${file}'`)).getRowObjects();

const out = spawnSync(PQDUMP, [file], { encoding: 'utf8' });
if (out.status !== 0) { console.error(`pqdump failed: ${out.stderr}`); process.exit(1); }
const got = out.stdout.trim().split('\n');
let bad = 0;
if (got.length !== duck.length) { console.error(`rows: pqdump ${got.length}, DuckDB ${duck.length}`); process.exit(1); }
for (let r = 0; r < got.length; r++) {
  // integers print as JSON numbers, beyond 2^53 too: compare the text
  const cells = Object.fromEntries([...got[r].matchAll(/"(c\d+)":(-?\d+)/g)].map((m) => [m[1], m[2]]));
  for (let i = 0; i < types.length; i++) {
    const want = duck[r][`c${i}`];
    if (cells[`c${i}`] !== want) {
      console.error(`row ${r} ${types[i]}: pqdump ${cells[`c${i}`]}, DuckDB ${want}`);
      bad++;
    }
  }
}
fs.rmSync(dir, { recursive: true, force: true });
if (bad) process.exit(1);
console.log(`ok: ${got.length} rows x ${types.length} integer types agree with DuckDB`);
