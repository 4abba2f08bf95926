#!/usr/bin/env bash
# gen/identities: DuckDB, not reckon, checks the cost identities of
# cur-format.md §g on generated files (tests/node/gen-identities.mjs), for
# the CSV and the Parquet formats, hourly and daily; then shows that the
# checker does fail on files broken in one cell.
set -euo pipefail
R=$1
HERE=$(cd "$(dirname "$0")" && pwd)
NODE_DIR="$HERE/../node"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { node "$NODE_DIR/gen-identities.mjs" "$@"; }

"$R" --quiet generate "$T/legacy" --scale 0.2 --months 2 --seed 7 --end 2025-03 > /dev/null
check "$T/legacy" || fail "identities on legacy-csv hourly"
"$R" --quiet generate "$T/cur2" --scale 0.2 --months 2 --seed 7 --end 2025-03 --format cur2-csv \
  --granularity daily --versioning new-version --accounts 12 > /dev/null
check "$T/cur2" || fail "identities on cur2-csv daily"
"$R" --quiet generate "$T/athena" --scale 0.2 --months 2 --seed 7 --end 2025-03 --format athena-parquet \
  --rows-per-part 30000 --rows-per-group 8000 > /dev/null
check "$T/athena" || fail "identities on athena-parquet hourly"
"$R" --quiet generate "$T/cur2pq" --scale 0.2 --months 2 --seed 7 --end 2025-03 --format cur2-parquet \
  --granularity daily --versioning new-version --accounts 12 > /dev/null
check "$T/cur2pq" || fail "identities on cur2-parquet daily"

# The checker must notice a broken file.
part=$(find "$T/legacy" -name '*-00001.csv.gz' | sort | head -1)
expect_violation() {
  local what=$1 lit=$2 col=$3 val=$4
  rm -rf "$T/bad" && cp -r "$T/legacy" "$T/bad"
  node "$HERE/corrupt.mjs" "${part/$T\/legacy/$T/bad}" "$lit" "$col" "$val"
  if check "$T/bad" > "$T/out" 2>&1; then cat "$T/out"; fail "the checker missed: $what"; fi
  grep -q VIOLATION "$T/out" || fail "no VIOLATION line for: $what"
  echo "ok: the checker reports $what"
}
expect_violation "an SP effective cost off by 1e-10" SavingsPlanCoveredUsage savingsPlan/SavingsPlanEffectiveCost +1e-10
expect_violation "a negation off by 1e-10" SavingsPlanNegation lineItem/UnblendedCost +1e-10
expect_violation "an RI effective cost off by 1e-10" DiscountedUsage reservation/EffectiveCost +1e-10
expect_violation "unused RI units off" RIFee reservation/UnusedNormalizedUnitQuantity +1e-10
expect_violation "a second currency" Usage lineItem/CurrencyCode EUR
expect_violation "a binary-float artifact" Usage lineItem/UnblendedCost 0.30000000000000004
echo "1 passed, 0 failed"
