#!/usr/bin/env bash
# Crash safety: `reckon ingest` is killed with SIGKILL at many random moments
# while it replaces three periods. After each kill the catalog must show, for
# every period, the old delivery or the new one (never a mix, never a partial
# period), reports must give one of those two totals, and the next ingest must
# finish the job. Also kills at each step of publishing, deterministically.
. "$(dirname "$0")/lib.sh"
KILLS=${RK_CRASH_KILLS:-30}
P=111122223333

# bucket VERSION AMOUNT: three periods, two gzip parts each, overwrite layout
bucket() {
  local dir=$1 ver=$2 amt=$3 ym r
  for ym in 2025-01 2025-02 2025-03; do
    r=cur/rep/${ym/-/}01-x
    mkdir -p "$dir/$r"
    for part in 1 2; do
      awk -v p=$P -v ym=$ym -v a=$amt -v part=$part 'BEGIN {
        print "identity/LineItemId,identity/TimeInterval,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/ProductCode,lineItem/UsageType,lineItem/ResourceId,lineItem/UnblendedCost,product/servicecode"
        for (i = 0; i < 20000; i++) {
          h = sprintf("%02d", i % 24); d = sprintf("%02d", 1 + int(i / 24) % 28)
          printf "l%d-%d,%s-%sT%s:00:00Z/%s-%sT%s:59:59Z,%s,%s-01T00:00:00Z,%s,Usage,AmazonEC2,BoxUsage:m5.large,i-%d,%s,AmazonEC2\n", part, i, ym, d, h, ym, d, h, p, ym, p, i % 500, a
        }
      }' | gzip -n -1 >"$dir/$r/rep-$part.csv.gz"
    done
    manifest "$dir/$r/rep-Manifest.json" rep "$ver-$ym" "$ym" "$r/rep-1.csv.gz" "$r/rep-2.csv.gz"
  done
}
# The period folders are named like AWS's; fix their names after creation.
mkbucket() { bucket "$1" "$2" "$3"; for d in "$1"/cur/rep/*-x; do local s=${d##*/}; s=${s%-x}; local y=${s:0:4} m=${s:4:2}; local nm; nm=$(date -u -d "$y-$m-01 +1 month" +%Y%m01); mv "$d" "$1/cur/rep/${s}-$nm"; done; }
mkbucket "$T/v1" v1 0.01
mkbucket "$T/v2" v2 0.02
# the manifests name keys with the final folder names
for v in v1 v2; do for m in "$T/$v"/cur/rep/*/rep-Manifest.json; do d=$(dirname "${m#$T/$v/}"); sed -i "s#cur/rep/[0-9]*01-x#$d#g" "$m"; done; done

# One source folder whose contents go from v1 to v2 (cp -a keeps the times,
# so every iteration sees the same new delivery).
use() { rm -rf "$T/bucket"; cp -a "$T/$1" "$T/bucket"; }
use v1
rk --data "$T/base" ingest "$T/bucket" >/dev/null || bad "baseline ingest"
OLD=$(monthly "$T/base")
use v2
rk --data "$T/ref2" ingest "$T/bucket" >/dev/null || bad "reference ingest"
NEW=$(monthly "$T/ref2")
check_eq "$(echo "$OLD" | wc -l)" 3 "three periods"
[ "$OLD" != "$NEW" ] && ok "old and new totals differ" || bad "old and new totals should differ"

start=$(date +%s%N)
cp -a "$T/base" "$T/timing"; rk --data "$T/timing" ingest "$T/bucket" >/dev/null
rm -rf "$T/timing"
dur_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# a full replacement takes ${dur_ms} ms; killing at random points in [0, $((dur_ms * 6 / 5))] ms"

# each period must be exactly old or new
check_state() {
  local ws=$1 label=$2 line ym val o n
  if ! rk --data "$ws" status --format json >/dev/null 2>"$T/err"; then
    [ $? -le 1 ] || { bad "$label: status failed: $(cat "$T/err")"; return; }
  fi
  local now; now=$(monthly "$ws")
  for ym in 2025-01 2025-02 2025-03; do
    val=$(grep "^$ym=" <<<"$now" | cut -d= -f2)
    o=$(grep "^$ym=" <<<"$OLD" | cut -d= -f2); n=$(grep "^$ym=" <<<"$NEW" | cut -d= -f2)
    if [ "$val" != "$o" ] && [ "$val" != "$n" ]; then bad "$label: $ym total $val is neither old $o nor new $n"; return 1; fi
  done
  return 0
}

mixed=0 n_old=0 n_new=0
for i in $(seq 1 "$KILLS"); do
  ws=$T/k$i
  cp -a "$T/base" "$ws"
  delay=$(( RANDOM % (dur_ms * 6 / 5 + 1) ))
  "$RECKON" --quiet --data "$ws" ingest "$T/bucket" >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  if check_state "$ws" "kill $i at ${delay}ms"; then
    now=$(monthly "$ws")
    [ "$now" = "$OLD" ] && n_old=$((n_old + 1))
    [ "$now" = "$NEW" ] && n_new=$((n_new + 1))
    [ "$now" != "$OLD" ] && [ "$now" != "$NEW" ] && mixed=$((mixed + 1))
  fi
  # the next ingest finishes the job and leaves no stray files
  rk --data "$ws" ingest "$T/bucket" >/dev/null || bad "kill $i: the next ingest failed"
  check_eq "$(monthly "$ws")" "$NEW" "kill $i at ${delay}ms: resumed to the new delivery" >/dev/null || true
  [ "$(monthly "$ws")" = "$NEW" ] || bad "kill $i: not resumed"
  segs=$(ls "$ws/segments" | wc -l)
  [ "$segs" -eq 3 ] || bad "kill $i: $segs segment files after recovery (expected 3)"
  rm -rf "$ws"
done
ok "$KILLS random kills: $n_old left all periods old, $n_new all new, $mixed some old and some new (each period whole)"

# deterministic kills at each publishing step
for step in before-rename before-commit after-commit; do
  ws=$T/s-$step
  cp -a "$T/base" "$ws"
  RECKON_CRASH_AT=$step "$RECKON" --quiet --data "$ws" ingest --threads 1 "$T/bucket" >/dev/null 2>&1
  rc=$?
  check_eq "$rc" 137 "killed $step"
  check_state "$ws" "killed $step" && ok "killed $step: every period old or new"
  rk --data "$ws" ingest "$T/bucket" >/dev/null
  check_eq "$(monthly "$ws")" "$NEW" "after $step: next ingest completes"
  check_eq "$(ls "$ws/segments" | wc -l)" 3 "after $step: orphaned files removed"
done

# readers during a replacement never see a mixed period
ws=$T/readers
cp -a "$T/base" "$ws"
"$RECKON" --quiet --data "$ws" ingest "$T/bucket" >/dev/null 2>&1 &
pid=$!
reads=0 mixes=0
while kill -0 $pid 2>/dev/null; do
  check_state "$ws" "reader" >/dev/null || mixes=$((mixes + 1))
  reads=$((reads + 1))
done
wait $pid
check_eq "$mixes" 0 "$reads reports during an ingest: none saw a partial period"
finish
