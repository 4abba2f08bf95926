#!/usr/bin/env bash
# The verifying front is strict: requests signed by Debian's awscli pass;
# the same requests changed after signing (a header, the query, the path,
# the body), signed with a wrong secret, unsigned, or with a session token
# that was not issued fail with S3's and STS's own error codes. STS through
# awscli: GetCallerIdentity, AssumeRole with the right, a wrong and no
# ExternalId, and the issued credentials used for S3. reckon's own signing
# goes through the same front in tests/s3/ingest.sh.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"
front_start

echo "hello, signed world" >"$T/a.txt"
out=$(aws_ s3 cp "$T/a.txt" "s3://demo/t/a b=c+d é.txt" 2>&1) && ok "awscli upload passes" || bad "awscli upload: $out"
out=$(aws_ s3 ls s3://demo/t/ 2>&1)
check_has "$out" "a b=c+d é.txt" "awscli listing passes and shows the key"
out=$(aws_ s3api get-object --bucket demo --key "t/a b=c+d é.txt" --range bytes=0-4 "$T/got" 2>&1)
check_eq "$(cat "$T/got")" "hello" "awscli ranged GET passes"
check_eq "$(log_eval 'l.filter(e=>e.status>=400).length')" 0 "no request of awscli was refused"
check_eq "$(log_eval 'l.every(e=>e.akid==="'$AKID'")')" true "every request was signed by the test key"

# tampering: each rule changes the next request after awscli signed it
tampered() { # KIND NAME VALUE -- awscli args...
  local kind=$1 name=$2 value=$3; shift 4
  front_ctl reset
  front_ctl tamper "[{\"kind\":\"$kind\",\"name\":\"$name\",\"value\":\"$value\",\"times\":1}]"
  out=$(AWS_MAX_ATTEMPTS=1 aws_ "$@" 2>&1)
  echo "$?"
}
rc=$(tampered header range bytes=0-9 -- s3api get-object --bucket demo --key "t/a b=c+d é.txt" --range bytes=0-4 "$T/got")
check_eq "$rc/$(log_eval 'l[0].error')" "254/SignatureDoesNotMatch" "a changed signed header (Range) is refused"
rc=$(tampered header x-amz-date 20200101T000000Z -- s3api head-object --bucket demo --key "t/a b=c+d é.txt")
[ "$rc" != 0 ] && [ "$(log_eval 'l[0].error')" = RequestTimeTooSkewed ] && ok "a changed x-amz-date is refused" ||
  bad "changed x-amz-date: rc $rc, $(log_eval 'l[0].error')"
rc=$(tampered query "" max-keys=1 -- s3api list-objects-v2 --bucket demo --prefix t/)
check_eq "$rc/$(log_eval 'l[0].error')" "254/SignatureDoesNotMatch" "a parameter added to the query is refused"
rc=$(tampered path "" x -- s3api head-object --bucket demo --key "t/a b=c+d é.txt")
[ "$rc" != 0 ] && [ "$(log_eval 'l[0].error')" = SignatureDoesNotMatch ] && ok "a changed path is refused" ||
  bad "changed path: rc $rc, $(log_eval 'l[0].error')"
rc=$(tampered body "" "!" -- s3 cp "$T/a.txt" s3://demo/t/b.txt)
[ "$rc" != 0 ] && [ "$(log_eval 'l[0].error')" = XAmzContentSHA256Mismatch ] && ok "a changed body is refused" ||
  bad "changed body: rc $rc, $(log_eval 'l[0].error')"
rc=$(tampered header user-agent not-signed -- s3api head-object --bucket demo --key "t/a b=c+d é.txt")
check_eq "$rc/$(log_eval 'l[0].status')" "0/200" "a changed header that was not signed (User-Agent) passes"
rc=$(tampered header x-amz-meta-extra 1 -- s3api head-object --bucket demo --key "t/a b=c+d é.txt")
[ "$rc" != 0 ] && [ "$(log_eval 'l[0].error')" = AccessDenied ] && ok "an unsigned x-amz-* header is refused" ||
  bad "unsigned x-amz header: rc $rc"

front_ctl reset
out=$(AWS_SECRET_ACCESS_KEY=not-the-secret AWS_MAX_ATTEMPTS=1 aws_ s3 ls s3://demo/t/ 2>&1)
check_has "$out" "SignatureDoesNotMatch" "a wrong secret is refused"
out=$(AWS_ACCESS_KEY_ID=AKIDUNKNOWN000000000 AWS_MAX_ATTEMPTS=1 aws_ s3 ls s3://demo/t/ 2>&1)
check_has "$out" "InvalidAccessKeyId" "an unknown access key is refused"
code=$(curl -s -o /dev/null -w '%{http_code}' "$EP/demo?list-type=2")
check_eq "$code" 403 "an unsigned request is refused"

# STS through awscli
out=$(aws_ sts get-caller-identity --output text 2>&1)
check_has "$out" "arn:aws:iam::$ACCOUNT:user/ci" "GetCallerIdentity names the caller"
out=$(AWS_MAX_ATTEMPTS=1 aws_ sts assume-role --role-arn "$ROLE_ARN" --role-session-name ts --external-id wrong 2>&1)
check_has "$out" "AccessDenied" "AssumeRole with a wrong ExternalId is refused"
out=$(AWS_MAX_ATTEMPTS=1 aws_ sts assume-role --role-arn "$ROLE_ARN" --role-session-name ts 2>&1)
check_has "$out" "AccessDenied" "AssumeRole without the ExternalId is refused"
out=$(AWS_ACCESS_KEY_ID=AKIDSTRANGER00000001 AWS_SECRET_ACCESS_KEY=stranger-secret AWS_MAX_ATTEMPTS=1 \
  aws_ sts assume-role --role-arn "$ROLE_ARN" --role-session-name ts --external-id $EXTERNAL_ID 2>&1)
check_has "$out" "AccessDenied" "AssumeRole by a principal the role does not trust is refused"
creds=$(aws_ sts assume-role --role-arn "$ROLE_ARN" --role-session-name ts --external-id $EXTERNAL_ID \
  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text 2>&1)
read -r tak tsk ttok <<<"$creds"
[[ "$tak" == ASIA* ]] && ok "AssumeRole with the ExternalId issues temporary credentials" || bad "AssumeRole: $creds"
out=$(AWS_ACCESS_KEY_ID=$tak AWS_SECRET_ACCESS_KEY=$tsk AWS_SESSION_TOKEN=$ttok aws_ sts get-caller-identity --output text 2>&1)
check_has "$out" "assumed-role/reckon-read/ts" "the temporary credentials are the assumed role"
out=$(AWS_ACCESS_KEY_ID=$tak AWS_SECRET_ACCESS_KEY=$tsk AWS_SESSION_TOKEN=$ttok aws_ s3 ls s3://demo/t/ 2>&1)
check_has "$out" "a b=c+d é.txt" "S3 accepts the temporary credentials"
out=$(AWS_ACCESS_KEY_ID=$tak AWS_SECRET_ACCESS_KEY=$tsk AWS_SESSION_TOKEN=forged AWS_MAX_ATTEMPTS=1 aws_ s3 ls s3://demo/t/ 2>&1)
check_has "$out" "InvalidToken" "a forged session token is refused"
finish
