# Shared helpers for the S3 tests. Source it after tests/cli/lib.sh.
# Starts the verifying front (front.mjs, with s3rver inside) on a free port
# in a private HOME, and sets the AWS_* environment for reckon and for
# Debian's awscli (/usr/bin/aws; the `aws` on PATH may be another).
S3DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE_DIR=$(cd "$S3DIR/../node" && pwd)
AWS=/usr/bin/aws
ACCOUNT=111122223333
AKID=AKIDRECKONTEST0000001
SECRET='rEcKoN/TeSt+SeCrEt/0123456789abcdefGHIJKL'
EXTERNAL_ID=reckon-ext-4242
ROLE_ARN=arn:aws:iam::$ACCOUNT:role/reckon-read

# front_start [STS_LIFETIME_SECONDS]: runs the front; sets PORT and EP.
# FRONT_EXTRA_USERS (optional): more users, as JSON text that starts with a comma.
front_start() {
  local lifetime=${1:-3600}
  mkdir -p "$T/s3rver" "$T/home/.aws"
  cat >"$T/front.json" <<JSON
{"dir": "$T/s3rver", "buckets": ["demo", "other", "eu", "reckon-eu"], "account": "$ACCOUNT",
 "bucketRegions": {"eu": "eu-west-1", "reckon-eu": "eu-west-1"},
 "users": [{"akid": "$AKID", "secret": "$SECRET", "name": "ci"},
           {"akid": "AKIDSTRANGER00000001", "secret": "stranger-secret", "name": "stranger"}${FRONT_EXTRA_USERS:-}],
 "roles": [{"name": "reckon-read", "externalId": "$EXTERNAL_ID", "trust": ["ci"]},
           {"name": "no-external-id", "trust": ["ci"]}],
 "stsLifetimeSeconds": $lifetime}
JSON
  rm -f "$T/front.port"
  (cd "$NODE_DIR" && exec node --openssl-legacy-provider "$S3DIR/front.mjs" "$T/front.json" "$T/front.port") \
    >"$T/front.out" 2>&1 &
  FRONT_PID=$!
  trap 'kill $FRONT_PID 2>/dev/null; wait $FRONT_PID 2>/dev/null; rm -rf "$T"' EXIT
  for _ in $(seq 1 100); do [ -s "$T/front.port" ] && break; sleep 0.1; done
  if [ ! -s "$T/front.port" ]; then echo "FAIL - the front did not start:"; cat "$T/front.out"; exit 1; fi
  PORT=$(sed -E 's/.*"port":([0-9]+).*/\1/' "$T/front.port")
  EP=http://127.0.0.1:$PORT
  # A private HOME: nothing of the machine's ~/.aws leaks in.
  export HOME=$T/home
  export AWS_CONFIG_FILE=$T/home/.aws/config AWS_SHARED_CREDENTIALS_FILE=$T/home/.aws/credentials
  export AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET AWS_REGION=us-east-1
  export AWS_EC2_METADATA_DISABLED=true AWS_PAGER= AWS_CLI_AUTO_PROMPT=off
  export AWS_ENDPOINT_URL_STS=$EP
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_CA_BUNDLE
  printf '[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n' >"$AWS_CONFIG_FILE"
  : >"$AWS_SHARED_CREDENTIALS_FILE"
}

# front_ctl NAME JSON: POST to a control hook (faults, tamper, reset).
front_ctl() { curl -sS -X POST --data-binary "${2:-[]}" "$EP/__front/$1" >/dev/null; }
# front_log: the request log as JSON.
front_log() { curl -sS "$EP/__front/log"; }
# jq-free queries of the log: node evaluates FILTER over the entries `l`.
log_eval() { front_log | node -e "let l=JSON.parse(require('fs').readFileSync(0,'utf8'));console.log($1)"; }

aws_() { "$AWS" --endpoint-url "$EP" "$@"; }
