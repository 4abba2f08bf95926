#!/usr/bin/env bash
# `reckon ingest s3://…` against s3rver behind the verifying front, with a
# demo bucket uploaded by Debian's awscli:
#   - legacy CSV, Athena Parquet and manifest-less CSV under keys with
#     spaces, '=', '+' and UTF-8: `report cost --format csv` is byte for byte
#     the local ingest's of the same folders, and the listing round-trips
#     every key;
#   - a second run is a no-op: "unchanged", and the front saw no GET or
#     HEAD of a data file;
#   - a wrong secret, an unknown key, a role without / with a wrong
#     ExternalId: a clear error naming the problem, exit status 3, and the
#     workspace as it was; the role with its ExternalId (flags, or a profile
#     with role_arn / source_profile / external_id) works;
#   - GetBucketLocation, GetCallerIdentity, four threads reading one object
#     through one source, and no secret in any output.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"
S3TOOL=${2:-$(dirname "$RECKON")/tests/s3tool}
[ -x "$S3TOOL" ] || S3TOOL=$(dirname "$RECKON")/s3tool
front_start
ALL="$T/all-output"
: >"$ALL"
rkx() { "$RECKON" --quiet "$@" 2>&1 | tee -a "$ALL"; return "${PIPESTATUS[0]}"; }

rk generate "$T/b/csv" --scale 0.05 --months 2 >/dev/null || bad "generate csv"
rk generate "$T/b/pq" --scale 0.05 --months 2 --format athena-parquet >/dev/null || bad "generate parquet"
cur_csv "$T/b/odd/rep=ä b+c/2025-01 part 1.csv" 111122223333 2025-01 1.25 2.50 0.0000001
cur_csv "$T/b/odd/rep=ä b+c/2025-02+x=y é.csv" 111122223333 2025-02 3.75
out=$(aws_ s3 cp --recursive --only-show-errors "$T/b" s3://demo/ 2>&1) && ok "awscli uploaded the demo bucket" ||
  bad "upload: $out"

# every key round-trips through the listing
(cd "$T/b" && find . -type f | sed 's#^\./##' | LC_ALL=C sort) >"$T/keys.local"
"$S3TOOL" --endpoint-url "$EP" ls s3://demo 2>/dev/null | cut -f1 | LC_ALL=C sort >"$T/keys.s3"
check_eq "$(cat "$T/keys.s3")" "$(cat "$T/keys.local")" "the listing gives back every key, spaces, '=', '+' and UTF-8 included"
"$S3TOOL" --endpoint-url "$EP" get "s3://demo/odd/rep=ä b+c/2025-02+x=y é.csv" >"$T/odd.csv" 2>/dev/null
cmp -s "$T/odd.csv" "$T/b/odd/rep=ä b+c/2025-02+x=y é.csv" && ok "an object with such a key reads back intact" ||
  bad "odd key content differs"

for d in csv pq odd; do
  rk --data "$T/local-$d" ingest "$T/b/$d" >/dev/null || bad "local ingest of $d"
  out=$(rkx --data "$T/s3-$d" ingest "s3://demo/$d" --endpoint-url "$EP")
  rc=$?
  check_eq "$rc" 0 "ingest s3://demo/$d exits 0"
  rk --data "$T/local-$d" report cost --format csv >"$T/local-$d.csv"
  rk --data "$T/s3-$d" report cost --format csv >"$T/s3-$d.csv"
  rk --data "$T/local-$d" report cost --granularity monthly --group-by service --format csv >"$T/local-$d.m.csv"
  rk --data "$T/s3-$d" report cost --granularity monthly --group-by service --format csv >"$T/s3-$d.m.csv"
  if cmp -s "$T/local-$d.csv" "$T/s3-$d.csv" && cmp -s "$T/local-$d.m.csv" "$T/s3-$d.m.csv" && [ -s "$T/s3-$d.m.csv" ]; then
    ok "$d: the reports from S3 are byte for byte those of the local folder ($(sed -n 2p "$T/s3-$d.csv" | cut -d, -f1))"
  else
    bad "$d: reports differ: $(diff "$T/local-$d.csv" "$T/s3-$d.csv" | head -5)"
  fi
done

# a second run reads nothing but the listing and the small metadata
front_ctl reset
out=$(rkx --data "$T/s3-csv" ingest s3://demo/csv --endpoint-url "$EP")
check_eq "$(grep -cE "unchanged$" <<<"$out")" 2 "a second ingest finds both periods unchanged"
check_eq "$(log_eval 'l.filter(e=>e.method==="GET"&&/\.csv\.gz$/.test(e.path)).length')" 0 \
  "the second ingest downloaded no data file (no GetObject of a .csv.gz)"
check_eq "$(log_eval 'l.filter(e=>e.method==="HEAD").length')" 0 "and sent no HEAD"
front_ctl reset
out=$(rkx --data "$T/s3-pq" ingest s3://demo/pq --endpoint-url "$EP")
check_eq "$(grep -cE "unchanged$" <<<"$out")" 2 "a second Parquet ingest finds both periods unchanged"
check_eq "$(log_eval 'l.filter(e=>e.method==="GET"&&/acme-hourly-\d+\.snappy\.parquet$/.test(e.path)).length')" 0 \
  "and read no Parquet data file"

# what a workspace looks like, to compare after each failure
state() { rk --data "$1" report cost --granularity monthly --format csv; rk --data "$1" status --format json | node -e \
  'const s=JSON.parse(require("fs").readFileSync(0,"utf8"));console.log(JSON.stringify(s.periods))'; }
before=$(state "$T/s3-csv")

out=$(AWS_SECRET_ACCESS_KEY='wrong/secret+key' rkx --data "$T/s3-csv" ingest s3://demo/csv --endpoint-url "$EP")
rc=$?
check_eq "$rc" 3 "a wrong secret: exit status 3"
check_has "$out" "SignatureDoesNotMatch" "a wrong secret: the error names S3's code"
check_has "$out" "secret access key does not match access key $AKID" "a wrong secret: and says which key's secret is wrong"
check_lacks "$out" "wrong/secret+key" "a wrong secret: the secret itself is not printed"
check_eq "$(state "$T/s3-csv")" "$before" "a wrong secret: the workspace is as it was"

out=$(AWS_ACCESS_KEY_ID=AKIDNOSUCHKEY0000000 rkx --data "$T/s3-csv" ingest s3://demo/csv --endpoint-url "$EP")
rc=$?
check_eq "$rc" 3 "an unknown key: exit status 3"
check_has "$out" "AWS does not know access key AKIDNOSUCHKEY0000000" "an unknown key: named"

out=$(rkx --data "$T/s3-csv" ingest s3://demo/csv --endpoint-url "$EP" --role-arn "$ROLE_ARN")
rc=$?
[ "$rc" -ne 0 ] && ok "a role without its ExternalId: exit status $rc" || bad "a role without ExternalId succeeded"
check_has "$out" "cannot assume role $ROLE_ARN" "without ExternalId: the error names the role"
check_has "$out" "none was given: use --external-id" "without ExternalId: and says to give one"
out=$(rkx --data "$T/s3-csv" ingest s3://demo/csv --endpoint-url "$EP" --role-arn "$ROLE_ARN" --external-id nope)
rc=$?
[ "$rc" -ne 0 ] && ok "a wrong ExternalId: exit status $rc" || bad "a wrong ExternalId succeeded"
check_has "$out" "AccessDenied" "a wrong ExternalId: STS's refusal is shown"
check_has "$out" "matches its sts:ExternalId condition" "a wrong ExternalId: and what to check"
out=$(rkx --data "$T/s3-csv" ingest s3://demo/csv --endpoint-url "$EP" --role-arn "not-an-arn" --external-id x1)
check_has "$out" "is not an IAM role ARN" "a malformed role ARN is refused before any request"
check_eq "$(state "$T/s3-csv")" "$before" "after the refused roles the workspace is as it was"

front_ctl reset
out=$(rkx --data "$T/role" ingest s3://demo/csv --endpoint-url "$EP" --role-arn "$ROLE_ARN" --external-id "$EXTERNAL_ID" --format json)
check_eq "$?" 0 "the role with its ExternalId: ingest works"
check_eq "$(log_eval 'l.filter(e=>e.action==="AssumeRole"&&e.externalId==="'$EXTERNAL_ID'"&&e.status===200).length')" 1 \
  "one AssumeRole with the ExternalId"
check_eq "$(log_eval 'l.filter(e=>e.service==="s3").every(e=>e.akid&&e.akid.startsWith("ASIA"))')" true \
  "every S3 request was signed with the role's temporary credentials"
rk --data "$T/role" report cost --format csv >"$T/role.csv"
cmp -s "$T/role.csv" "$T/local-csv.csv" && ok "and gives the same report" || bad "role ingest report differs"

# the same role through a profile: role_arn + source_profile + external_id
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<EOF
[base]
aws_access_key_id = $AKID
aws_secret_access_key = $SECRET
EOF
cat >>"$AWS_CONFIG_FILE" <<EOF
[profile reader]
role_arn = $ROLE_ARN
source_profile = base
external_id = $EXTERNAL_ID
role_session_name = reckon-profile-test
EOF
front_ctl reset
out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$RECKON" --quiet --data "$T/prof" ingest s3://demo/odd \
  --endpoint-url "$EP" --profile reader 2>&1 | tee -a "$ALL")
check_eq "${PIPESTATUS[0]}" 0 "--profile with role_arn/source_profile/external_id: ingest works"
check_eq "$(log_eval 'l.filter(e=>e.action==="AssumeRole").map(e=>e.externalId+" "+e.akid).join()')" "$EXTERNAL_ID $AKID" \
  "the profile's role was assumed with the source profile's key and the external_id"
out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$RECKON" --quiet --data "$T/prof" ingest s3://demo/odd \
  --endpoint-url "$EP" --profile nosuch 2>&1)
check_has "$out" 'profile "nosuch" (from --profile) is not in' "an unknown profile is named"

# paged listings: continuation tokens (s3rver's need --openssl-legacy-provider), delimiters
i0=$(log_eval 'l.length')
pages=$("$S3TOOL" --endpoint-url "$EP" pages s3://demo/ 2 2>/dev/null | sed -n 's/^key \([^	]*\).*/\1/p')
check_eq "$pages" "$(cat "$T/keys.local")" "a listing in pages of 2 keys gives every key once, in order"
n=$(wc -l <"$T/keys.local")
check_eq "$(log_eval 'l.slice('$i0').filter(e=>/continuation-token=/.test(e.query)&&e.status===200).length')" $(((n + 1) / 2 - 1)) \
  "and followed $(((n + 1) / 2 - 1)) continuation tokens"
# (s3rver answers delimiter listings only for keys one level below the prefix)
mkdir -p "$T/d/x=1 +é" && echo 1 >"$T/d/x=1 +é/a" && echo 2 >"$T/d/b" && echo 3 >"$T/d/c"
aws_ s3 cp --recursive --only-show-errors "$T/d" s3://other/d/
check_eq "$("$S3TOOL" --endpoint-url "$EP" pages s3://other/d/ 1000 / 2>/dev/null | tr '\n' ' ')" \
  "key d/b	2 key d/c	2 prefix d/x=1 +é/ " "with a delimiter, folders come back as prefixes ('=', '+', space and UTF-8 as sent)"

# a bucket in another region is followed there
echo "far away" >"$T/far.txt"
aws_ --region eu-west-1 s3 cp --only-show-errors "$T/far.txt" s3://eu/far.txt || bad "upload to eu"
check_eq "$("$S3TOOL" --endpoint-url "$EP" location eu 2>/dev/null)" eu-west-1 "GetBucketLocation: eu-west-1"
i0=$(log_eval 'l.length')
check_eq "$("$S3TOOL" --endpoint-url "$EP" ls s3://eu 2>/dev/null)" "far.txt	9	$(md5sum <"$T/far.txt" | cut -d' ' -f1)" \
  "a bucket in eu-west-1 lists from a us-east-1 session"
check_eq "$(log_eval 'l.slice('$i0').map(e=>e.region+":"+e.status).join(" ")')" "us-east-1:400 eu-west-1:200" \
  "after one redirect (400 naming the region), the requests are signed for eu-west-1"
check_eq "$("$S3TOOL" --endpoint-url "$EP" get s3://eu/far.txt 2>/dev/null)" "far away" "and its objects read"

# connect's building blocks
check_eq "$("$S3TOOL" --endpoint-url "$EP" location demo 2>/dev/null)" us-east-1 "GetBucketLocation: us-east-1"
check_eq "$("$S3TOOL" --endpoint-url "$EP" whoami 2>/dev/null | cut -f2)" "arn:aws:iam::$ACCOUNT:user/ci" \
  "GetCallerIdentity: the host's principal"
check_eq "$("$S3TOOL" --endpoint-url "$EP" --role-arn "$ROLE_ARN" --external-id "$EXTERNAL_ID" whoami 2>/dev/null | cut -f2 | cut -d/ -f1-2)" \
  "arn:aws:sts::$ACCOUNT:assumed-role/reckon-read" "GetCallerIdentity through the role: the assumed role"

# one source, four threads of ranged reads and a stream at once
pqkey=$(cd "$T/b/pq" && find . -name '*.snappy.parquet' -path '*month=10*' | sed 's#^\./##')
out=$("$S3TOOL" --endpoint-url "$EP" par s3://demo/pq "$pqkey" 4 65536 2>/dev/null)
want=$(sha256sum "$T/b/pq/$pqkey" | cut -d' ' -f1)
check_eq "$out" "ranges $want"$'\n'"stream $want" "four threads reading one object through one source get its bytes"

# throughput of one streamed GET (the front is a Node proxy: a floor, not S3's figure)
head -c $((32 << 20)) /dev/urandom >"$T/big.bin"
aws_ s3 cp --only-show-errors "$T/big.bin" s3://other/big.bin
t0=$(date +%s%N)
"$S3TOOL" --endpoint-url "$EP" get s3://other/big.bin 2>/dev/null | cmp -s - "$T/big.bin" && ok "a 32 MiB object streams intact" ||
  bad "big object differs"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "# streamed 32 MiB in $ms ms ($((32 * 1000 / (ms > 0 ? ms : 1))) MiB/s, ASan build, through the Node front)"

# a misspelled endpoint fails at once, naming the host, not after the retry budget
t0=$(date +%s%N)
out=$(rkx --data "$T/typo" ingest s3://demo/csv --endpoint-url "http://no-such-host.invalid:$PORT")
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "$rc" 2 "a misspelled endpoint is a usage error"
check_has "$out" "the host no-such-host.invalid of the S3 endpoint" "which names the host"
[ "$ms" -lt 5000 ] && ok "and fails at once ($ms ms)" || bad "a misspelled endpoint took $ms ms to fail"

"$RECKON" ingest --help >"$T/help"
check_has "$(cat "$T/help")" "--external-id ID" "ingest --help lists the S3 options"
for s in "$SECRET" "stranger-secret" "wrong/secret+key"; do
  if grep -qF -- "$s" "$ALL" "$T/help"; then bad "a secret appears in reckon's output"; fi
done
tokens=$(log_eval 'l.filter(e=>e.issued).length')
[ "$tokens" -ge 2 ] && ok "no secret in any output ($tokens temporary credentials issued meanwhile)" || bad "expected issued credentials"
finish
