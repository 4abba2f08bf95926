#!/usr/bin/env bash
# Malformed Parquet files (tests/parquet/malformed, made by make-malformed.mjs):
#   malformed.sh RECKON PQDUMP
# For each case in malformed/expect.txt:
#  (a) pqdump exits non-zero with the expected error, naming the column and the
#      row group where the case has them, and no sanitizer report;
#  (b) end to end: the file as an Athena-integration month (cur/r/r/year=2025/
#      month=1/bad.parquet) next to a good CSV month (2025-02): `reckon ingest`
#      exits 1 and names the file, the reason, the column and the row group;
#      the summary counts one failure; February is ingested; January has no
#      cost at all (nothing of the broken file was ingested).
# The valid bases are the control: pqdump reads them and January ingests with
# the total DuckDB computed when it wrote them (malformed/valid.total).
. "$(dirname "$0")/../cli/lib.sh"
PQDUMP=$(realpath "$2")
M=$TESTS/parquet/malformed
P=111122223333
KEY=cur/r/r/year=2025/month=1/bad.parquet
sanitizer() { grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' <<<"$1"; }
clean() { if sanitizer "$1"; then bad "$2: sanitizer report:"$'\n'"$(head -c 3000 <<<"$1")"; else ok "$2: no sanitizer report"; fi; }
# bucket NAME FILE: a bucket with FILE as January's Athena month and a CSV February
bucket() {
  local b=$T/bucket-$1
  mkdir -p "$b/${KEY%/*}"
  cp "$2" "$b/$KEY"
  cur_csv "$b/csv/feb.csv" $P 2025-02 1.00 2.50
  echo "$b"
}
jan_rows() { "$RECKON" --quiet --data "$1" report cost --from 2025-01 --to 2025-02 --format csv | tail -n +2 | grep -c .; }

# ---- control ----
for v in valid valid-gzip valid-zstd; do
  out=$("$PQDUMP" "$M/$v.parquet" 2>"$T/err"); rc=$?
  check_eq "$rc" 0 "control $v: pqdump reads it"
  check_eq "$(wc -l <<<"$out")" 80 "control $v: 80 rows"
  clean "$(cat "$T/err")" "control $v"
done
B=$(bucket valid "$M/valid.parquet")
out=$("$RECKON" --data "$T/ws-valid" ingest "$B" 2>&1); rc=$?
check_eq "$rc" 0 "control: the valid month ingests"
check_has "$out" "2 ingested, 0 unchanged, 0 failed" "control: both months ingested"
check_eq "$(total "$T/ws-valid" --from 2025-01 --to 2025-02)" "$(cat "$M/valid.total")" "control: January's total is DuckDB's"
check_eq "$(total "$T/ws-valid" --from 2025-02 --to 2025-03)" 3.5 "control: February's total"

# ---- the malformed files ----
n=0
while IFS=$'\t' read -r name text col rg pqtext; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  n=$((n + 1))
  f=$M/$name.parquet
  [ -f "$f" ] || { bad "$name: $f is missing"; continue; }
  # (a) pqdump
  err=$("$PQDUMP" "$f" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]; then ok "$name: pqdump fails (exit $rc)"; else bad "$name: pqdump exit $rc (expected a clean failure): $(head -c 500 <<<"$err")"; fi
  clean "$err" "$name: pqdump"
  check_has "$err" "${pqtext:-$text}" "$name: pqdump says why"
  if [ "$col" != - ] && [ -z "$pqtext" ]; then
    check_has "$err" "column $col" "$name: pqdump names the column"
    check_has "$err" "row group $rg" "$name: pqdump names the row group"
  fi
  # (b) reckon ingest
  B=$(bucket "$name" "$f")
  W=$T/ws-$name
  out=$("$RECKON" --data "$W" ingest "$B" 2>&1); rc=$?
  check_eq "$rc" 1 "$name: ingest exits 1"
  clean "$out" "$name: ingest"
  check_has "$out" "failed: file $KEY: " "$name: ingest names the file"
  check_has "$out" "$text" "$name: ingest says why"
  if [ "$col" != - ]; then
    check_has "$out" "column $col" "$name: ingest names the column"
    check_has "$out" "row group $rg" "$name: ingest names the row group"
  fi
  check_has "$out" "1 ingested, 0 unchanged, 1 failed" "$name: one period failed, the other ingested"
  check_eq "$(jan_rows "$W")" 0 "$name: nothing ingested for January"
  check_eq "$(total "$W" --from 2025-02 --to 2025-03)" 3.5 "$name: February ingested"
done <"$M/expect.txt"
check_eq "$((n >= 20))" 1 "expect.txt lists the cases ($n)"
finish
