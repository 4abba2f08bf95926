#!/usr/bin/env bash
# `reckon connect template`: the CloudFormation template of the read-only
# role, checked by an independent checker (tests/node/cfn-policy-check.mjs)
# that knows only the IAM rules, with GetCallerIdentity answered by the S3
# tests' verifying front (tests/s3/front.mjs: user "ci" of account
# 111122223333 is arn:aws:iam::111122223333:user/ci):
#   - the template parses as JSON; the trust policy names the principal and
#     requires sts:ExternalId = the ExternalId the workspace stored; every
#     Allow statement grants only s3:ListBucket / s3:GetObject /
#     s3:GetBucketLocation on the bucket / BUCKET/PREFIX/*, ListBucket
#     limited by s3:prefix; the role ARN is an output (Fn::GetAtt); the
#     checker itself fails on tampered templates;
#   - the default principal comes from GetCallerIdentity (an IAM user, and
#     an assumed role turned into the role's ARN, with a note); a failed
#     GetCallerIdentity says to pass --trust-principal and saves nothing;
#   - the ExternalId is kept across calls; a pending connection is updated;
#   - bad bucket, prefix, report, principal, role name and ExternalId are
#     usage errors (exit 2) naming the problem, and save nothing;
#   - --output is written 0644 whatever the umask; the steps printed (and
#     the help) give CAPABILITY_NAMED_IAM and the event-notification warning.
. "$(dirname "$0")/lib.sh"
. "$TESTS/s3/lib.sh"
CHECK="$TESTS/node/cfn-policy-check.mjs"
front_start
W=$T/ws
ALL=$T/all-output
: >"$ALL"
# rkt ARGS...: connect template in workspace W; stdout to $T/out, stderr to $T/err.
rkt() {
  "$RECKON" --data "$W" connect template "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  cat "$T/out" "$T/err" >>"$ALL"
  return $rc
}
ext_of() { rk --data "$W" connect show "$1" --format json | node -e \
  'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).external_id)'; }
names() { rk --data "$W" connect list --format json | node -e \
  'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).connections.map(c=>c.name).join(" "))'; }
policy() { node "$CHECK" "$@" 2>&1; }
USER_ARN=arn:aws:iam::$ACCOUNT:user/ci

# --- help ---
h=$(rk connect template --help)
check_has "$h" "CAPABILITY_NAMED_IAM" "template help: create-stack needs CAPABILITY_NAMED_IAM"
check_has "$h" "crawler-cfn.yml" "template help: names the Athena integration's stack"
check_has "$h" "event notifications" "template help: warns about the bucket's event notifications"
check_has "$h" "--trust-principal ARN" "template help: documents --trust-principal"
h=$(rk connect --help)
for v in template aws list show remove; do check_has "$h" "  $v" "connect help lists \`$v\`"; done
check_has "$(rk help connect)" "reckon connect remove NAME [--purge]" "reckon help connect prints the same help"

# --- a new connection, principal from GetCallerIdentity ---
(umask 077 && rkt --name acme --bucket demo --prefix /cur/ --output "$T/acme.json")
check_eq "$?" 0 "template for a new connection exits 0"
out=$(cat "$T/out")
ext=$(ext_of acme)
[[ "$ext" =~ ^[0-9a-f]{32}$ ]] && ok "the stored ExternalId is 32 random hex digits" || bad "stored ExternalId: [$ext]"
r=$(policy "$T/acme.json" demo cur "$USER_ARN" "$ext")
check_eq "$r" "policy ok" "template: trust to $USER_ARN (GetCallerIdentity) with the stored ExternalId, least privilege on demo/cur/"
check_eq "$(stat -c %a "$T/acme.json")" 644 "--output is written with mode 644 under umask 077"
check_eq "$(ls -A "$T" | grep -c '\.tmp')" 0 "no temporary file is left beside the output"
check_has "$out" "aws cloudformation create-stack --stack-name reckon-acme --template-body file://$T/acme.json --capabilities CAPABILITY_NAMED_IAM --region us-east-1" \
  "the steps give the create-stack command with the file and CAPABILITY_NAMED_IAM"
check_has "$out" "https://console.aws.amazon.com/cloudformation/home?region=us-east-1#/stacks/create" "the steps give the console link"
check_has "$out" 'describe-stacks --stack-name reckon-acme --region us-east-1 --query "Stacks[0].Outputs"' "the steps say how to read the role ARN"
check_has "$out" "reckon connect aws --name acme --role-arn ARN" "the steps give the next command"
check_has "$out" "event notifications" "the steps warn about the Athena stack and event notifications"
check_has "$(node -e 'const t=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
  console.log(t.Resources.ReckonReadRole.Properties.RoleName)' "$T/acme.json")" "reckon-read-acme" "the role is named reckon-read-acme"
check_eq "$(names)" "acme" "the connection is saved"
check_eq "$(rk --data "$W" connect show acme --format json | node -e 'const c=JSON.parse(require("fs").readFileSync(0,"utf8"));
  console.log([c.bucket,c.prefix,c.report,c.role_arn].join("|"))')" "demo|cur||" \
  "saved: bucket demo, prefix cur (slashes stripped), no report, no role yet"

# --- the ExternalId is kept; the template on stdout, the steps on stderr ---
rkt --name acme
check_eq "$?" 0 "a second template of acme exits 0"
cp "$T/out" "$T/acme2.json"
check_eq "$(ext_of acme)" "$ext" "the second template keeps the stored ExternalId"
r=$(policy "$T/acme2.json" demo cur "$USER_ARN" "$ext")
check_eq "$r" "policy ok" "stdout is the template alone, with the same ExternalId"
check_has "$(cat "$T/err")" "CAPABILITY_NAMED_IAM" "with the template on stdout, the steps go to stderr"
check_has "$(cat "$T/err")" "file://reckon-acme.json" "and suggest a file name"

# --- a pending connection is updated by flags; the ExternalId stays ---
rkt --name acme --prefix cur2 --report hourly --trust-principal 444455556666 --output "$T/acme3.json"
check_eq "$?" 0 "template with a new prefix for the pending connection exits 0"
r=$(policy "$T/acme3.json" demo cur2 arn:aws:iam::444455556666:root "$ext")
check_eq "$r" "policy ok" "the new prefix is in the policy; a 12-digit account becomes its root ARN"
check_eq "$(ext_of acme)" "$ext" "and the ExternalId is still the stored one"
check_eq "$(rk --data "$W" connect show acme --format json | node -e 'const c=JSON.parse(require("fs").readFileSync(0,"utf8"));
  console.log(c.prefix+"|"+c.report)')" "cur2|hourly" "the pending connection now has prefix cur2, report hourly"

# --- once a role is saved (as `connect aws` does; set here in the catalog
#     with Debian's sqlite3), flags that differ are refused ---
/usr/bin/sqlite3 "$W/catalog.db" "UPDATE connections SET role_arn = '$ROLE_ARN' WHERE name = 'acme'" ||
  bad "sqlite3 could not set acme's role"
rkt --name acme --bucket other --trust-principal 444455556666
check_eq "$?" 2 "a connected connection: --bucket that differs is a usage error"
check_has "$(cat "$T/err")" "is connected with role $ROLE_ARN" "the error says it is connected, and with which role"
rkt --name acme --external-id another-id-42 --trust-principal 444455556666
check_eq "$?" 2 "a connected connection: --external-id that differs is a usage error"
rkt --name acme --prefix cur2 --trust-principal 444455556666 --output "$T/acme4.json"
check_eq "$?" 0 "a connected connection: flags that agree are fine"
r=$(policy "$T/acme4.json" demo cur2 arn:aws:iam::444455556666:root "$ext")
check_eq "$r" "policy ok" "and the template is the saved connection's, with its ExternalId"
check_eq "$(rk --data "$W" connect show acme --format json | node -e 'const c=JSON.parse(require("fs").readFileSync(0,"utf8"));
  console.log([c.bucket,c.prefix,c.external_id,c.role_arn].join("|"))')" "demo|cur2|$ext|$ROLE_ARN" \
  "the connected connection is unchanged"

# --- a given ExternalId, the bucket's root, the default name ---
rkt --bucket other --external-id reckon-ext-4242 --trust-principal arn:aws:iam::444455556666:role/ops/reckon-runner \
  --role-name CustomRole --output "$T/other.json"
check_eq "$?" 0 "template of a whole bucket exits 0"
check_eq "$(names)" "acme other" "the connection's name defaults to the bucket's"
check_eq "$(ext_of other)" "reckon-ext-4242" "--external-id is stored"
r=$(policy "$T/other.json" other "" arn:aws:iam::444455556666:role/ops/reckon-runner reckon-ext-4242)
check_eq "$r" "policy ok" "whole bucket: ListBucket without a condition, GetObject on other/*, the role ARN with a path kept"
check_has "$(cat "$T/other.json")" '"RoleName": "CustomRole"' "--role-name names the role"

# --- an assumed role's session is turned into the role's ARN ---
printf '[profile ops]\nrole_arn = %s\nexternal_id = %s\ncredential_source = Environment\nregion = us-east-1\n' \
  "$ROLE_ARN" "$EXTERNAL_ID" >>"$AWS_CONFIG_FILE"
rkt --name viarole --bucket demo --prefix cur --profile ops --output "$T/viarole.json"
check_eq "$?" 0 "template with a profile that assumes a role exits 0"
r=$(policy "$T/viarole.json" demo cur "$ROLE_ARN" "$(ext_of viarole)")
check_eq "$r" "policy ok" "GetCallerIdentity's assumed-role session ARN becomes the trust to $ROLE_ARN"
check_has "$(cat "$T/err")" "STS does not tell a role's path" "a note says the role's path is not known from STS"
rkt --name viarole2 --bucket demo --prefix cur --trust-principal "arn:aws:sts::$ACCOUNT:assumed-role/reckon-read/s1" \
  --output "$T/viarole2.json"
r=$(policy "$T/viarole2.json" demo cur "$ROLE_ARN" "$(ext_of viarole2)")
check_eq "$r" "policy ok" "--trust-principal with a session ARN is turned into the role ARN too"

# --- GetCallerIdentity fails: a clear error, nothing saved ---
before=$(names)
AWS_SECRET_ACCESS_KEY='wrong/secret+key' rkt --name nope --bucket demo --prefix cur --output "$T/nope.json"
check_eq "$?" 3 "GetCallerIdentity refused: exit 3"
check_has "$(cat "$T/err")" "pass --trust-principal" "the error says to pass --trust-principal"
check_has "$(cat "$T/err")" "GetCallerIdentity" "and names the call that failed"
check_eq "$(names)" "$before" "nothing is saved"
[ -e "$T/nope.json" ] && bad "a template was written" || ok "no template is written"

# --- bad input: exit 2, the problem named, nothing saved ---
bad_case() { # DESCRIPTION EXPECTED-TEXT ARGS...
  local d=$1 want=$2; shift 2
  rkt "$@" --trust-principal 111122223333 --output "$T/bad.json"
  local rc=$?
  check_eq "$rc" 2 "$d: exit 2"
  check_has "$(cat "$T/err")" "$want" "$d: the error says [$want]"
  [ -e "$T/bad.json" ] && { bad "$d: a template was written"; rm -f "$T/bad.json"; }
}
bad_case "bucket with capitals and '_'" "Bad_Bucket" --name b1 --bucket Bad_Bucket --prefix cur
bad_case "bucket too short" "--bucket" --name b1 --bucket ab
bad_case "prefix with a space" "a space at position 4" --name b1 --bucket demo --prefix "cur reports"
bad_case "prefix with '#'" "'#' at position 4" --name b1 --bucket demo --prefix "cur#1"
bad_case "prefix over 256 characters" "at most 256" --name b1 --bucket demo --prefix "$(printf 'a%.0s' $(seq 1 257))"
bad_case "report name with '/'" "'/' at position 3" --name b1 --bucket demo --prefix cur --report "ab/c"
bad_case "report name with a space" "--report" --name b1 --bucket demo --prefix cur --report "my report"
bad_case "bad ExternalId" "--external-id" --name b1 --bucket demo --external-id 'x'
bad_case "bad role name" "--role-name" --name b1 --bucket demo --role-name 'has space'
bad_case "default role name too long" "pass --role-name" --name "$(printf 'n%.0s' $(seq 1 60))" --bucket demo
bad_case "bad connection name" "--name" --name Upper --bucket demo
bad_case "no bucket for a new connection" "give --bucket" --name fresh
rkt --name b1 --bucket demo --trust-principal arn:aws:s3:::demo --output "$T/bad.json"
check_eq "$?" 2 "a principal that is no IAM user, role or account: exit 2"
check_has "$(cat "$T/err")" "--trust-principal" "and the error names --trust-principal"
rkt --name b1 --bucket demo --trust-principal "arn:aws:iam::12345:user/x" --output "$T/bad.json"
check_eq "$?" 2 "an account of 5 digits: exit 2"
check_eq "$(names)" "$before" "no bad call saved a connection"

# --- the checker fails on what it must refuse ---
tamper() { # DESCRIPTION JS-EXPRESSION-ON-t
  node -e 'const fs=require("fs");const t=JSON.parse(fs.readFileSync(process.argv[1],"utf8"));
    const P=t.Resources.ReckonReadRole.Properties, S=P.Policies[0].PolicyDocument.Statement;'"$2"';
    fs.writeFileSync(process.argv[2],JSON.stringify(t))' "$T/acme.json" "$T/tampered.json"
  if node "$CHECK" "$T/tampered.json" demo cur "$USER_ARN" "$ext" >/dev/null 2>&1; then bad "checker accepts $1"
  else ok "the checker refuses $1"; fi
}
tamper "s3:PutObject" 'S[1].Action=["s3:GetObject","s3:PutObject"]'
tamper "a wildcard action" 'S[1].Action="s3:*"'
tamper "GetObject on the whole bucket" 'S[1].Resource="arn:aws:s3:::demo/*"'
tamper "a resource in another bucket" 'S[2].Resource="arn:aws:s3:::other"'
tamper "ListBucket without the prefix condition" 'delete S[0].Condition'
tamper "a wider s3:prefix" 'S[0].Condition.StringLike["s3:prefix"]=["*"]'
tamper "a trust without ExternalId" 'delete P.AssumeRolePolicyDocument.Statement[0].Condition'
tamper "another ExternalId" 'P.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals["sts:ExternalId"]="x"'
tamper "another principal" 'P.AssumeRolePolicyDocument.Statement[0].Principal.AWS="*"'
tamper "a managed policy" 'P.ManagedPolicyArns=["arn:aws:iam::aws:policy/AdministratorAccess"]'
tamper "a second resource" 't.Resources.P={Type:"AWS::IAM::Policy",Properties:{}}'
tamper "no role ARN output" 'delete t.Outputs.RoleArn'

check_lacks "$(cat "$ALL")" "$SECRET" "the secret access key appears in no output"
check_lacks "$(cat "$ALL")" "wrong/secret+key" "nor does the wrong one"
finish
