// parquet_writer.mjs — DuckDB reads the files gpq_fixture writes through the
// generator's Parquet writer and every value is checked against the formulas
// that wrote it (see tests/gen/gpq_fixture.c).
//
//   node parquet_writer.mjs OUTDIR
//
// Exit 0 when every file reads back exactly, 1 otherwise.
import { createRequire } from 'node:module';
import path from 'node:path';

// @duckdb/node-api is installed with the other test tools in tests/node.
const require = createRequire(new URL('../node/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const dir = path.resolve(process.argv[2] ?? '');
if (process.argv.length !== 3) {
  console.error('usage: node parquet_writer.mjs OUTDIR');
  process.exit(2);
}
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`SET TimeZone = 'UTC'`);
const rows = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJson();
const f = (name) => `'${path.join(dir, name)}'`;
const problems = [];
const fail = (m) => problems.push(m);
const eq = (what, got, want) => {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g !== w) fail(`${what}: got ${g.slice(0, 300)}, want ${w.slice(0, 300)}`);
};

// dict_fallback: a dictionary past 1 MiB continues in PLAIN pages; ids are PLAIN.
{
  const pad = 'x'.repeat(90);
  const got = await rows(`SELECT n, s, id FROM read_parquet(${f('dict_fallback.parquet')}) ORDER BY n`);
  eq('dict_fallback rows', got.length, 60000);
  let bad = 0;
  got.forEach((r, i) => {
    const v = `v${String(i < 40000 ? Math.floor(i / 2) : i % 7).padStart(6, '0')}-${pad}`;
    if (Number(r.n) !== i || r.s !== v || r.id !== `id-${i * 7919}`) bad++;
  });
  eq('dict_fallback values that differ', bad, 0);
  const meta = await rows(`SELECT path_in_schema AS c, encodings, dictionary_page_offset IS NOT NULL AS dict
    FROM parquet_metadata(${f('dict_fallback.parquet')}) ORDER BY column_id`);
  eq('dict_fallback encodings', meta, [
    { c: 'n', encodings: 'PLAIN', dict: false },
    { c: 's', encodings: 'PLAIN, RLE_DICTIONARY', dict: true },
    { c: 'id', encodings: 'PLAIN', dict: false },
  ]);
}

// nulls: "" is not null; one row group per 7 rows.
{
  const got = await rows(`SELECT n, s, d, strftime(t, '%Y-%m-%dT%H:%M:%S') AS t FROM read_parquet(${f('nulls.parquet')}) ORDER BY n`);
  let bad = 0;
  got.forEach((r, i) => {
    const s = i % 3 === 0 ? null : i % 3 === 1 ? '' : `r${i}`;
    const d = i % 4 === 0 ? null : i * 0.25 - 100;
    const t = i % 5 === 0 ? null : new Date(1700000000000 + 1000 * i).toISOString().slice(0, 19);
    if (Number(r.n) !== i || r.s !== s || r.d !== d || r.t !== t) bad++;
  });
  eq('nulls rows', got.length, 1000);
  eq('nulls values that differ', bad, 0);
  const [m] = await rows(`SELECT num_row_groups FROM parquet_file_metadata(${f('nulls.parquet')})`);
  eq('nulls row groups', Number(m.num_row_groups), Math.ceil(1000 / 7));
  const types = await rows(`SELECT name, repetition_type, converted_type FROM parquet_schema(${f('nulls.parquet')}) WHERE type IS NOT NULL`);
  eq('nulls schema', types.map((t) => `${t.name}:${t.repetition_type}:${t.converted_type}`),
    ['n:REQUIRED:null', 's:OPTIONAL:UTF8', 'd:OPTIONAL:null', 't:OPTIONAL:TIMESTAMP_MILLIS']);
}

// maps: null, empty, one entry, 40 entries, a null value; map<string,double>.
{
  const got = await rows(`SELECT n, CAST(to_json(m) AS VARCHAR) AS m, CAST(to_json(md) AS VARCHAR) AS md, m IS NULL AS mnull
    FROM read_parquet(${f('maps.parquet')}) ORDER BY n`);
  let bad = 0, first = null;
  got.forEach((r, i) => {
    let m;
    switch (i % 5) {
      case 0: m = null; break;
      case 1: m = '{}'; break;
      case 2: m = `{"a":"x${i}"}`; break;
      case 3: m = '{' + Array.from({ length: 40 }, (_, e) => `"k${String(e).padStart(2, '0')}":"v${e}"`).join(',') + '}'; break;
      default: m = '{"a":null,"b":"y"}';
    }
    const md = i % 2 === 0 ? JSON.stringify({ x: i / 8 }) : null;
    if (Number(r.n) !== i || r.m !== m || r.mnull !== (m === null) || (r.md === null ? null : JSON.stringify(JSON.parse(r.md))) !== md) {
      bad++;
      first ??= `row ${i}: ${JSON.stringify(r)} want m=${m} md=${md}`;
    }
  });
  eq('maps rows', got.length, 3000);
  if (bad) fail(`maps: ${bad} rows differ, first ${first}`);
}

// single: a one-entry dictionary (bit width 0) and a column of nulls; big; empty.
{
  const [s] = await rows(`SELECT count(*) AS n, count(DISTINCT c) AS k, min(c) AS c, count(z) AS z FROM read_parquet(${f('single.parquet')})`);
  eq('single', [Number(s.n), Number(s.k), s.c, Number(s.z)], [50000, 1, 'USD', 0]);
  const big = await rows(`SELECT length(c) AS c, length(z) AS z FROM read_parquet(${f('big.parquet')})`);
  eq('big', big.map((r) => [Number(r.c), Number(r.z)]), [[1, 0], [1, 0], [300000, 300000], [1, 0], [1, 0]]);
  const [e] = await rows(`SELECT num_rows, num_row_groups FROM parquet_file_metadata(${f('empty.parquet')})`);
  eq('empty', [Number(e.num_rows), Number(e.num_row_groups)], [0, 0]);
  const [n] = await rows(`SELECT count(*) AS n FROM read_parquet(${f('empty.parquet')})`);
  eq('empty rows', Number(n.n), 0);
}

if (problems.length) {
  for (const p of problems) console.error(`VIOLATION: ${p}`);
  process.exit(1);
}
console.log('every fixture reads back exactly: dictionary overflow, PLAIN ids, "" and null, maps, bit width 0, a 300 kB value, no rows');
