#!/usr/bin/env bash
# The real AWS Athena-integration CUR months (tests/fixtures/real-cur/awslabs,
# written by AWS's parquet-mr), laid out as AWS delivers them, read by
# reckon's own Parquet decoder. Row counts and the reference totals come from
# the samples' PROVENANCE.md (computed there independently); DuckDB then
# recomputes every metric over the same files. Also: the Athena status file.
. "$(dirname "$0")/lib.sh"
F=$TESTS/fixtures/real-cur/awslabs
B=$T/bucket W=$T/ws
R=cur/workshop/workshop
for m in 10 11 12; do mkdir -p "$B/$R/year=2018/month=$m"; done
cp "$F/Oct2018-WorkshopCUR-00001.snappy.parquet" "$B/$R/year=2018/month=10/workshop-00001.snappy.parquet"
cp "$F/Nov2018-WorkshopCUR-00001.snappy.parquet" "$B/$R/year=2018/month=11/workshop-00001.snappy.parquet"
cp "$F/Dec2018-WorkshopCUR-00001.snappy.parquet" "$B/$R/year=2018/month=12/workshop-00001.snappy.parquet"
mkdir -p "$B/cur/workshop/20181101-20181201"
cp "$F/WorkshopCUR-create-table.sql" "$B/cur/workshop/20181101-20181201/workshop-create-table.sql"
out=$(rk --data "$W" ingest "$B" --format json); rc=$?
check_eq "$rc" 0 "the three months ingest"
check_has "$out" '"ingested":3,"unchanged":0,"failed":0' "three periods"
st=$(rk --data "$W" status --format json)
for n in 119307 124340 91264; do check_has "$st" "\"rows\":$n" "row count $n as in PROVENANCE.md"; done
m=$(rk --data "$W" report cost --granularity monthly --metric unblended,amortized,on-demand,trueup --format csv)
# PROVENANCE.md, A.1: unblended / amortized / public on-demand / RI true-up (4 decimals there)
round4() { awk -F, 'NR>1 {printf "%s %.4f %.4f %.4f %.4f\n", $1, $2, $3, $4, $5}'; }
check_eq "$(round4 <<<"$m")" "2018-10 4064.4831 4195.9571 4237.6817 -131.4740
2018-11 3505.3270 3632.5598 3671.1993 -127.2329
2018-12 408.3760 539.8500 580.7621 -131.4740" "totals match the reference figures"
node "$TESTS/node/crosscheck.mjs" "$RECKON" "$W" "$B"/$R/year=2018/month=*/*.parquet \
  && ok "DuckDB computes the same figures from the same Parquet files" || bad "DuckDB cross-check"
# the same data, identical whatever the number of threads
rk --data "$T/w1" ingest --threads 1 "$B" >/dev/null
check_eq "$(rk --data "$T/w1" report cost --group-by account,service --format csv | md5sum)" \
  "$(rk --data "$W" report cost --group-by account,service --format csv | md5sum)" "one thread or two: same figures"

# While AWS rewrites the report, a changed month waits; READY lets it through.
mkdir -p "$B/cur/workshop/cost_and_usage_data_status"
status_file() {
  node --input-type=module -e "
    import { DuckDBInstance } from '$TESTS/node/node_modules/@duckdb/node-api/lib/index.js';
    const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
    await c.run(\"COPY (SELECT '$1' AS status) TO '$B/cur/workshop/cost_and_usage_data_status/cost_and_usage_data_status.parquet' (FORMAT PARQUET)\");"
}
status_file UPDATING
touch "$B/$R/year=2018/month=12/workshop-00001.snappy.parquet"
out=$(rk --data "$W" ingest "$B"); rc=$?
check_eq "$rc" 0 "UPDATING is not a failure"
check_has "$out" "waiting: AWS is updating this report" "the changed month waits while UPDATING"
check_has "$out" "1 period waiting for AWS to finish updating" "the summary says so"
check_has "$out" "2 unchanged" "the unchanged months stay unchanged"
status_file READY
out=$(rk --data "$W" ingest "$B" --format json)
check_has "$out" '"ingested":1,"unchanged":2' "READY: the month is read"
finish
