#!/usr/bin/env bash
# `reckon connect aws` against s3rver behind the verifying front: buckets
# made by `reckon generate` and uploaded by Debian's awscli.
#   - all pass: Athena Parquet, hourly, resource IDs, overwrite, through the
#     role with its ExternalId: every check PASS, exit 0, the connection
#     saved (catalog and `connect show`) with its recipients;
#   - each FAIL with its fix, exit 1 and nothing saved: a wrong ExternalId
#     (and a generated one the trust policy does not know), no credentials
#     at all, no report under the prefix, --report naming a report that is
#     not there, ListBucket and GetObject denied;
#   - each WARN (and only it), exit 0, saved: daily granularity, no resource
#     IDs (a CSV part with the lineItem/ResourceId column dropped), legacy
#     CSV instead of Parquet, create-new-version, a bucket in eu-west-1, an
#     Athena status file that says UPDATING (written by DuckDB);
#   - forms: an invalid bucket name or role ARN is exit 2 and the front sees
#     no request at all; a bad --email is exit 2;
#   - a saved connection keeps its ExternalId when run again without it;
#   - interactive: driven through a pseudo-terminal, a bad bucket name is
#     asked again, then the defaults and answers are saved;
#   - --format json; no secret in any output or in the catalog.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
front_start
ALL="$T/all-output"
: >"$ALL"
# rkx ARGS...: reckon with every output kept for the secret check at the end.
rkx() { "$RECKON" "$@" 2>&1 | tee -a "$ALL"; return "${PIPESTATUS[0]}"; }
WS="$T/ws"
conn() { rkx --data "$WS" connect aws --endpoint-url "$EP" "$@"; }
# saved NAME: the connection's row in the catalog ("" when absent).
saved() { [ -f "$WS/catalog.db" ] && sqlite3 "$WS/catalog.db" "SELECT name, bucket, prefix, report, IFNULL(role_arn,''), external_id FROM connections WHERE name = '$1'"; }
levels() { grep -E '^  (PASS|WARN|FAIL|SKIP)  ' <<<"$1" | awk '{print $1}' | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}'; }
nonpass() { grep -E '^  (WARN|FAIL)  ' <<<"$1" | sed -E 's/^  (WARN|FAIL)  /\1 /'; }

# ---- the buckets ----
B="$T/b"
gen() { rk generate "$B" --scale 0.02 --months 2 --end 2025-03 "$@" >/dev/null || bad "generate $*"; }
gen --prefix good --format athena-parquet
gen --prefix daily --format athena-parquet --granularity daily
gen --prefix csv
gen --prefix dailycsv --granularity daily --months 1
gen --prefix newver --versioning new-version
gen --prefix norid
gen --prefix two --format athena-parquet
gen --prefix two --report other-report
gen --prefix upd --format athena-parquet
# AWS rewriting the report: its Athena status file says UPDATING (written by DuckDB)
node --input-type=module -e "
  import { DuckDBInstance } from '$TESTS/node/node_modules/@duckdb/node-api/lib/index.js';
  const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
  await c.run(\"COPY (SELECT 'UPDATING' AS status) TO '$B/upd/acme-hourly/cost_and_usage_data_status/cost_and_usage_data_status.parquet' (FORMAT PARQUET)\");" ||
  bad "writing the UPDATING status file"
# no resource IDs: drop the lineItem/ResourceId column from every part
"$PY" - "$B/norid" <<'PY' || bad "dropping the resource ID column"
import csv, gzip, io, pathlib, sys
n = 0
for p in pathlib.Path(sys.argv[1]).rglob("*.csv.gz"):
    rows = list(csv.reader(io.TextIOWrapper(gzip.open(p), encoding="utf-8", newline="")))
    i = rows[0].index("lineItem/ResourceId")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    for r in rows:
        del r[i]
        w.writerow(r)
    p.write_bytes(gzip.compress(out.getvalue().encode("utf-8")))
    n += 1
assert n > 0
PY
zcat "$(find "$B/norid" -name '*.csv.gz' | head -1)" | head -1 | grep -q 'lineItem/ResourceId' &&
  bad "the norid fixture still has the resource ID column"
# broken data: a Parquet part cut in half, a gzip part cut short
gen --prefix badpq --format athena-parquet --months 1
f=$(find "$B/badpq" -name '*.snappy.parquet' | head -1)
truncate -s $(($(stat -c %s "$f") / 2)) "$f"
gen --prefix badgz --months 1
f=$(find "$B/badgz" -name '*.csv.gz' | head -1)
truncate -s 300 "$f"
mkdir -p "$B/misc/stuff" && echo "not a report" >"$B/misc/stuff/readme.txt"
out=$(aws_ s3 cp --recursive --only-show-errors "$B" s3://demo/ 2>&1) && ok "awscli uploaded the demo bucket" ||
  bad "upload: $out"
rk generate "$T/eu" --scale 0.02 --months 1 --end 2025-03 --prefix cur --format athena-parquet >/dev/null
out=$(aws_ --region eu-west-1 s3 cp --recursive --only-show-errors "$T/eu" s3://reckon-eu/ 2>&1) &&
  ok "awscli uploaded the eu-west-1 bucket" || bad "upload eu: $out"

# ---- all pass ----
out=$(conn --name acme --bucket demo --prefix good --role-arn "$ROLE_ARN" --external-id "$EXTERNAL_ID" \
  --email ops@example.com --email 'Finance Team <finance@example.com>')
rc=$?
check_eq "$rc" 0 "all pass: exit 0"
check_eq "$(levels "$out")" "PASS=13 " "all pass: every check passes (13 checks, no warning)"
for t in "PASS  bucket name demo" "PASS  report prefix good" "PASS  role ARN $ROLE_ARN" \
  "PASS  credentials: assumed $ROLE_ARN with its ExternalId; reading as arn:aws:sts::$ACCOUNT:assumed-role/reckon-read/" \
  "PASS  bucket region us-east-1" "PASS  list s3://demo/good/:" "PASS  report acme-hourly: athena-parquet, 2 billing periods (2025-02 to 2025-03)" \
  "PASS  read good/acme-hourly/acme-hourly/year=2025/month=3/" "PASS  granularity: hourly" "PASS  resource IDs: included" \
  "PASS  format: Parquet with the Athena integration" "PASS  versioning: overwrite"; do
  check_has "$out" "$t" "all pass: [$t]"
done
check_has "$out" "Saved connection \"acme\" (ExternalId $EXTERNAL_ID; notifying ops@example.com, Finance Team <finance@example.com>)" \
  "all pass: says it saved the connection and who is notified"
check_has "$out" "Next: reckon sync acme" "all pass: prints the next step"
check_eq "$(saved acme)" "acme|demo|good||$ROLE_ARN|$EXTERNAL_ID" "all pass: the catalog holds the connection"
check_eq "$(sqlite3 "$WS/catalog.db" "SELECT group_concat(address, ';') FROM (SELECT address FROM recipients WHERE connection = 'acme' ORDER BY position)" 2>&1)" \
  "ops@example.com;Finance Team <finance@example.com>" "all pass: the recipients are stored in order"
show=$(rk --data "$WS" connect show acme 2>&1)
check_has "$show" "finance@example.com" "connect show lists the recipients"
check_has "$show" "$EXTERNAL_ID" "connect show shows the ExternalId"

# run again without --external-id: the saved one is kept (the role still accepts it)
out=$(conn --name acme --role-arn "$ROLE_ARN")
check_eq "$?" 0 "a saved connection: run again with only --name and --role-arn, exit 0"
check_has "$out" "Checking connection \"acme\": s3://demo/good with role $ROLE_ARN" "a saved connection: bucket and prefix come from the catalog"
check_eq "$(saved acme)" "acme|demo|good||$ROLE_ARN|$EXTERNAL_ID" "a saved connection keeps its ExternalId"
check_eq "$(sqlite3 "$WS/catalog.db" "SELECT count(*) FROM recipients WHERE connection = 'acme'")" 2 \
  "a saved connection keeps its recipients when --email is not given"

# the onboarding path: `connect template` saves the connection waiting for its
# role, with its ExternalId; `connect aws --name --role-arn` needs nothing more
out=$(rkx --data "$WS" connect template --name tpl --bucket demo --prefix good --external-id "$EXTERNAL_ID" \
  --trust-principal "arn:aws:iam::$ACCOUNT:user/ci" --output "$T/tpl.json")
check_eq "$?" 0 "connect template saves a pending connection"
out=$(conn --name tpl --role-arn "$ROLE_ARN")
check_eq "$?" 0 "after connect template, connect aws --name --role-arn: exit 0"
check_eq "$(saved tpl)" "tpl|demo|good||$ROLE_ARN|$EXTERNAL_ID" "after connect template: saved with the role and the template's ExternalId"

# the host's own credentials, no role
out=$(conn --name hostcreds --bucket demo --prefix good)
check_eq "$?" 0 "without --role-arn: exit 0"
check_has "$out" "SKIP  role ARN: none given; the host's own AWS credentials read the bucket" "without --role-arn: says so"
check_has "$out" "PASS  credentials: reading as arn:aws:iam::$ACCOUNT:user/ci (the host's own credentials)" \
  "without --role-arn: the host's credentials are checked (GetCallerIdentity)"
check_eq "$(levels "$out")" "PASS=12 SKIP=1 " "without --role-arn: every other check passes"
check_eq "$(saved hostcreds | cut -d'|' -f1-5)" "hostcreds|demo|good||" "without --role-arn: saved without a role"

# JSON
json=$(conn --name acme-json --bucket demo --prefix good --role-arn "$ROLE_ARN" --external-id "$EXTERNAL_ID" --format json --no-save)
check_eq "$?" 0 "--format json --no-save: exit 0"
check_eq "$(node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8"));
  console.log([j.saved, j.failed, j.warnings, j.checks.every(c=>c.level==="PASS"), j.found.report, j.found.format,
    j.found.periods.join(","), j.found.newest_period, j.found.granularity, j.found.resource_ids, j.found.bucket_region].join(" "))' <<<"$json" 2>&1)" \
  "false 0 0 true acme-hourly athena-parquet 2025-02,2025-03 2025-03 hourly true us-east-1" \
  "--format json: the checks and what was found"
check_eq "$(saved acme-json)" "" "--no-save: nothing saved"

# ---- failures: exit 1, nothing saved ----
out=$(conn --name bad-ext --bucket demo --prefix good --role-arn "$ROLE_ARN" --external-id wrong-id)
check_eq "$?" 1 "wrong ExternalId: exit 1"
check_has "$out" "FAIL  credentials: cannot assume $ROLE_ARN (access denied: the trust policy or the ExternalId)" \
  "wrong ExternalId: the FAIL line says access denied"
check_has "$out" "fix: the role's trust policy must let arn:aws:iam::$ACCOUNT:user/ci call sts:AssumeRole with the condition sts:ExternalId = \"wrong-id\"" \
  "wrong ExternalId: the fix names the host's principal and the ExternalId sent"
check_has "$out" "reckon connect template --name bad-ext" "wrong ExternalId: the fix points to connect template"
check_has "$out" "Connection \"bad-ext\" was NOT saved" "wrong ExternalId: says it was not saved"
check_eq "$(levels "$out")" "FAIL=1 PASS=4 " "wrong ExternalId: the checks stop at the failed one"
check_eq "$(saved bad-ext)" "" "wrong ExternalId: nothing saved"

out=$(conn --name gen-ext --bucket demo --prefix good --role-arn "$ROLE_ARN")
check_eq "$?" 1 "a new connection without --external-id: a generated one, which the trust policy does not know: exit 1"
ext=$(sed -nE 's/.*sts:ExternalId = "([^"]*)".*/\1/p' <<<"$out")
check_eq "$(grep -cE '^[0-9a-f]{32}$' <<<"$ext")" 1 "the generated ExternalId is 32 hex characters ($ext)"

out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$RECKON" --data "$WS" connect aws --name nocreds --bucket demo \
  --prefix good --endpoint-url "$EP" 2>&1)
check_eq "$?" 1 "no credentials: exit 1"
check_has "$out" "FAIL  credentials: none found on this host" "no credentials: told apart from access denied"
check_has "$out" "fix: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" "no credentials: the fix says where credentials go"
check_has "$out" "give --profile NAME" "no credentials: or a profile"
check_has "$out" "instance role (EC2) or a task role" "no credentials: or an instance or task role"
check_eq "$(saved nocreds)" "" "no credentials: nothing saved"

out=$(conn --name noreport --bucket demo --prefix misc --role-arn "$ROLE_ARN" --external-id "$EXTERNAL_ID")
check_eq "$?" 1 "no report under the prefix: exit 1"
check_has "$out" "FAIL  no Cost and Usage Report delivery under s3://demo/misc/" "no report: the FAIL line"
check_has "$out" "found 1 object (stuff/), none of them a report AWS delivers" "no report: says what was found"
check_has "$out" "fix: give --prefix the report's S3 path prefix" "no report: the fix"
check_eq "$(saved noreport)" "" "no report: nothing saved"

out=$(conn --name empty --bucket demo --prefix nothing-here --role-arn "$ROLE_ARN" --external-id "$EXTERNAL_ID")
check_eq "$?" 1 "an empty prefix: exit 1"
check_has "$out" "the prefix holds no object at all" "an empty prefix: says so"

out=$(conn --name wrongrep --bucket demo --prefix two --report nope --role-arn "$ROLE_ARN" --external-id "$EXTERNAL_ID")
check_eq "$?" 1 "--report naming a report that is not there: exit 1"
check_has "$out" "FAIL  report nope: not found under s3://demo/two/" "--report absent: the FAIL line"
check_has "$out" "other reports: acme-hourly (athena-parquet, 2 periods), other-report (legacy-csv, 2 periods)" \
  "--report absent: names the reports that are there"
check_has "$out" "fix: give --report with the name of one of those" "--report absent: the fix"
check_eq "$(saved wrongrep)" "" "--report absent: nothing saved"

out=$(conn --name onerep --bucket demo --prefix two --report other-report --role-arn "$ROLE_ARN" --external-id "$EXTERNAL_ID" --no-save)
check_has "$out" "PASS  report other-report: legacy-csv, 2 billing periods" "--report present among others: PASS"
check_has "$out" "the prefix also holds acme-hourly (athena-parquet, 2 periods); this connection syncs only other-report" \
  "--report present among others: names the others"

front_ctl faults '[{"method":"GET","list":true,"action":"status","status":403,"code":"AccessDenied","message":"Access Denied","times":-1}]'
out=$(conn --name nolist --bucket demo --prefix good --role-arn "$ROLE_ARN" --external-id "$EXTERNAL_ID")
check_eq "$?" 1 "ListBucket denied: exit 1"
check_has "$out" "FAIL  list s3://demo/good/: access denied" "ListBucket denied: the FAIL line"
check_has "$out" "fix: allow s3:ListBucket on arn:aws:s3:::demo with the condition s3:prefix = \"good/*\" to $ROLE_ARN" \
  "ListBucket denied: the fix names the permission and the prefix"
check_eq "$(saved nolist)" "" "ListBucket denied: nothing saved"
front_ctl reset

front_ctl faults '[{"method":"GET","key":"acme-hourly-00001.snappy.parquet","action":"status","status":403,"code":"AccessDenied","message":"Access Denied","times":-1}]'
out=$(conn --name noget --bucket demo --prefix good --role-arn "$ROLE_ARN" --external-id "$EXTERNAL_ID")
check_eq "$?" 1 "GetObject denied: exit 1"
check_has "$out" "FAIL  read good/acme-hourly/acme-hourly/year=2025/month=3/acme-hourly-00001.snappy.parquet: access denied" \
  "GetObject denied: the FAIL line names the newest period's file"
check_has "$out" "fix: allow s3:GetObject on arn:aws:s3:::demo/good/* to $ROLE_ARN" "GetObject denied: the fix names the permission and the role"
check_eq "$(saved noget)" "" "GetObject denied: nothing saved"
front_ctl reset

# ---- warnings: exit 0, saved ----
warn_case() { # NAME PREFIX|BUCKET EXPECTED-NONPASS-LINES MESSAGE [ARGS...]
  local name=$1 where=$2 want=$3 msg=$4 bucket=demo prefix
  shift 4
  prefix=${where#*/}
  [ "$where" != "$prefix" ] && bucket=${where%%/*}
  out=$(conn --name "$name" --bucket "$bucket" --prefix "$prefix" --role-arn "$ROLE_ARN" --external-id "$EXTERNAL_ID" "$@")
  check_eq "$?" 0 "$msg: exit 0"
  check_eq "$(nonpass "$out" | cut -d' ' -f1-3 | tr '\n' '|')" "$want" "$msg: exactly the expected warnings"
  check_eq "$(saved "$name" | cut -d'|' -f1-3)" "$name|$bucket|$prefix" "$msg: saved all the same"
}
warn_case daily daily "WARN granularity: daily,|" "daily granularity"
check_has "$out" "fix: edit the report" "daily: the fix says how to make it hourly"
check_has "$out" "reckon still works" "daily: and that reckon still works"
check_has "$out" "the shortest usage interval in the first" "daily: says what it was measured on"
warn_case dailycsv dailycsv "WARN granularity: daily,|WARN format: CSV|" "daily granularity in legacy CSV"
warn_case norid norid "WARN resource IDs:|WARN format: CSV|" "no resource IDs (legacy CSV)"
check_has "$out" "WARN  resource IDs: not included" "no resource IDs: the WARN line"
check_has "$out" "fix: edit the report and tick \"Include resource IDs\"" "no resource IDs: the fix"
warn_case csv csv "WARN format: CSV|" "legacy CSV instead of Parquet"
check_has "$out" "WARN  format: CSV (legacy-csv), not Parquet" "CSV: the WARN line"
check_has "$out" "Parquet files are several times smaller" "CSV: says why Parquet"
check_has "$out" "Enable report data integration for Amazon Athena" "CSV: the fix"
warn_case newver newver "WARN format: CSV|WARN versioning: create|" "create-new-version"
check_has "$out" "WARN  versioning: create new report version, not overwrite" "create-new-version: the WARN line"
check_has "$out" "fix: set the report's versioning to \"Overwrite existing report\"" "create-new-version: the fix"
warn_case eucur reckon-eu/cur "WARN bucket region|" "a bucket in eu-west-1"
check_has "$out" "WARN  bucket region eu-west-1, not us-east-1" "eu-west-1: the WARN line"
check_has "$out" "reckon reads the bucket in eu-west-1 all the same" "eu-west-1: explains that reckon follows it"
warn_case upd upd "WARN AWS is|" "the Athena status file says UPDATING"
check_has "$out" "WARN  AWS is updating the report right now (its Athena status file says UPDATING)" "UPDATING: the WARN line"
check_has "$out" "fix: nothing to do: \`reckon sync\` reads the changed months once the status says READY" "UPDATING: says what happens"

# broken data: a warning naming the file, never a crash (ASan would stop it)
warn_case badpq badpq "WARN report settings:|" "a truncated Parquet part"
check_has "$out" "acme-hourly-00001.snappy.parquet" "a truncated Parquet part: the warning names the file"
check_has "$out" "its granularity and resource IDs were not checked" "a truncated Parquet part: says what was not checked"
warn_case badgz badgz "WARN report settings:|WARN format: CSV|" "a truncated gzip part"
check_has "$out" "file acme-hourly/20250301-20250401/acme-hourly-00001.csv.gz: " "a truncated gzip part: the warning names the file"

# ---- forms: exit 2 before any request ----
front_ctl reset
out=$(conn --name badbucket --bucket Bad_Bucket --prefix good)
check_eq "$?" 2 "an invalid bucket name: exit 2"
check_has "$out" "FAIL  bucket name \"Bad_Bucket\" breaks S3's naming rules" "an invalid bucket name: the FAIL line"
check_eq "$(log_eval 'l.length')" 0 "an invalid bucket name: the front saw no request"
out=$(conn --name badarn --bucket demo --prefix good --role-arn "arn:aws:iam::$ACCOUNT:user/reckon-read" --external-id "$EXTERNAL_ID")
check_eq "$?" 2 "a malformed role ARN: exit 2 (a usage error)"
check_has "$out" "FAIL  role ARN \"arn:aws:iam::$ACCOUNT:user/reckon-read\" is not a role ARN" "a malformed role ARN: the FAIL line"
check_has "$out" "fix: give --role-arn as the stack's RoleArn output shows it" "a malformed role ARN: the fix"
out=$(conn --name badprefix --bucket demo --prefix 'cur reports')
check_eq "$?" 2 "a prefix with a space: exit 2"
check_has "$out" "FAIL  report prefix \"cur reports\" has characters a CUR prefix cannot have" "a prefix with a space: the FAIL line"
check_eq "$(log_eval 'l.length')" 0 "bad forms: the front saw no request at all"
out=$(conn --name bademail --bucket demo --prefix good --email 'not an address')
check_eq "$?" 2 "a bad --email: exit 2"
: >"$T/not-a-folder"
out=$(rkx --data "$T/not-a-folder" connect aws --bucket demo --prefix good --endpoint-url "$EP")
check_eq "$?" 3 "a workspace that is not a folder: exit 3"
out=$(rkx --data "$WS" connect aws --prefix good </dev/null)
check_eq "$?" 2 "no --bucket without a terminal: exit 2"
check_has "$out" "--bucket is required" "no --bucket: the usage error names it"
check_eq "$(sqlite3 "$WS/catalog.db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM connections ORDER BY name)")" \
  "acme badgz badpq csv daily dailycsv eucur hostcreds newver norid tpl upd" "only the connections whose checks passed are saved"

# ---- interactive, through a pseudo-terminal ----
"$PY" - "$RECKON" "$WS" "$EP" "$EXTERNAL_ID" "$ROLE_ARN" >"$T/pty.out" 2>&1 <<'PY'
import os, pty, select, sys, time
reckon, ws, ep, ext, role = sys.argv[1:6]
pid, fd = pty.fork()
if pid == 0:
    os.execv(reckon, [reckon, "--data", ws, "connect", "aws", "--endpoint-url", ep, "--external-id", ext])
buf = b""
def expect(s, timeout=60):
    global buf
    end = time.time() + timeout
    while s.encode() not in buf:
        r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
        if not r:
            raise SystemExit("timeout waiting for %r; got:\n%s" % (s, buf.decode(errors="replace")))
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            raise SystemExit("ended waiting for %r; got:\n%s" % (s, buf.decode(errors="replace")))
        if not chunk:
            raise SystemExit("ended waiting for %r" % s)
        buf += chunk
    i = buf.index(s.encode()) + len(s)
    seen, buf = buf[:i], buf[i:]
    sys.stdout.write(seen.decode(errors="replace"))
def send(s):
    os.write(fd, (s + "\n").encode())
expect("S3 bucket the report is delivered to: ")
send("Not_A_Bucket")
expect("S3 bucket the report is delivered to: ")
send("demo")
expect("Connection name [demo]: ")
send("inter")
expect("Report path prefix (none: the whole bucket): ")
send("/good/")
expect("Report name (none: every report under the prefix): ")
send("")
expect("Role ARN to assume (none: this host's own credentials): ")
send("arn:aws:iam::12:role/x")
expect("Role ARN to assume (none: this host's own credentials): ")
send(role)
expect("Email addresses to notify, comma-separated (none): ")
send("a@example.com, b at example.com")
expect("Email addresses to notify, comma-separated (none): ")
send("a@example.com, b@example.com")
expect("Next: reckon sync inter")
_, status = os.waitpid(pid, 0)
print("\nEXIT", os.waitstatus_to_exitcode(status))
PY
pty=$(cat "$T/pty.out")
cat "$T/pty.out" >>"$ALL"
check_has "$pty" "EXIT 0" "interactive: exit 0"
check_has "$pty" "bucket name \"Not_A_Bucket\"" "interactive: a bad bucket name is explained"
check_eq "$(grep -c 'S3 bucket the report is delivered to: ' <<<"$pty")" 2 "interactive: and asked again"
check_eq "$(grep -c 'Role ARN to assume' <<<"$pty")" 2 "interactive: a malformed role ARN is asked again"
check_eq "$(grep -c 'Email addresses to notify' <<<"$pty")" 2 "interactive: a bad address is asked again"
check_has "$pty" "PASS  granularity: hourly" "interactive: the checks run"
check_eq "$(saved inter)" "inter|demo|good||$ROLE_ARN|$EXTERNAL_ID" "interactive: the answers are saved (prefix normalized)"
check_eq "$(sqlite3 "$WS/catalog.db" "SELECT group_concat(address, ';') FROM (SELECT address FROM recipients WHERE connection = 'inter' ORDER BY position)")" \
  "a@example.com;b@example.com" "interactive: the addresses are stored"

# On a terminal, flags given are not asked again; what they leave out is, with
# the saved value as the default; --no-input asks nothing.
"$PY" - "$RECKON" "$WS" "$EP" "$EXTERNAL_ID" "$ROLE_ARN" >"$T/pty2.out" 2>&1 <<'PY'
import os, pty, select, sys, time
reckon, ws, ep, ext, role = sys.argv[1:6]
def run(args, script):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(reckon, [reckon, "--data", ws, "connect", "aws"] + args)
    out = b""
    for want, answer in script:
        end = time.time() + 60
        while want.encode() not in out:
            r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
            if not r:
                raise SystemExit("timeout waiting for %r; got:\n%s" % (want, out.decode(errors="replace")))
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                raise SystemExit("ended waiting for %r; got:\n%s" % (want, out.decode(errors="replace")))
            out += chunk
        os.write(fd, (answer + "\n").encode())
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace"))
    print("\nEXIT", os.waitstatus_to_exitcode(status))
run(["--name", "inter", "--role-arn", role, "--endpoint-url", ep],
    [("S3 bucket the report is delivered to [demo]: ", ""), ("Report path prefix [good]: ", ""),
     ("Report name", ""), ("[a@example.com, b@example.com]: ", "c@example.com")])
print("=== no-input")
run(["--name", "inter", "--role-arn", role, "--endpoint-url", ep, "--no-input"], [])
PY
pty=$(cat "$T/pty2.out")
cat "$T/pty2.out" >>"$ALL"
check_eq "$(grep -c '^EXIT 0' <<<"$pty")" 2 "interactive with flags: both runs exit 0"
check_lacks "$(sed -n '1,/=== no-input/p' <<<"$pty")" "Connection name" "interactive: --name given is not asked"
check_lacks "$(sed -n '1,/=== no-input/p' <<<"$pty")" "Role ARN to assume" "interactive: --role-arn given is not asked"
check_lacks "$(sed -n '/=== no-input/,$p' <<<"$pty")" "S3 bucket the report" "--no-input: nothing is asked on a terminal"
check_eq "$(saved inter)" "inter|demo|good||$ROLE_ARN|$EXTERNAL_ID" "interactive: Enter keeps the saved values"
check_eq "$(sqlite3 "$WS/catalog.db" "SELECT group_concat(address, ';') FROM (SELECT address FROM recipients WHERE connection = 'inter' ORDER BY position)")" \
  "c@example.com" "interactive: a new answer replaces the recipients"

# ---- no secret anywhere ----
check_lacks "$(cat "$ALL")" "$SECRET" "no output holds the secret key"
check_eq "$(grep -c -- "$SECRET" "$WS/catalog.db" "$WS"/catalog.db-wal 2>/dev/null | awk -F: '{s+=$2} END {print s+0}')" 0 \
  "the catalog does not hold the secret key"
finish
