// gen-parquet-vs-csv.mjs — checks with DuckDB, an engine that shares no code
// with reckon, that a Parquet delivery of `reckon generate` holds exactly the
// rows of the CSV delivery of the same organization (same options).
//
//   node gen-parquet-vs-csv.mjs CSV_OUTDIR PARQUET_OUTDIR
//
// legacy-csv pairs with athena-parquet, cur2-csv with cur2-parquet. The data
// files of each are found from the manifests, as a consumer finds them
// (legacy: the period manifest's reportKeys; Athena: the advisory manifest in
// the year=/month= folder; CUR 2.0: the metadata manifest's dataFiles).
// Checked:
//   - every .parquet file under PARQUET_OUTDIR is read whole by DuckDB, and
//     its footer is consistent (row groups, SNAPPY, encodings);
//   - the schema: the CSV header's columns under their Athena names, in the
//     same order; the types of cur-format.md §a.4 (Athena: all REQUIRED,
//     strings UTF8, TIMESTAMP_MILLIS, DOUBLE amounts, rates as strings) or
//     §c.4 (CUR 2.0: OPTIONAL, TIMESTAMP(MILLIS, UTC), maps as MAP groups);
//   - the Athena status table: one REQUIRED UTF8 column `status`, one row READY;
//   - the same periods, parts and rows per part, and row by row, in order,
//     every value: text equal (an empty CSV cell is "" in Athena, null in
//     CUR 2.0), amounts equal as DECIMAL(38,10) (an empty amount is 0 in
//     Athena), times equal to the second, maps equal as JSON;
//   - per month: the row count and the sums of unblended, public on-demand,
//     RI and SP effective cost and usage amount, as DECIMAL(38,10); and the
//     multiset of (line item id, type, usage account, resource tags as JSON).
// Exit 0 when both hold the same data, 1 on a difference (each printed), 2 on misuse.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';

function usage(msg) {
  console.error(`gen-parquet-vs-csv: ${msg}\nusage: node gen-parquet-vs-csv.mjs CSV_OUTDIR PARQUET_OUTDIR`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.length !== 2) usage('two folders are needed');
const [csvDir, pqDir] = args.map((a) => path.resolve(a));

function walk(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

// The delivery's data files from its manifests: [{period, part, file}], and its format.
function delivery(outdir) {
  const parts = [];
  let format = null;
  for (const f of walk(outdir, [])) {
    if (!f.endsWith('-Manifest.json')) continue;
    const segs = f.split(path.sep);
    const parent = segs[segs.length - 2];
    const m = JSON.parse(fs.readFileSync(f, 'utf8'));
    let keys = null, period = null;
    if (/^\d{8}-\d{8}$/.test(parent) && Array.isArray(m.reportKeys)) {
      format = 'legacy';
      period = `${parent.slice(0, 4)}-${parent.slice(4, 6)}`;
      keys = m.reportKeys;
    } else if (/^month=\d+$/.test(parent) && /^year=\d{4}$/.test(segs[segs.length - 3]) && Array.isArray(m.reportKeys)) {
      format = 'athena';
      period = `${segs[segs.length - 3].slice(5)}-${parent.slice(6).padStart(2, '0')}`;
      keys = m.reportKeys;
    } else if (f.includes(`${path.sep}metadata${path.sep}BILLING_PERIOD=`) && Array.isArray(m.dataFiles)) {
      format = 'cur2';
      period = /BILLING_PERIOD=(\d{4}-\d{2})/.exec(f)[1];
      keys = m.dataFiles.map((u) => u.replace(/^s3:\/\/[^/]+\//, ''));
    } else {
      continue;
    }
    for (const k of keys) {
      const n = /-(\d{5})\.(csv\.gz|snappy\.parquet)$/.exec(k);
      if (!n) usage(`${f} lists ${k}, not a numbered part`);
      parts.push({ period, part: Number(n[1]), file: path.join(outdir, k) });
    }
  }
  if (!parts.length) usage(`no manifest with data files under ${outdir}`);
  for (const p of parts) if (!fs.existsSync(p.file)) { console.error(`a manifest lists ${p.file}, which does not exist`); process.exit(1); }
  parts.sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.part - b.part));
  return { format, parts };
}

const csv = delivery(csvDir);
const pq = delivery(pqDir);
if (!csv.parts.every((p) => p.file.endsWith('.csv.gz'))) usage(`${csvDir} is not a CSV delivery`);
if (!pq.parts.every((p) => p.file.endsWith('.parquet'))) usage(`${pqDir} is not a Parquet delivery`);
const athena = pq.format === 'athena';
if ((athena && csv.format !== 'legacy') || (!athena && csv.format !== 'cur2'))
  usage(`a ${csv.format} CSV delivery does not pair with a ${pq.format} Parquet delivery`);

const problems = [];
const fail = (msg) => problems.push(msg);

// AWS's Athena column-name rule (cur-format.md §d.2).
function norm(s) {
  let out = '', us = true;
  for (const ch of s) {
    if (ch >= 'A' && ch <= 'Z') { if (!us) out += '_'; out += ch.toLowerCase(); us = false; }
    else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) { out += ch; us = false; }
    else { if (!us) out += '_'; us = true; }
  }
  return out.replace(/_+$/, '');
}

const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
// One thread: a single-file scan then yields rows in file order.
await c.run(`SET threads = 1; SET preserve_insertion_order = true; SET TimeZone = 'UTC'`);
async function rows(sql) { return (await c.runAndReadAll(sql)).getRowObjects(); }
const q = (s) => `'${s.replace(/'/g, "''")}'`;
const csvOpts = `header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', normalize_names = false, compression = 'gzip', hive_partitioning = false`;
const id = (s) => `"${s.replace(/"/g, '""')}"`;

// ---- every Parquet file: read whole, footer consistent ----

const allParquet = walk(pqDir, []).filter((f) => f.endsWith('.parquet')).sort();
const listed = new Set(pq.parts.map((p) => p.file));
let statusFiles = 0;
for (const f of allParquet) {
  const isStatus = f.endsWith(`${path.sep}cost_and_usage_data_status${path.sep}cost_and_usage_data_status.parquet`);
  if (!isStatus && !listed.has(f)) fail(`${f} is not listed by any manifest`);
  const buf = fs.readFileSync(f);
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'PAR1' || buf.toString('latin1', buf.length - 4) !== 'PAR1')
    fail(`${f}: no PAR1 magic at both ends`);
  // Decoding every column: hash whole rows.
  const [r] = await rows(`SELECT count(*) AS n, sum(hash(t)) AS h FROM read_parquet(${q(f)}, hive_partitioning = false) t`);
  const [fm] = await rows(`SELECT num_rows, num_row_groups, created_by FROM parquet_file_metadata(${q(f)})`);
  if (Number(fm.num_rows) !== Number(r.n)) fail(`${f}: footer says ${fm.num_rows} rows, DuckDB reads ${r.n}`);
  if (fm.created_by !== 'reckon generate') fail(`${f}: created_by is ${fm.created_by}`);
  const bad = await rows(`SELECT row_group_id, path_in_schema, compression, encodings, num_values, row_group_num_rows
      FROM parquet_metadata(${q(f)})
      WHERE compression <> 'SNAPPY' OR num_values < row_group_num_rows
         OR NOT (encodings IN ('PLAIN', 'PLAIN, RLE_DICTIONARY', 'RLE_DICTIONARY, PLAIN', 'PLAIN, RLE', 'RLE, PLAIN')
                 OR regexp_matches(encodings, '^(PLAIN|RLE|RLE_DICTIONARY)(, (PLAIN|RLE|RLE_DICTIONARY))*$'))
      LIMIT 5`);
  for (const b of bad) fail(`${f}: column chunk ${JSON.stringify(b, (k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
  const [rg] = await rows(`SELECT coalesce(sum(n), 0) AS n FROM (SELECT DISTINCT row_group_id, row_group_num_rows AS n FROM parquet_metadata(${q(f)}))`);
  if (Number(rg.n) !== Number(r.n)) fail(`${f}: row groups hold ${rg.n} rows, the file ${r.n}`);
  if (isStatus) {
    statusFiles++;
    const sch = await rows(`SELECT name, type, repetition_type, converted_type FROM parquet_schema(${q(f)}) WHERE type IS NOT NULL`);
    const st = await rows(`SELECT * FROM read_parquet(${q(f)})`);
    if (sch.length !== 1 || sch[0].name !== 'status' || sch[0].type !== 'BYTE_ARRAY' || sch[0].repetition_type !== 'REQUIRED' ||
        sch[0].converted_type !== 'UTF8')
      fail(`status table schema: ${JSON.stringify(sch)}`);
    if (st.length !== 1 || st[0].status !== 'READY') fail(`status table rows: ${JSON.stringify(st)}`);
  }
}
if (athena && statusFiles !== 1) fail(`the Athena delivery has ${statusFiles} status tables, want 1`);
if (!athena && statusFiles !== 0) fail('a CUR 2.0 export has an Athena status table');

// ---- the same parts ----

const key = (p) => `${p.period}#${p.part}`;
const csvKeys = csv.parts.map(key), pqKeys = pq.parts.map(key);
if (csvKeys.join() !== pqKeys.join()) {
  console.error(`VIOLATION: parts differ:\n  CSV:     ${csvKeys.join(' ')}\n  Parquet: ${pqKeys.join(' ')}`);
  process.exit(1);
}

// ---- the schema ----

const first = pq.parts[0].file;
const schema = await rows(`SELECT name, type, repetition_type, converted_type, logical_type, num_children FROM parquet_schema(${q(first)})`);
const top = []; // top-level columns, in order
{
  let i = 1;
  const skip = (k) => { const n = Number(schema[k].num_children ?? 0); let j = k + 1; for (let c2 = 0; c2 < n; c2++) j = skip(j); return j; };
  while (i < schema.length) { top.push(schema[i]); i = skip(i); }
}
const pqCols = (await rows(`DESCRIBE SELECT * FROM read_parquet(${q(first)}, hive_partitioning = false)`)).map((r) => ({ name: r.column_name, type: r.column_type }));
const csvCols = (await rows(`DESCRIBE SELECT * FROM read_csv(${q(csv.parts[0].file)}, ${csvOpts})`)).map((r) => r.column_name);
const wantNames = csvCols.map((n) => (athena ? norm(n) : n));
if (pqCols.map((x) => x.name).join() !== wantNames.join())
  fail(`columns differ:\n  CSV (Athena names): ${wantNames.join(',')}\n  Parquet:            ${pqCols.map((x) => x.name).join(',')}`);

const el = new Map(top.map((s) => [s.name, s]));
function expectType(name, type, rep, conv, logicalRe) {
  const s = el.get(name);
  if (!s) { fail(`no column ${name}`); return; }
  if ((type && s.type !== type) || (rep && s.repetition_type !== rep) || (conv !== undefined && (s.converted_type ?? null) !== conv) ||
      (logicalRe && !logicalRe.test(String(s.logical_type ?? ''))))
    fail(`column ${name}: ${s.type} ${s.repetition_type} ${s.converted_type} ${s.logical_type}, want ${type} ${rep} ${conv} ${logicalRe ?? ''}`);
}
if (athena) {
  for (const s of top) if (s.repetition_type !== 'REQUIRED') fail(`Athena column ${s.name} is ${s.repetition_type}`);
  expectType('identity_line_item_id', 'BYTE_ARRAY', 'REQUIRED', 'UTF8');
  expectType('reservation_reservation_a_r_n', 'BYTE_ARRAY', 'REQUIRED', 'UTF8');
  expectType('resource_tags_user_cost_center', 'BYTE_ARRAY', 'REQUIRED', 'UTF8');
  expectType('line_item_usage_start_date', 'INT64', 'REQUIRED', 'TIMESTAMP_MILLIS');
  expectType('bill_billing_period_end_date', 'INT64', 'REQUIRED', 'TIMESTAMP_MILLIS');
  expectType('line_item_unblended_cost', 'DOUBLE', 'REQUIRED', null);
  expectType('reservation_effective_cost', 'DOUBLE', 'REQUIRED', null);
  expectType('line_item_unblended_rate', 'BYTE_ARRAY', 'REQUIRED', 'UTF8');
  expectType('pricing_public_on_demand_rate', 'BYTE_ARRAY', 'REQUIRED', 'UTF8');
  expectType('reservation_number_of_reservations', 'BYTE_ARRAY', 'REQUIRED', 'UTF8');
  expectType('reservation_start_time', 'BYTE_ARRAY', 'REQUIRED', 'UTF8');
  expectType('savings_plan_end_time', 'BYTE_ARRAY', 'REQUIRED', 'UTF8');
} else {
  for (const s of top) if (s.repetition_type !== 'OPTIONAL') fail(`CUR 2.0 column ${s.name} is ${s.repetition_type}`);
  expectType('identity_line_item_id', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8', /String/);
  expectType('line_item_usage_start_date', 'INT64', 'OPTIONAL', 'TIMESTAMP_MILLIS', /isAdjustedToUTC=(1|true).*MILLIS/);
  expectType('line_item_unblended_cost', 'DOUBLE', 'OPTIONAL', null);
  expectType('line_item_unblended_rate', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8');
  expectType('reservation_start_time', 'BYTE_ARRAY', 'OPTIONAL', 'UTF8');
  for (const m of ['resource_tags', 'product', 'cost_category', 'discount']) expectType(m, null, 'OPTIONAL', 'MAP', /Map/);
  // The MAP layout: optional group (MAP) { repeated group key_value { required key; optional value } }.
  const i = schema.findIndex((s) => s.name === 'discount');
  const kv = schema.slice(i + 1, i + 4).map((s) => `${s.name}:${s.repetition_type}:${s.type ?? 'group'}`).join(' ');
  if (kv !== 'key_value:REPEATED:group key:REQUIRED:BYTE_ARRAY value:OPTIONAL:DOUBLE') fail(`discount map layout: ${kv}`);
}

// ---- row by row ----

const csvTypes = new Map(pqCols.map((x) => [x.name, x.type]));
// Canonical text of a column on each side (same expression shapes, so NULL/'' rules are explicit).
function canon(name, side, src) {
  const t = csvTypes.get(name) ?? 'VARCHAR';
  const x = id(src);
  if (t === 'VARCHAR') return side === 'pq' && athena ? `nullif(${x}, '')` : x;
  if (t === 'DOUBLE') {
    const v = side === 'pq' ? `CAST(${x} AS DECIMAL(38,10))` : `CAST(${x} AS DECIMAL(38,10))`;
    return athena ? `CAST(coalesce(${v}, 0) AS VARCHAR)` : `CAST(${v} AS VARCHAR)`;
  }
  if (t.startsWith('TIMESTAMP')) return side === 'pq' ? `strftime(${x}, '%Y-%m-%dT%H:%M:%SZ')` : x;
  if (t === 'MAP(VARCHAR, DOUBLE)')
    return side === 'pq' ? `CAST(CAST(${x} AS MAP(VARCHAR, DECIMAL(38,10))) AS VARCHAR)`
      : `CAST(CAST(CAST(${x} AS JSON) AS MAP(VARCHAR, DECIMAL(38,10))) AS VARCHAR)`;
  if (t.startsWith('MAP(')) return side === 'pq' ? `CAST(to_json(${x}) AS VARCHAR)` : `CAST(json(${x}) AS VARCHAR)`;
  return `CAST(${x} AS VARCHAR)`;
}
const names = pqCols.map((x) => x.name);
const csvSrc = new Map(csvCols.map((n) => [athena ? norm(n) : n, n]));
const selC = names.map((n) => `${canon(n, 'csv', csvSrc.get(n) ?? n)} AS ${id(n)}`).join(', ');
const selP = names.map((n) => `${canon(n, 'pq', n)} AS ${id(n)}`).join(', ');
await c.run(`CREATE TABLE tc AS SELECT ''::VARCHAR AS __period, 0 AS __part, 0::BIGINT AS __rn, ${selC}
  FROM read_csv(${q(csv.parts[0].file)}, ${csvOpts}) LIMIT 0`);
await c.run(`CREATE TABLE tp AS SELECT ''::VARCHAR AS __period, 0 AS __part, 0::BIGINT AS __rn, ${selP}
  FROM read_parquet(${q(first)}, hive_partitioning = false) LIMIT 0`);
for (let i = 0; i < csv.parts.length; i++) {
  const a = csv.parts[i], b = pq.parts[i];
  await c.run(`INSERT INTO tc SELECT ${q(a.period)}, ${a.part}, row_number() OVER (), ${selC} FROM read_csv(${q(a.file)}, ${csvOpts})`);
  await c.run(`INSERT INTO tp SELECT ${q(b.period)}, ${b.part}, row_number() OVER (), ${selP} FROM read_parquet(${q(b.file)}, hive_partitioning = false)`);
}

const counts = await rows(`SELECT coalesce(c.__period, p.__period) AS period, coalesce(c.__part, p.__part) AS part, c.n AS csv, p.n AS pq
  FROM (SELECT __period, __part, count(*) AS n FROM tc GROUP BY ALL) c FULL JOIN (SELECT __period, __part, count(*) AS n FROM tp GROUP BY ALL) p
  USING (__period, __part) ORDER BY 1, 2`);
let total = 0;
for (const r of counts) {
  if (r.csv !== r.pq) fail(`${r.period} part ${r.part}: ${r.csv} CSV rows, ${r.pq} Parquet rows`);
  total += Number(r.csv ?? 0);
}
if (total === 0) fail('no rows');

// Every value of every row, rows matched by their place in their part.
const diffCols = names.map((n) => `count(*) FILTER (WHERE c.${id(n)} IS DISTINCT FROM p.${id(n)}) AS ${id(n)}`).join(', ');
const [diff] = await rows(`SELECT ${diffCols} FROM tc c JOIN tp p USING (__period, __part, __rn)`);
for (const [n, v] of Object.entries(diff)) {
  if (Number(v) === 0) continue;
  const ex = await rows(`SELECT c.__period, c.__part, c.__rn, c.${id(n)} AS csv, p.${id(n)} AS pq FROM tc c JOIN tp p USING (__period, __part, __rn)
    WHERE c.${id(n)} IS DISTINCT FROM p.${id(n)} LIMIT 3`);
  fail(`${n}: ${v} rows differ, e.g. ${ex.map((e) => `${e.__period}#${e.__part} row ${e.__rn}: CSV ${e.csv} / Parquet ${e.pq}`).join('; ')}`);
}

// ---- per month: figures and the multiset of line items ----

const sums = ['line_item_unblended_cost', 'pricing_public_on_demand_cost', 'reservation_effective_cost',
  'savings_plan_savings_plan_effective_cost', 'line_item_usage_amount'];
const tagCols = names.filter((n) => n.startsWith('resource_tags_'));
for (const [side, files] of [['csv', csv.parts], ['pq', pq.parts]]) {
  const list = '[' + files.map((p) => q(p.file)).join(',') + ']';
  const src = side === 'csv' ? `read_csv(${list}, ${csvOpts})` : `read_parquet(${list}, hive_partitioning = false)`;
  const col = (n) => id(side === 'csv' ? (csvSrc.get(n) ?? n) : n);
  // Doubles rounded to 10 decimals, then exact decimals; text as it is.
  const num = (n) => side === 'pq' && csvTypes.get(n) === 'DOUBLE' ? `coalesce(CAST(round(${col(n)}, 10) AS DECIMAL(38,10)), 0)`
    : `coalesce(CAST(${col(n)} AS DECIMAL(38,10)), 0)`;
  const period = side === 'pq' ? `strftime(${col('bill_billing_period_start_date')}, '%Y-%m')`
    : `substr(${col('bill_billing_period_start_date')}, 1, 7)`;
  const tags = athena
    ? `CAST(json_object(${tagCols.map((n) => `${q(n)}, ${side === 'pq' ? `nullif(${col(n)}, '')` : col(n)}`).join(', ')}) AS VARCHAR)`
    : side === 'pq' ? `CAST(to_json(${col('resource_tags')}) AS VARCHAR)` : `CAST(json(${col('resource_tags')}) AS VARCHAR)`;
  await c.run(`CREATE TABLE m_${side} AS SELECT ${period} AS period, count(*) AS n,
      ${sums.map((n) => `sum(${num(n)}) AS ${id(n)}`).join(', ')}
    FROM ${src} GROUP BY ALL`);
  await c.run(`CREATE TABLE l_${side} AS SELECT ${col('identity_line_item_id')} AS id, ${col('line_item_line_item_type')} AS lit,
      ${col('line_item_usage_account_id')} AS acct, ${tags} AS tags FROM ${src}`);
}
const mdiff = await rows(`SELECT coalesce(c.period, p.period) AS period, c.*, p.* FROM m_csv c FULL JOIN m_pq p USING (period)
  WHERE c.n IS DISTINCT FROM p.n ${sums.map((n) => `OR c.${id(n)} IS DISTINCT FROM p.${id(n)}`).join(' ')} ORDER BY 1`);
for (const r of mdiff) fail(`month ${r.period}: CSV and Parquet figures differ: ${JSON.stringify(r, (k, v) => (typeof v === 'bigint' || (v && typeof v === 'object' && 'toDouble' in v) ? v.toString() : v))}`);
const months = await rows(`SELECT * FROM m_csv ORDER BY period`);
const [ms] = await rows(`SELECT (SELECT count(*) FROM (SELECT * FROM l_csv EXCEPT ALL SELECT * FROM l_pq)) AS only_csv,
  (SELECT count(*) FROM (SELECT * FROM l_pq EXCEPT ALL SELECT * FROM l_csv)) AS only_pq, (SELECT count(*) FROM l_pq) AS n`);
if (Number(ms.only_csv) || Number(ms.only_pq)) fail(`line items: ${ms.only_csv} only in CSV, ${ms.only_pq} only in Parquet`);
const tagged = Number((await rows(`SELECT count(*) AS n FROM l_pq WHERE tags LIKE '%cost_center":"%'`))[0].n);
if (tagged === 0) fail('no line item has resource tags: the comparison of tags proves nothing');

console.log(`${pq.format}: ${pq.parts.length} parts, ${allParquet.length} Parquet files, ${total} rows, ${names.length} columns compared row by row`);
for (const m of months)
  console.log(`  ${m.period}: ${m.n} rows, unblended ${m.line_item_unblended_cost}, on-demand ${m.pricing_public_on_demand_cost}, ` +
    `RI effective ${m.reservation_effective_cost}, SP effective ${m.savings_plan_savings_plan_effective_cost}, usage ${m.line_item_usage_amount}`);
if (problems.length) {
  for (const p of problems) console.error(`VIOLATION: ${p}`);
  console.error(`${problems.length} violation(s)`);
  process.exit(1);
}
console.log('the Parquet delivery holds the same rows and values as the CSV delivery');
