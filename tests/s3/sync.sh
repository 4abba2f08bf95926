#!/usr/bin/env bash
# `reckon sync` against s3rver behind the verifying front, with a real SMTP
# server (aiosmtpd, STARTTLS + AUTH) for the emails:
#   - a first sync of a connection equals a local ingest of the same files
#     (report cost byte for byte), and sends one "dashboards are ready"
#     email, in text and HTML, to the connection's recipients;
#   - a re-sync downloads no data file and sends no email;
#   - a new delivery of one period replaces only that period (only its
#     objects are fetched);
#   - a wrong secret, or a role whose ExternalId no longer matches: a clear
#     error, exit 1, the data as it was, one failure email (not repeated by
#     the next identical failure); fixed, the next sync goes on;
#   - a period whose objects keep failing: the sync retries it, gives up, the
#     period keeps its previous delivery, the failure is emailed; the next
#     sync without the fault resumes;
#   - a sync killed midway leaves every period at its previous delivery and
#     the next one finishes the work;
#   - --watch keeps syncing and stops on SIGTERM;
#   - no secret in any output or email.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"
front_start
ALL="$T/all-output"
: >"$ALL"
rkx() { "$RECKON" --quiet "$@" 2>&1 | tee -a "$ALL"; return "${PIPESTATUS[0]}"; }
W="$T/ws"
export RECKON_SYNC_PAUSE_MS=50

# --- the SMTP server ---
SMTP_PASSWORD='smtp-Pa55word-not-for-output'
/usr/bin/python3 "$TESTS/notify/smtp_serve.py" "$T/smtp" "$SMTP_PASSWORD" >"$T/smtp.out" 2>&1 &
SMTP_PID=$!
trap 'kill $FRONT_PID $SMTP_PID 2>/dev/null; wait $FRONT_PID $SMTP_PID 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 100); do [ -s "$T/smtp/ready.json" ] && break; sleep 0.1; done
[ -s "$T/smtp/ready.json" ] || { echo "FAIL - the SMTP server did not start:"; cat "$T/smtp.out"; exit 1; }
jget() { /usr/bin/python3 -c "import json,sys;print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
SMTP_URL=$(jget "$T/smtp/ready.json" url)
SMTP_CA=$(jget "$T/smtp/ready.json" cafile)
MAILDIR=$(jget "$T/smtp/ready.json" messages)
mails() { find "$MAILDIR" -name '*.eml' | wc -l; }
# mail_part N text|html: the decoded part of message N (Python's own MIME parser).
mail_part() {
  /usr/bin/python3 - "$MAILDIR/$(printf %03d "$1").eml" "$2" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
if sys.argv[2] == "subject":
    print(m["Subject"]); print("To: " + str(m["To"]))
else:
    part = m.get_body(preferencelist=("plain",) if sys.argv[2] == "text" else ("html",))
    print(part.get_content() if part else "")
PY
}
export RECKON_SMTP_PASSWORD=$SMTP_PASSWORD
rk --data "$W" config set smtp.url "$SMTP_URL" >/dev/null || bad "config smtp.url"
rk --data "$W" config set smtp.user reckon@example.com >/dev/null || bad "config smtp.user"
rk --data "$W" config set smtp.cafile "$SMTP_CA" >/dev/null || bad "config smtp.cafile"
rk --data "$W" config set smtp.from reports@example.com >/dev/null || bad "config smtp.from"

# --- the bucket: two months of the demo organization, Athena Parquet ---
rk generate "$T/b" --scale 0.05 --months 2 --end 2025-02 --format athena-parquet >/dev/null || bad "generate"
out=$(aws_ s3 cp --recursive --only-show-errors "$T/b" s3://demo/ 2>&1) && ok "awscli uploaded the demo bucket" ||
  bad "upload: $out"
rk --data "$T/local" ingest "$T/b/cur" >/dev/null || bad "local ingest"

out=$(rkx --data "$W" connect aws --name acme --bucket demo --prefix cur --role-arn "$ROLE_ARN" \
  --external-id "$EXTERNAL_ID" --endpoint-url "$EP" --email ops@example.com --email "Fin Ops <fin@example.com>" </dev/null)
check_eq "$?" 0 "connect aws saves the connection (every check passes)"

# --- first sync ---
front_ctl reset
out=$(rkx --data "$W" sync acme --format json)
check_eq "$?" 0 "the first sync exits 0"
jq_() { node -e "const o=JSON.parse(require('fs').readFileSync(0,'utf8')).connections[0];console.log($1)" <<<"$out"; }
check_eq "$(jq_ 'o.status+" "+o.ingested+" "+o.failed')" "ok 2 0" "the first sync loads both periods"
check_eq "$(jq_ 'o.first_ready+" "+o.ready_email')" "true sent" "it completes the first full processing and emails it"
rk --data "$T/local" report cost --format csv >"$T/local.csv"
rk --data "$W" report cost --format csv >"$T/sync.csv"
rk --data "$T/local" report cost --granularity monthly --group-by service,account --format csv >"$T/local.m.csv"
rk --data "$W" report cost --granularity monthly --group-by service,account --format csv >"$T/sync.m.csv"
if cmp -s "$T/local.csv" "$T/sync.csv" && cmp -s "$T/local.m.csv" "$T/sync.m.csv" && [ "$(wc -l <"$T/sync.m.csv")" -gt 10 ]; then
  ok "the synced data equals a local ingest of the same files ($(sed -n 2p "$T/sync.csv" | cut -d, -f1))"
else
  bad "sync and local ingest differ: $(diff "$T/local.m.csv" "$T/sync.m.csv" | head -5)"
fi
check_eq "$(mails)" 1 "one email was delivered"
subj=$(mail_part 1 subject)
check_has "$subj" "your dashboards are ready" "its subject says the dashboards are ready"
check_has "$subj" "acme" "its subject names the connection"
check_has "$subj" "ops@example.com" "it goes to the first recipient"
check_has "$subj" "fin@example.com" "and to the second"
text=$(mail_part 1 text)
html=$(mail_part 1 html)
check_has "$text" "2025-01" "the text part lists the first period"
check_has "$text" "2025-02" "and the second"
check_has "$html" "<h2>Your reckon dashboards are ready</h2>" "there is an HTML part with the same content"
# the month's spend in the email is the report's, to the cent
jan=$(rk --data "$W" report cost --granularity monthly --format csv | awk -F, '$1 ~ /^2025-01/ {print $2}')
jan_c=$(/usr/bin/python3 -c "from decimal import Decimal,ROUND_HALF_EVEN as H;print('{:,}'.format(Decimal('$jan').quantize(Decimal('0.01'),H)))")
check_has "$text" "$jan_c" "the email's January spend is the report's ($jan_c)"

# --- a re-sync is a no-op ---
front_ctl reset
out=$(rkx --data "$W" sync acme --format json)
check_eq "$?" 0 "a re-sync exits 0"
check_eq "$(jq_ 'o.ingested+" "+o.unchanged')" "0 2" "a re-sync finds both periods unchanged"
check_eq "$(log_eval 'l.filter(e=>e.method==="GET"&&/\.parquet$/.test(e.path)&&!/cost_and_usage_data_status/.test(e.path)).length')" 0 \
  "a re-sync downloads no data file (only the Athena status file is read)"
check_eq "$(mails)" 1 "and sends no second ready email"

# --- a historical CSV dropped into the bucket is processed too ---
cur_csv "$T/b/cur/history/2024-12 export.csv" 111122223333 2024-12 10.25 0.75
out=$(aws_ s3 cp --only-show-errors "$T/b/cur/history/2024-12 export.csv" "s3://demo/cur/history/2024-12 export.csv" 2>&1) ||
  bad "upload the CSV: $out"
out=$(rkx --data "$W" sync acme --format json)
check_eq "$?" 0 "the sync after a CSV was dropped in exits 0"
check_eq "$(jq_ 'o.periods.map(p=>p.period+"="+p.status).sort().join(" ")')" \
  "2024-12=ingested 2025-01=unchanged 2025-02=unchanged" "the dropped CSV's period is loaded, the others untouched"
check_eq "$(rk --data "$W" report cost --from 2024-12-01 --to 2025-01-01 --format csv | sed -n 2p | cut -d, -f1)" "11" \
  "its rows add up (10.25 + 0.75)"
rm -rf "$T/local" && rk --data "$T/local" ingest "$T/b/cur" >/dev/null || bad "local ingest with the CSV"

# --- a new delivery of one period ---
rk generate "$T/b2" --scale 0.05 --months 2 --end 2025-02 --seed 7 --format athena-parquet >/dev/null || bad "generate b2"
feb="cur/acme-hourly/acme-hourly/year=2025/month=2"
[ -d "$T/b2/$feb" ] || bad "the generated February folder is where this test expects it: $(cd "$T/b2" && find . -name '*.parquet' | head -3)"
rm -rf "${T:?}/b/$feb" && cp -r "$T/b2/$feb" "$T/b/$feb"
aws_ s3 rm --recursive --only-show-errors "s3://demo/$feb/" >/dev/null 2>&1
out=$(aws_ s3 cp --recursive --only-show-errors "$T/b/$feb" "s3://demo/$feb/" 2>&1) || bad "upload February: $out"
rm -rf "$T/local" && rk --data "$T/local" ingest "$T/b/cur" >/dev/null || bad "local ingest 2"
front_ctl reset
out=$(rkx --data "$W" sync acme --format json)
check_eq "$?" 0 "the sync after a new February delivery exits 0"
check_eq "$(jq_ 'o.periods.map(p=>p.period+"="+p.status).sort().join(" ")')" \
  "2024-12=unchanged 2025-01=unchanged 2025-02=ingested" "only February is replaced"
check_eq "$(log_eval 'l.filter(e=>e.method==="GET"&&/\.parquet$/.test(e.path)&&!/month=2\/|cost_and_usage_data_status/.test(e.path)).length')" 0 \
  "no object of January was fetched"
rk --data "$T/local" report cost --granularity monthly --group-by service --format csv >"$T/local.m2.csv"
rk --data "$W" report cost --granularity monthly --group-by service --format csv >"$T/sync.m2.csv"
cmp -s "$T/local.m2.csv" "$T/sync.m2.csv" && ! cmp -s "$T/local.m.csv" "$T/local.m2.csv" &&
  ok "the data equals a local ingest of the new files" || bad "after the new delivery: $(diff "$T/local.m2.csv" "$T/sync.m2.csv" | head -5)"
check_eq "$(mails)" 1 "a successful sync sends no further email"
BEFORE=$(cat "$T/sync.m2.csv")

# --- a wrong secret: clear error, nothing changed, one failure email ---
out=$(AWS_SECRET_ACCESS_KEY=not-the-secret rkx --data "$W" sync acme)
check_eq "$?" 1 "a sync with a wrong secret exits 1"
check_has "$out" "SignatureDoesNotMatch" "the error names what AWS said"
check_eq "$(rk --data "$W" report cost --granularity monthly --group-by service --format csv)" "$BEFORE" \
  "the data is as it was"
check_eq "$(mails)" 2 "the failure is emailed"
subj=$(mail_part 2 subject)
check_has "$subj" "sync failed" "its subject says the sync failed"
text=$(mail_part 2 text)
check_has "$text" "sync acme" "it says how to try again"
check_has "$text" "SignatureDoesNotMatch" "it says what failed"
out=$(AWS_SECRET_ACCESS_KEY=not-the-secret rkx --data "$W" sync acme)
check_eq "$?" 1 "the same failure again exits 1"
check_eq "$(mails)" 2 "but is not emailed twice"
out=$(rkx --data "$W" connect show acme 2>&1)
check_has "$out" "failed" "connect show tells the last sync failed"

# --- the role's trust policy changed its ExternalId ---
front_ctl role '{"name":"reckon-read","externalId":"someone-else"}'
out=$(rkx --data "$W" sync acme)
check_eq "$?" 1 "a sync whose ExternalId no longer matches exits 1"
check_has "$out" "AccessDenied" "the error says access was denied"
check_has "$out" "$ROLE_ARN" "and names the role"
check_eq "$(rk --data "$W" report cost --granularity monthly --group-by service --format csv)" "$BEFORE" \
  "the data is as it was"
check_eq "$(mails)" 3 "a different failure is emailed"
front_ctl role "{\"name\":\"reckon-read\",\"externalId\":\"$EXTERNAL_ID\"}"

# --- a bucket that cannot be listed: passes retried, then failed, emailed once ---
front_ctl faults '[{"list":true,"action":"status","status":500,"times":-1}]'
out=$(RECKON_AWS_MAX_ATTEMPTS=2 RECKON_AWS_BACKOFF_MS=10 rkx --data "$W" sync acme --format json)
check_eq "$?" 1 "a sync that cannot list the bucket exits 1 (not 3: the workspace is fine)"
check_eq "$(jq_ 'o.status+" "+o.attempts')" "failed 3" "it tried three passes, then gave up"
check_has "$(jq_ 'o.error')" "500" "the error says what S3 answered"
check_eq "$(rk --data "$W" report cost --granularity monthly --group-by service --format csv)" "$BEFORE" \
  "the data is as it was"
check_eq "$(mails)" 4 "the failure is emailed"
check_has "$(mail_part 4 text)" "s3://demo/cur" "the email names the bucket and prefix"
out=$(RECKON_AWS_MAX_ATTEMPTS=3 RECKON_AWS_BACKOFF_MS=5 rkx --data "$W" sync acme)
check_eq "$?" 1 "the same failure (other retry counts and timings) exits 1"
check_eq "$(mails)" 4 "but is not emailed again"
front_ctl reset

# --- a period whose objects keep failing, then recover ---
rk generate "$T/b3" --scale 0.05 --months 2 --end 2025-02 --seed 9 --format athena-parquet >/dev/null || bad "generate b3"
jan="cur/acme-hourly/acme-hourly/year=2025/month=1"
aws_ s3 rm --recursive --only-show-errors "s3://demo/$jan/" >/dev/null 2>&1
out=$(aws_ s3 cp --recursive --only-show-errors "$T/b3/$jan" "s3://demo/$jan/" 2>&1) || bad "upload January: $out"
front_ctl reset
front_ctl faults '[{"method":"GET","key":"month=1/","action":"status","status":500,"times":-1}]'
out=$(RECKON_AWS_MAX_ATTEMPTS=2 RECKON_AWS_BACKOFF_MS=10 rkx --data "$W" sync acme --format json)
check_eq "$?" 1 "a sync whose January objects keep failing exits 1"
check_eq "$(jq_ 'o.status+" "+o.attempts+" "+o.failed+" "+o.unchanged')" "partial 3 1 2" \
  "it tried January three times, then gave up; the other periods are unchanged"
check_eq "$(rk --data "$W" report cost --granularity monthly --group-by service --format csv)" "$BEFORE" \
  "January keeps its previous delivery"
check_eq "$(mails)" 5 "the failure is emailed"
check_has "$(mail_part 5 text)" "2025-01" "the email names the failed period"
front_ctl reset
rm -rf "${T:?}/b/$jan" && cp -r "$T/b3/$jan" "$T/b/$jan"
rm -rf "$T/local" && rk --data "$T/local" ingest "$T/b/cur" >/dev/null || bad "local ingest 3"
out=$(rkx --data "$W" sync acme --format json)
check_eq "$?" 0 "without the fault, the next sync succeeds"
check_eq "$(jq_ 'o.periods.map(p=>p.period+"="+p.status).sort().join(" ")')" \
  "2024-12=unchanged 2025-01=ingested 2025-02=unchanged" "it loads the January it could not read before"
rk --data "$T/local" report cost --granularity monthly --group-by service --format csv >"$T/local.m3.csv"
check_eq "$(rk --data "$W" report cost --granularity monthly --group-by service --format csv)" "$(cat "$T/local.m3.csv")" \
  "and equals a local ingest of the same files"
check_eq "$(mails)" 5 "recovery sends no email (the ready email went out already)"
front_ctl faults '[{"list":true,"action":"status","status":500,"times":-1}]'
out=$(RECKON_AWS_MAX_ATTEMPTS=1 rkx --data "$W" sync acme)
check_eq "$(mails)" 6 "after a success, a failure seen before is emailed again"
front_ctl reset

# --- a sync killed midway, then resumed ---
rk generate "$T/b4" --scale 0.05 --months 2 --end 2025-02 --seed 11 --format athena-parquet >/dev/null || bad "generate b4"
out=$(aws_ s3 cp --recursive --only-show-errors "$T/b4" s3://demo/ 2>&1) || bad "upload b4: $out"
mkdir -p "$T/b4/cur/history" && cp "$T/b/cur/history/"*.csv "$T/b4/cur/history/" # as the bucket has it
BEFORE=$(rk --data "$W" report cost --granularity monthly --group-by service --format csv)
front_ctl faults '[{"method":"GET","key":".parquet","action":"delay","seconds":1,"times":-1}]'
"$RECKON" --quiet --data "$W" sync acme >"$T/killed.out" 2>&1 &
SPID=$!
for _ in $(seq 1 100); do
  [ "$(log_eval 'l.filter(e=>e.method==="GET"&&/\.parquet$/.test(e.path)).length')" -gt 0 ] && break
  sleep 0.1
done
kill -9 $SPID 2>/dev/null
wait $SPID 2>/dev/null
check_eq "$(rk --data "$W" report cost --granularity monthly --group-by service --format csv)" "$BEFORE" \
  "a sync killed while downloading leaves every period at its previous delivery"
front_ctl reset
rm -rf "$T/local" && rk --data "$T/local" ingest "$T/b4/cur" >/dev/null || bad "local ingest 4"
out=$(rkx --data "$W" sync acme --format json)
check_eq "$?" 0 "the next sync exits 0"
check_eq "$(jq_ 'o.ingested')" 2 "and loads both new deliveries"
check_eq "$(rk --data "$W" report cost --granularity monthly --group-by service --format csv)" \
  "$(rk --data "$T/local" report cost --granularity monthly --group-by service --format csv)" \
  "the data equals a local ingest of the same files"

# --- a progress bar on a terminal ---
rk generate "$T/b5" --scale 0.05 --months 1 --end 2025-02 --seed 13 --format athena-parquet >/dev/null || bad "generate b5"
out=$(aws_ s3 cp --recursive --only-show-errors "$T/b5/$feb" "s3://demo/$feb/" 2>&1) || bad "upload b5: $out"
front_ctl faults '[{"method":"GET","key":"month=2/","action":"delay","seconds":0.4,"times":-1}]'
script -qec "'$RECKON' --data '$W' sync acme --no-email" /dev/null >"$T/tty.out" 2>&1
check_eq "$?" 0 "a sync on a terminal exits 0"
front_ctl reset
tty=$(tr '\r' '\n' <"$T/tty.out")
check_has "$tty" "acme [" "on a terminal, a progress bar names the connection"
check_has "$tty" " rows  " "it counts rows"
check_has "$tty" "deliveries" "and deliveries"
grep -qE '[0-9.]+ [KMGT]?B / [0-9.]+ [KMGT]?B' <<<"$tty" && ok "and bytes read of the total" || bad "no byte counts in: $(head -c 600 <<<"$tty")"

# --- a connection waiting for its role is not synced ---
rk --data "$W" connect template --name pend --bucket demo --prefix cur \
  --trust-principal "arn:aws:iam::$ACCOUNT:user/ci" --output "$T/pend.json" >/dev/null 2>&1 || bad "connect template"
out=$(rkx --data "$W" sync pend)
check_eq "$?" 2 "syncing a connection that waits for its role is a usage error"
check_has "$out" "waiting for its role" "which says so"
check_has "$out" "connect aws --name pend --role-arn" "and what to run"
out=$("$RECKON" --data "$W" sync --format json --no-email 2>"$T/all.err")
check_eq "$?" 0 "sync of every connection exits 0"
check_eq "$(node -e "console.log(JSON.parse(require('fs').readFileSync(0,'utf8')).connections.map(c=>c.connection).join(' '))" <<<"$out")" \
  "acme" "it syncs the connections that have their role"
check_has "$(cat "$T/all.err")" "skipping connection pend: waiting for its role" "and says which it skipped"
rk --data "$W" connect remove pend >/dev/null || bad "connect remove pend"

# --- watch: a busy workspace waits for the next interval ---
flock "$W/lock" sleep 2.5 &
LOCKPID=$!
sleep 0.3
"$RECKON" --data "$W" sync acme --watch 1s --no-email >"$T/watch.out" 2>"$T/watch.err" &
WPID=$!
for _ in $(seq 1 100); do [ "$(grep -c 'sync acme: ok' "$T/watch.err")" -ge 2 ] && break; sleep 0.1; done
kill -TERM $WPID
wait $WPID
rc=$?
check_eq "$rc" 0 "--watch stops cleanly on SIGTERM"
wait $LOCKPID 2>/dev/null
n=$(grep -c 'sync acme: ok' "$T/watch.err")
[ "$n" -ge 2 ] && ok "--watch synced $n times, logging a line each time" || bad "--watch log: $(cat "$T/watch.err")"
check_has "$(cat "$T/watch.err")" "another reckon process" "--watch met the busy workspace, said so, and went on"

# --- a connection of one report syncs that report (and hand-dropped CSV) only ---
rk generate "$T/o" --scale 0.02 --months 1 --end 2025-02 --format legacy-csv --report other-rep --prefix cur >/dev/null ||
  bad "generate other-rep"
out=$(aws_ s3 cp --recursive --only-show-errors "$T/o" s3://demo/ 2>&1) || bad "upload other-rep: $out"
W2="$T/ws2"
# W2 also holds a folder ingested by hand: the connection's email is about its own data only.
cur_csv "$T/other/x.csv" 999988887777 2023-05 5.00
rk --data "$W2" ingest "$T/other" >/dev/null || bad "ingest the other folder"
for kv in "smtp.url $SMTP_URL" "smtp.user reckon@example.com" "smtp.cafile $SMTP_CA"; do
  rk --data "$W2" config set $kv >/dev/null || bad "config $kv"
done
out=$(rkx --data "$W2" connect aws --name only --bucket demo --prefix cur --report acme-hourly --role-arn "$ROLE_ARN" \
  --external-id "$EXTERNAL_ID" --endpoint-url "$EP" --email solo@example.com </dev/null)
check_eq "$?" 0 "connect aws --report acme-hourly on a prefix with two reports"
out=$(rkx --data "$W2" sync only --format json)
check_eq "$?" 0 "its sync exits 0"
check_eq "$(jq_ 'o.periods.map(p=>p.period+"="+p.status).sort().join(" ")')" \
  "2024-12=ingested 2025-01=ingested 2025-02=ingested" "it loads the report's periods and the hand-dropped CSV"
check_eq "$(jq_ 'o.periods.filter(p=>/other-rep/.test(p.report)).length')" 0 "and nothing of the other report"
check_eq "$(rk --data "$W2" report cost --from 2024-12-01 --granularity monthly --group-by service --format csv)" \
  "$(rk --data "$W" report cost --granularity monthly --group-by service --format csv)" \
  "its data equals the connection's that synced before the other report arrived"
check_eq "$(mails)" 7 "its first sync sends its ready email"
check_has "$(mail_part 7 subject)" "only" "to the connection's recipient, naming it"
text=$(mail_part 7 text)
check_has "$text" "2024-12" "the email lists the connection's periods"
check_lacks "$text" "2023-05" "and not the period of the folder ingested by hand"

# --- usage ---
out=$(rkx --data "$W" sync nosuch)
check_eq "$?" 2 "an unknown connection is a usage error"
check_has "$out" "acme" "which names the connections there are"
out=$(rkx --data "$W" sync acme --watch soon)
check_eq "$?" 2 "a bad --watch interval is a usage error"

# --- no secret anywhere ---
cat "$T/watch.out" "$T/watch.err" "$T/killed.out" >>"$ALL"
cat "$MAILDIR"/*.eml >>"$ALL"
check_lacks "$(cat "$ALL")" "$SECRET" "no output or email holds the AWS secret"
check_lacks "$(cat "$ALL")" "$SMTP_PASSWORD" "no output or email holds the SMTP password"
finish
