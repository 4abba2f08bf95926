#!/usr/bin/env bash
# The same organization delivered as CSV and as Parquet must give reckon the
# same answers: the generator writes each Parquet format with the rows and
# values of its CSV twin (gen/parquet proves that with DuckDB), so every
# report through reckon — every metric, grouped by every kind of dimension,
# hour by hour — must match byte for byte.
#   athena-parquet (REQUIRED columns, Athena names, separate tag columns)
#     against legacy-csv (hourly);
#   cur2-parquet (OPTIONAL columns, MAP columns for tags, product, cost
#     categories and discounts) against cur2-csv (daily, new-version).
. "$(dirname "$0")/lib.sh"

metrics=unblended,blended,net-unblended,amortized,net-amortized,on-demand,trueup,upfront
groupings=(
  ""
  "account,payer"
  "service,region,availability-zone"
  "usage-type,operation"
  "line-item-type,charge-type,purchase-option"
  "instance-type,billing-entity,legal-entity,currency"
  "tag:user:team,tag:user:env"
  "tag:user:Cost Center"
  "cost-category:Business Unit"
  "product:instanceType,product:region"
  "resource"
)

# compare NAME WS_CSV WS_PQ: every report agrees
compare() {
  local name=$1 a=$2 b=$3 g args n=0 rows=0
  for g in "${groupings[@]}"; do
    for gran in total monthly daily; do
      args=(report cost --from 2025-01 --to 2025-04 --granularity "$gran" --metric "$metrics" --format csv)
      [ -n "$g" ] && args+=(--group-by "$g")
      rk --data "$a" "${args[@]}" >"$T/a.csv" 2>&1 || { bad "$name: csv workspace: ${args[*]}: $(head -3 "$T/a.csv")"; continue; }
      rk --data "$b" "${args[@]}" >"$T/b.csv" 2>&1 || { bad "$name: parquet workspace: ${args[*]}: $(head -3 "$T/b.csv")"; continue; }
      if cmp -s "$T/a.csv" "$T/b.csv"; then
        n=$((n + 1)); rows=$((rows + $(wc -l <"$T/a.csv") - 1))
      else
        bad "$name: [${g:-no grouping}, $gran] differs:"$'\n'"$(diff "$T/a.csv" "$T/b.csv" | head -8)"
      fi
    done
  done
  # hourly totals, the finest time bucket
  rk --data "$a" report cost --from 2025-01 --to 2025-04 --granularity hourly --metric "$metrics" --format json >"$T/a.json"
  rk --data "$b" report cost --from 2025-01 --to 2025-04 --granularity hourly --metric "$metrics" --format json >"$T/b.json"
  if cmp -s "$T/a.json" "$T/b.json"; then n=$((n + 1)); else bad "$name: hourly JSON differs"; fi
  ok "$name: $n reports identical ($rows grouped rows)"
  # and they are not empty: the months carry cost under every metric
  local tot; tot=$(total "$a" --from 2025-01 --to 2025-04)
  case "$tot" in ""|0|0.0*) bad "$name: the total is [$tot]; the comparison proved nothing" ;; *) ok "$name: total $tot" ;; esac
}

common=(--scale 0.1 --months 3 --end 2025-04 --seed 11 --rows-per-part 15000)
rk generate "$T/legacy" "${common[@]}" --format legacy-csv >/dev/null || bad "generate legacy-csv"
rk generate "$T/athena" "${common[@]}" --format athena-parquet --rows-per-group 4000 >/dev/null || bad "generate athena-parquet"
rk --data "$T/ws-legacy" ingest "$T/legacy" >/dev/null || bad "ingest legacy-csv"
rk --data "$T/ws-athena" ingest "$T/athena" >/dev/null || bad "ingest athena-parquet"
compare "athena-parquet vs legacy-csv" "$T/ws-legacy" "$T/ws-athena"

# A big Parquet file is read in parts (row group ranges) by several threads;
# RECKON_PQ_PART_BYTES=1 splits these small files, 13 threads into 13 parts
# of 10-11 row groups (so some parts are empty). One file per delivery.
rk generate "$T/athena1" "${common[@]}" --format athena-parquet --rows-per-part 1000000 --rows-per-group 3000 >/dev/null
RECKON_PQ_PART_BYTES=1 rk --data "$T/ws-athena1" ingest --threads 13 "$T/athena1" >/dev/null || bad "ingest athena-parquet in parts"
compare "athena-parquet read in parts vs legacy-csv" "$T/ws-legacy" "$T/ws-athena1"

daily=(--scale 0.1 --months 3 --end 2025-04 --seed 12 --granularity daily --versioning new-version --rows-per-part 3000)
rk generate "$T/cur2" "${daily[@]}" --format cur2-csv >/dev/null || bad "generate cur2-csv"
rk generate "$T/cur2pq" "${daily[@]}" --format cur2-parquet --rows-per-group 1000 >/dev/null || bad "generate cur2-parquet"
rk --data "$T/ws-cur2" ingest "$T/cur2" >/dev/null || bad "ingest cur2-csv"
rk --data "$T/ws-cur2pq" ingest "$T/cur2pq" >/dev/null || bad "ingest cur2-parquet"
compare "cur2-parquet vs cur2-csv" "$T/ws-cur2" "$T/ws-cur2pq"

# The comparison can fail: another seed's Parquet differs from this CSV.
rk generate "$T/other" --scale 0.1 --months 3 --end 2025-04 --seed 13 --rows-per-part 15000 \
  --format athena-parquet >/dev/null
rk --data "$T/ws-other" ingest "$T/other" >/dev/null
a=$(rk --data "$T/ws-legacy" report cost --group-by account --metric "$metrics" --format csv)
b=$(rk --data "$T/ws-other" report cost --group-by account --metric "$metrics" --format csv)
if [ "$a" != "$b" ]; then ok "another organization's Parquet gives other reports"; else bad "seed 13 matches seed 11"; fi
finish
