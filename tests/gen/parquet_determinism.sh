#!/usr/bin/env bash
# gen/parquet-determinism: the Parquet formats give byte-identical files for
# the same options, whatever the number of month threads and whether a
# helper thread encodes (--threads 1 leaves a core for it); a different seed
# gives different data. Parts split at --rows-per-part, row groups at
# --rows-per-group, and every file is framed by PAR1.
set -euo pipefail
R=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
sums() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
common=(--scale 0.2 --months 2 --end 2025-03 --rows-per-part 20000 --rows-per-group 6000)

for variant in "--format athena-parquet" "--format cur2-parquet --granularity daily --versioning new-version --accounts 11"; do
  # shellcheck disable=SC2086
  "$R" --quiet generate "$T/a" "${common[@]}" --seed 7 $variant > /dev/null
  # shellcheck disable=SC2086
  "$R" --quiet generate "$T/b" "${common[@]}" --seed 7 $variant --threads 1 > /dev/null
  # shellcheck disable=SC2086
  "$R" --quiet generate "$T/c" "${common[@]}" --seed 8 $variant > /dev/null
  n=$(sums "$T/a" | wc -l)
  parts=$(find "$T/a" -name '*.snappy.parquet' | wc -l)
  if [[ "$variant" == *daily* ]]; then
    [ "$parts" -ge 2 ] || fail "[$variant] expected parts, found $parts"
  else
    [ "$parts" -ge 5 ] || fail "[$variant] 2 hourly months at 20000 rows per part should make >= 5 parts, found $parts"
  fi
  if ! diff <(sums "$T/a") <(sums "$T/b") > "$T/diff"; then
    cat "$T/diff" >&2
    fail "[$variant] same seed, different bytes"
  fi
  common_parts=$(comm -12 <(find "$T/a" -name '*.snappy.parquet' -exec sha256sum {} + | cut -d' ' -f1 | sort) \
                          <(find "$T/c" -name '*.snappy.parquet' -exec sha256sum {} + | cut -d' ' -f1 | sort) | wc -l)
  [ "$common_parts" -eq 0 ] || fail "[$variant] seeds 7 and 8 share $common_parts identical parts"
  while IFS= read -r f; do
    [ "$(head -c 4 "$f")" = PAR1 ] && [ "$(tail -c 4 "$f")" = PAR1 ] || fail "[$variant] $f is not framed by PAR1"
  done < <(find "$T/a" -name '*.parquet')
  echo "ok: [$variant] $n files identical for the same seed (with and without the helper thread), $parts parts"
  rm -rf "$T/a" "$T/b" "$T/c"
done
echo "1 passed, 0 failed"
