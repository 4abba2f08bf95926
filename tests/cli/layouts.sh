#!/usr/bin/env bash
# Delivery layouts of cur-format.md §a-c: every billing period found, exactly the
# current delivery read, never two reports summed, unchanged periods skipped.
. "$(dirname "$0")/lib.sh"
B=$T/bucket P=111122223333

# (a) create-new-version: the period manifest names assembly A2; A1 is older.
R=cur/rep/20250301-20250401
cur_csv "$B/$R/a1/rep-1.csv" $P 2025-03 1.00 2.00
gzip -n "$B/$R/a1/rep-1.csv"
manifest "$B/$R/a1/rep-Manifest.json" rep a1 2025-03 "$R/a1/rep-1.csv.gz"
cur_csv "$B/$R/a2/rep-1.csv" $P 2025-03 10.00 ; gzip -n "$B/$R/a2/rep-1.csv"
cur_csv "$B/$R/a2/rep-2.csv" $P 2025-03 20.00 ; gzip -n "$B/$R/a2/rep-2.csv"
manifest "$B/$R/a2/rep-Manifest.json" rep a2 2025-03 "$R/a2/rep-1.csv.gz" "$R/a2/rep-2.csv.gz"
cp "$B/$R/a2/rep-Manifest.json" "$B/$R/rep-Manifest.json"

# (b) overwrite: parts -1 (.csv.gz) and -2 (.csv.zip) are listed; -3 is a stale
# part of an older, larger delivery.
R2=cur/ovr/20250401-20250501
cur_csv "$B/$R2/ovr-1.csv" $P 2025-04 5.00 ; gzip -n "$B/$R2/ovr-1.csv"
cur_csv "$T/ovr-2.csv" $P 2025-04 7.00 ; (cd "$T" && zip -q -X "$B/$R2/ovr-2.csv.zip" ovr-2.csv)
cur_csv "$B/$R2/ovr-3.csv" $P 2025-04 1000.00
manifest "$B/$R2/ovr-Manifest.json" ovr v1 2025-04 "$R2/ovr-1.csv.gz" "$R2/ovr-2.csv.zip"

# (c) CSV without a manifest: the period comes from the rows; the files of one
# period are taken together.
cur_csv "$B/history/jan-a.csv" $P 2024-12 3.00
cur_csv "$B/history/jan-b.csv" $P 2024-12 4.00
cur_csv "$B/history/feb.csv" $P 2025-01 5.00

# (d) CUR 2.0 Data Export in CSV, map columns as JSON text; a stray file in the
# partition that the manifest does not list.
E=exports/acme
mkdir -p "$B/$E/data/BILLING_PERIOD=2025-02" "$B/$E/metadata/BILLING_PERIOD=2025-02"
{
  echo 'identity_line_item_id,identity_time_interval,bill_payer_account_id,bill_billing_period_start_date,bill_billing_period_end_date,line_item_usage_account_id,line_item_line_item_type,line_item_product_code,line_item_usage_type,line_item_unblended_cost,line_item_currency_code,product,resource_tags,cost_category'
  echo 'x1,2025-02-01T00:00:00Z/2025-02-01T01:00:00Z,'$P',2025-02-01T00:00:00Z,2025-03-01T00:00:00Z,'$P',Usage,AmazonEC2,BoxUsage:t3.small,0.25,USD,"{""region"":""eu-west-1"",""instance_type"":""t3.small""}","{""user_team"":""web"",""user_cost_center"":""cc-1""}","{""Business Unit"":""Retail""}"'
  echo 'x2,2025-02-01T00:00:00Z/2025-02-01T01:00:00Z,'$P',2025-02-01T00:00:00Z,2025-03-01T00:00:00Z,'$P',Usage,AmazonEC2,BoxUsage:t3.small,0.75,USD,"{""region"":""eu-west-1""}","{""user_team"":""data""}",{}'
  echo 'x3,2025-02-01T00:00:00Z/2025-02-01T01:00:00Z,'$P',2025-02-01T00:00:00Z,2025-03-01T00:00:00Z,'$P',Usage,AmazonS3,TimedStorage,1.5,USD,{},,'
} | gzip -n >"$B/$E/data/BILLING_PERIOD=2025-02/acme-00001.csv.gz"
cp "$B/$E/data/BILLING_PERIOD=2025-02/acme-00001.csv.gz" "$B/$E/data/BILLING_PERIOD=2025-02/acme-00009.csv.gz"
cat >"$B/$E/metadata/BILLING_PERIOD=2025-02/acme-Manifest.json" <<JSON
{"executionId":"exec-0001","exportArn":"arn:aws:bcm-data-exports:us-east-1:$P:export/acme",
 "dataFiles":["s3://acme-cur/$E/data/BILLING_PERIOD=2025-02/acme-00001.csv.gz"],
 "columns":[{"name":"identity_line_item_id","type":"string"}]}
JSON

# (e) noise AWS puts next to the data
touch "$B/aws-programmatic-access-test-object"
echo "CREATE EXTERNAL TABLE ..." >"$B/$R/a2/rep-RedshiftCommands.sql"

W=$T/ws
out=$(rk --data "$W" ingest "$B" --verbose); rc=$?
check_eq "$rc" 0 "ingest exits 0"
check_has "$out" "5 ingested, 0 unchanged, 0 failed" "five periods ingested"
check_eq "$(total "$W" --from 2025-03 --to 2025-04)" 30 "new-version: only the current assembly (10+20), never a1"
check_has "$out" "$R/a1/rep-1.csv.gz  (data part not listed in the current manifest" "new-version: the old assembly is listed as ignored"
check_eq "$(total "$W" --from 2025-04 --to 2025-05)" 12 "overwrite: parts 1 and 2 (5+7), stale part 3 ignored"
check_has "$out" "$R2/ovr-3.csv  (data part not listed" "overwrite: the stale part is listed as ignored"
check_eq "$(total "$W" --from 2024-12 --to 2025-01)" 7 "no manifest: the two files of December taken together"
check_eq "$(total "$W" --from 2025-01 --to 2025-02)" 5 "no manifest: January from its rows"
check_eq "$(total "$W" --from 2025-02 --to 2025-03)" 2.5 "CUR 2.0: only the file in the manifest (0.25+0.75+1.5)"
check_has "$out" "acme-00009.csv.gz  (data file of an older execution or not in the manifest)" "CUR 2.0: the stray file is ignored"
check_has "$out" "aws-programmatic-access-test-object  (AWS write-access probe)" "AWS's probe object is ignored"
tags=$(rk --data "$W" report cost --from 2025-02 --to 2025-03 --group-by tag:user:team --format csv)
check_has "$tags" $'data,0.75,USD\nweb,0.25,USD\n,1.5,USD' "CUR 2.0 resource_tags map: tag:user:team"
check_eq "$(total "$W" --filter tag:user_team=web)" 0.25 "normalized tag spelling user_team"
check_eq "$(total "$W" --filter 'cost-category:Business Unit=Retail')" 0.25 "CUR 2.0 cost_category map"
check_eq "$(total "$W" --filter product:region=eu-west-1)" 1 "CUR 2.0 product map"

# The same bucket read from a deeper folder gives the same figures.
W2=$T/ws2
rk --data "$W2" ingest "$B/cur" >/dev/null
check_eq "$(total "$W2" --from 2025-03 --to 2025-05)" 42 "ingest from a prefix folder resolves manifest keys"

# Re-ingest: nothing changed, nothing read.
out=$(rk --data "$W" ingest "$B" --format json)
check_has "$out" '"ingested":0,"unchanged":5' "unchanged deliveries are skipped"
check_has "$out" '"rows":0,' "and no rows are read"

# A new overwrite delivery of April replaces April as a whole.
cur_csv "$B/$R2/ovr-1.csv" $P 2025-04 50.00 60.00 ; rm -f "$B/$R2/ovr-1.csv.gz"; gzip -n "$B/$R2/ovr-1.csv"
manifest "$B/$R2/ovr-Manifest.json" ovr v2 2025-04 "$R2/ovr-1.csv.gz"
out=$(rk --data "$W" ingest "$B" --format json)
check_has "$out" '"ingested":1,"unchanged":4' "only the changed period is ingested"
check_eq "$(total "$W" --from 2025-04 --to 2025-05)" 110 "the new delivery replaced the old one (50+60, not 12+110)"
st=$(rk --data "$W" status --format json)
check_has "$st" '"delivery_id":"v2"' "status shows the new delivery id"

# Two reports for the same payer and month: exactly one is used.
cur_csv "$B/dropped/old-march.csv" $P 2025-03 100.00
out=$(rk --data "$W" ingest "$B")
check_eq "$(total "$W" --from 2025-03 --to 2025-04)" 30 "the AWS delivery with a manifest wins; never 30+100"
st=$(rk --data "$W" status)
check_has "$st" "not used: dropped (csv) — an AWS delivery with a manifest is preferred over CSV files without one" "status shows the unused report and why"
out=$(rk --data "$W" prefer dropped --period 2025-03)
check_has "$out" "Pinned dropped" "prefer pins a report"
check_eq "$(total "$W" --from 2025-03 --to 2025-04)" 100 "the pin takes effect at once"
check_has "$(rk --data "$W" status)" "not used: cur/rep (legacy-csv) — pinned with \`reckon prefer\`" "status explains the pin"
rk --data "$W" prefer --clear --period 2025-03 >/dev/null
check_eq "$(total "$W" --from 2025-03 --to 2025-04)" 30 "clearing the pin restores the rule"

# Parquet is recognised and read; a broken file fails with the decoder's
# reason, naming it, and never silently skipped.
PQ=$T/pq
mkdir -p "$PQ/cur/acme/acme/year=2025/month=5" "$PQ/x/exp/data/BILLING_PERIOD=2025-06" "$PQ/cur/acme/cost_and_usage_data_status"
printf 'PAR1fakePAR1' >"$PQ/cur/acme/acme/year=2025/month=5/acme-00001.snappy.parquet"
printf 'PAR1fakePAR1' >"$PQ/cur/acme/cost_and_usage_data_status/cost_and_usage_data_status.parquet"
printf 'PAR1fakePAR1' >"$PQ/x/exp/data/BILLING_PERIOD=2025-06/exp-00001.snappy.parquet"
cur_csv "$PQ/csv/july.csv" $P 2025-07 1.00
out=$(rk --data "$T/wpq" ingest "$PQ"); rc=$?
check_eq "$rc" 1 "broken Parquet makes the ingest exit 1"
check_has "$out" "athena-parquet  2025-05" "Athena Parquet month recognised"
check_has "$out" "cur2-parquet    2025-06" "CUR 2.0 Parquet recognised"
check_has "$out" "failed: file cur/acme/acme/year=2025/month=5/acme-00001.snappy.parquet: Parquet: footer length points outside the file" "the broken file is named with the reason"
check_has "$out" "1 ingested, 0 unchanged, 2 failed" "the CSV period is still ingested"
finish
