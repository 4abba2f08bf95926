#!/usr/bin/env bash
# Container and EC2 instance credentials in reckon's AWS chain, against the
# verifying front (tests/s3/front.mjs) and a metadata emulator
# (tests/s3/imds.mjs) that hands out keys of front users ("ci", whom the
# role reckon-read trusts), each with a random session token and an
# Expiration; the Debian AWS CLI fetches from the same emulator first, so it
# speaks the protocol the CLI expects:
#   - with no keys anywhere, only the instance metadata service:
#     `reckon ingest s3://demo/...` works and equals the local ingest; the
#     emulator refuses a GET without a session token (401), and reckon did
#     the IMDSv2 flow (PUT /latest/api/token with a TTL, then the GETs with
#     a valid token, none without); every S3 request was signed with the
#     issued key;
#   - short-lived instance credentials (6 s) during a run of ~15 s are
#     renewed (several fetches, not one per request), every S3 request fell
#     inside the lifetime of the key that signed it, none was refused;
#   - a profile with credential_source = Ec2InstanceMetadata + role_arn +
#     external_id assumes the role with the instance credentials and the
#     ExternalId; EcsContainer likewise with the container's;
#   - only container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI on
#     127.0.0.1 with the token file (a final newline allowed) or the token
#     variable; the container wins over IMDS; a wrong token is refused
#     clearly; a host outside the allowed ones is refused before any request;
#   - a server without IMDSv2 (token call 404): IMDSv1 as the CLI does, which
#     this emulator refuses (401), and a clear error; with IMDSv1 disabled no
#     tokenless request at all; no instance role; a service that never
#     answers or a closed port: "no AWS credentials found", naming the
#     instance role, within seconds;
#   - no secret (keys, session tokens, the container token) in any output.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"

# the instance role's keys: front users named "ci" (trusted by reckon-read)
POOL=""
for i in 1 2 3 4 5 6; do
  POOL="$POOL, {\"akid\": \"ASIAINSTANCEROLE000$i\", \"secret\": \"inst/Secret+$i$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')\", \"name\": \"ci\"}"
done
FRONT_EXTRA_USERS=$POOL front_start
ALL="$T/all-output"
: >"$ALL"
runx() { "$@" 2>&1 | tee -a "$ALL"; return "${PIPESTATUS[0]}"; }

CPATH=/v2/credentials/task-4f1c
CTOKEN="Bearer-ctok-$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >"$T/imds.json" <<JSON
{"users": [${POOL#, }], "role": "reckon-instance", "lifetime": 3600,
 "containerPath": "$CPATH", "containerToken": "$CTOKEN"}
JSON
(cd "$NODE_DIR" && exec node "$S3DIR/imds.mjs" "$T/imds.json" "$T/imds.port") >"$T/imds.out" 2>&1 &
IMDS_PID=$!
trap 'kill $FRONT_PID $IMDS_PID 2>/dev/null; wait $FRONT_PID $IMDS_PID 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 1 100); do [ -s "$T/imds.port" ] && break; sleep 0.1; done
[ -s "$T/imds.port" ] || { echo "FAIL - the metadata emulator did not start:"; cat "$T/imds.out"; exit 1; }
IPORT=$(sed -E 's/.*"port":([0-9]+).*/\1/' "$T/imds.port")
IEP=http://127.0.0.1:$IPORT
imds_ctl() { curl -sS -X POST --data-binary "${2:-null}" "$IEP/__imds/$1" >/dev/null; }
ilog_eval() { curl -sS "$IEP/__imds/log" | node -e "let l=JSON.parse(require('fs').readFileSync(0,'utf8'));console.log($1)"; }
# only the instance metadata service: no keys, IMDS on, at the emulator
# (with a final slash: the AWS CLI 2.9 needs it, reckon takes either)
imds_env() { env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_EC2_METADATA_DISABLED \
  AWS_EC2_METADATA_SERVICE_ENDPOINT="$IEP/" "$@"; }
imds_rk() { runx imds_env "$RECKON" --quiet "$@"; }
# only container credentials at FULL (default the emulator's), IMDS on too
CURI="$IEP$CPATH"
cont_rk() { runx imds_env AWS_CONTAINER_CREDENTIALS_FULL_URI="${FULL:-$CURI}" "$RECKON" --quiet "$@"; }
printf '%s\n' "$CTOKEN" >"$T/ctoken"

# the bucket, and the reference: a local ingest of the same files
rk generate "$T/b/csv" --scale 0.05 --months 2 >/dev/null || bad "generate"
rk generate "$T/b/long" --scale 0.005 --months 8 >/dev/null || bad "generate long"
aws_ s3 cp --recursive --only-show-errors "$T/b" s3://demo/ || bad "upload"
for d in csv long; do
  rk --data "$T/local-$d" ingest "$T/b/$d" >/dev/null || bad "local ingest $d"
  rk --data "$T/local-$d" report cost --format csv >"$T/local-$d.csv"
done
# same_report WS [csv|long]: its report is byte for byte the local ingest's
same_report() { rk --data "$1" report cost --format csv | cmp -s - "$T/local-${2:-csv}.csv"; }

# --- the emulator, as the AWS CLI sees it ---
check_eq "$(curl -s -o /dev/null -w '%{http_code}' "$IEP/latest/meta-data/iam/security-credentials/")" 401 \
  "the emulator refuses a GET without a session token (401)"
out=$(imds_env "$AWS" --endpoint-url "$EP" sts get-caller-identity --query Arn --output text 2>&1)
check_eq "$out" "arn:aws:iam::$ACCOUNT:user/ci" "the AWS CLI gets the instance credentials from the emulator (GetCallerIdentity)"
check_eq "$(ilog_eval 'l.filter(e=>e.kind==="creds"&&e.status===200).length')" 1 "and the emulator logged that fetch"
out=$(env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_CONTAINER_CREDENTIALS_FULL_URI="$CURI" \
  AWS_CONTAINER_AUTHORIZATION_TOKEN="$CTOKEN" "$AWS" --endpoint-url "$EP" sts get-caller-identity --query Arn --output text 2>&1)
check_eq "$out" "arn:aws:iam::$ACCOUNT:user/ci" "the AWS CLI gets container credentials from the emulator too"

# --- only the instance metadata service ---
imds_ctl reset
front_ctl reset
imds_rk --data "$T/w1" ingest s3://demo/csv --endpoint-url "$EP" >/dev/null
check_eq "$?" 0 "only IMDS (no AWS_ACCESS_KEY_ID, no profile): ingest s3://demo/csv works"
same_report "$T/w1" && ok "and its report is byte for byte the local ingest's" || bad "IMDS ingest report differs"
check_eq "$(ilog_eval 'l.map(e=>e.method+" "+e.path+" "+e.status).join(", ")')" \
  "PUT /latest/api/token 200, GET /latest/meta-data/iam/security-credentials/ 200, GET /latest/meta-data/iam/security-credentials/reckon-instance 200" \
  "reckon asked for a session token, then the role, then its credentials"
check_eq "$(ilog_eval 'l[0].ttl')" 21600 "the token was asked with X-aws-ec2-metadata-token-ttl-seconds: 21600"
check_eq "$(ilog_eval 'l.slice(1).every(e=>e.session==="valid")')" true "both GETs carried the valid session token"
issued=$(ilog_eval 'l.filter(e=>e.kind==="creds").map(e=>e.akid).join()')
check_eq "$(log_eval 'l.filter(e=>e.service==="s3").every(e=>e.akid==="'"$issued"'")&&l.some(e=>e.service==="s3")')" true \
  "every S3 request was signed with the instance role's key ($issued)"
check_eq "$(log_eval 'l.filter(e=>e.status>=400).length')" 0 "and none was refused"

# --- renewal: 6-second credentials during a run of ~15 s (8 periods, each request delayed) ---
imds_ctl reset
imds_ctl set '{"lifetime": 6}'
front_ctl reset
front_ctl faults '[{"service":"s3","method":"GET","action":"delay","seconds":1.2,"times":-1}]'
t0=$(date +%s%N)
imds_rk --data "$T/w2" ingest s3://demo/long --endpoint-url "$EP" >/dev/null
check_eq "$?" 0 "a long run on 6-second instance credentials works"
ms=$((($(date +%s%N) - t0) / 1000000))
front_ctl faults '[]'
imds_ctl set '{"lifetime": 3600}'
same_report "$T/w2" long && ok "and loads the same report" || bad "renewal run report differs"
fetches=$(ilog_eval 'l.filter(e=>e.kind==="creds").length')
reqs=$(log_eval 'l.filter(e=>e.service==="s3").length')
[ "$fetches" -ge 3 ] && [ "$fetches" -le $((ms / 2500 + 2)) ] && [ "$fetches" -lt "$reqs" ] &&
  ok "the credentials were fetched $fetches times in $ms ms for $reqs S3 requests (renewed ~3 s before expiry, not per request)" ||
  bad "renewals: $fetches fetches in $ms ms for $reqs requests"
check_eq "$(ilog_eval 'l.filter(e=>e.kind==="token").length')" "$fetches" "each renewal took a fresh session token"
# every S3 request inside the lifetime of the key that signed it
curl -sS "$IEP/__imds/log" >"$T/ilog.json"
check_eq "$(log_eval '(()=>{const w=JSON.parse(require("fs").readFileSync("'"$T/ilog.json"'","utf8")).filter(e=>e.kind==="creds");
  return l.filter(e=>e.service==="s3").filter(e=>!w.some(x=>x.akid===e.akid&&x.issued<=e.t&&e.t<x.expires)).length})()')" 0 \
  "every S3 request was signed with a key still within its Expiration"
check_eq "$(log_eval 'new Set(l.filter(e=>e.service==="s3").map(e=>e.akid)).size>=3')" true \
  "S3 requests moved on to each renewed key"
check_eq "$(log_eval 'l.filter(e=>e.status>=400).length')" 0 "no request was refused"

# --- a profile: credential_source = Ec2InstanceMetadata, role_arn, external_id ---
cat >>"$AWS_CONFIG_FILE" <<EOF
[profile on-ec2]
role_arn = $ROLE_ARN
credential_source = Ec2InstanceMetadata
external_id = $EXTERNAL_ID
[profile in-ecs]
role_arn = $ROLE_ARN
credential_source = EcsContainer
external_id = $EXTERNAL_ID
EOF
imds_ctl reset
front_ctl reset
imds_rk --data "$T/w3" ingest s3://demo/csv --endpoint-url "$EP" --profile on-ec2 >/dev/null
check_eq "$?" 0 "--profile with credential_source = Ec2InstanceMetadata and role_arn: ingest works"
same_report "$T/w3" && ok "and loads the same report" || bad "profile ingest report differs"
inst=$(ilog_eval 'l.filter(e=>e.kind==="creds").map(e=>e.akid).join()')
check_eq "$(log_eval 'l.filter(e=>e.action==="AssumeRole"&&e.status===200).map(e=>e.externalId+" "+e.akid).join()')" \
  "$EXTERNAL_ID $inst" "the role was assumed with the ExternalId, signed by the instance credentials"
role_key=$(log_eval 'l.filter(e=>e.action==="AssumeRole").map(e=>e.issued).join()')
check_eq "$(log_eval 'l.filter(e=>e.service==="s3").every(e=>e.akid==="'"$role_key"'")')" true \
  "every S3 request was signed with the role's credentials"
out=$(runx env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$RECKON" --quiet --data "$T/w3" ingest s3://demo/csv \
  --endpoint-url "$EP" --profile on-ec2)
check_has "$out" "AWS_EC2_METADATA_DISABLED=true turns the instance metadata service off" \
  "with IMDS disabled, that profile says why it has no credentials"

# --- only container credentials ---
imds_ctl reset
front_ctl reset
AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$T/ctoken" cont_rk --data "$T/w4" ingest s3://demo/csv --endpoint-url "$EP" >/dev/null
check_eq "$?" 0 "only container credentials (FULL_URI on 127.0.0.1, the token file): ingest works"
same_report "$T/w4" && ok "and loads the same report" || bad "container ingest report differs"
check_eq "$(ilog_eval 'l.map(e=>e.kind+":"+e.auth+":"+e.status).join()')" "container:ok:200" \
  "one GET of the container endpoint with the file's token (its final newline dropped), and no IMDS request"
issued=$(ilog_eval 'l.filter(e=>e.kind==="container").map(e=>e.akid).join()')
check_eq "$(log_eval 'l.filter(e=>e.service==="s3").every(e=>e.akid==="'"$issued"'")')" true \
  "every S3 request was signed with the container's key"
imds_ctl reset
AWS_CONTAINER_AUTHORIZATION_TOKEN="$CTOKEN" cont_rk --data "$T/w5" ingest s3://demo/csv --endpoint-url "$EP" >/dev/null
check_eq "$?" 0 "the token in AWS_CONTAINER_AUTHORIZATION_TOKEN works too"
check_eq "$(ilog_eval 'l.map(e=>e.auth).join()')" ok "with the right Authorization"
imds_ctl reset
front_ctl reset
AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$T/ctoken" cont_rk --data "$T/w6" ingest s3://demo/csv --endpoint-url "$EP" \
  --profile in-ecs >/dev/null
check_eq "$?" 0 "--profile with credential_source = EcsContainer and role_arn: ingest works"
check_eq "$(log_eval 'l.filter(e=>e.action==="AssumeRole"&&e.status===200).map(e=>e.externalId+" "+e.akid).join()')" \
  "$EXTERNAL_ID $(ilog_eval 'l.filter(e=>e.kind==="container").map(e=>e.akid).join()')" \
  "the role was assumed with the ExternalId, signed by the container credentials"
printf 'Bearer-not-the-token\n' >"$T/wrongtoken"
out=$(AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$T/wrongtoken" cont_rk --data "$T/w7" ingest s3://demo/csv --endpoint-url "$EP")
rc=$?
[ "$rc" -ne 0 ] && ok "a wrong container token: exit status $rc" || bad "a wrong container token succeeded"
check_has "$out" "the container credentials endpoint $CURI answered HTTP 401" "which names the endpoint and its answer"
check_has "$out" "check the token in AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" "and what to check"
check_lacks "$out" "Bearer-not-the-token" "without showing the token"
imds_ctl reset
for host in "example.com:$IPORT" "169.254.170.3" "[fd00:ec2::24]" "10.0.0.1:$IPORT"; do
  out=$(FULL="http://$host/creds" AWS_CONTAINER_AUTHORIZATION_TOKEN="$CTOKEN" cont_rk --data "$T/w8" ingest s3://demo/csv --endpoint-url "$EP")
  rc=$?
  h=${host%:"$IPORT"}; h=${h#[}; h=${h%]}
  [ "$rc" -ne 0 ] && check_has "$out" "AWS_CONTAINER_CREDENTIALS_FULL_URI names the host $h, from which reckon" \
    "a FULL_URI on $host is refused, naming the host" || bad "a FULL_URI on $host was accepted"
done
check_has "$out" "only a loopback address (127.0.0.1, ::1, localhost), 169.254.170.2 (ECS) and 169.254.170.23" \
  "and the message lists the allowed hosts"
check_eq "$(ilog_eval 'l.length')" 0 "no request went anywhere for a refused host"

# --- the token flow and failures ---
imds_ctl reset
imds_ctl set '{"mode": "notoken"}'
out=$(imds_rk --data "$T/w9" ingest s3://demo/csv --endpoint-url "$EP")
check_has "$out" "no AWS credentials found" "no IMDSv2 token (404): no credentials found"
check_has "$out" "answered HTTP 401 to GET /latest/meta-data/iam/security-credentials/ (sent without a session token, IMDSv1: PUT /latest/api/token got HTTP 404)" \
  "reckon tried IMDSv1 as the AWS CLI does, and says the emulator refused it"
check_eq "$(ilog_eval 'l.map(e=>e.method+":"+e.status+":"+(e.session||"-")).join()')" "PUT:404:-,GET:401:none" \
  "the emulator saw the token call, then one GET without a token"
imds_ctl reset
out=$(AWS_EC2_METADATA_V1_DISABLED=true imds_rk --data "$T/w9" ingest s3://demo/csv --endpoint-url "$EP")
check_has "$out" "refused a session token (HTTP 404) and IMDSv1 is disabled" "with IMDSv1 disabled: said so"
check_eq "$(ilog_eval 'l.filter(e=>e.method==="GET").length')" 0 "and no GET without a token was sent"
imds_ctl set '{"mode": "norole"}'
out=$(imds_rk --data "$T/w9" ingest s3://demo/csv --endpoint-url "$EP")
check_has "$out" "this EC2 instance has no instance role" "an instance without a role: said so"
imds_ctl set '{"mode": "hang"}'
t0=$(date +%s%N)
out=$(imds_rk --data "$T/w9" ingest s3://demo/csv --endpoint-url "$EP")
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
imds_ctl set '{"mode": "v2"}'
[ "$rc" -ne 0 ] && [ "$ms" -lt 6000 ] && ok "a metadata service that never answers fails in $ms ms (exit $rc)" ||
  bad "a hanging metadata service: exit $rc after $ms ms"
check_has "$out" "no AWS credentials found" "with the usual message"
check_has "$out" "run reckon on EC2 with an instance role" "which mentions the instance role"
check_has "$out" "did not answer" "and says the service did not answer"
t0=$(date +%s%N)
out=$(IEP=http://127.0.0.1:9 imds_rk --data "$T/w9" ingest s3://demo/csv --endpoint-url "$EP")
ms=$((($(date +%s%N) - t0) / 1000000))
check_has "$out" "no AWS credentials found: none in the environment or $AWS_SHARED_CREDENTIALS_FILE, and no EC2 instance role" \
  "not on EC2 (nothing listening): no credentials found, naming the instance role ($ms ms)"
[ "$ms" -lt 3000 ] && ok "and that fails fast" || bad "a closed metadata port took $ms ms"

# --- no secret anywhere ---
curl -sS "$IEP/__imds/issued" | node -e \
  'for (const x of JSON.parse(require("fs").readFileSync(0,"utf8"))) console.log(x.secret+"\n"+x.token)' >"$T/secrets"
node -e 'for (const u of JSON.parse(require("fs").readFileSync(process.argv[1])).users) console.log(u.secret)' \
  "$T/imds.json" >>"$T/secrets"
printf '%s\n%s\n' "$CTOKEN" "$SECRET" >>"$T/secrets"
leaks=0
while IFS= read -r s; do
  [ -n "$s" ] && grep -qF -- "$s" "$ALL" && leaks=$((leaks + 1))
done <"$T/secrets"
check_eq "$leaks" 0 "no secret in any output ($(grep -c . "$T/secrets") secrets and tokens checked)"
finish
