# Shared helpers for the CLI tests. Source it; $1 of the test is the reckon binary.
set -uo pipefail
RECKON=$(realpath "$1")
TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
T=$(mktemp -d /tmp/rk-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
FAILS=0
ok() { echo "ok - $*"; }
bad() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
check_eq() { if [ "$1" == "$2" ]; then ok "$3"; else bad "$3: expected [$2], got [$1]"; fi; }
check_has() { if grep -qF -- "$2" <<<"$1"; then ok "$3"; else bad "$3: output lacks [$2]:"$'\n'"$1"; fi; }
check_lacks() { if grep -qF -- "$2" <<<"$1"; then bad "$3: output has [$2]"; else ok "$3"; fi; }
finish() { if [ "$FAILS" -eq 0 ]; then echo "all passed"; exit 0; fi; echo "$FAILS failed"; exit 1; }
rk() { "$RECKON" --quiet "$@"; }

# total WS [report args...]: the single figure of `report cost`.
total() { local ws=$1; shift; rk --data "$ws" report cost --format csv "$@" | sed -n 2p | cut -d, -f1; }
# monthly WS: "YYYY-MM=amount" lines.
monthly() { rk --data "$1" report cost --granularity monthly --format csv | tail -n +2 | awk -F, '{print $1"="$2}'; }

# cur_csv FILE PAYER YYYY-MM AMOUNT... — a legacy CUR CSV with one Usage row per amount.
cur_csv() {
  local file=$1 payer=$2 ym=$3; shift 3
  local y=${ym%-*} m=${ym#*-} ny nm
  if [ "$m" = 12 ]; then ny=$((y + 1)); nm=01; else ny=$y; nm=$(printf %02d $((10#$m + 1))); fi
  local p0="${y}-${m}-01T00:00:00Z" p1="${ny}-${nm}-01T00:00:00Z" i=0
  mkdir -p "$(dirname "$file")"
  {
    echo "identity/LineItemId,identity/TimeInterval,bill/BillType,bill/PayerAccountId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/AvailabilityZone,lineItem/ResourceId,lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedCost,lineItem/BlendedCost,lineItem/LineItemDescription,product/servicecode"
    for a in "$@"; do
      i=$((i + 1))
      local h; h=$(printf %02d $(( (i - 1) % 24 )))
      echo "li$i,${y}-${m}-01T$h:00:00Z/${y}-${m}-01T$h:59:59Z,Anniversary,$payer,$p0,$p1,$payer,Usage,${y}-${m}-01T$h:00:00Z,${y}-${m}-01T$h:59:59Z,AmazonEC2,BoxUsage:m5.large,RunInstances,us-east-1a,i-$i,1,USD,$a,$a,\"\$0.096 per On Demand Linux m5.large Instance Hour, us-east-1\",AmazonEC2"
    done
  } >"$file"
}

# manifest FILE REPORT ASSEMBLY YYYY-MM KEY... — a legacy period manifest.
manifest() {
  local file=$1 report=$2 asm=$3 ym=$4; shift 4
  local y=${ym%-*} m=${ym#*-} keys="" k
  for k in "$@"; do keys="$keys${keys:+,}\"$k\""; done
  mkdir -p "$(dirname "$file")"
  cat >"$file" <<JSON
{"assemblyId":"$asm","account":"111122223333","columns":[{"category":"identity","name":"LineItemId"}],
 "charset":"UTF-8","compression":"GZIP","contentType":"text/csv","reportId":"0c4b1e9d","reportName":"$report",
 "billingPeriod":{"start":"${y}${m}01T000000.000Z","end":"${y}${m}28T000000.000Z"},"bucket":"acme-cur",
 "reportKeys":[$keys],"additionalArtifactKeys":[]}
JSON
}
