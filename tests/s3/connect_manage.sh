#!/usr/bin/env bash
# `reckon connect list | show | remove [--purge]` against s3rver behind the
# verifying front. Three connections, each with its own data (a connection's
# data is its source s3://BUCKET/PREFIX, loaded here by `reckon ingest`):
#   x  s3://demo/cur-x   payer 111111111111  2025-01: 1.25 + 2.50
#   y  s3://demo/cur-y   payer 222222222222  2025-01: 10.00, 2025-02: 5.50
#   z  s3://other/cur    payer 333333333333  2025-01: 100.50
# Expected figures are the sums of those amounts, worked here with Python's
# Decimal, not read from reckon:
#   - list and show give each connection's fields, ExternalId and periods;
#   - `remove x` keeps its data (the total and its segment stay) and says how
#     to delete it; `remove y --purge` deletes y's segment files and periods
#     (payer 222222222222 gone from reports and status) while z and x's data
#     are untouched; a purge is refused while another connection reads the
#     same bucket and prefix; unknown names are usage errors.
. "$(dirname "$0")/../cli/lib.sh"
. "$(dirname "$0")/lib.sh"
front_start
W=$T/ws
PY=/usr/bin/python3
sum() { "$PY" -c 'import sys; from decimal import Decimal as D; print(sum((D(a) for a in sys.argv[1:]), D(0)))' "$@"; }
# deq A B: the two decimals are equal.
deq() { "$PY" -c 'import sys; from decimal import Decimal as D; sys.exit(0 if D(sys.argv[1]) == D(sys.argv[2]) else 1)' "$1" "$2" 2>/dev/null; }
check_dec() { if deq "$1" "$2"; then ok "$3 ($1)"; else bad "$3: expected $2, got [$1]"; fi; }
jsq() { node -e "const j=JSON.parse(require('fs').readFileSync(0,'utf8'));console.log($1)"; }
segs() { find "$W/segments" -name '*.rks' | wc -l; }
payer_total() { rk --data "$W" report cost --group-by payer --format csv | awk -F, -v p="$1" 'NR>1 && $1==p {print $2}'; }

cur_csv "$T/b/demo/cur-x/cur-x/2025-01 part 1.csv" 111111111111 2025-01 1.25 2.50
cur_csv "$T/b/demo/cur-y/cur-y/2025-01.csv" 222222222222 2025-01 10.00
cur_csv "$T/b/demo/cur-y/cur-y/2025-02.csv" 222222222222 2025-02 5.50
cur_csv "$T/b/other/cur/cur-z/2025-01.csv" 333333333333 2025-01 100.50
out=$(aws_ s3 cp --recursive --only-show-errors "$T/b/demo" s3://demo/ 2>&1 &&
  aws_ s3 cp --recursive --only-show-errors "$T/b/other" s3://other/ 2>&1) && ok "awscli uploaded the buckets" ||
  bad "upload: $out"
X=$(sum 1.25 2.50) Y=$(sum 10.00 5.50) Z=$(sum 100.50)

# --- connections, then their data ---
P=arn:aws:iam::$ACCOUNT:user/ci
rk --data "$W" connect template --name x --bucket demo --prefix cur-x --trust-principal "$P" >/dev/null 2>&1 || bad "template x"
rk --data "$W" connect template --name y --bucket demo --prefix /cur-y/ --report cur-y --trust-principal "$P" \
  --external-id reckon-ext-y >/dev/null 2>&1 || bad "template y"
rk --data "$W" connect template --name z --bucket other --prefix cur --trust-principal "$P" >/dev/null 2>&1 || bad "template z"
for u in s3://demo/cur-x s3://demo/cur-y s3://other/cur; do
  rk --data "$W" ingest "$u" --endpoint-url "$EP" >/dev/null 2>&1 || bad "ingest $u"
done
check_dec "$(total "$W")" "$(sum "$X" "$Y" "$Z")" "the workspace holds the three connections' data"
check_eq "$(segs)" 4 "four deliveries, four segment files"

# --- list ---
l=$(rk --data "$W" connect list --format json)
check_eq "$(jsq 'j.connections.map(c=>[c.name,c.source,c.report,String(c.role_arn),c.status].join("|")).join(" ")' <<<"$l")" \
  "x|s3://demo/cur-x||null|waiting for its role y|s3://demo/cur-y|cur-y|null|waiting for its role z|s3://other/cur||null|waiting for its role" \
  "list --format json: name, source, report, role, status of each"
l=$(rk --data "$W" connect list)
check_has "$l" "NAME" "list as a table has a header"
check_has "$(grep -E '^y ' <<<"$l")" "s3://demo/cur-y" "and y's row names its bucket and prefix"
check_eq "$(rk --data "$W" connect list --format csv | head -1)" "name,source,report,role_arn,last_sync,status" "list --format csv header"

# --- show ---
s=$(rk --data "$W" connect show y --format json)
check_eq "$(jsq '[j.name,j.bucket,j.prefix,j.report,j.external_id,j.source.uri,j.source.periods.join(","),JSON.stringify(j.recipients)].join("|")' <<<"$s")" \
  "y|demo|cur-y|cur-y|reckon-ext-y|s3://demo/cur-y|2025-01,2025-02|[]" "show y --format json: fields, ExternalId, source and its two periods"
s=$(rk --data "$W" connect show z)
check_has "$s" "periods       2025-01" "show z (table): its period"
check_has "$s" "external id   " "show z (table): its ExternalId"
check_has "$s" "last sync     never" "show z (table): never synced"
rk --data "$W" connect show nobody >/dev/null 2>"$T/err"
check_eq "$?" 2 "show of an unknown connection: exit 2"
check_has "$(cat "$T/err")" "x, y, z" "and the error names the connections there are"

# --- remove without --purge: the data stays ---
out=$(rk --data "$W" connect remove x 2>&1)
check_eq "$?" 0 "remove x exits 0"
check_has "$out" "stays in the workspace" "remove x says its data stays"
check_has "$out" "--purge" "and how to delete it"
check_eq "$(rk --data "$W" connect list --format json | jsq 'j.connections.map(c=>c.name).join(" ")')" "y z" "x is no longer listed"
check_dec "$(total "$W")" "$(sum "$X" "$Y" "$Z")" "x's data still answers report cost"
check_dec "$(payer_total 111111111111)" "$X" "payer 111111111111 is still reported"
check_eq "$(segs)" 4 "no segment file was deleted"
rk --data "$W" connect remove x >/dev/null 2>&1
check_eq "$?" 2 "removing x again: exit 2"

# --- a purge is refused while another connection reads the same data ---
rk --data "$W" connect template --name z2 --bucket other --prefix cur/ --trust-principal "$P" >/dev/null 2>&1 || bad "template z2"
out=$(rk --data "$W" connect remove z --purge 2>&1)
check_eq "$?" 2 "remove z --purge while z2 reads s3://other/cur: exit 2"
check_has "$out" "z2" "and the error names z2"
check_eq "$(rk --data "$W" connect list --format json | jsq 'j.connections.map(c=>c.name).join(" ")')" "y z z2" "z is kept"
check_dec "$(payer_total 333333333333)" "$Z" "z's data is kept"
rk --data "$W" connect remove z2 >/dev/null 2>&1 || bad "remove z2"

# --- remove --purge: y's data is deleted, nothing else ---
out=$(rk --data "$W" connect remove y --purge 2>&1)
check_eq "$?" 0 "remove y --purge exits 0"
check_has "$out" "2 billing periods" "it says two billing periods were deleted"
check_has "$out" "2 segment files" "and two segment files"
check_eq "$(segs)" 2 "two segment files are left (x's and z's)"
check_dec "$(total "$W")" "$(sum "$X" "$Z")" "report cost no longer counts y's data"
check_eq "$(payer_total 222222222222)" "" "payer 222222222222 is gone from report cost"
st=$(rk --data "$W" status --format json)
check_eq "$(jsq 'j.periods.filter(p=>p.payer==="222222222222").length' <<<"$st")" 0 "status shows no period of payer 222222222222"
check_eq "$(jsq 'j.sources.map(s=>s.uri).sort().join(" ")' <<<"$st")" "s3://demo/cur-x s3://other/cur" \
  "status lists x's and z's sources, not y's"
check_eq "$(jsq 'j.periods.filter(p=>p.payer==="333333333333").map(p=>p.period).join(",")' <<<"$st")" "2025-01" \
  "z's period is untouched"
s=$(rk --data "$W" connect show z --format json)
check_eq "$(jsq 'j.source.periods.join(",")' <<<"$s")" "2025-01" "show z still finds its period"

# --- a connection without data ---
rk --data "$W" connect template --name empty --bucket demo --prefix nothing --trust-principal "$P" >/dev/null 2>&1
out=$(rk --data "$W" connect remove empty 2>&1)
check_has "$out" "no data" "removing a connection without data says so"
rk --data "$W" connect remove --purge >/dev/null 2>&1
check_eq "$?" 2 "remove without a name: exit 2"
finish
