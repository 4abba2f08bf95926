#!/usr/bin/env bash
# Faults between reckon and S3, injected by the front:
#   - a connection dropped mid-object, 500s, 503 SlowDown, a server that
#     stalls mid-object (no byte for longer than reckon's stall timeout) and
#     one that never answers: the ingest retries, resumes the object with a
#     Range from the next byte (If-Match on the listed ETag), and its report
#     equals the local ingest's;
#   - a run that ultimately fails (an object that always answers 500):
#     exit status 1 and the failed period keeps its previous delivery; a
#     listing that always fails: exit status 3 and nothing changed; the next
#     run without faults loads the new deliveries;
#   - temporary credentials that expire during a long read are renewed
#     before they expire, once for all four threads, and no request is
#     refused for an expired token.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"
S3TOOL=${2:-$(dirname "$RECKON")/tests/s3tool}
[ -x "$S3TOOL" ] || S3TOOL=$(dirname "$RECKON")/s3tool
front_start
# Short timeouts keep the test fast; the defaults are 30 s, 8 attempts, 120 s.
export RECKON_AWS_STALL_SECONDS=2 RECKON_AWS_BACKOFF_MS=50 RECKON_AWS_MAX_ATTEMPTS=5 RECKON_AWS_RETRY_SECONDS=20

rk generate "$T/v1" --scale 0.05 --months 2 >/dev/null
rk generate "$T/v2" --scale 0.05 --months 2 --seed 2 >/dev/null
aws_ s3 cp --recursive --only-show-errors "$T/v1" s3://demo/ || bad "upload v1"
rk --data "$T/local1" ingest "$T/v1" >/dev/null
rk --data "$T/local2" ingest "$T/v2" >/dev/null
WANT1=$(monthly "$T/local1")
WANT2=$(monthly "$T/local2")
[ "$WANT1" != "$WANT2" ] && ok "the two versions differ" || bad "v1 and v2 should differ"
S3="s3://demo/cur"

# runs one ingest with FAULTS into a fresh workspace; checks it equals v1
faulty() { # NAME FAULTS
  front_ctl reset
  front_ctl faults "$2"
  local t0 out rc
  t0=$(date +%s%N)
  out=$("$RECKON" --quiet --data "$T/w-$1" ingest "$S3" --endpoint-url "$EP" 2>&1)
  rc=$?
  ELAPSED=$((($(date +%s%N) - t0) / 1000000))
  check_eq "$rc" 0 "$1: the ingest succeeds"
  check_eq "$(monthly "$T/w-$1")" "$WANT1" "$1: its totals equal the local ingest's"
  check_eq "$(log_eval 'l.filter(e=>e.fault).length>0')" true "$1: the fault was injected"
  LAST_OUT=$out
}

faulty drop '[{"method":"GET","key":".csv.gz","action":"drop","after":300000,"times":2}]'
resumed=$(log_eval 'l.filter(e=>e.method==="GET"&&/\.csv\.gz$/.test(e.path)&&e.range==="bytes=300000-"&&e.ifMatch&&e.status===206).length')
check_eq "$resumed" 2 "drop: both objects were resumed at byte 300000 with If-Match"
check_has "$LAST_OUT" "2 resumed mid-object" "drop: the summary counts the resumes"

faulty 5xx '[{"list":true,"action":"status","status":500,"times":1},
  {"method":"GET","key":"Manifest.json","action":"status","status":503,"code":"SlowDown","message":"Please reduce your request rate.","times":2},
  {"method":"HEAD","action":"status","status":500,"times":1},
  {"method":"GET","key":".csv.gz","action":"status","status":502,"times":1}]'
check_eq "$(log_eval 'l.filter(e=>e.status>=500).length')" 5 "5xx: five refusals (500, 503 SlowDown x2, 500, 502) were retried"
check_eq "$(log_eval 'l.filter(e=>e.method==="GET"&&/\.csv\.gz$/.test(e.path)&&e.status===200).length')" 2 \
  "5xx: each data file was then read whole"

faulty stall '[{"method":"GET","key":".csv.gz","action":"stall","after":500000,"seconds":8,"times":1}]'
check_eq "$(log_eval 'l.filter(e=>e.range==="bytes=500000-"&&e.status===206).length')" 1 \
  "stall: the stalled object was resumed at byte 500000"
[ "$ELAPSED" -lt 7000 ] && ok "stall: detected after the 2 s stall timeout (run took $ELAPSED ms, the stall lasted 8 s)" ||
  bad "stall: the run took $ELAPSED ms"

faulty hang '[{"method":"GET","key":"Manifest.json","action":"hang","seconds":8,"times":1}]'
[ "$ELAPSED" -lt 7000 ] && ok "hang: a request without an answer is given up after the stall timeout ($ELAPSED ms)" ||
  bad "hang: the run took $ELAPSED ms"

# s3tool streams one object through four drops
head -c 5000000 /dev/urandom >"$T/five.bin"
aws_ s3 cp --only-show-errors "$T/five.bin" s3://other/five.bin || bad "upload five.bin"
front_ctl reset
front_ctl faults '[{"method":"GET","key":"five","action":"drop","after":1000000,"times":4}]'
"$S3TOOL" --endpoint-url "$EP" get s3://other/five.bin >"$T/got" 2>"$T/stats"
cmp -s "$T/got" "$T/five.bin" && ok "a stream broken four times arrives intact" || bad "stream content differs"
check_has "$(cat "$T/stats")" "resumes=4" "and was resumed four times"
check_eq "$(log_eval 'l.filter(e=>e.range).map(e=>e.range).join(" ")')" \
  "bytes=1000000- bytes=2000000- bytes=3000000- bytes=4000000-" "each resume starts where the last one broke"

# an object rewritten between a break and the resume: If-Match refuses the
# resume, and the ingest fails that period instead of mixing two versions
front_ctl reset
front_ctl faults '[{"method":"GET","key":"five","action":"drop","after":1000000,"times":1,"overwrite":"a new delivery"}]'
out=$("$S3TOOL" --endpoint-url "$EP" get s3://other/five.bin 2>&1 >/dev/null)
check_has "$out" "s3://other/five.bin changed since it was listed (its ETag is no longer the listed one)" \
  "a resume after the object changed is refused (412 on If-Match)"
check_eq "$(log_eval 'l.map(e=>e.status).join(" ")')" "200 412" "the resume asked If-Match and got 412, not the new bytes"
aws_ s3 cp --only-show-errors "$T/five.bin" s3://other/five.bin

# a ranged read (how Parquet is read) broken twice is resumed for the rest of its range
front_ctl reset
front_ctl faults '[{"method":"GET","key":"five","action":"drop","after":700000,"times":2}]'
"$S3TOOL" --endpoint-url "$EP" range s3://other/five.bin 1234 3000000 >"$T/got" 2>"$T/stats"
tail -c +1235 "$T/five.bin" >"$T/tail" && head -c 3000000 "$T/tail" >"$T/want"
cmp -s "$T/want" "$T/got" && ok "a ranged read broken twice returns the right bytes" ||
  bad "ranged read content differs"
check_eq "$(log_eval 'l.filter(e=>e.range).map(e=>e.range).join(" ")')" \
  "bytes=1234-3001233 bytes=701234-3001233 bytes=1401234-3001233" "each retry asks for the rest of the range"

# a run that ultimately fails leaves every period at its previous delivery
rk --data "$T/w" ingest "$S3" --endpoint-url "$EP" >/dev/null || bad "baseline ingest"
aws_ s3 cp --recursive --only-show-errors "$T/v2" s3://demo/ || bad "upload v2"
bad_key=$(cd "$T/v2" && find . -name '*.csv.gz' | sort | head -1 | sed 's#^\./##')
bad_month=$(basename "$(dirname "$bad_key")" | sed -E 's/^([0-9]{4})([0-9]{2}).*/\1-\2/')
front_ctl reset
front_ctl faults "[{\"method\":\"GET\",\"key\":\"$bad_key\",\"action\":\"status\",\"status\":500,\"times\":-1}]"
out=$("$RECKON" --quiet --data "$T/w" ingest "$S3" --endpoint-url "$EP" 2>&1)
check_eq "$?" 1 "an object that always fails: exit status 1"
check_has "$out" "gave up after 5 attempts" "the error says the retries were spent"
check_has "$out" "HTTP 500" "and names the last answer"
now=$(monthly "$T/w")
for ym in $(cut -d= -f1 <<<"$WANT1"); do
  got=$(grep "^$ym=" <<<"$now"); w1=$(grep "^$ym=" <<<"$WANT1"); w2=$(grep "^$ym=" <<<"$WANT2")
  if [ "$ym" = "$bad_month" ]; then check_eq "$got" "$w1" "$ym (its object failed) keeps its previous delivery"
  else check_eq "$got" "$w2" "$ym (read whole) has its new delivery"; fi
done
before=$(monthly "$T/w")
front_ctl faults '[{"list":true,"action":"status","status":503,"code":"SlowDown","times":-1}]'
out=$("$RECKON" --quiet --data "$T/w" ingest "$S3" --endpoint-url "$EP" 2>&1)
check_eq "$?" 3 "a listing that always fails: exit status 3"
check_has "$out" "SlowDown" "and the error names S3's answer"
check_eq "$(monthly "$T/w")" "$before" "and nothing changed"
front_ctl reset
"$RECKON" --quiet --data "$T/w" ingest "$S3" --endpoint-url "$EP" >/dev/null
check_eq "$(monthly "$T/w")" "$WANT2" "the next run without faults loads the new deliveries"

# temporary credentials renewed under four threads, by one of them for all
front_ctl reset
front_ctl sts '{"lifetime": 2}'
front_ctl faults '[{"service":"s3","method":"HEAD","action":"delay","seconds":0.25,"times":-1}]'
t0=$(date +%s%N)
out=$(RECKON_AWS_REFRESH_SECONDS=1 "$S3TOOL" --endpoint-url "$EP" --role-arn "$ROLE_ARN" --external-id "$EXTERNAL_ID" \
  heads s3://other/five.bin 4 14 2>"$T/stats")
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "$out" 56 "56 HEADs from four threads all succeeded while their credentials (2 s) kept expiring"
assumes=$(log_eval 'l.filter(e=>e.action==="AssumeRole"&&e.status===200).length')
[ "$assumes" -ge 3 ] && [ "$assumes" -le $((ms / 900 + 2)) ] &&
  ok "the credentials were renewed $((assumes - 1)) times in $ms ms (every ~1 s, not per thread or request)" ||
  bad "renewals: $assumes AssumeRole in $ms ms"
check_eq "$(log_eval 'l.filter(e=>e.status>=400).length')" 0 "no request was refused (no ExpiredToken)"
akids=$(log_eval 'new Set(l.filter(e=>e.service==="s3").map(e=>e.akid)).size')
check_eq "$akids" "$assumes" "S3 requests used each issued credential in turn"
check_eq "$(log_eval 'l.filter(e=>e.service==="s3").every(e=>e.akid.startsWith("ASIA"))')" true \
  "every S3 request was signed with the role's credentials"
finish
