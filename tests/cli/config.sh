#!/usr/bin/env bash
# `reckon config`: set/get/list/unset in the workspace catalog, values checked
# when set, secrets never shown, the password file 0600, the schema migration.
. "$(dirname "$0")/lib.sh"
W=$T/ws
PY=/usr/bin/python3
unset RECKON_SMTP_PASSWORD
c() { "$RECKON" --data "$W" config "$@"; }

out=$($RECKON config --help); rc=$?
check_eq "$rc" 0 "config --help exits 0"
check_has "$out" "Usage: reckon config set KEY VALUE" "config --help shows usage"
check_has "$out" "smtp.starttls MODE" "config --help lists the keys from the settings table"
check_eq "$($RECKON help config)" "$out" "reckon help config = config --help"
out=$($RECKON notify --help); check_has "$out" "Usage: reckon notify test --to ADDRESS" "notify --help shows usage"
check_eq "$($RECKON help notify)" "$out" "reckon help notify = notify --help"

out=$(c get smtp.url 2>&1); rc=$?
check_eq "$rc" 2 "get on a missing workspace: exit 2"
check_has "$out" "no reckon workspace at $W" "get on a missing workspace: says so"
c set smtp.url smtps://mail.example.com; rc=$?
check_eq "$rc" 0 "set creates the workspace"
check_eq "$(c get smtp.url)" "smtps://mail.example.com" "get returns what set stored"
c set smtp.url 'smtp://mail.example.com:587/client.example.com' && check_eq "$(c get smtp.url)" "smtp://mail.example.com:587/client.example.com" "set replaces; a path is the EHLO name"

# set_fails KEY VALUE EXPECTED-MESSAGE — exit 2, the message, the old value kept.
set_fails() {
  local before after out rc
  before=$(c get "$1" 2>/dev/null)
  out=$(c set "$1" "$2" 2>&1); rc=$?
  after=$(c get "$1" 2>/dev/null)
  check_eq "$rc" 2 "$1 \"$2\": exit 2"
  check_has "$out" "$3" "$1 \"$2\": says why"
  check_eq "$after" "$before" "$1 \"$2\": the previous value is kept"
}
set_fails smtp.url http://mail.example.com "must start with smtp:// or smtps://"
set_fails smtp.url smtp:// "smtp.url has no host"
set_fails smtp.url smtp://mail.example.com:0 "the port must be a number from 1 to 65535"
set_fails smtp.url smtp://mail.example.com:65536 "the port must be a number from 1 to 65535"
set_fails smtp.url smtp://mail_example.com '"mail_example.com" is not a host name'
set_fails smtp.url 'smtp://mail.example.com?x=1' "must not have a query"
set_fails smtp.url 'smtp://[::1' "needs a closing ]"
c set smtp.url 'smtps://[::1]:4650' && ok "an IPv6 host" || bad "an IPv6 host"
out=$(c set smtp.url 'smtps://bob:Pa55wordInUrl@mail.example.com' 2>&1); rc=$?
check_eq "$rc" 2 "a password in the URL: exit 2"
check_has "$out" "must not hold a user or password" "a password in the URL: says where it goes instead"
check_lacks "$out" "Pa55wordInUrl" "a password in the URL is not repeated"
out=$(c set smtp.url 'smtp://mail.example.com:465' 2>&1); check_has "$out" "warning: port 465 usually means TLS" "smtp:// on 465 warns"

set_fails smtp.from reckon 'is not an email address: it has no @'
set_fails smtp.from 'a..b@example.com' "single dots between them"
set_fails smtp.from 'reckon@exa mple.com' "has a space"
set_fails smtp.from 'reckon@-example.com' "the domain after @ must be a host name"
set_fails smtp.from 'Reckon, Inc. <reckon@example.com>' "must be in double quotes"
set_fails smtp.from 'Reckon <reckon@example.com' "must end with >"
set_fails smtp.from 'rëckon@example.com' "non-ASCII characters are not supported"
c set smtp.from '"Reckon, Inc." <reckon@example.com>' && ok "a quoted display name" || bad "a quoted display name"
c set smtp.from 'Réckon <reckon@example.com>' && check_eq "$(c get smtp.from)" 'Réckon <reckon@example.com>' "a UTF-8 display name"
set_fails smtp.starttls maybe "must be required, optional or off"
out=$(c set smtp.starttls off 2>&1); check_has "$out" "in clear text" "starttls off warns"
c unset smtp.starttls
check_eq "$(c get smtp.starttls)" required "an unset key with a default: get prints the default"
for v in 0 601 abc -5 1.5 ""; do set_fails smtp.timeout "$v" "smtp.timeout must be a whole number from 1 to 600"; done
c set smtp.timeout 010 && check_eq "$(c get smtp.timeout)" 10 "timeout normalized (010 -> 10)"
set_fails smtp.retries 11 "smtp.retries must be a whole number from 0 to 10"
set_fails notify.dashboard-url 'https://admin:x@reckon.example.com' "must not hold a user or password"
set_fails notify.dashboard-url 'ftp://x' "must be an http:// or https:// URL"
out=$(c set smtp.nonsense 1 2>&1); rc=$?
check_eq "$rc" 2 "unknown key: exit 2"
check_has "$out" 'unknown setting "smtp.nonsense"; the settings are: smtp.url' "unknown key: lists the keys"
out=$(c get smtp.user 2>&1); rc=$?
check_eq "$rc" 1 "get of an unset key without default: exit 1"
check_has "$out" "smtp.user is not set" "get of an unset key: says so"

# Files: stored as absolute paths, checked when set.
echo "not a certificate" >"$T/ca.txt"
set_fails smtp.cafile "$T/ca.txt" "holds no PEM certificate"
set_fails smtp.cafile "$T/missing.pem" "cannot use $T/missing.pem"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/k.pem" -out "$T/ca.pem" -days 1 -subj /CN=t >/dev/null 2>&1
(cd "$T" && "$RECKON" --data "$W" config set smtp.cafile ca.pem) && check_eq "$(c get smtp.cafile)" "$(realpath "$T/ca.pem")" "a relative cafile is stored absolute"

# The password: never on the command line, never shown.
SECRET="Pw-$RANDOM-$RANDOM-$RANDOM-xyz"
out=$(c set smtp.password "$SECRET" 2>&1); rc=$?
check_eq "$rc" 2 "a password on the command line: exit 2"
check_has "$out" "is not taken on the command line" "a password on the command line: says why and how"
check_lacks "$out" "$SECRET" "a password on the command line is not repeated"
out=$(c get smtp.password 2>&1); rc=$?
check_eq "$out" "(not set)" "nothing was stored"
check_eq "$rc" 1 "get smtp.password when not set: exit 1"
out=$(umask 000; printf '%s\n' "$SECRET" | "$RECKON" --data "$W" config set smtp.password - 2>&1); rc=$?
check_eq "$rc" 0 "set smtp.password - reads stdin"
check_lacks "$out" "$SECRET" "set smtp.password - does not echo it"
check_eq "$(stat -c %a "$W/secrets/smtp-password")" 600 "the password file is 0600 (even with umask 000)"
check_eq "$(stat -c %a "$W/secrets")" 700 "the secrets folder is 0700"
check_eq "$(cat "$W/secrets/smtp-password")" "$SECRET" "the file holds the password"
check_eq "$(c get smtp.password)" "(set, from file $(realpath "$W")/secrets/smtp-password)" "get smtp.password says where, not what"
check_eq "$(c get smtp.password-file)" "$(realpath "$W")/secrets/smtp-password" "smtp.password-file points to it"
all=$(c list; c list --format csv; c list --format json; c get smtp.password; $RECKON --data "$W" config --help)
check_lacks "$all" "$SECRET" "list (table, csv, json), get and --help never show the password"
if grep -qaF -- "$SECRET" "$W"/catalog.db*; then bad "the password is in the catalog"; else ok "the password is not in the catalog"; fi
out=$(RECKON_SMTP_PASSWORD="$SECRET" "$RECKON" --data "$W" config get smtp.password)
check_eq "$out" "(set, from environment RECKON_SMTP_PASSWORD)" "the environment wins, and is named, not shown"
printf '%s\n' "$SECRET" >"$T/pw"; chmod 644 "$T/pw"
out=$(c set smtp.password-file "$T/pw" 2>&1); rc=$?
check_eq "$rc" 0 "a password file of the user's"
check_has "$out" "can be read by other users (mode 644)" "a readable password file warns"
check_lacks "$out" "$SECRET" "the warning does not show the password"
: >"$T/empty"; set_fails smtp.password-file "$T/empty" "is empty"
printf '%s\n' "$SECRET" | c set smtp.password - >/dev/null
c unset smtp.password
check_eq "$(c get smtp.password)" "(not set)" "unset smtp.password"
test -e "$W/secrets/smtp-password" && bad "unset removes reckon's own password file" || ok "unset removes reckon's own password file"

# list: every key, its value or default; machine formats parse.
c set smtp.user reckon@example.com
out=$(c list)
check_has "$out" "smtp.timeout          10" "list: a set value"
check_has "$out" "smtp.retries          3 (default)" "list: a default"
check_has "$out" "smtp.password         (not set)" "list: the password row"
json=$(c list --format json)
check_eq "$($PY -c 'import json,sys; d={s["key"]:s for s in json.load(sys.stdin)["settings"]}; print(d["smtp.user"]["value"], d["smtp.retries"]["state"], d["smtp.cafile"]["state"])' <<<"$json")" \
  "reckon@example.com default set" "list --format json parses, with states"
check_eq "$(c list --format csv | head -1)" "key,value,state" "list --format csv"
c unset smtp.user; out=$(c unset smtp.user 2>&1); check_has "$out" "smtp.user was not set" "unset twice: says it was not set"

# notify: usage errors before anything is sent.
out=$("$RECKON" --data "$W" notify test 2>&1); rc=$?
check_eq "$rc" 2 "notify test without --to: exit 2"
out=$("$RECKON" --data "$W" notify test --to 'bob' 2>&1); rc=$?
check_eq "$rc" 2 "notify test with a bad address: exit 2"
check_has "$out" '"bob" is not an email address' "notify: the bad address named"
c unset smtp.url
out=$("$RECKON" --data "$W" notify test --to bob@example.com 2>&1); rc=$?
check_eq "$rc" 2 "notify without smtp.url: exit 2"
check_has "$out" "no SMTP server is configured; run \`reckon config set smtp.url" "notify without smtp.url: says what to run"
out=$("$RECKON" --data "$W" notify ready --to bob@example.com --print 2>&1); rc=$?
check_eq "$rc" 2 "notify ready on an empty workspace: exit 2"
check_has "$out" "no processed billing period yet" "notify ready on an empty workspace: says so"

# The schema migrations: a version-1 catalog gains the settings and
# connections tables on open; a newer catalog is refused.
$PY - "$W/catalog.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("DROP TABLE settings; DROP TABLE recipients; DROP TABLE connections; UPDATE meta SET value='1' WHERE key='schema_version';")
db.commit()
PY
c set smtp.url smtps://mail.example.com && check_eq "$(c get smtp.url)" smtps://mail.example.com "a version-1 catalog is upgraded on open"
check_eq "$($PY -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select value from meta where key=\"schema_version\"").fetchone()[0])' "$W/catalog.db")" 3 "the catalog is at version 3"
check_eq "$($PY -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from connections").fetchone()[0])' "$W/catalog.db")" 0 "and has the connections table"
$PY -c 'import sqlite3,sys; d=sqlite3.connect(sys.argv[1]); d.execute("update meta set value=\"99\" where key=\"schema_version\""); d.commit()' "$W/catalog.db"
out=$(c list 2>&1); rc=$?
check_eq "$rc" 3 "a newer catalog: exit 3"
check_has "$out" "has catalog version 99; this reckon reads up to version 3" "a newer catalog: refused with both versions"
finish
