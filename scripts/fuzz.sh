#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser with clang's libFuzzer under ASan and
# UBSan. Each target starts from its corpus in tests/fuzz/corpus/<name>; new
# inputs that add coverage are merged back (minimized) so `make test` replays
# them from then on. Crashes are left in build/fuzz/crashes.
#   FUZZ_SECONDS=300 scripts/fuzz.sh [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
CC=clang cmake -S . -B build/fuzz -DRK_FUZZ=ON -DRK_SANITIZE=ON -DRK_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/fuzz -j"$(nproc)" >/dev/null
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv gzip zip manifest fields segment parquet s3list stsxml awsini mail)
mkdir -p build/fuzz/crashes
for t in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/$t new=build/fuzz/new/$t
  mkdir -p "$new"
  echo "fuzz $t for ${secs}s"
  build/fuzz/tests/fuzz/fuzz_$t -max_total_time="$secs" -max_len=65536 -rss_limit_mb=4096 \
    -artifact_prefix=build/fuzz/crashes/$t- -print_final_stats=1 "$new" "$corpus" 2>&1 | tail -n 3
  before=$(ls "$corpus" | wc -l)
  build/fuzz/tests/fuzz/fuzz_$t -merge=1 "$corpus" "$new" >/dev/null 2>&1
  echo "  corpus $t: $before -> $(ls "$corpus" | wc -l) inputs"
done
if ls build/fuzz/crashes/* >/dev/null 2>&1; then echo "crashes found:"; ls build/fuzz/crashes; exit 1; fi
