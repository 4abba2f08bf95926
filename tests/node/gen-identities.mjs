// gen-identities.mjs — checks a generated CUR with DuckDB, an engine that
// shares no code with reckon.
//
//   node gen-identities.mjs OUTDIR                      the identities
//   node gen-identities.mjs OUTDIR --compare REPORT.json  also reckon's monthly
//                                                         totals against DuckDB's
//
// OUTDIR is the bucket folder `reckon generate` wrote. The files of the
// current delivery of each period are found the way a consumer must find
// them: from the manifests (legacy: the period-level manifest's reportKeys;
// Athena: the advisory manifest in the year=/month= folder; CUR 2.0: the
// metadata manifest's dataFiles). Every amount is read as text and cast to
// DECIMAL(38,18), so sums are exact. Parquet deliveries (athena-parquet,
// cur2-parquet) are first turned into the text their CSV twins hold: each
// DOUBLE as its exact decimal when it is one with at most 10 decimals (else
// as the double's own text, which the plain-decimal check then reports),
// times as ISO text, maps as JSON. Checked per billing period:
//   - Σ unblended = Σ amortized + Σ true-up + Σ upfront (cur-format.md §g, with
//     SP refunds in the true-up as reckon does), to the last digit;
//   - per Savings Plan and hour: UsedCommitment <= TotalCommitmentToDate,
//     Σ SavingsPlanEffectiveCost of covered rows = UsedCommitment,
//     Σ SavingsPlanNegation = −Σ covered unblended;
//   - per RI and month: DiscountedUsage normalized units = reserved − unused
//     (and in hours), Σ effective cost + unused = amortized upfront + recurring;
//   - Σ net unblended of non-discount rows = Σ unblended (EDP is in the net);
//   - one currency per payer; every amount plain decimal text, <= 10 decimals.
// With --compare, REPORT.json is `reckon report cost --granularity monthly
// --metric unblended,amortized,net-unblended,on-demand --format json`; each
// month must equal DuckDB's figure exactly.
// Exit 0 when everything holds, 1 on a violation (each one printed), 2 on misuse.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';

function usage(msg) {
  console.error(`gen-identities: ${msg}\nusage: node gen-identities.mjs OUTDIR [--compare REPORT.json]`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.length < 1) usage('OUTDIR is needed');
const outdir = path.resolve(args[0]);
let compareFile = null;
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--compare' && i + 1 < args.length) compareFile = args[++i];
  else usage(`unknown argument ${args[i]}`);
}

// ---- the files of the current deliveries, from the manifests ----

function walk(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const files = [];
let format = null;
for (const f of walk(outdir, [])) {
  if (!f.endsWith('-Manifest.json')) continue;
  const parts = f.split(path.sep);
  const parent = parts[parts.length - 2];
  const m = JSON.parse(fs.readFileSync(f, 'utf8'));
  if (/^\d{8}-\d{8}$/.test(parent) && Array.isArray(m.reportKeys)) {
    format = format ?? 'legacy';
    for (const k of m.reportKeys) files.push(path.join(outdir, k));
  } else if (/^month=\d+$/.test(parent) && /^year=\d{4}$/.test(parts[parts.length - 3]) && Array.isArray(m.reportKeys)) {
    format = format ?? 'athena';
    for (const k of m.reportKeys) files.push(path.join(outdir, k));
  } else if (f.includes(`${path.sep}metadata${path.sep}BILLING_PERIOD=`) && Array.isArray(m.dataFiles)) {
    format = format ?? 'cur2';
    for (const u of m.dataFiles) {
      const key = u.replace(/^s3:\/\/[^/]+\//, '');
      files.push(path.join(outdir, key));
    }
  }
}
if (!files.length) usage(`no manifest with data files under ${outdir}`);
for (const f of files) if (!fs.existsSync(f)) { console.error(`manifest lists ${f}, which does not exist`); process.exit(1); }
files.sort();

// AWS's Athena column-name rule (cur-format.md §d.2), so both formats read alike.
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
async function rows(sql) { return (await c.runAndReadAll(sql)).getRowObjects(); }

const list = '[' + files.map((f) => `'${f.replace(/'/g, "''")}'`).join(',') + ']';
const parquet = files.every((f) => f.endsWith('.parquet'));
if (!parquet && files.some((f) => f.endsWith('.parquet'))) usage('a delivery mixes CSV and Parquet parts');
let src = `read_csv(${list}, header=true, all_varchar=true, delim=',', quote='"', escape='"', normalize_names=false, compression='gzip', hive_partitioning=false)`;
if (parquet) {
  // The CSV twin's text, column by column (Athena's empty cells are "" and 0).
  await c.run(`SET TimeZone = 'UTC'`);
  const pq = `read_parquet(${list}, hive_partitioning=false)`;
  const exprs = (await rows(`DESCRIBE SELECT * FROM ${pq}`)).map((r) => {
    const x = `"${r.column_name.replace(/"/g, '""')}"`, t = r.column_type;
    let e;
    if (t === 'VARCHAR') e = `nullif(${x}, '')`;
    else if (t === 'DOUBLE')
      e = `CASE WHEN CAST(CAST(${x} AS DECIMAL(38,10)) AS DOUBLE) = ${x} THEN CAST(CAST(${x} AS DECIMAL(38,10)) AS VARCHAR) ELSE CAST(${x} AS VARCHAR) END`;
    else if (t.startsWith('TIMESTAMP')) e = `strftime(${x}, '%Y-%m-%dT%H:%M:%SZ')`;
    else if (t.startsWith('MAP(')) e = `CAST(to_json(${x}) AS VARCHAR)`;
    else e = `CAST(${x} AS VARCHAR)`;
    return `${e} AS ${x}`;
  });
  await c.run(`CREATE VIEW pqtext AS SELECT ${exprs.join(', ')} FROM ${pq}`);
  src = 'pqtext';
}
const cols = (await rows(`DESCRIBE SELECT * FROM ${src}`)).map((r) => r.column_name);
const byNorm = new Map(cols.map((n) => [norm(n), n]));
function col(n) {
  const orig = byNorm.get(n);
  if (!orig) { console.error(`column ${n} is missing from the files`); process.exit(1); }
  return `"${orig.replace(/"/g, '""')}"`;
}
const txt = (n) => `coalesce(${col(n)}, '')`;
const num = (n) => `coalesce(CAST(nullif(${col(n)}, '') AS DECIMAL(38,18)), 0)`;
const units = (n) => `coalesce(CAST(nullif(${col(n)}, '') AS DECIMAL(38,10)), 0)`;

const money = ['line_item_unblended_cost', 'line_item_net_unblended_cost', 'line_item_usage_amount',
  'line_item_normalized_usage_amount', 'pricing_public_on_demand_cost', 'reservation_effective_cost',
  'reservation_unused_amortized_upfront_fee_for_billing_period', 'reservation_unused_recurring_fee',
  'reservation_amortized_upfront_fee_for_billing_period', 'savings_plan_savings_plan_effective_cost',
  'savings_plan_total_commitment_to_date', 'savings_plan_used_commitment',
  'savings_plan_amortized_upfront_commitment_for_billing_period'];

await c.run(`CREATE TABLE raw AS SELECT * FROM ${src}`);
const t = (s) => s.replace(/FROM \$src/g, 'FROM raw');
await c.run(t(`CREATE TABLE cur AS SELECT
  substr(${txt('bill_billing_period_start_date')}, 1, 7) AS period,
  substr(${txt('identity_time_interval')}, 1, 7) AS month,
  ${txt('identity_time_interval')} AS iv,
  ${txt('bill_payer_account_id')} AS payer,
  ${txt('line_item_currency_code')} AS currency,
  ${txt('line_item_line_item_type')} AS lit,
  ${txt('line_item_product_code')} AS product_code,
  ${txt('reservation_reservation_a_r_n')} AS ri_arn,
  ${txt('savings_plan_savings_plan_a_r_n')} AS sp_arn,
  ${num('line_item_unblended_cost')} AS unb,
  CAST(nullif(${col('line_item_net_unblended_cost')}, '') AS DECIMAL(38,18)) AS net,
  ${num('pricing_public_on_demand_cost')} AS od,
  ${num('line_item_normalized_usage_amount')} AS norm_usage,
  ${num('reservation_effective_cost')} AS ri_eff,
  ${num('reservation_unused_amortized_upfront_fee_for_billing_period')} AS ri_unused_amort,
  ${num('reservation_unused_recurring_fee')} AS ri_unused_recur,
  ${num('reservation_amortized_upfront_fee_for_billing_period')} AS ri_amort,
  ${units('reservation_total_reserved_normalized_units')} AS ri_total_nu,
  ${units('reservation_unused_normalized_unit_quantity')} AS ri_unused_nu,
  ${units('reservation_total_reserved_units')} AS ri_total_units,
  ${units('reservation_unused_quantity')} AS ri_unused_qty,
  ${num('savings_plan_savings_plan_effective_cost')} AS sp_eff,
  ${num('savings_plan_total_commitment_to_date')} AS sp_total,
  ${num('savings_plan_used_commitment')} AS sp_used,
  ${num('savings_plan_amortized_upfront_commitment_for_billing_period')} AS sp_amort
FROM $src`));
await c.run(`CREATE TABLE m AS SELECT *,
  lit IN ('EdpDiscount','PrivateRateDiscount','BundledDiscount','SppDiscount','RiVolumeDiscount','Discount') AS discount,
  (lit = 'Refund' AND (sp_arn <> '' OR product_code = 'ComputeSavingsPlans')) AS sp_refund,
  CASE
    WHEN lit = 'SavingsPlanCoveredUsage' THEN sp_eff
    WHEN lit = 'SavingsPlanRecurringFee' THEN sp_total - sp_used
    WHEN lit IN ('SavingsPlanNegation', 'SavingsPlanUpfrontFee') THEN 0
    WHEN lit = 'DiscountedUsage' THEN ri_eff
    WHEN lit = 'RIFee' THEN ri_unused_amort + ri_unused_recur
    WHEN lit = 'Fee' AND ri_arn <> '' THEN 0
    WHEN lit = 'Refund' AND (sp_arn <> '' OR product_code = 'ComputeSavingsPlans') THEN 0
    ELSE unb END AS amortized,
  CASE
    WHEN lit = 'SavingsPlanRecurringFee' THEN -sp_amort
    WHEN lit = 'RIFee' THEN -ri_amort
    WHEN lit = 'Refund' AND (sp_arn <> '' OR product_code = 'ComputeSavingsPlans') THEN unb
    ELSE 0 END AS trueup,
  CASE WHEN lit = 'SavingsPlanUpfrontFee' OR (lit = 'Fee' AND ri_arn <> '') THEN unb ELSE 0 END AS upfront
FROM cur`);

const problems = [];
const fail = (msg) => problems.push(msg);
const show = (r) => Object.entries(r).map(([k, v]) => `${k}=${v === null ? 'null' : v.toString()}`).join(' ');
const isZero = (v) => /^-?0*(\.0*)?$/.test(v.toString());

// ---- the checks ----

const n = Number((await rows('SELECT count(*) AS n FROM m'))[0].n);
if (n === 0) fail('the files hold no rows');

for (const r of await rows(`SELECT period, sum(unb) AS unb, sum(amortized) AS am, sum(trueup) AS tu, sum(upfront) AS up,
    sum(unb) - (sum(amortized) + sum(trueup) + sum(upfront)) AS gap FROM m GROUP BY period ORDER BY period`)) {
  if (!isZero(r.gap))
    fail(`period ${r.period}: unblended ${r.unb} != amortized ${r.am} + trueup ${r.tu} + upfront ${r.up} (gap ${r.gap})`);
}

const spRows = await rows(`WITH fee AS (SELECT sp_arn, iv, sum(sp_total) AS total, sum(sp_used) AS used, count(*) AS n
      FROM m WHERE lit = 'SavingsPlanRecurringFee' GROUP BY ALL),
    cov AS (SELECT sp_arn, iv, sum(sp_eff) AS eff, sum(unb) AS unb FROM m WHERE lit = 'SavingsPlanCoveredUsage' GROUP BY ALL),
    neg AS (SELECT sp_arn, iv, sum(unb) AS unb FROM m WHERE lit = 'SavingsPlanNegation' GROUP BY ALL)
  SELECT coalesce(fee.sp_arn, cov.sp_arn, neg.sp_arn) AS arn, coalesce(fee.iv, cov.iv, neg.iv) AS iv,
    fee.n, fee.total, fee.used, coalesce(cov.eff, 0) AS eff, coalesce(cov.unb, 0) AS cov_unb, coalesce(neg.unb, 0) AS neg_unb
  FROM fee FULL JOIN cov USING (sp_arn, iv) FULL JOIN neg USING (sp_arn, iv)
  WHERE fee.n IS NULL OR fee.n <> 1 OR fee.used > fee.total OR coalesce(cov.eff, 0) <> fee.used
     OR coalesce(neg.unb, 0) <> -coalesce(cov.unb, 0)
  ORDER BY 1, 2 LIMIT 20`);
for (const r of spRows) fail(`Savings Plan ${r.arn} at ${r.iv}: ${show(r)} (want one recurring row, used <= total, Σ effective = used, negation = −covered)`);
const spHours = Number((await rows(`SELECT count(*) AS n FROM m WHERE lit = 'SavingsPlanRecurringFee'`))[0].n);
const spCovered = Number((await rows(`SELECT count(*) AS n FROM m WHERE lit = 'SavingsPlanCoveredUsage'`))[0].n);
if (spHours === 0 || spCovered === 0) fail(`no Savings Plan activity (${spHours} recurring rows, ${spCovered} covered rows)`);
const partial = Number((await rows(`SELECT count(*) AS n FROM m WHERE lit = 'SavingsPlanRecurringFee' AND sp_used < sp_total`))[0].n);
if (partial === 0) fail('every Savings Plan hour is fully used: partial utilization is expected');

const riRows = await rows(`WITH fee AS (SELECT period, ri_arn, sum(ri_total_nu) AS total_nu, sum(ri_unused_nu) AS unused_nu,
      sum(ri_total_units) AS total_u, sum(ri_unused_qty) AS unused_u, sum(ri_amort) AS amort, sum(unb) AS recur,
      sum(ri_unused_amort + ri_unused_recur) AS unused_cost, count(*) AS n
      FROM m WHERE lit = 'RIFee' GROUP BY ALL),
    du AS (SELECT period, ri_arn, sum(CAST(norm_usage AS DECIMAL(38,10))) AS used_nu, sum(ri_eff) AS eff
      FROM m WHERE lit = 'DiscountedUsage' GROUP BY ALL)
  SELECT coalesce(fee.period, du.period) AS period, coalesce(fee.ri_arn, du.ri_arn) AS arn, fee.n, fee.total_nu, fee.unused_nu,
    coalesce(du.used_nu, 0) AS used_nu, fee.total_u, fee.unused_u, coalesce(du.eff, 0) AS eff, fee.unused_cost, fee.amort, fee.recur
  FROM fee FULL JOIN du USING (period, ri_arn)
  WHERE fee.n IS NULL OR fee.n <> 1
     OR coalesce(du.used_nu, 0) <> fee.total_nu - fee.unused_nu
     OR coalesce(du.used_nu, 0) * fee.total_u <> (fee.total_u - fee.unused_u) * fee.total_nu
     OR coalesce(du.eff, 0) + fee.unused_cost <> fee.amort + fee.recur
     OR fee.unused_nu < 0
  ORDER BY 1, 2 LIMIT 20`);
for (const r of riRows) fail(`RI ${r.arn} in ${r.period}: ${show(r)} (want used units = reserved − unused, effective + unused = amortized + recurring)`);
const riFees = Number((await rows(`SELECT count(*) AS n FROM m WHERE lit = 'RIFee'`))[0].n);
const riUnused = Number((await rows(`SELECT count(*) AS n FROM m WHERE lit = 'RIFee' AND ri_unused_nu > 0`))[0].n);
if (riFees === 0) fail('no RIFee rows');
if (riUnused === 0) fail('no RI has unused hours: the migration should leave one underused');

for (const r of await rows(`SELECT period, sum(CASE WHEN discount THEN 0 ELSE coalesce(net, unb) END) AS net, sum(unb) AS unb
    FROM m GROUP BY period HAVING sum(CASE WHEN discount THEN 0 ELSE coalesce(net, unb) END) <> sum(unb)`))
  fail(`period ${r.period}: Σ net unblended ${r.net} != Σ unblended ${r.unb}`);

for (const r of await rows(`SELECT payer, list(DISTINCT currency) AS cur FROM m GROUP BY payer HAVING count(DISTINCT currency) <> 1`))
  fail(`payer ${r.payer} has currencies ${show(r.cur)}`);

for (const r of await rows(t(`SELECT ${money.map((k) => `count(*) FILTER (WHERE ${txt(k)} <> '' AND NOT regexp_full_match(${txt(k)}, '-?[0-9]+(\\.[0-9]{1,10})?')) AS "${k}"`).join(', ')} FROM $src`))) {
  for (const [k, v] of Object.entries(r)) if (Number(v) !== 0) fail(`${v} cells of ${k} are not plain decimals with at most 10 places`);
}

const types = (await rows(`SELECT lit, count(*) AS n FROM m GROUP BY lit ORDER BY lit`)).map((r) => `${r.lit} ${r.n}`);
for (const want of ['Usage', 'DiscountedUsage', 'RIFee', 'Fee', 'Tax', 'Credit', 'Refund', 'SavingsPlanCoveredUsage',
  'SavingsPlanNegation', 'SavingsPlanRecurringFee', 'EdpDiscount'])
  if (!types.some((s) => s.startsWith(want + ' '))) fail(`no ${want} rows`);

// ---- reckon's totals against DuckDB's ----

function canon(s) {
  s = String(s);
  let neg = s.startsWith('-');
  if (neg) s = s.slice(1);
  let [i, f = ''] = s.split('.');
  i = i.replace(/^0+(?=\d)/, '');
  f = f.replace(/0+$/, '');
  if (i === '0' && f === '') neg = false;
  return (neg ? '-' : '') + i + (f ? '.' + f : '');
}

if (compareFile) {
  // Keep reckon's numbers as text: JSON.parse would make them doubles.
  const text = fs.readFileSync(compareFile, 'utf8').replace(/:(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?=[,}\]])/g, ':"$1"');
  const rep = JSON.parse(text);
  const want = await rows(`SELECT month, sum(unb) AS "unblended", sum(amortized) AS "amortized",
      sum(CASE WHEN discount THEN 0 ELSE coalesce(net, unb) END) AS "net-unblended",
      sum(CASE WHEN lit = 'SavingsPlanNegation' THEN 0 ELSE od END) AS "on-demand"
    FROM m GROUP BY month ORDER BY month`);
  const got = new Map(rep.rows.map((r) => [r.start, r]));
  if (rep.rows.length !== want.length) fail(`reckon reports ${rep.rows.length} months, DuckDB finds ${want.length}`);
  let compared = 0;
  for (const w of want) {
    const g = got.get(w.month);
    if (!g) { fail(`reckon has no row for ${w.month}`); continue; }
    for (const metric of ['unblended', 'amortized', 'net-unblended', 'on-demand']) {
      if (!(metric in g)) { fail(`reckon's report has no ${metric}`); continue; }
      const a = canon(g[metric]), b = canon(w[metric].toString());
      compared++;
      if (a !== b) fail(`${w.month} ${metric}: reckon ${a}, DuckDB ${b}`);
    }
  }
  console.log(`compared ${compared} monthly figures with reckon's`);
}

console.log(`${files.length} files (${format}${parquet ? ', Parquet' : ''}), ${n} rows; line item types: ${types.join(', ')}`);
if (problems.length) {
  for (const p of problems) console.error(`VIOLATION: ${p}`);
  console.error(`${problems.length} violation(s)`);
  process.exit(1);
}
console.log('all identities hold');
