#!/usr/bin/env bash
# gen/parquet: DuckDB, not reckon, checks that each Parquet format holds
# exactly the rows and values of its CSV twin generated with the same options
# (tests/node/gen-parquet-vs-csv.mjs): athena-parquet against legacy-csv
# (hourly, several parts and row groups) and cur2-parquet against cur2-csv
# (daily, new-version). Then: the checker fails on a different organization.
set -euo pipefail
R=$1
HERE=$(cd "$(dirname "$0")" && pwd)
NODE_DIR="$HERE/../node"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { node "$NODE_DIR/gen-parquet-vs-csv.mjs" "$@"; }

common=(--scale 0.2 --months 2 --end 2025-03 --seed 5 --rows-per-part 20000)
"$R" --quiet generate "$T/legacy" "${common[@]}" --format legacy-csv > /dev/null
"$R" --quiet generate "$T/athena" "${common[@]}" --format athena-parquet --rows-per-group 7000 > /dev/null
check "$T/legacy" "$T/athena" || fail "athena-parquet differs from legacy-csv"
[ -f "$T/athena/cur/acme-hourly/acme-hourly/year=2025/month=2/acme-hourly-Manifest.json" ] || fail "no manifest in year=2025/month=2"
[ -f "$T/athena/cur/acme-hourly/cost_and_usage_data_status/cost_and_usage_data_status.parquet" ] || fail "no status table"

daily=(--scale 0.2 --months 2 --end 2025-03 --seed 9 --granularity daily --versioning new-version --accounts 12 --rows-per-part 1500)
"$R" --quiet generate "$T/cur2" "${daily[@]}" --format cur2-csv > /dev/null
"$R" --quiet generate "$T/cur2pq" "${daily[@]}" --format cur2-parquet --rows-per-group 500 > /dev/null
check "$T/cur2" "$T/cur2pq" || fail "cur2-parquet differs from cur2-csv"

# The checker must notice another organization.
"$R" --quiet generate "$T/other" --scale 0.2 --months 2 --end 2025-03 --seed 6 --rows-per-part 20000 \
  --format athena-parquet > /dev/null
if check "$T/legacy" "$T/other" > "$T/out" 2>&1; then cat "$T/out"; fail "the checker missed a different seed"; fi
grep -q VIOLATION "$T/out" || fail "no VIOLATION line for a different seed"
echo "ok: the checker reports a different organization"

echo "1 passed, 0 failed"
