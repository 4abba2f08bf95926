// Independent cross-check of the commitment figures: DuckDB computes them with
// SQL straight from the CUR files, following docs/commitments.md (written from
// that page, not from reckon's C code), and every figure must equal what
// `reckon commitments … --format csv` prints, to the last digit.
//
//   node commit-crosscheck.mjs RECKON WORKSPACE [--exact-identity] FILE...
//
// Checked per payer and month (--granularity monthly --group-by payer):
// utilization, coverage, savings, esr and waste (and savings, esr and waste with
// --net); per commitment and month (--group-by commitment): utilization, savings
// and waste; the inventory (`list`); and the identity unblended = amortized +
// true-up + upfront of `reckon report cost`, per payer and month: reckon's
// residual unblended - amortized - true-up - upfront must equal the one the
// files give (AWS rounds each row's amortized share, so on real CURs it can be
// a few millionths), and with --exact-identity it must be 0 (generated data).
//
// Amounts are DECIMAL(38,18) sums in DuckDB; ratios and divisions are done here
// in exact integer arithmetic (BigInt): ratios rounded half away from zero to 6
// decimals, other quotients to 18 decimals. A row missing on one side counts as
// a row of zeros (so that "no row" and "a row of zeros" do not fail the check).
import { DuckDBInstance } from '@duckdb/node-api';
import { spawnSync } from 'node:child_process';

const argv = process.argv.slice(2);
const exactIdentity = argv.includes('--exact-identity');
const [reckon, ws, ...files] = argv.filter(a => a !== '--exact-identity');
if (!files.length) { console.error('usage: commit-crosscheck.mjs RECKON WS FILE...'); process.exit(2); }

// ---- exact decimals -------------------------------------------------------
const S = 18, E18 = 10n ** 18n;
function big(s) {
  if (s === null || s === undefined || s === '') return 0n;
  s = String(s).trim();
  let m = s.match(/^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/);
  if (!m) throw new Error(`not a number: ${s}`);
  let [, sign, ip, fp = '', ex = '0'] = m;
  let digits = (ip || '0') + fp, scale = fp.length - Number(ex);
  let v = BigInt(digits);
  if (scale > S) { const d = 10n ** BigInt(scale - S); v = divRound(v, d); } else v *= 10n ** BigInt(S - scale);
  return sign ? -v : v;
}
function divRound(n, d) { // half away from zero
  const neg = (n < 0n) !== (d < 0n); n = n < 0n ? -n : n; d = d < 0n ? -d : d;
  let q = n / d; if ((n % d) * 2n >= d) q += 1n; return neg ? -q : q;
}
function fmt(v, scale = S) {
  const neg = v < 0n; if (neg) v = -v;
  const p = 10n ** BigInt(scale);
  const f = (v % p).toString().padStart(scale, '0').replace(/0+$/, '');
  return (neg && v !== 0n ? '-' : '') + (v / p).toString() + (f ? '.' + f : '');
}
const quot = (a, b) => b === 0n ? null : divRound(a * E18, b);            // a/b at 18 decimals
const ratio = (a, b) => b === 0n ? '' : fmt(divRound(a * 1000000n, b), 6); // a/b, 6 decimals
const mul = (a, b) => divRound(a * b, E18);

// ---- load the CUR files -----------------------------------------------------
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

const needed = [
  'identity_time_interval', 'line_item_usage_start_date', 'bill_billing_period_start_date', 'bill_payer_account_id',
  'bill_billing_entity', 'line_item_line_item_type', 'line_item_usage_account_id', 'line_item_product_code',
  'line_item_usage_type', 'line_item_availability_zone', 'line_item_unblended_cost', 'line_item_net_unblended_cost',
  'line_item_usage_amount', 'line_item_normalized_usage_amount', 'line_item_normalization_factor',
  'line_item_currency_code', 'pricing_public_on_demand_cost', 'pricing_offering_class', 'pricing_purchase_option',
  'pricing_lease_contract_length', 'product_instance_type', 'product_operating_system', 'product_database_engine',
  'product_cache_engine', 'product_region_code', 'product_region', 'product_servicecode', 'product_product_name',
  'reservation_reservation_a_r_n', 'reservation_effective_cost', 'reservation_net_effective_cost',
  'reservation_total_reserved_units', 'reservation_unused_quantity', 'reservation_total_reserved_normalized_units',
  'reservation_unused_normalized_unit_quantity', 'reservation_unused_amortized_upfront_fee_for_billing_period',
  'reservation_unused_recurring_fee', 'reservation_net_unused_amortized_upfront_fee_for_billing_period',
  'reservation_net_unused_recurring_fee', 'reservation_amortized_upfront_fee_for_billing_period',
  'reservation_number_of_reservations', 'reservation_units_per_reservation',
  'reservation_normalized_units_per_reservation', 'reservation_upfront_value', 'reservation_start_time',
  'reservation_end_time', 'savings_plan_savings_plan_a_r_n', 'savings_plan_savings_plan_effective_cost',
  'savings_plan_net_savings_plan_effective_cost', 'savings_plan_total_commitment_to_date',
  'savings_plan_used_commitment', 'savings_plan_recurring_commitment_for_billing_period',
  'savings_plan_amortized_upfront_commitment_for_billing_period',
  'savings_plan_net_amortized_upfront_commitment_for_billing_period', 'savings_plan_offering_type',
  'savings_plan_payment_option', 'savings_plan_purchase_term', 'savings_plan_region',
  'savings_plan_instance_type_family', 'savings_plan_start_time', 'savings_plan_end_time'];

const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const all = async sql => (await c.runAndReadAll(sql)).getRowObjects();
const parts = [];
for (const [i, f] of files.entries()) {
  const t = `f${i}`;
  if (f.endsWith('.parquet')) {
    await c.run(`CREATE VIEW ${t}_raw AS SELECT * FROM read_parquet(${lit(f)})`);
    const pcols = (await c.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE ${t}_raw)`)).getRows();
    const conv = pcols.map(([n, ty]) => ty.startsWith('TIMESTAMP') ? `strftime(${q(n)}, '%Y-%m-%dT%H:%M:%SZ') AS ${q(n)}`
      : ty.startsWith('MAP') ? q(n) : `CAST(${q(n)} AS VARCHAR) AS ${q(n)}`);
    await c.run(`CREATE VIEW ${t} AS SELECT ${conv.join(', ')} FROM ${t}_raw`);
  } else {
    // A view: only the columns needed below are read.
    await c.run(`CREATE VIEW ${t} AS SELECT * FROM read_csv(${lit(f)}, all_varchar=true, header=true, auto_detect=true, delim=',', quote='"', escape='"')`);
  }
  const desc = (await c.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE ${t})`)).getRows();
  const byNorm = new Map();
  for (const [col] of desc) { const n = athena(col); if (!byNorm.has(n)) byNorm.set(n, []); byNorm.get(n).push(col); }
  // CUR 2.0 keeps most product attributes in the `product` map (Parquet MAP or
  // JSON text in CSV), keyed by their normalized name.
  const pmap = desc.find(([n]) => n === 'product');
  const sel = needed.map(n => {
    const src = byNorm.get(n);
    if (src) return `coalesce(${src.map(s => `nullif(CAST(${q(s)} AS VARCHAR), '')`).join(', ')}) AS ${n}`;
    if (pmap && n.startsWith('product_')) {
      const key = n.slice(8);
      return pmap[1].startsWith('MAP') ? `nullif(product[${lit(key)}], '') AS ${n}`
        : `nullif(json_extract_string(product, ${lit('$.' + key)}), '') AS ${n}`;
    }
    return `NULL::VARCHAR AS ${n}`;
  });
  sel.push(`${byNorm.has('line_item_net_unblended_cost') ? 'true' : 'false'} AS has_net`);
  parts.push(`SELECT ${sel.join(', ')} FROM ${t}`);
}
await c.run(`CREATE TABLE cur AS ${parts.join(' UNION ALL ')}`);

// ---- classes, keys and amounts (docs/commitments.md §1) ----------------------
const D = x => `coalesce(CAST(${x} AS DECIMAL(38,18)), 0)`;
const netOr = (net, plain) => `(CASE WHEN has_net AND ${net} IS NOT NULL THEN ${D(net)} ELSE ${D(plain)} END)`;
const has = (col, s) => `contains(coalesce(${col}, ''), ${lit(s)})`;
const ut = 'line_item_usage_type', pc = `coalesce(line_item_product_code, '')`;
const elig = `(CASE
  WHEN ${pc} = 'AmazonEC2' AND (${has(ut, 'BoxUsage')} OR ${has(ut, 'DedicatedUsage')} OR ${has(ut, 'HostUsage')} OR ${has(ut, 'SpotUsage')}) THEN 'ec2'
  WHEN ${pc} = 'AmazonRDS' AND ${has(ut, ':db.')} THEN 'rds'
  WHEN ${pc} = 'AmazonElastiCache' AND ${has(ut, 'NodeUsage:cache.')} THEN 'elasticache'
  WHEN ${pc} = 'AmazonRedshift' AND ${has(ut, 'Node:')} THEN 'redshift'
  WHEN ${pc} IN ('AmazonES', 'AmazonOpenSearchService') AND ${has(ut, 'ESInstance:')} THEN 'opensearch'
  WHEN ${has(ut, 'Fargate')} AND (${has(ut, 'vCPU-Hours')} OR ${has(ut, 'GB-Hours')}) THEN 'fargate'
  WHEN ${pc} = 'AWSLambda' AND (${has(ut, 'Lambda-GB-Second')} OR ${has(ut, 'Lambda-Provisioned')}) THEN 'lambda'
  WHEN ${pc} = 'AmazonSageMaker' AND ${has(ut, ':ml.')} THEN 'sagemaker'
  ELSE '' END)`;
const riArn = `coalesce(reservation_reservation_a_r_n, '')`, spArn = `coalesce(savings_plan_savings_plan_a_r_n, '')`;
const po = `(CASE WHEN ${spArn} <> '' THEN 'SavingsPlan' WHEN ${riArn} <> '' THEN 'Reserved' WHEN ${has(ut, 'Spot')} THEN 'Spot' ELSE 'OnDemand' END)`;
const lt = 'line_item_line_item_type';
const spType = `(CASE coalesce(savings_plan_offering_type, '')
  WHEN 'ComputeSavingsPlans' THEN 'Compute SP' WHEN 'EC2InstanceSavingsPlans' THEN 'EC2 Instance SP'
  WHEN 'SageMakerSavingsPlans' THEN 'SageMaker SP'
  ELSE (CASE WHEN starts_with(coalesce(${ut}, ''), 'ComputeSP:') THEN 'Compute SP'
             WHEN starts_with(coalesce(${ut}, ''), 'EC2SP:') THEN 'EC2 Instance SP'
             WHEN starts_with(coalesce(${ut}, ''), 'SageMakerSP:') THEN 'SageMaker SP' ELSE '' END) END)`;
const t0 = `coalesce(nullif(split_part(identity_time_interval, '/', 1), ''), line_item_usage_start_date, bill_billing_period_start_date)`;
await c.run(`CREATE TABLE k AS SELECT *, ${elig} AS elig, ${po} AS po,
  CASE WHEN ${riArn} <> '' THEN ${riArn} ELSE ${spArn} END AS arn FROM cur`);
await c.run(`CREATE TABLE r AS SELECT *,
  CASE WHEN elig IN ('ec2','fargate','lambda') THEN 'compute' WHEN elig IN ('rds','elasticache','redshift','opensearch') THEN 'non-compute'
       WHEN elig = 'sagemaker' THEN 'sagemaker' ELSE '' END AS uscope,
  CASE WHEN cls = 'ri-fee' THEN (CASE WHEN ${pc} = 'AmazonEC2' THEN 'compute'
         WHEN ${pc} IN ('AmazonRDS','AmazonElastiCache','AmazonRedshift','AmazonES','AmazonOpenSearchService') THEN 'non-compute' ELSE '' END)
       WHEN cls = 'sp-fee' THEN (CASE WHEN sptype = 'SageMaker SP' THEN 'sagemaker' ELSE 'compute' END) ELSE '' END AS fscope
  FROM (SELECT *,
    CASE
      WHEN ${lt} = 'Usage' AND elig <> '' AND ${has(ut, 'SpotUsage')} AND coalesce(${D('pricing_public_on_demand_cost')}, 0) > 0 THEN 'spot-usage'
      WHEN ${lt} = 'Usage' AND elig <> '' AND po = 'OnDemand' THEN 'od-usage'
      WHEN ${lt} = 'DiscountedUsage' THEN 'ri-usage'
      WHEN ${lt} = 'RIFee' THEN 'ri-fee'
      WHEN ${lt} = 'Fee' AND ${riArn} <> '' THEN 'ri-upfront'
      WHEN ${lt} = 'SavingsPlanCoveredUsage' THEN 'sp-usage'
      WHEN ${lt} = 'SavingsPlanRecurringFee' THEN 'sp-fee'
      WHEN ${lt} = 'SavingsPlanUpfrontFee' THEN 'sp-upfront'
      WHEN ${lt} = 'SavingsPlanNegation' THEN 'sp-negation'
      WHEN ${lt} IN ('Refund', 'Credit') AND (${riArn} <> '' OR ${spArn} <> '' OR ${pc} = 'ComputeSavingsPlans') THEN 'commit-refund'
      ELSE '' END AS cls,
    ${spType} AS sptype,
    substr(${t0}, 1, 7) AS month,
    coalesce(bill_payer_account_id, '') AS payer,
    coalesce(line_item_currency_code, '') AS cur,
    split_part(arn, ':', 5) AS owner
  FROM k) WHERE cls <> ''`);

const od = `(CASE WHEN cls = 'od-usage' AND pricing_public_on_demand_cost IS NULL THEN ${D('line_item_unblended_cost')}
  WHEN cls IN ('od-usage','spot-usage','ri-usage','sp-usage') THEN ${D('pricing_public_on_demand_cost')} ELSE 0 END)`;
const cost = net => `(CASE WHEN cls IN ('od-usage','spot-usage') THEN ${net ? netOr('line_item_net_unblended_cost', 'line_item_unblended_cost') : D('line_item_unblended_cost')}
  WHEN cls = 'ri-usage' THEN ${net ? netOr('reservation_net_effective_cost', 'reservation_effective_cost') : D('reservation_effective_cost')}
  WHEN cls = 'sp-usage' THEN ${net ? netOr('savings_plan_net_savings_plan_effective_cost', 'savings_plan_savings_plan_effective_cost') : D('savings_plan_savings_plan_effective_cost')}
  ELSE 0 END)`;
const usage = D('line_item_usage_amount');
const riUnAm = net => `(CASE WHEN cls = 'ri-fee' THEN ${net ? netOr('reservation_net_unused_amortized_upfront_fee_for_billing_period', 'reservation_unused_amortized_upfront_fee_for_billing_period') : D('reservation_unused_amortized_upfront_fee_for_billing_period')} ELSE 0 END)`;
const riUnRec = net => `(CASE WHEN cls = 'ri-fee' THEN ${net ? netOr('reservation_net_unused_recurring_fee', 'reservation_unused_recurring_fee') : D('reservation_unused_recurring_fee')} ELSE 0 END)`;
const spUnused = `(CASE WHEN cls = 'sp-fee' THEN ${D('savings_plan_total_commitment_to_date')} - ${D('savings_plan_used_commitment')} ELSE 0 END)`;
const riElig = `elig IN ('ec2','rds','elasticache','redshift','opensearch')`;
const S_ = (cond, x) => `CAST(sum(CASE WHEN ${cond} THEN ${x} ELSE 0 END) AS VARCHAR)`;

// Net waste of an SP fee row: unused x NetUnblendedCost/UnblendedCost when the
// row has a recurring charge, else x NetAmortizedUpfront/AmortizedUpfront,
// rounded at 18 decimals per row (docs/cost-rules.md, net amortized).
const spNetRows = await all(`SELECT month, payer, cur, arn, fscope, CAST(${spUnused} AS VARCHAR) AS unused, has_net,
  line_item_net_unblended_cost AS net, CAST(${D('line_item_unblended_cost')} AS VARCHAR) AS unb,
  savings_plan_net_amortized_upfront_commitment_for_billing_period AS nup,
  CAST(${D('savings_plan_amortized_upfront_commitment_for_billing_period')} AS VARCHAR) AS up
  FROM r WHERE cls = 'sp-fee'`);
const spNet = r => {
  const unused = big(r.unused);
  if (!r.has_net) return unused;
  if (r.net != null && big(r.unb) !== 0n) return divRound(unused * big(r.net), big(r.unb));
  if (r.nup != null && big(r.up) !== 0n) return divRound(unused * big(r.nup), big(r.up));
  return unused;
};
const addTo = (m, k, v) => m.set(k, (m.get(k) ?? 0n) + v);
const spNetBy = { pm: new Map(), pmScope: new Map(), arn: new Map() };
for (const r of spNetRows) {
  const v = spNet(r);
  addTo(spNetBy.pm, `${r.month}|${r.payer}|${r.cur}`, v);
  addTo(spNetBy.pmScope, `${r.month}|${r.payer}|${r.cur}|${r.fscope}`, v);
  addTo(spNetBy.arn, `${r.month}|${r.arn}|${r.cur}`, v);
}

// ---- expected figures ----------------------------------------------------------
// Each entry: key -> { col: string } in reckon's CSV column names.
const expected = {}; // name -> Map
function agg(name, rows, keyOf, figs) {
  const m = new Map();
  for (const r of rows) m.set(keyOf(r), figs(r));
  expected[name] = m;
}
const B = x => big(x);
function util(kind, reserved, unused, rnu, unnu) {
  const used = reserved - unused;
  const o = { kind, reserved: fmt(reserved), used: fmt(used), unused: fmt(unused), utilization: ratio(used, reserved) };
  if (kind === 'RI') {
    const usednu = rnu - unnu;
    Object.assign(o, { reserved_nu: fmt(rnu), used_nu: fmt(usednu), unused_nu: fmt(unnu), utilization_nu: ratio(usednu, rnu) });
  } else Object.assign(o, { reserved_nu: '', used_nu: '', unused_nu: '', utilization_nu: '' });
  return o;
}
function savings(odv, costv, waste, sod, scost) {
  return { on_demand_equivalent: fmt(odv), effective_cost: fmt(costv), gross_savings: fmt(odv - costv), waste: fmt(waste),
    net_savings: fmt(odv - costv - waste), spot_on_demand: fmt(sod), spot_cost: fmt(scost), spot_savings: fmt(sod - scost) };
}

for (const by of ['pm', 'arn']) {
  const keycols = by === 'pm' ? 'month, payer, cur' : 'month, arn, cur';
  const where = by === 'pm' ? '' : `WHERE arn <> '' OR cls = 'spot-usage'`;
  const rows = await all(`SELECT ${keycols},
    ${S_(`cls = 'ri-fee'`, D('reservation_total_reserved_units'))} AS ri_res,
    ${S_(`cls = 'ri-fee'`, D('reservation_unused_quantity'))} AS ri_un,
    ${S_(`cls = 'ri-fee'`, D('reservation_total_reserved_normalized_units'))} AS ri_resnu,
    ${S_(`cls = 'ri-fee'`, D('reservation_unused_normalized_unit_quantity'))} AS ri_unnu,
    ${S_(`cls = 'sp-fee'`, D('savings_plan_total_commitment_to_date'))} AS sp_res,
    ${S_(`cls = 'sp-fee'`, D('savings_plan_used_commitment'))} AS sp_used,
    count(*) FILTER (WHERE cls = 'ri-fee') AS n_rifee, count(*) FILTER (WHERE cls = 'sp-fee') AS n_spfee,
    ${S_('true', riUnAm(false))} AS ri_unam, ${S_('true', riUnRec(false))} AS ri_unrec,
    ${S_('true', riUnAm(true))} AS nri_unam, ${S_('true', riUnRec(true))} AS nri_unrec,
    ${S_('true', spUnused)} AS sp_waste,
    ${S_(`cls IN ('ri-usage','sp-usage')`, od)} AS cov_od, ${S_(`cls IN ('ri-usage','sp-usage')`, cost(false))} AS cov_cost,
    ${S_(`cls IN ('ri-usage','sp-usage')`, cost(true))} AS cov_ncost,
    ${S_(`cls = 'ri-usage'`, od)} AS ri_od, ${S_(`cls = 'sp-usage'`, od)} AS sp_od, ${S_(`cls = 'od-usage'`, od)} AS od_od,
    ${S_(`cls = 'spot-usage'`, od)} AS spot_od, ${S_(`cls = 'spot-usage'`, cost(false))} AS spot_cost,
    ${S_(`cls = 'spot-usage'`, cost(true))} AS spot_ncost,
    ${S_(`cls = 'ri-usage'`, usage)} AS ri_h,
    ${S_(`cls IN ('sp-usage','od-usage') AND ${riElig}`, usage)} AS other_h,
    count(*) FILTER (WHERE cls IN ('ri-usage','sp-usage','spot-usage','ri-fee','sp-fee')) AS n_sav,
    count(*) FILTER (WHERE cls IN ('ri-usage','sp-usage','od-usage')) AS n_cov
    FROM r ${where} GROUP BY ALL`);
  const key = r => by === 'pm' ? `${r.month}|${r.payer}` : `${r.month}|${r.arn}`;
  const kk = r => `${r.month}|${by === 'pm' ? r.payer : r.arn}|${r.cur}`;
  const U = new Map(), W = new Map(), WN = new Map(), SV = new Map(), SVN = new Map(), CV = new Map();
  for (const r of rows) {
    const k = key(r), cu = r.cur;
    if (Number(r.n_rifee) > 0) U.set(`${k}|RI|${cu}`, util('RI', B(r.ri_res), B(r.ri_un), B(r.ri_resnu), B(r.ri_unnu)));
    if (Number(r.n_spfee) > 0) U.set(`${k}|SP|${cu}`, util('SP', B(r.sp_res), B(r.sp_res) - B(r.sp_used)));
    const spw = B(r.sp_waste), spwn = spNetBy[by].get(kk(r)) ?? 0n;
    const riw = B(r.ri_unam) + B(r.ri_unrec), riwn = B(r.nri_unam) + B(r.nri_unrec);
    if (Number(r.n_rifee) + Number(r.n_spfee) > 0) {
      W.set(`${k}|${cu}`, { ri_unused_upfront: fmt(B(r.ri_unam)), ri_unused_recurring: fmt(B(r.ri_unrec)), ri_waste: fmt(riw), sp_waste: fmt(spw), waste: fmt(riw + spw) });
      WN.set(`${k}|${cu}`, { ri_unused_upfront: fmt(B(r.nri_unam)), ri_unused_recurring: fmt(B(r.nri_unrec)), ri_waste: fmt(riwn), sp_waste: fmt(spwn), waste: fmt(riwn + spwn) });
    }
    if (Number(r.n_sav) > 0) {
      SV.set(`${k}|${cu}`, savings(B(r.cov_od), B(r.cov_cost), riw + spw, B(r.spot_od), B(r.spot_cost)));
      SVN.set(`${k}|${cu}`, savings(B(r.cov_od), B(r.cov_ncost), riwn + spwn, B(r.spot_od), B(r.spot_ncost)));
    }
    if (by === 'pm' && Number(r.n_cov) > 0) {
      const covered = B(r.cov_od), elig = covered + B(r.od_od), rih = B(r.ri_h), eh = rih + B(r.other_h);
      CV.set(`${k}|${cu}`, { eligible: fmt(elig), covered: fmt(covered), ri_covered: fmt(B(r.ri_od)), sp_covered: fmt(B(r.sp_od)),
        on_demand: fmt(B(r.od_od)), coverage: ratio(covered, elig), ri_coverage: ratio(B(r.ri_od), elig), sp_coverage: ratio(B(r.sp_od), elig),
        eligible_hours: fmt(eh), ri_covered_hours: fmt(rih), ri_coverage_hours: ratio(rih, eh) });
    }
  }
  expected[`utilization/${by}`] = U; expected[`waste/${by}`] = W; expected[`waste-net/${by}`] = WN;
  expected[`savings/${by}`] = SV; expected[`savings-net/${by}`] = SVN;
  if (by === 'pm') expected['coverage/pm'] = CV;
}

// ESR per payer, month and scope.
{
  const rows = await all(`SELECT month, payer, cur, sc,
    ${S_(`cls IN ('od-usage','ri-usage','sp-usage') AND uscope = sc`, od)} AS od,
    ${S_(`cls IN ('ri-usage','sp-usage') AND uscope = sc`, `(${od} - ${cost(false)})`)} AS gross,
    ${S_(`cls IN ('ri-usage','sp-usage') AND uscope = sc`, `(${od} - ${cost(true)})`)} AS ngross,
    ${S_(`cls IN ('ri-fee','sp-fee') AND fscope = sc`, `(${riUnAm(false)} + ${riUnRec(false)} + ${spUnused})`)} AS waste,
    ${S_(`cls = 'ri-fee' AND fscope = sc`, `(${riUnAm(true)} + ${riUnRec(true)})`)} AS nriwaste,
    ${S_(`cls = 'spot-usage' AND uscope = sc`, od)} AS spot_od,
    ${S_(`cls = 'spot-usage' AND uscope = sc`, `(${od} - ${cost(false)})`)} AS spot_sav,
    ${S_(`cls = 'spot-usage' AND uscope = sc`, `(${od} - ${cost(true)})`)} AS spot_nsav
    FROM r, (VALUES ('compute'), ('non-compute')) s(sc) GROUP BY ALL`);
  const E = new Map(), EN = new Map();
  for (const r of rows) {
    const base = `${r.month}|${r.payer}`;
    const spwn = spNetBy.pmScope.get(`${r.month}|${r.payer}|${r.cur}|${r.sc}`) ?? 0n;
    const set = (m, scope, odv, net) => m.set(`${base}|${scope}|${r.cur}`, { scope, on_demand_equivalent: fmt(odv), net_savings: fmt(net), esr: ratio(net, odv) });
    const net = B(r.gross) - B(r.waste), nnet = B(r.ngross) - B(r.nriwaste) - spwn;
    set(E, r.sc, B(r.od), net); set(EN, r.sc, B(r.od), nnet);
    if (r.sc === 'compute') {
      set(E, 'compute-with-spot', B(r.od) + B(r.spot_od), net + B(r.spot_sav));
      set(EN, 'compute-with-spot', B(r.od) + B(r.spot_od), nnet + B(r.spot_nsav));
    }
  }
  expected['esr/pm'] = E; expected['esr-net/pm'] = EN;
}

// ---- the inventory (list) ----------------------------------------------------------
const isoT = s => {
  if (!s) return '';
  const m = String(s).match(/^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})/);
  return m ? `${m[1]}T${m[2]}Z` : String(s);
};
const ms = s => Date.parse(isoT(s));
const hoursOf = iv => { const [a, b] = String(iv ?? '').split('/'); const x = ms(a), y = ms(b); return Number.isFinite(x) && Number.isFinite(y) ? BigInt(y - x) : 0n; }; // ms
const H = 3600000n;
{
  const endOfData = (await all(`SELECT max(split_part(identity_time_interval, '/', 2)) AS e FROM cur`))[0].e;
  const attrs = await all(`SELECT arn, cls, owner, cur, bill_billing_period_start_date AS period, ${t0} AS t, identity_time_interval AS iv,
    bill_billing_entity AS be, line_item_product_code AS pc, product_servicecode AS svc, product_product_name AS pname,
    pricing_offering_class AS oc, pricing_purchase_option AS ppo, pricing_lease_contract_length AS lease,
    product_instance_type AS it, line_item_usage_type AS ut, product_operating_system AS os, product_database_engine AS dbe, product_cache_engine AS ce,
    product_region_code AS rc, product_region AS rg, line_item_availability_zone AS az, sptype,
    reservation_number_of_reservations AS n, reservation_units_per_reservation AS uper, reservation_normalized_units_per_reservation AS nuper,
    reservation_upfront_value AS upv, reservation_start_time AS rs, reservation_end_time AS re,
    reservation_total_reserved_units AS tot, reservation_amortized_upfront_fee_for_billing_period AS amp,
    line_item_unblended_cost AS unb,
    savings_plan_total_commitment_to_date AS sptot, savings_plan_recurring_commitment_for_billing_period AS sprec,
    savings_plan_amortized_upfront_commitment_for_billing_period AS spamu, savings_plan_payment_option AS spp,
    savings_plan_purchase_term AS spt, savings_plan_region AS spr, savings_plan_instance_type_family AS spf,
    savings_plan_start_time AS sps, savings_plan_end_time AS spe
    FROM r WHERE cls IN ('ri-fee','sp-fee','ri-upfront','sp-upfront') AND arn <> ''`);
  const consumers = new Map();
  for (const r of await all(`SELECT arn, string_agg(DISTINCT line_item_usage_account_id, ';' ORDER BY line_item_usage_account_id) AS a
    FROM r WHERE cls IN ('ri-usage','sp-usage') AND arn <> '' GROUP BY arn`)) consumers.set(r.arn, r.a);
  // what RIFee rows leave empty, the RI's covered usage says (docs/commitments.md §1)
  const usageAttr = new Map();
  for (const r of await all(`SELECT arn, min(pricing_offering_class) AS oc, min(pricing_purchase_option) AS ppo,
      min(pricing_lease_contract_length) AS lease, min(coalesce(nullif(product_operating_system, ''), nullif(product_database_engine, ''),
      nullif(product_cache_engine, ''))) AS plat
    FROM r WHERE cls = 'ri-usage' AND arn <> '' GROUP BY arn`)) usageAttr.set(r.arn, r);
  const by = new Map();
  for (const a of attrs) { if (!by.has(a.arn)) by.set(a.arn, []); by.get(a.arn).push(a); }
  // a commitment has fee rows; an exchange's riex- true-up alone is a payment
  for (const [arn, rows] of [...by]) if (!rows.some(r => r.cls === 'ri-fee' || r.cls === 'sp-fee')) by.delete(arn);
  const L = new Map();
  for (const [arn, rows] of by) {
    // the latest billing period wins; in it, the latest row
    rows.sort((x, y) => (String(x.period) < String(y.period) ? -1 : String(x.period) > String(y.period) ? 1 : ms(x.t) - ms(y.t)));
    const last = rows[rows.length - 1];
    const fees = rows.filter(r => r.cls === 'ri-fee' || r.cls === 'sp-fee');
    const fee = fees[fees.length - 1];
    const isRI = last.cls.startsWith('ri-');
    const o = { arn, owner: last.owner };
    const svc = r => (r.be === 'AWS Marketplace' ? r.pname : null) || r.svc || r.pc || '';
    o.service = svc(fee ?? last);
    if (isRI) {
      // Real Athena CURs leave the pricing columns of RIFee rows empty: the type is
      // then just "RI" (not in docs/commitments.md; reckon's reading).
      const ua = usageAttr.get(arn) ?? {};
      const oc = last.oc || ua.oc || '';
      o.type = { standard: 'Standard RI', convertible: 'Convertible RI' }[String(oc).toLowerCase()] ?? 'RI';
      o.region = last.rc || last.rg || (last.az ? last.az.slice(0, -1) : '');
      // ... and product/instanceType: then the size is the usage type's, HeavyUsage:m5.large.
      o.instance_type = last.it || (String(last.ut ?? '').includes(':') ? String(last.ut).slice(String(last.ut).indexOf(':') + 1) : '');
      o.family = o.instance_type.includes('.') ? o.instance_type.slice(0, o.instance_type.lastIndexOf('.')) : '';
      o.platform = last.os || last.dbe || last.ce || ua.plat || '';
      o.quantity = last.n == null ? '' : fmt(big(last.n));
      const nfv = last.uper != null && last.nuper != null && big(last.uper) !== 0n ? quot(big(last.nuper), big(last.uper)) : E18;
      o.normalization_factor = fmt(nfv);
      o.hourly_commitment = '';
      o.payment_option = last.ppo || ua.ppo || ''; o.term = last.lease || ua.lease || '';
      o.start = isoT(last.rs); o.end = isoT(last.re);
      o.upfront_value = fmt(big(last.upv));
      if (fee) {
        const q = quot(big(fee.unb), big(fee.tot));
        o.recurring_hourly_fee = q === null ? '' : fmt(mul(q, big(fee.n ?? '1')));
        o.monthly_commitment = fmt(big(fee.amp) + big(fee.unb));
      }
    } else {
      o.type = last.sptype;
      o.region = last.spr || 'global';
      o.instance_type = '';
      o.family = last.sptype === 'EC2 Instance SP' ? (last.spf ?? '') : '';
      o.platform = ''; o.quantity = ''; o.normalization_factor = '';
      o.payment_option = last.spp ?? ''; o.term = last.spt ?? '';
      o.start = isoT(last.sps); o.end = isoT(last.spe);
      const ups = rows.filter(r => r.cls === 'sp-upfront');
      if (fee) {
        const hrs = hoursOf(fee.iv);
        const perH = x => hrs === 0n ? 0n : divRound(big(x) * H, hrs);
        const hourly = perH(fee.sptot);
        o.hourly_commitment = fmt(hourly);
        o.recurring_hourly_fee = fmt(perH(fee.sprec));
        const termH = BigInt(ms(o.end) - ms(o.start));
        o.upfront_value = fmt(ups.length ? ups.reduce((s, r) => s + big(r.unb), 0n) : divRound(perH(fee.spamu) * termH, H));
        const m0 = new Date(ms(fee.t)); const y = m0.getUTCFullYear(), mo = m0.getUTCMonth();
        const mh = BigInt((Date.UTC(y, mo + 1, 1) - Date.UTC(y, mo, 1)) / 3600000);
        o.monthly_commitment = fmt(hourly * mh);
      } else o.upfront_value = fmt(ups.reduce((s, r) => s + big(r.unb), 0n));
    }
    o.consumers = consumers.get(arn) ?? '';
    o.status = o.end && ms(o.end) > ms(endOfData) ? 'active' : 'expired';
    L.set(arn, o);
  }
  expected['list'] = L;
}

// RK_DUMP=1 prints the expected rows (for debugging a mismatch).
if (process.env.RK_DUMP) for (const [name, m] of Object.entries(expected)) for (const [k, v] of m) console.log(name, k, JSON.stringify(v));

// ---- reckon's figures -----------------------------------------------------------
function parseCsv(text) {
  const rows = []; let row = [], cell = '', qt = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (qt) { if (ch === '"') { if (text[i + 1] === '"') { cell += '"'; i++; } else qt = false; } else cell += ch; continue; }
    if (ch === '"') qt = true; else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else if (ch !== '\r') cell += ch;
  }
  if (cell.length || row.length) { row.push(cell); rows.push(row); }
  return rows;
}
let bad = 0, n = 0;
function rk(args) {
  const r = spawnSync(reckon, ['--data', ws, ...args, '--format', 'csv'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) { bad++; console.log(`MISMATCH reckon ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim()}`); return null; }
  const [hdr, ...rows] = parseCsv(r.stdout);
  return { hdr, rows: rows.map(x => Object.fromEntries(hdr.map((h, i) => [h, x[i] ?? '']))) };
}
const zeroLike = v => v === '' || big(v) === 0n;
function compare(label, args, want, keyOf) {
  const got = rk(args);
  if (!got) return;
  const have = new Map();
  for (const row of got.rows) {
    const k = keyOf(row);
    if (have.has(k)) { bad++; console.log(`MISMATCH ${label} ${k}: reckon prints the row twice`); }
    have.set(k, row);
  }
  const figs = got.hdr;
  for (const k of new Set([...want.keys(), ...have.keys()])) {
    const w = want.get(k), h = have.get(k);
    const cols = Object.keys(w ?? {}).filter(x => x !== 'kind' && x !== 'scope');
    for (const col of cols.length ? cols : figs.filter(f => !['time', 'start', 'payer', 'commitment', 'currency', 'kind', 'scope', 'arn'].includes(f))) {
      if (w && h && !(col in h)) { bad++; console.log(`MISMATCH ${label}: reckon has no column ${col}`); continue; }
      const wv = w ? w[col] : '', hv = h ? h[col] : '';
      n++;
      const same = (w && h) ? wv === hv : (zeroLike(wv) && zeroLike(hv));
      if (!same) { bad++; console.log(`MISMATCH ${label} ${k} ${col}: reckon ${h ? JSON.stringify(hv) : '(no row)'} DuckDB ${w ? JSON.stringify(wv) : '(no row)'}`); }
    }
  }
}
const mon = row => String(row.time ?? row.start ?? '').slice(0, 7);
const pmKey = extra => row => `${mon(row)}|${row.payer}${extra ? '|' + row[extra] : ''}|${row.currency}`;
const arnKey = extra => row => `${mon(row)}|${row.commitment}${extra ? '|' + row[extra] : ''}|${row.currency}`;
const M = ['--granularity', 'monthly'];
compare('utilization', ['commitments', 'utilization', ...M, '--group-by', 'payer'], expected['utilization/pm'], pmKey('kind'));
compare('coverage', ['commitments', 'coverage', ...M, '--group-by', 'payer'], expected['coverage/pm'], pmKey());
compare('savings', ['commitments', 'savings', ...M, '--group-by', 'payer'], expected['savings/pm'], pmKey());
compare('savings --net', ['commitments', 'savings', ...M, '--group-by', 'payer', '--net'], expected['savings-net/pm'], pmKey());
compare('waste', ['commitments', 'waste', ...M, '--group-by', 'payer'], expected['waste/pm'], pmKey());
compare('waste --net', ['commitments', 'waste', ...M, '--group-by', 'payer', '--net'], expected['waste-net/pm'], pmKey());
compare('esr', ['commitments', 'esr', ...M, '--group-by', 'payer'], expected['esr/pm'], pmKey('scope'));
compare('esr --net', ['commitments', 'esr', ...M, '--group-by', 'payer', '--net'], expected['esr-net/pm'], pmKey('scope'));
compare('utilization by commitment', ['commitments', 'utilization', ...M, '--group-by', 'commitment'], expected['utilization/arn'], arnKey('kind'));
compare('savings by commitment', ['commitments', 'savings', ...M, '--group-by', 'commitment'], expected['savings/arn'], arnKey());
compare('waste by commitment', ['commitments', 'waste', ...M, '--group-by', 'commitment'], expected['waste/arn'], arnKey());
compare('list', ['commitments', 'list'], expected['list'], row => row.arn);

// ---- the cost identity, per payer and month ------------------------------------------
{
  // Per row, unblended - amortized - true-up - upfront (docs/cost-rules.md): 0 on
  // every row but these.
  const resid = `(CASE ${lt}
    WHEN 'RIFee' THEN ${D('line_item_unblended_cost')} - ${D('reservation_unused_amortized_upfront_fee_for_billing_period')} - ${D('reservation_unused_recurring_fee')} + ${D('reservation_amortized_upfront_fee_for_billing_period')}
    WHEN 'DiscountedUsage' THEN ${D('line_item_unblended_cost')} - ${D('reservation_effective_cost')}
    WHEN 'SavingsPlanCoveredUsage' THEN ${D('line_item_unblended_cost')} - ${D('savings_plan_savings_plan_effective_cost')}
    WHEN 'SavingsPlanRecurringFee' THEN ${D('line_item_unblended_cost')} - ${D('savings_plan_total_commitment_to_date')} + ${D('savings_plan_used_commitment')} + ${D('savings_plan_amortized_upfront_commitment_for_billing_period')}
    WHEN 'SavingsPlanNegation' THEN ${D('line_item_unblended_cost')}
    ELSE 0 END)`;
  const want = new Map();
  for (const r of await all(`SELECT substr(${t0}, 1, 7) AS month, coalesce(bill_payer_account_id, '') AS payer,
      coalesce(line_item_currency_code, '') AS cur, CAST(sum(${resid}) AS VARCHAR) AS res FROM cur GROUP BY ALL`))
    want.set(`${r.month}|${r.payer}|${r.cur}`, big(r.res));
  const got = rk(['report', 'cost', '--granularity', 'monthly', '--group-by', 'payer', '--metric', 'unblended,amortized,trueup,upfront']);
  for (const row of got?.rows ?? []) {
    const k = `${mon(row)}|${row.payer}|${row.currency}`;
    const res = big(row.unblended) - big(row.amortized) - big(row.trueup) - big(row.upfront);
    n++;
    if (res !== (want.get(k) ?? 0n) || (exactIdentity && res !== 0n)) {
      bad++;
      console.log(`MISMATCH identity ${k}: unblended ${row.unblended} - amortized ${row.amortized} - trueup ${row.trueup} - upfront ${row.upfront} = ${fmt(res)}; the files give ${fmt(want.get(k) ?? 0n)}${exactIdentity ? ', and it must be 0' : ''}`);
    }
  }
  for (const [k, v] of want) console.log(`identity ${k}: unblended - amortized - trueup - upfront = ${fmt(v)}`);
}

const rowsChecked = Object.values(expected).reduce((s, m) => s + m.size, 0);
console.log(`commit-crosscheck: ${n} figures (${rowsChecked} expected rows), ${bad} mismatches`);
process.exit(bad ? 1 : 0);
