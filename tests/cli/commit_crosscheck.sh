#!/usr/bin/env bash
# The commitment figures against an independent implementation: for each data set,
# tests/node/commit-crosscheck.mjs recomputes utilization, coverage, savings, ESR,
# waste (per payer and month, and per commitment) and the inventory with DuckDB SQL
# straight from the CUR files (docs/commitments.md) and compares every figure with
# `reckon commitments … --format csv`; it also checks unblended = amortized +
# true-up + upfront per payer and month (exactly on the generated data; on the real
# months AWS's rounded per-row amortized shares leave a residual of a few millionths,
# which must be exactly the one the files give).
#   1. the demo organization as a legacy CSV CUR,
#   2. the same organization as a CUR 2.0 Parquet export,
#   3. the real AWS Athena-integration months (tests/fixtures/real-cur/awslabs),
#      whose RI utilization is 88.10 %, 92.31 % and 85.35 % (cur-format.md §g).
. "$(dirname "$0")/lib.sh"
X=$TESTS/node/commit-crosscheck.mjs

# 1. demo organization, legacy CSV
rk generate "$T/csv" --scale 0.3 --months 3 --end 2025-04 >/dev/null || bad "generate the demo (legacy CSV)"
rk --data "$T/wcsv" ingest "$T/csv" >/dev/null
check_eq "$?" 0 "the demo (legacy CSV) ingests"
mapfile -t F < <(find "$T/csv" -name '*.csv.gz' | sort)
node "$X" "$RECKON" "$T/wcsv" --exact-identity "${F[@]}" && ok "demo, legacy CSV: DuckDB computes the same commitment figures" \
  || bad "demo, legacy CSV: commitment cross-check"

# 2. the same organization as CUR 2.0 Parquet
rk generate "$T/pq" --scale 0.3 --months 3 --end 2025-04 --format cur2-parquet >/dev/null || bad "generate the demo (CUR 2.0 Parquet)"
rk --data "$T/wpq" ingest "$T/pq" >/dev/null
check_eq "$?" 0 "the demo (CUR 2.0 Parquet) ingests"
mapfile -t F < <(find "$T/pq" -path '*/data/*' -name '*.parquet' | sort)
node "$X" "$RECKON" "$T/wpq" --exact-identity "${F[@]}" && ok "demo, CUR 2.0 Parquet: DuckDB computes the same commitment figures" \
  || bad "demo, CUR 2.0 Parquet: commitment cross-check"
for c in utilization coverage savings esr waste list; do
  check_eq "$(rk --data "$T/wpq" commitments $c --granularity monthly --format csv 2>&1 | md5sum)" \
    "$(rk --data "$T/wcsv" commitments $c --granularity monthly --format csv 2>&1 | md5sum)" "CSV and Parquet twins: the same $c"
done

# 3. the real AWS months, laid out as AWS delivers them (as in parquet_real.sh)
F0=$TESTS/fixtures/real-cur/awslabs B=$T/real R=cur/workshop/workshop
for m in 10 11 12; do mkdir -p "$B/$R/year=2018/month=$m"; done
cp "$F0/Oct2018-WorkshopCUR-00001.snappy.parquet" "$B/$R/year=2018/month=10/workshop-00001.snappy.parquet"
cp "$F0/Nov2018-WorkshopCUR-00001.snappy.parquet" "$B/$R/year=2018/month=11/workshop-00001.snappy.parquet"
cp "$F0/Dec2018-WorkshopCUR-00001.snappy.parquet" "$B/$R/year=2018/month=12/workshop-00001.snappy.parquet"
rk --data "$T/wreal" ingest "$B" >/dev/null
check_eq "$?" 0 "the real months ingest"
node "$X" "$RECKON" "$T/wreal" "$B"/$R/year=2018/month=*/*.parquet && ok "real months: DuckDB computes the same commitment figures" \
  || bad "real months: commitment cross-check"
# RI utilization from the RIFee columns (cur-format.md §g: 88.10 %, 92.31 %, 85.35 %):
#   Oct: 9458.320278 reserved h (8 RIs of the whole month + one bought on the 9th at
#        21:40:47, 530.320278 h), unused 744 + 45.999444 + 335.320278 = 1125.319722
#        -> 8333.000556 / 9458.320278 = 0.8810229..
#   Nov: 8640 / 9360 = 0.9230769..;  Dec: 8255 / 9672 = 0.8534946..
u=$(rk --data "$T/wreal" commitments utilization --granularity monthly --format csv)
check_has "$u" "2018-10,RI,9458.320278,8333.000556,1125.319722,0.881023," "October RI utilization 88.10 %"
check_has "$u" "2018-11,RI,9360,8640,720,0.923077," "November RI utilization 92.31 %"
check_has "$u" "2018-12,RI,9672,8255,1417,0.853495," "December RI utilization 85.35 %"
finish
