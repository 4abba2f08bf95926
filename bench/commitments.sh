#!/usr/bin/env bash
# Commitment reports over 12 months of the demo organization at >= 2 M rows a
# month (Athena Parquet, as AWS delivers it with the Athena integration):
# every `reckon commitments` report, timed, against the 200 ms target; and
# DuckDB answering comparable questions straight from the same Parquet files
# (it has no store of its own to answer from). Writes
# bench/results/commitments.md. Called by bench/run.sh; env as there.
set -euo pipefail
cd "$(dirname "$0")/.."
RECKON=$(realpath "${1:-build/release/reckon}")
SCALE=${BENCH_SCALE:-14}
RUNS=${BENCH_RUNS:-3}
WORK=${BENCH_WORK:-bench/work}
export DUCKDB_LIB=${DUCKDB_LIB:-$PWD/tests/node/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so}
mkdir -p "$WORK" build/bench bench/results
cc -O2 -o build/bench/duckdb_run bench/duckdb_run.c -ldl
DUCK=$PWD/build/bench/duckdb_run
DATA=$WORK/commit-12m
WS=$WORK/commit-ws
if [ ! -f "$DATA/.done-$SCALE" ]; then
  rm -rf "$DATA" "$WS"
  echo "generating 12 months of Athena Parquet at scale $SCALE"
  "$RECKON" generate "$DATA" --format athena-parquet --months 12 --end 2025-12 --seed 42 --scale "$SCALE" >/dev/null
  touch "$DATA/.done-$SCALE"
fi
if [ ! -f "$WS/.done-$SCALE" ]; then
  rm -rf "$WS"
  echo "ingesting"
  start=$(date +%s.%N)
  "$RECKON" --quiet --data "$WS" ingest "$DATA" >/dev/null
  echo "$(echo "$(date +%s.%N) - $start" | bc)" >"$WS/.ingest-seconds"
  touch "$WS/.done-$SCALE"
fi
ROWS=$("$RECKON" --data "$WS" status --format json | grep -o '"rows":[0-9]*' | cut -d: -f2 | awk '{s+=$1} END {print s}')
MONTHS=$("$RECKON" --data "$WS" status --format json | grep -o '"rows":[0-9]*' | wc -l)

# ms for one run of a command (wall clock, output discarded)
ms() {
  local s e
  s=$(date +%s%N)
  "$@" >/dev/null
  e=$(date +%s%N)
  echo $(((e - s) / 1000000))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -a CASES=(
  "list"
  "schedule"
  "expiring --as-of 2025-10-01"
  "utilization"
  "utilization --granularity monthly --group-by commitment"
  "utilization --granularity hourly"
  "coverage --granularity monthly --group-by service"
  "coverage --granularity daily --group-by account,instance-type"
  "savings --granularity monthly --group-by commitment-type"
  "savings --group-by owner,account"
  "savings --month-to-date"
  "esr --granularity monthly"
  "waste --granularity monthly --group-by service"
)
RES=$WORK/commit-times
: >"$RES"
worst=0
for c in "${CASES[@]}"; do
  read -r -a args <<<"$c"
  t=$(for r in $(seq 1 "$RUNS"); do ms "$RECKON" --data "$WS" commitments "${args[@]}" --format csv; done | median)
  rows=$("$RECKON" --data "$WS" commitments "${args[@]}" --format csv | tail -n +2 | wc -l)
  echo "$c|$t|$rows" >>"$RES"
  [ "$t" -gt "$worst" ] && worst=$t
done

# DuckDB over the same files: the monthly figures, as SQL.
files=$(find "$DATA" -name '*.parquet' -path '*year=*' | sort | sed "s/.*/'&'/" | paste -sd, -)
SRC="read_parquet([$files], union_by_name=true)"
declare -A DQ
DQ[utilization]="SELECT date_trunc('month', line_item_usage_start_date) m, sum(reservation_total_reserved_units),
  sum(reservation_unused_quantity) FROM $SRC WHERE line_item_line_item_type = 'RIFee' GROUP BY 1 ORDER BY 1"
DQ[coverage]="SELECT date_trunc('month', line_item_usage_start_date) m, product_servicecode,
  sum(CASE WHEN line_item_line_item_type IN ('DiscountedUsage','SavingsPlanCoveredUsage') THEN pricing_public_on_demand_cost END),
  sum(pricing_public_on_demand_cost) FROM $SRC
  WHERE line_item_line_item_type IN ('DiscountedUsage','SavingsPlanCoveredUsage')
     OR (line_item_line_item_type = 'Usage' AND (line_item_usage_type LIKE '%BoxUsage%' OR line_item_usage_type LIKE '%:db.%'
         OR line_item_usage_type LIKE '%NodeUsage:cache.%' OR line_item_usage_type LIKE '%Fargate%' OR line_item_usage_type LIKE '%Lambda-GB-Second%'))
  GROUP BY 1, 2 ORDER BY 1, 2"
DQ[savings]="SELECT date_trunc('month', line_item_usage_start_date) m,
  sum(CASE WHEN line_item_line_item_type = 'DiscountedUsage' THEN pricing_public_on_demand_cost - reservation_effective_cost
           WHEN line_item_line_item_type = 'SavingsPlanCoveredUsage' THEN pricing_public_on_demand_cost - savings_plan_savings_plan_effective_cost
           WHEN line_item_line_item_type = 'RIFee' THEN -(reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee)
           WHEN line_item_line_item_type = 'SavingsPlanRecurringFee' THEN -(savings_plan_total_commitment_to_date - savings_plan_used_commitment) END)
  FROM $SRC GROUP BY 1 ORDER BY 1"
DQ[waste]="SELECT date_trunc('month', line_item_usage_start_date) m,
  sum(CASE WHEN line_item_line_item_type = 'RIFee' THEN reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee
           WHEN line_item_line_item_type = 'SavingsPlanRecurringFee' THEN savings_plan_total_commitment_to_date - savings_plan_used_commitment END)
  FROM $SRC GROUP BY 1 ORDER BY 1"
declare -A RQ=([utilization]="utilization --granularity monthly" [coverage]="coverage --granularity monthly --group-by service"
               [savings]="savings --granularity monthly" [waste]="waste --granularity monthly")
: >"$WORK/commit-duck"
for k in utilization coverage savings waste; do
  d=$(for r in $(seq 1 "$RUNS"); do ms "$DUCK" :memory: "${DQ[$k]}"; done | median)
  read -r -a args <<<"${RQ[$k]}"
  t=$(for r in $(seq 1 "$RUNS"); do ms "$RECKON" --data "$WS" commitments "${args[@]}" --format csv; done | median)
  echo "$k|${RQ[$k]}|$t|$d" >>"$WORK/commit-duck"
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  echo "# Commitment reports"
  echo
  echo "Measured by \`bench/commitments.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores ($cpu). Data: \`reckon generate"
  echo "--format athena-parquet --months 12 --end 2025-12 --seed 42 --scale $SCALE\`: $MONTHS months, $ROWS rows"
  echo "(ingested in $(printf %.1f "$(cat "$WS/.ingest-seconds")") s). Each time is the median of $RUNS runs of the whole"
  echo "command (process start, catalog, rollup scan, output), in milliseconds."
  echo
  echo "| \`reckon commitments …\` (12 months) | ms | rows out |"
  echo "|---|---:|---:|"
  while IFS='|' read -r c t rows; do echo "| \`$c\` | $t | $rows |"; done <"$RES"
  echo
  echo "- Slowest: **$worst ms** (target < 200 ms for every report)."
  echo
  echo "DuckDB has no store to answer from, so it answers the same monthly questions from the"
  echo "Parquet files each time (\`duckdb_run :memory: \"<SQL in bench/commitments.sh>\"\`):"
  echo
  echo "| question | reckon ms | DuckDB ms | DuckDB ÷ reckon |"
  echo "|---|---:|---:|---:|"
  while IFS='|' read -r k c t d; do
    echo "| $k (\`$c\`) | $t | $d | $(echo "scale=1; $d / ($t + 0.0001)" | bc)× |"
  done <"$WORK/commit-duck"
} >bench/results/commitments.md
cat bench/results/commitments.md
