#!/usr/bin/env bash
# Every verb explains itself; the workspace comes from --data, RECKON_DATA or ./reckon-data.
. "$(dirname "$0")/lib.sh"
for v in ingest status "report cost" report prefer version sync connect "connect aws" "connect template" commitments; do
  out=$($RECKON $v --help); rc=$?
  check_eq "$rc" 0 "$v --help exits 0"
  case $v in connect) want="Usage: reckon connect template" ;; *) want="Usage: reckon $v" ;; esac
  check_has "$out" "$want" "$v --help shows usage"
  out2=$($RECKON help $v 2>&1)
  [ "$v" = "report cost" ] || check_eq "$out2" "$out" "reckon help $v = $v --help"
done
out=$($RECKON --help); check_has "$out" "Usage: reckon [--data DIR] VERB" "top-level help"
for v in ingest connect sync status report commitments prefer generate demo config notify version; do
  grep -qE "^  $v( |$)" <<<"$out" && ok "top-level help lists $v" || bad "top-level help lacks $v"
done
out=$($RECKON 2>&1); rc=$?; check_eq "$rc" 2 "no verb: exit 2"
out=$($RECKON frobnicate 2>&1); rc=$?; check_eq "$rc" 2 "unknown verb: exit 2"
check_has "$out" 'unknown verb "frobnicate"' "unknown verb named"
out=$($RECKON report cost --group-by nonsense 2>&1); rc=$?; check_eq "$rc" 2 "bad dimension: exit 2"
check_has "$out" 'unknown dimension "nonsense"' "bad dimension named"
out=$($RECKON report cost --granularity weekly 2>&1); check_has "$out" 'unknown granularity "weekly"' "bad granularity named"
out=$($RECKON report cost --from 2025-13-01 2>&1); check_has "$out" '"2025-13-01" is not a date' "bad date named"

cur_csv "$T/b/x.csv" 111122223333 2025-01 1.5
(cd "$T" && $RECKON --quiet ingest b >/dev/null && test -f reckon-data/catalog.db) && ok "default workspace ./reckon-data" || bad "default workspace"
RECKON_DATA=$T/env $RECKON --quiet ingest "$T/b" >/dev/null && test -f "$T/env/catalog.db" && ok "RECKON_DATA" || bad "RECKON_DATA"
RECKON_DATA=$T/env $RECKON --quiet --data "$T/flag" ingest "$T/b" >/dev/null && test -f "$T/flag/catalog.db" && ok "--data wins over RECKON_DATA" || bad "--data"
check_eq "$(RECKON_DATA=$T/env total "$T/flag")" 1.5 "report reads the chosen workspace"
finish
