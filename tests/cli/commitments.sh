#!/usr/bin/env bash
# `reckon commitments`: the command line around the figures (the figures
# themselves are checked by the golden fixtures and cli/commit-crosscheck):
# usage errors name what is wrong and exit 2; a bucket finer than the CUR is
# refused, naming the period; every report prints as a table, CSV and JSON,
# and the JSON carries the CSV's exact values.
. "$(dirname "$0")/lib.sh"
G=$TESTS/golden

rk --data "$T/ws" ingest "$G/c-03-all-upfront/bucket" >/dev/null || bad "ingest the monthly CUR"

# usage errors
for args in "nosuch" "list --group-by account" "schedule --granularity monthly" "savings --group-by colour" \
  "coverage --filter tag:team=x" "savings --month-to-date --from 2025-01" "waste --from 2025-05 --to 2025-04"; do
  read -r -a a <<<"$args"
  out=$("$RECKON" --data "$T/ws" commitments "${a[@]}" 2>&1); rc=$?
  check_eq "$rc" 2 "commitments $args: exit 2"
  check_has "$out" "reckon:" "commitments $args: says why"
done
out=$("$RECKON" --data "$T/ws" commitments 2>&1); rc=$?
check_eq "$rc" 2 "commitments without a report: exit 2"
check_has "$out" "list, schedule, utilization" "commitments without a report: names the reports"

# a monthly CUR cannot be split by hour or day
for g in hourly daily; do
  out=$("$RECKON" --data "$T/ws" commitments utilization --granularity $g 2>&1); rc=$?
  check_eq "$rc" 2 "utilization --granularity $g on a monthly CUR: refused"
  check_has "$out" "2025-04" "utilization --granularity $g: names the period"
  check_has "$out" "monthly CUR" "utilization --granularity $g: names its granularity"
done
out=$("$RECKON" --data "$T/ws" commitments utilization --granularity hourly --from 2025-06 --to 2025-07 2>&1); rc=$?
check_eq "$rc" 0 "hourly outside the monthly period: allowed"

# every report in every format; JSON values equal the CSV's
for r in list schedule utilization coverage savings esr waste expiring; do
  extra=""
  [ "$r" = expiring ] && extra="--as-of 2026-02-01"
  # shellcheck disable=SC2086
  tbl=$("$RECKON" --data "$T/ws" commitments $r $extra 2>&1); rc=$?
  check_eq "$rc" 0 "$r: table exit 0"
  # shellcheck disable=SC2086
  csv=$("$RECKON" --data "$T/ws" commitments $r $extra --format csv)
  # shellcheck disable=SC2086
  json=$("$RECKON" --data "$T/ws" commitments $r $extra --format json)
  n=$(tail -n +2 <<<"$csv" | grep -c .)
  [ "$n" -gt 0 ] && ok "$r: $n CSV rows" || bad "$r: no rows"
  got=$(/usr/bin/python3 - "$csv" "$json" <<'PY'
import csv, io, json, sys
rows = list(csv.reader(io.StringIO(sys.argv[1])))
doc = json.loads(sys.argv[2])
assert doc["columns"] == rows[0], (doc["columns"], rows[0])
assert len(doc["rows"]) == len(rows) - 1
for jr, cr in zip(doc["rows"], rows[1:]):
    for k, v in zip(rows[0], cr):
        j = jr[k]
        assert (j if j is not None else "") == v, (k, j, v)
print("same")
PY
)
  check_eq "$got" same "$r: JSON carries the CSV's values"
done
finish
