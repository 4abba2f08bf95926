#!/usr/bin/env bash
# Bad input gets a clear error naming the file, line and column; that period is
# not ingested and keeps its previous delivery; the other periods still load;
# the command prints a summary and exits 1.
. "$(dirname "$0")/lib.sh"
P=111122223333

# bad_case NAME EXPECTED-MESSAGE MAKE-BAD-COMMAND...
# The bucket holds report "data" (period 2025-01, good first, then made bad by
# the command) and report "other" (2025-02, always good, changed each time).
n=0
bad_case() {
  local name=$1 want=$2; shift 2
  n=$((n + 1))
  local B=$T/b$n W=$T/w$n
  cur_csv "$B/data/jan.csv" $P 2025-01 1.00 2.00
  cur_csv "$B/other/feb.csv" $P 2025-02 10.00
  rk --data "$W" ingest "$B" >/dev/null || { bad "$name: setup ingest failed"; return; }
  "$@" "$B/data" || { bad "$name: could not make the bad file"; return; }
  cur_csv "$B/other/feb.csv" $P 2025-02 20.00
  local out rc
  out=$(rk --data "$W" ingest "$B" 2>&1); rc=$?
  check_eq "$rc" 1 "$name: exit status 1"
  check_has "$out" "$want" "$name: names the place"
  check_has "$out" "1 ingested, 0 unchanged, 1 failed" "$name: summary counts the failure"
  check_eq "$(total "$W" --from 2025-01 --to 2025-02)" 3 "$name: the period keeps its previous delivery"
  check_eq "$(total "$W" --from 2025-02 --to 2025-03)" 20 "$name: the other period is still ingested"
  local st; st=$(rk --data "$W" status)
  check_has "$st" "the previous delivery of this period is still used" "$name: status shows the problem"
}

truncate_gz() { gzip -n "$1/jan.csv"; local s; s=$(stat -c %s "$1/jan.csv.gz"); head -c $((s - 10)) "$1/jan.csv.gz" >"$1/x"; mv "$1/x" "$1/jan.csv.gz"; }
bad_case "truncated gzip" "file data/jan.csv.gz: gzip data is truncated" truncate_gz

ragged() { cur_csv "$1/jan.csv" $P 2025-01 1.00 2.00 4.00; sed -i '3s/$/,extra/' "$1/jan.csv"; }
bad_case "ragged row" "file data/jan.csv: line 3 has 22 fields but the header has 21" ragged

fused() { cp "$TESTS/fixtures/real-cur/koku/test_cur.csv" "$1/jan.csv"; }
bad_case "fused header cell (koku)" 'file data/jan.csv: line 2 has 130 fields but the header has 131; header cell 119 "pricing/OfferingClasspricing/PurchaseOption" looks like two column names fused by a missing comma' fused

nonnum() { cur_csv "$1/jan.csv" $P 2025-01 1.00 abc; }
bad_case "non-numeric cost" 'file data/jan.csv: line 3, column 18 (lineItem/UnblendedCost): "abc" is not a number' nonnum

badutf() { cur_csv "$1/jan.csv" $P 2025-01 1.00 2.00; sed -i '3s/On Demand/On D\xffmand/' "$1/jan.csv"; }
bad_case "invalid UTF-8" "file data/jan.csv: line 3, column 20: text is not valid UTF-8" badutf

bigfield() {
  cur_csv "$1/jan.csv" $P 2025-01 1.00
  { head -c 0 /dev/null; printf 'li9,2025-01-01T01:00:00Z/2025-01-01T02:00:00Z,Anniversary,%s,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z,%s,Usage,2025-01-01T01:00:00Z,2025-01-01T02:00:00Z,AmazonEC2,BoxUsage,Run,us-east-1a,i-9,1,USD,1,1,"' $P $P
    head -c $((50 * 1024 * 1024)) /dev/zero | tr '\0' 'x'; printf '",AmazonEC2\n'; } >>"$1/jan.csv"
}
bad_case "50 MB field" "file data/jan.csv: line 3, column 20: field is longer than" bigfield

badtime() { cur_csv "$1/jan.csv" $P 2025-01 1.00 2.00; sed -i '3s/,2025-01-01T01:00:00Z,2025-01-01T01:59:59Z,/,yesterday,2025-01-01T01:59:59Z,/' "$1/jan.csv"; }
bad_case "bad timestamp" 'line 3, column 9 (lineItem/UsageStartDate): "yesterday" is not a timestamp' badtime

badzip() { (cd "$1" && zip -q -X jan.csv.zip jan.csv && rm jan.csv); local s; s=$(stat -c %s "$1/jan.csv.zip"); printf '\x00\x00\x00' | dd of="$1/jan.csv.zip" bs=1 seek=$((s / 2)) conv=notrunc status=none; }
bad_case "corrupt zip member" "file data/jan.csv.zip" badzip

notgzip() { mv "$1/jan.csv" "$1/jan.csv.gz"; }
bad_case "plain text named .gz" "file data/jan.csv.gz: the name says compressed but the content is not gzip" notgzip

# Manifest problems name the manifest and the key.
B=$T/m W=$T/wm
R=cur/rep/20250301-20250401
cur_csv "$B/$R/rep-1.csv" $P 2025-03 1.00
manifest "$B/$R/rep-Manifest.json" rep a1 2025-03 "$R/rep-1.csv" "$R/rep-2.csv"
cur_csv "$B/good/apr.csv" $P 2025-04 4.00
out=$(rk --data "$W" ingest "$B"); rc=$?
check_eq "$rc" 1 "missing part: exit 1"
check_has "$out" "manifest $R/rep-Manifest.json lists $R/rep-2.csv, which is not in the folder" "missing part: names manifest and key"
check_eq "$(total "$W")" 4 "missing part: nothing of that period is ingested"
echo '{"assemblyId": "a2", "reportKeys": [' >"$B/$R/rep-Manifest.json"
out=$(rk --data "$W" ingest "$B"); rc=$?
check_has "$out" "manifest $R/rep-Manifest.json: manifest is not valid JSON (line 2, column 0" "broken manifest: names it and the JSON position"

# A usage error is exit 2; a missing workspace for a report is explained.
out=$(rk --data "$T/none" report cost 2>&1); rc=$?
check_eq "$rc" 2 "report without a workspace: exit 2"
check_has "$out" "no reckon workspace at $T/none" "report without a workspace: says so"
out=$(rk --data "$W" ingest "$T/does-not-exist" 2>&1); rc=$?
check_eq "$rc" 2 "ingest of a missing folder: exit 2"
finish
