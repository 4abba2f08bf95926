#!/usr/bin/env bash
# gen/totals: generated files ingest with no failure, and reckon's monthly
# unblended, amortized, net unblended and on-demand figures equal DuckDB's over
# the same files, to the last digit, for legacy CSV and CUR 2.0 CSV. (The
# Parquet formats are checked against their CSV twins by gen/parquet.)
# athena-parquet refuses --versioning new-version with exit 2.
set -euo pipefail
R=$1
HERE=$(cd "$(dirname "$0")" && pwd)
NODE_DIR="$HERE/../node"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

for fmt in legacy-csv cur2-csv; do
  "$R" --quiet generate "$T/$fmt" --scale 0.2 --months 2 --seed 11 --end 2025-03 --format "$fmt" \
    --rows-per-part 30000 > /dev/null
  "$R" --quiet --data "$T/ws-$fmt" ingest "$T/$fmt" --format json > "$T/ingest.json" || {
    cat "$T/ingest.json"; fail "[$fmt] ingest exited non-zero"; }
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (r.failed !== 0 || r.unsupported !== 0 || r.ingested !== 2) {
      console.error(JSON.stringify(r.periods)); process.exit(1); }
    console.log(`ingested ${r.ingested} periods, ${r.rows} rows, 0 failed`);' "$T/ingest.json" || fail "[$fmt] ingest had failures"
  "$R" --data "$T/ws-$fmt" report cost --granularity monthly \
    --metric unblended,amortized,net-unblended,on-demand --format json > "$T/report.json"
  node "$NODE_DIR/gen-identities.mjs" "$T/$fmt" --compare "$T/report.json" || fail "[$fmt] reckon and DuckDB differ"
  echo "ok: $fmt"
done

set +e
"$R" generate "$T/pq" --format athena-parquet --versioning new-version --scale 0.1 --months 1 > "$T/out" 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "athena-parquet with new-version exited $rc, want 2"
grep -q "always overwrites" "$T/out" || fail "athena-parquet with new-version: no clear message"
[ ! -e "$T/pq" ] || [ -z "$(find "$T/pq" -type f)" ] || fail "athena-parquet with new-version wrote files"
echo "ok: athena-parquet refuses new-version"
echo "1 passed, 0 failed"
