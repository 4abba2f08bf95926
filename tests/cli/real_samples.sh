#!/usr/bin/env bash
# The public CUR samples (tests/fixtures/real-cur, see its PROVENANCE.md):
# koku's layout tarballs, keboola's CUR 1.0 / 2.0 mock trees, the anonymised
# real legacy CSV from focus_converters, and koku's malformed CSVs. Totals are
# cross-checked against DuckDB computing the same formulas over the same files.
. "$(dirname "$0")/lib.sh"
F=$TESTS/fixtures/real-cur
B=$T/bucket W=$T/ws
mkdir -p "$B/history" "$B/athena-named"
tar xzf "$F/koku/test_local_bucket.tar.gz" -C "$B"
tar xzf "$F/koku/test_local_bucket_prefix.tar.gz" -C "$B"
cp -r "$F/keboola/cur1/mock-cur-bucket" "$F/keboola/cur2/mock-cur-v2-bucket" "$B/"
cp "$F/focus_converters/sample-anonymous-aws-export-dataset.csv" "$B/history/"
cp "$F/koku/2022-07-01-alt-columns.csv" "$B/athena-named/"
out=$(rk --data "$W" ingest "$B" --format json); rc=$?
check_eq "$rc" 0 "all samples ingest"
check_has "$out" '"ingested":6,"unchanged":0,"failed":0' "six deliveries"
# keboola publishes the expected cost sums of its mock files
check_eq "$(total "$W" --from 2024-01 --to 2024-02)" 0.045152 "keboola CUR 1.0 (zip, manifest at the bucket root) = 0.045152"
check_eq "$(total "$W" --from 2024-09 --to 2024-10)" 0.108304 "keboola CUR 2.0 = 0.108304"
# PROVENANCE.md: focus_converters sample sums to 1.682309 (rounded) over 1,281 rows
check_eq "$(total "$W" --from 2023-11 --to 2023-12)" 1.6823086974 "focus_converters real sample total"
st=$(rk --data "$W" status --format json)
check_has "$st" '"period":"2023-11","payer":"123412340534"' "focus_converters payer and period"
check_has "$st" '"rows":1281' "1,281 rows"
check_has "$st" '"delivery_id":"16e57707-f9e3-49be-8be6-b84e684b5194"' "koku: the assembly named by the period manifest"
rows=$(rk --data "$W" report cost --from 2023-11 --to 2023-12 --group-by line-item-type --format csv)
check_has "$rows" $'Usage,1.6023086974,USD\nTax,0.08,USD' "focus_converters by line item type (Tax rows sum to 0.08)"

# DuckDB, independently, over the same files (zip extracted: DuckDB reads no zip)
mkdir -p "$T/x" && (cd "$T/x" && unzip -qo "$B/mock-cur-bucket/20240101-20240131/MockTestReport-00001.csv.zip")
node "$TESTS/node/crosscheck.mjs" "$RECKON" "$W" \
  "$B/history/sample-anonymous-aws-export-dataset.csv" \
  "$B/athena-named/2022-07-01-alt-columns.csv" \
  "$B"/koku-local/20180801-20180901/16e57707-*/koku-local-1.csv.gz \
  "$B"/my-prefix/my-report/20180801-20180901/861af42f-*/my-report-1.csv.gz \
  "$T/x/sample_billing_data.csv" \
  "$B/mock-cur-v2-bucket/data/BILLING_PERIOD=2024-09/MockTestReportV2-00001.csv.gz" \
  && ok "DuckDB computes the same figures for every payer and month" || bad "DuckDB cross-check"

# koku's malformed files: fused header cells; the error names the cell.
mkdir -p "$T/bad/a" "$T/bad/b"
cp "$F/koku/2023-06-01.csv" "$T/bad/a/"; cp "$F/koku/test_cur.csv.gz" "$T/bad/b/"
out=$(rk --data "$T/wbad" ingest "$T/bad"); rc=$?
check_eq "$rc" 1 "koku malformed files: exit 1"
check_has "$out" 'file b/test_cur.csv.gz: line 2 has 130 fields but the header has 131; header cell 119 "pricing/OfferingClasspricing/PurchaseOption" looks like two column names fused' "test_cur.csv.gz: rows do not match the fused header: error naming file, line and cell"
check_has "$out" 'ingested: file a/2023-06-01.csv: header cell 37 "pricing/OfferingClasspricing/PurchaseOption" looks like two column names fused by a missing comma; the rows match the header' "2023-06-01.csv: rows match the header: ingested with a warning naming the cell"
finish
