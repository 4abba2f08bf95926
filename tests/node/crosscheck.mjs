// Independent cross-check: DuckDB computes reckon's cost metrics over the same
// CUR CSV files with SQL, and the result must equal `reckon report cost` to the
// last digit, for every payer and month.
//
//   node crosscheck.mjs RECKON WORKSPACE [--period-from-rows] FILE...
//
// The formulas are those of cur-format.md §f-g (docs/cost-rules.md), written
// here in SQL from the documentation, not from reckon's C code. Column names are
// normalized by AWS's Athena rule (also re-implemented here) so legacy, Athena
// and CUR 2.0 spellings meet.
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';

const [reckon, ws, ...files] = process.argv.slice(2);
if (!files.length) { console.error('usage: crosscheck.mjs RECKON WS FILE...'); process.exit(2); }

function athena(name) {
  let out = '', prevUs = true;
  for (const ch of name) {
    if (ch >= 'A' && ch <= 'Z') { if (!prevUs) out += '_'; out += ch.toLowerCase(); prevUs = false; }
    else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) { out += ch; prevUs = false; }
    else if (!prevUs) { out += '_'; prevUs = true; }
  }
  return out.replace(/_+$/, '');
}
const q = s => '"' + s.replace(/"/g, '""') + '"';
const lit = s => "'" + s.replace(/'/g, "''") + "'";

const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const needed = ['identity_time_interval', 'line_item_usage_start_date', 'bill_billing_period_start_date',
  'bill_payer_account_id', 'line_item_line_item_type', 'line_item_unblended_cost', 'line_item_blended_cost',
  'line_item_net_unblended_cost', 'pricing_public_on_demand_cost', 'reservation_effective_cost',
  'reservation_net_effective_cost', 'reservation_unused_amortized_upfront_fee_for_billing_period',
  'reservation_unused_recurring_fee', 'reservation_net_unused_amortized_upfront_fee_for_billing_period',
  'reservation_net_unused_recurring_fee', 'reservation_amortized_upfront_fee_for_billing_period',
  'reservation_reservation_a_r_n', 'savings_plan_savings_plan_effective_cost',
  'savings_plan_net_savings_plan_effective_cost', 'savings_plan_total_commitment_to_date',
  'savings_plan_used_commitment', 'savings_plan_amortized_upfront_commitment_for_billing_period',
  'savings_plan_net_amortized_upfront_commitment_for_billing_period', 'savings_plan_savings_plan_a_r_n',
  'line_item_usage_type', 'line_item_product_code', 'line_item_currency_code'];

const parts = [];
for (const [i, f] of files.entries()) {
  const t = `f${i}`;
  if (f.endsWith('.parquet')) {
    // Parquet is typed: take every column as text. DuckDB prints a double as the
    // shortest decimal that reads back as it, the rule reckon applies.
    await c.run(`CREATE TABLE ${t}_raw AS SELECT * FROM read_parquet(${lit(f)})`);
    const pcols = (await c.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE ${t}_raw)`)).getRows();
    const conv = pcols.map(([n, ty]) => ty.startsWith('TIMESTAMP')
      ? `strftime(${q(n)}, '%Y-%m-%dT%H:%M:%SZ') AS ${q(n)}` : `CAST(${q(n)} AS VARCHAR) AS ${q(n)}`);
    await c.run(`CREATE TABLE ${t} AS SELECT ${conv.join(', ')} FROM ${t}_raw`);
  } else {
    await c.run(`CREATE TABLE ${t} AS SELECT * FROM read_csv(${lit(f)}, all_varchar=true, header=true, auto_detect=true, delim=',', quote='"', escape='"', sample_size=-1)`);
  }
  const cols = (await c.runAndReadAll(`SELECT column_name FROM (DESCRIBE ${t})`)).getRows().map(r => r[0]);
  const byNorm = new Map();
  for (const col of cols) { const n = athena(col); if (!byNorm.has(n)) byNorm.set(n, []); byNorm.get(n).push(col); }
  // Duplicate names after normalization merge: the first non-empty value wins.
  const sel = needed.map(n => {
    const src = byNorm.get(n);
    if (!src) return `NULL::VARCHAR AS ${n}`;
    return `coalesce(${src.map(s => `nullif(${q(s)}, '')`).join(', ')}) AS ${n}`;
  });
  sel.push(`${byNorm.has('line_item_net_unblended_cost') ? 'true' : 'false'} AS has_net`);
  parts.push(`SELECT ${sel.join(', ')} FROM ${t}`);
}
await c.run(`CREATE TABLE cur AS ${parts.join(' UNION ALL ')}`);

const D = x => `coalesce(CAST(${x} AS DECIMAL(38,18)), 0)`;
const netOr = (net, plain) => `(CASE WHEN has_net AND ${net} IS NOT NULL THEN ${D(net)} ELSE ${D(plain)} END)`;
const disc = `line_item_line_item_type IN ('BundledDiscount','EdpDiscount','PrivateRateDiscount','SppDiscount','RiVolumeDiscount','Discount')`;
const riArn = `coalesce(reservation_reservation_a_r_n, '') <> ''`;
const spArn = `coalesce(savings_plan_savings_plan_a_r_n, '') <> ''`;
const spRefund = `(line_item_line_item_type = 'Refund' AND (${spArn} OR line_item_product_code = 'ComputeSavingsPlans'))`;
const unb = D('line_item_unblended_cost');
const netUnb = `(CASE WHEN NOT has_net THEN ${unb} WHEN ${disc} THEN 0 ELSE ${netOr('line_item_net_unblended_cost', 'line_item_unblended_cost')} END)`;
const unusedSp = `(${D('savings_plan_total_commitment_to_date')} - ${D('savings_plan_used_commitment')})`;
const amortized = `(CASE line_item_line_item_type
  WHEN 'SavingsPlanCoveredUsage' THEN ${D('savings_plan_savings_plan_effective_cost')}
  WHEN 'SavingsPlanRecurringFee' THEN ${unusedSp}
  WHEN 'SavingsPlanNegation' THEN 0
  WHEN 'SavingsPlanUpfrontFee' THEN 0
  WHEN 'DiscountedUsage' THEN ${D('reservation_effective_cost')}
  WHEN 'RIFee' THEN ${D('reservation_unused_amortized_upfront_fee_for_billing_period')} + ${D('reservation_unused_recurring_fee')}
  WHEN 'Fee' THEN (CASE WHEN ${riArn} THEN 0 ELSE ${unb} END)
  ELSE (CASE WHEN ${spRefund} THEN 0 ELSE ${unb} END) END)`;
// The SP recurring fee's net share (unused x net/gross) needs an exact division;
// DuckDB divides decimals in floating point, so that one term is computed by
// this script in exact integer arithmetic from the values DuckDB extracts.
const netAmortizedSql = `(CASE line_item_line_item_type
  WHEN 'SavingsPlanCoveredUsage' THEN ${netOr('savings_plan_net_savings_plan_effective_cost', 'savings_plan_savings_plan_effective_cost')}
  WHEN 'SavingsPlanRecurringFee' THEN (CASE WHEN has_net THEN 0 ELSE ${unusedSp} END)
  WHEN 'SavingsPlanNegation' THEN 0
  WHEN 'SavingsPlanUpfrontFee' THEN 0
  WHEN 'DiscountedUsage' THEN ${netOr('reservation_net_effective_cost', 'reservation_effective_cost')}
  WHEN 'RIFee' THEN ${netOr('reservation_net_unused_amortized_upfront_fee_for_billing_period', 'reservation_unused_amortized_upfront_fee_for_billing_period')}
                  + ${netOr('reservation_net_unused_recurring_fee', 'reservation_unused_recurring_fee')}
  WHEN 'Fee' THEN (CASE WHEN ${riArn} THEN 0 ELSE ${netUnb} END)
  ELSE (CASE WHEN ${spRefund} THEN 0 WHEN ${disc} THEN (CASE WHEN has_net THEN 0 ELSE ${unb} END) ELSE ${netUnb} END) END)`;
const trueup = `(CASE WHEN line_item_line_item_type = 'SavingsPlanRecurringFee' THEN -${D('savings_plan_amortized_upfront_commitment_for_billing_period')}
  WHEN line_item_line_item_type = 'RIFee' THEN -${D('reservation_amortized_upfront_fee_for_billing_period')}
  WHEN ${spRefund} THEN ${unb} ELSE 0 END)`;
const upfront = `(CASE WHEN line_item_line_item_type = 'SavingsPlanUpfrontFee' OR (line_item_line_item_type = 'Fee' AND ${riArn}) THEN ${unb} ELSE 0 END)`;
const ondemand = `(CASE WHEN line_item_line_item_type = 'SavingsPlanNegation' THEN 0 ELSE ${D('pricing_public_on_demand_cost')} END)`;
const month = `substr(coalesce(nullif(split_part(identity_time_interval, '/', 1), ''), line_item_usage_start_date, bill_billing_period_start_date), 1, 7)`;
const metrics = { unblended: unb, blended: D('line_item_blended_cost'), 'net-unblended': netUnb, amortized,
  'net-amortized': netAmortizedSql, 'on-demand': ondemand, trueup, upfront };

const sql = `SELECT ${month} AS m, coalesce(bill_payer_account_id, '') AS payer, coalesce(line_item_currency_code, '') AS cur,
  ${Object.entries(metrics).map(([k, v]) => `CAST(sum(${v}) AS VARCHAR) AS ${q(k)}`).join(', ')}
  FROM cur GROUP BY ALL ORDER BY ALL`;
const duck = new Map();
for (const r of (await c.runAndReadAll(sql)).getRowObjects()) duck.set(`${r.m}|${r.payer}|${r.cur}`, r);

// Exact net share of SP recurring fee rows: unused x net/gross, rounded half
// away from zero at 18 decimals (docs/cost-rules.md).
const E18 = 10n ** 18n;
const big = s => { if (s == null || s === '') return 0n; const [i, f = ''] = String(s).split('.'); const neg = i.startsWith('-');
  const v = BigInt(i.replace('-', '') || '0') * E18 + BigInt((f + '0'.repeat(18)).slice(0, 18)); return neg ? -v : v; };
const divRound = (n, d) => { const neg = (n < 0n) !== (d < 0n); n = n < 0n ? -n : n; d = d < 0n ? -d : d;
  let qq = n / d; if ((n % d) * 2n >= d) qq += 1n; return neg ? -qq : qq; };
const spRows = (await c.runAndReadAll(`SELECT ${month} AS m, coalesce(bill_payer_account_id,'') AS payer, coalesce(line_item_currency_code,'') AS cur,
  CAST(${unusedSp} AS VARCHAR) AS unused, line_item_net_unblended_cost AS net, CAST(${unb} AS VARCHAR) AS unb,
  savings_plan_net_amortized_upfront_commitment_for_billing_period AS nup, CAST(${D('savings_plan_amortized_upfront_commitment_for_billing_period')} AS VARCHAR) AS up
  FROM cur WHERE has_net AND line_item_line_item_type = 'SavingsPlanRecurringFee'`)).getRowObjects();
const extra = new Map();
for (const r of spRows) {
  const unused = big(r.unused); let v = unused;
  if (r.net != null && big(r.unb) !== 0n) v = divRound(unused * big(r.net), big(r.unb));
  else if (r.nup != null && big(r.up) !== 0n) v = divRound(unused * big(r.nup), big(r.up));
  const k = `${r.m}|${r.payer}|${r.cur}`;
  extra.set(k, (extra.get(k) ?? 0n) + v);
}
const fmt = v => { const neg = v < 0n; if (neg) v = -v; let s = (v / E18).toString(); let f = (v % E18).toString().padStart(18, '0').replace(/0+$/, '');
  return (neg && (v !== 0n) ? '-' : '') + s + (f ? '.' + f : ''); };
const norm = s => fmt(big(s));

const rep = spawnSync(reckon, ['--data', ws, 'report', 'cost', '--granularity', 'monthly', '--group-by', 'payer',
  '--metric', Object.keys(metrics).join(','), '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (rep.status !== 0) { console.error(`reckon report failed: ${rep.stderr}`); process.exit(1); }
const got = JSON.parse(rep.stdout).rows;
let bad = 0, n = 0;
const seen = new Set();
for (const row of got) {
  const k = `${row.start}|${row.payer}|${row.currency}`;
  seen.add(k);
  const d = duck.get(k);
  if (!d) { console.log(`MISMATCH ${k}: reckon has it, DuckDB does not`); bad++; continue; }
  for (const m of Object.keys(metrics)) {
    let want = big(d[m]);
    if (m === 'net-amortized') want += extra.get(k) ?? 0n;
    const have = big(String(row[m]));
    n++;
    if (want !== have) { bad++; console.log(`MISMATCH ${k} ${m}: reckon ${fmt(have)} DuckDB ${fmt(want)}`); }
  }
}
for (const k of duck.keys()) if (!seen.has(k)) { bad++; console.log(`MISMATCH ${k}: DuckDB has it, reckon does not`); }
console.log(`crosscheck: ${n} figures over ${got.length} payer-months, ${bad} mismatches`);
process.exit(bad ? 1 : 0);
