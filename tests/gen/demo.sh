#!/usr/bin/env bash
# gen/demo: `reckon demo` generates, ingests and summarizes the demo
# organization into a fresh workspace; a second run reuses the files.
set -euo pipefail
R=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$R" --data "$T/ws" demo > "$T/out1" || { cat "$T/out1"; fail "first demo run exited non-zero"; }
cat "$T/out1"
for want in "generated 3 months of hourly CUR for 8 accounts" "ingested 3 periods" "^Months  *3 " \
            "^Accounts  *8," "Reserved Instances" "Savings Plans" "Top services" "AmazonEC2" "^Next:" "report cost"; do
  grep -q -- "$want" "$T/out1" || fail "the summary lacks \"$want\""
done
grep -Eq "^Commitments +[1-9][0-9]* Reserved Instances, [1-9][0-9]* Savings Plans" "$T/out1" || fail "no RI/SP counts"
[ -f "$T/ws/demo-bucket.stamp" ] || fail "no stamp file"
grep -q "ready payer=" "$T/ws/demo-bucket.stamp" || fail "the stamp is not marked ready"
before=$(find "$T/ws/demo-bucket" -type f -printf '%p %s %T@\n' | sort)

start=$(date +%s%N)
"$R" --data "$T/ws" demo > "$T/out2" || fail "second demo run exited non-zero"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q "using the demo CUR generated earlier" "$T/out2" || fail "the second run generated again"
grep -q "3 unchanged" "$T/out2" || fail "the second run re-ingested"
after=$(find "$T/ws/demo-bucket" -type f -printf '%p %s %T@\n' | sort)
[ "$before" == "$after" ] || fail "the second run rewrote files"
[ "$ms" -lt 20000 ] || fail "the second run took $ms ms"
# The same figures both times.
diff <(sed -n '/^Months/,$p' "$T/out1") <(sed -n '/^Months/,$p' "$T/out2") || fail "the summaries differ"
echo "ok: second run in $ms ms, nothing regenerated"
echo "1 passed, 0 failed"
