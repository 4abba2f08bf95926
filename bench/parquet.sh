#!/usr/bin/env bash
# Parquet ingest: `reckon ingest` vs DuckDB CREATE TABLE ... AS SELECT * FROM
# read_parquet(...) into a database file, on the generator's Athena Parquet
# (>= 2 M rows in one month, and twice that) and on the real AWS months.
# Writes bench/results/parquet.md. Called by bench/run.sh; env as there.
set -euo pipefail
cd "$(dirname "$0")/.."
RECKON=$(realpath "${1:-build/release/reckon}")
SCALE=${BENCH_SCALE:-14}
RUNS=${BENCH_RUNS:-3}
WORK=${BENCH_WORK:-bench/work}
export DUCKDB_LIB=${DUCKDB_LIB:-$PWD/tests/node/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so}
mkdir -p "$WORK" build/bench bench/results
cc -O2 -o build/bench/duckdb_run bench/duckdb_run.c -ldl
DUCK=$PWD/build/bench/duckdb_run
T=$WORK/pq-times
: >"$T"
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/t.one" "$@" >/dev/null 2>"$WORK/err.one" || { cat "$WORK/err.one" >&2; exit 1; }
  read -r e u s m <"$WORK/t.one"
  echo "$label $e $(echo "$u + $s" | bc) $m" >>"$T"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
stat() { grep "^$1 " "$T" | awk -v c="$2" '{print $c}' | median; }
ratio() { printf "%.2f" "$(echo "scale=4; $1 / $2" | bc)"; }

declare -A ROWS BYTES NAME
# the real AWS months, as AWS lays them out
REAL=$WORK/pq-real
if [ ! -d "$REAL" ]; then
  for m in Oct:10 Nov:11 Dec:12; do
    mkdir -p "$REAL/cur/w/w/year=2018/month=${m#*:}"
    cp "tests/fixtures/real-cur/awslabs/${m%%:*}2018-WorkshopCUR-00001.snappy.parquet" "$REAL/cur/w/w/year=2018/month=${m#*:}/"
  done
fi
cases="real"
NAME[real]="real AWS months (3 files)"
for mult in 1 2; do
  scale=$((SCALE * mult)) data=$WORK/pq-x$mult
  if [ ! -f "$data/.done-$scale" ]; then
    rm -rf "$data"
    echo "generating Athena Parquet, scale $scale"
    "$RECKON" generate "$data" --format athena-parquet --months 1 --end 2025-03 --seed 42 --scale "$scale" >/dev/null
    touch "$data/.done-$scale"
  fi
  cases="$cases x$mult"
  NAME[x$mult]="generated, scale $scale"
done
# one month as one file: its row groups are shared by the threads
data=$WORK/pq-one
if [ ! -f "$data/.done-$SCALE" ]; then
  rm -rf "$data"
  echo "generating Athena Parquet, scale $SCALE, one file"
  "$RECKON" generate "$data" --format athena-parquet --months 1 --end 2025-03 --seed 42 --scale "$SCALE" \
    --rows-per-part 100000000 >/dev/null
  touch "$data/.done-$SCALE"
fi
cases="$cases one"
NAME[one]="generated, scale $SCALE, one file"
for c in $cases; do
  data=$WORK/pq-$c
  files=$(find "$data" -name '*.parquet' -path '*year=*' | sort | sed "s/.*/'&'/" | paste -sd, -)
  BYTES[$c]=$(find "$data" -name '*.parquet' -path '*year=*' -printf '%s\n' | awk '{s+=$1} END {print s}')
  for r in $(seq 1 "$RUNS"); do
    rm -rf "$WORK/pqws" "$WORK/pq.db"*
    measure "reckon-$c" "$RECKON" --quiet --data "$WORK/pqws" ingest "$data"
    measure "duckdb-$c" "$DUCK" "$WORK/pq.db" "CREATE TABLE cur AS SELECT * FROM read_parquet([$files], union_by_name=true)"
  done
  ROWS[$c]=$("$RECKON" --data "$WORK/pqws" report cost --format json | grep -o '"rows_scanned":[0-9]*' | cut -d: -f2)
done
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  echo "# Parquet ingest"
  echo
  echo "Measured by \`bench/parquet.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores ($cpu). DuckDB: \`CREATE TABLE cur AS"
  echo "SELECT * FROM read_parquet([...], union_by_name=true)\` into a database file. Generated data: \`reckon generate"
  echo "--format athena-parquet --months 1 --end 2025-03 --seed 42 --scale N\` (parts of 1,000,000 rows;"
  echo "\"one file\" adds \`--rows-per-part 100000000\`). Median of $RUNS runs."
  echo
  echo "| input | rows | bytes | engine | wall s | CPU s | peak RSS MB | rows/s |"
  echo "|---|---:|---:|---|---:|---:|---:|---:|"
  for c in $cases; do
    for e in reckon duckdb; do
      w=$(stat "$e-$c" 2)
      echo "| ${NAME[$c]} | ${ROWS[$c]} | ${BYTES[$c]} | $e | $w | $(stat "$e-$c" 3) | $(( $(stat "$e-$c" 4) / 1024 )) | $(echo "${ROWS[$c]} / $w" | bc) |"
    done
  done
  echo
  for c in $cases; do
    echo "- ${NAME[$c]}: reckon ingests at **$(ratio "$(stat duckdb-$c 2)" "$(stat reckon-$c 2)")×** DuckDB's throughput with $(ratio "$(stat reckon-$c 4)" "$(stat duckdb-$c 4)") of its peak RSS (target ≥ 1.5×, bounded memory)."
  done
  r1=$(stat reckon-x1 4); r2=$(stat reckon-x2 4)
  echo "- reckon's peak RSS when the generated input doubles: $((r1 / 1024)) MB → $((r2 / 1024)) MB."
} >bench/results/parquet.md
cat bench/results/parquet.md
