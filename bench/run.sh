#!/usr/bin/env bash
# Benchmarks reckon against DuckDB on the same generated CUR, same machine.
#   bench/run.sh [RECKON]            (make bench)
# Env: BENCH_SCALE (default 14: >= 2 M hourly rows in one month),
#      BENCH_RUNS (3: median of), BENCH_SECTIONS ("csv parquet commitments"), BENCH_WORK.
# Each section writes bench/results/<section>.md; bench/RESULTS.md joins them.
# Measures wall, CPU (user+sys) and peak RSS with /usr/bin/time for:
#   1. ingest: `reckon ingest` vs DuckDB CREATE TABLE ... AS SELECT * FROM read_csv(...)
#      into a database file, at SCALE, 2 x SCALE and 4 x SCALE (memory must stay flat);
#   2. report: `reckon report cost --group-by account,service --granularity daily`
#      vs the same aggregation in DuckDB over its table.
set -euo pipefail
cd "$(dirname "$0")/.."
RECKON=$(realpath "${1:-build/release/reckon}")
SCALE=${BENCH_SCALE:-14}
RUNS=${BENCH_RUNS:-3}
SECTIONS=${BENCH_SECTIONS:-csv parquet commitments}
OUT=bench/results/csv.md
WORK=${BENCH_WORK:-bench/work}
export DUCKDB_LIB=${DUCKDB_LIB:-$PWD/tests/node/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so}
mkdir -p "$WORK" build/bench
cc -O2 -o build/bench/duckdb_run bench/duckdb_run.c -ldl
DUCK=$PWD/build/bench/duckdb_run

# measure LABEL CMD...: appends "label wall cpu rss_kb" to $WORK/times
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/t.one" "$@" >/dev/null 2>"$WORK/err.one" || { cat "$WORK/err.one" >&2; exit 1; }
  read -r e u s m <"$WORK/t.one"
  echo "$label $e $(echo "$u + $s" | bc) $m" >>"$WORK/times"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
stat() { grep "^$1 " "$WORK/times" | awk -v c="$2" '{print $c}' | median; }

if [[ " $SECTIONS " == *" csv "* ]]; then
: >"$WORK/times"
declare -A ROWS BYTES
for mult in 1 2 4; do
  scale=$((SCALE * mult))
  data=$WORK/cur-x$mult
  if [ ! -f "$data/.done-$scale" ]; then
    rm -rf "$data"
    echo "generating scale $scale into $data"
    "$RECKON" generate "$data" --months 1 --end 2025-03 --seed 42 --scale "$scale" >/dev/null
    touch "$data/.done-$scale"
  fi
  files=$(find "$data" -name '*.csv.gz' | sort | sed "s/.*/'&'/" | paste -sd, -)
  BYTES[$mult]=$(find "$data" -name '*.csv.gz' -printf '%s\n' | awk '{s+=$1} END {print s}')
  for r in $(seq 1 "$RUNS"); do
    rm -rf "$WORK/ws" "$WORK/duck.db"*
    measure "ingest-reckon-x$mult" "$RECKON" --quiet --data "$WORK/ws" ingest "$data"
    measure "ingest-duckdb-x$mult" "$DUCK" "$WORK/duck.db" "CREATE TABLE cur AS SELECT * FROM read_csv([$files], header=true, union_by_name=true)"
  done
  ROWS[$mult]=$("$RECKON" --data "$WORK/ws" status --format json | grep -o '"rows":[0-9]*' | head -1 | cut -d: -f2)
  if [ "$mult" = 1 ]; then
    # the report, on the data both engines now hold
    q="SELECT \"lineItem/UsageAccountId\" AS account,
         CASE WHEN \"bill/BillingEntity\" = 'AWS Marketplace' AND \"lineItem/LineItemType\" NOT LIKE '%Discount'
                   AND coalesce(\"product/ProductName\", '') <> '' THEN \"product/ProductName\"
              WHEN coalesce(\"product/servicecode\", '') <> '' THEN \"product/servicecode\"
              ELSE \"lineItem/ProductCode\" END AS service,
         date_trunc('day', CAST(split_part(\"identity/TimeInterval\", '/', 1) AS TIMESTAMP)) AS day,
         sum(CAST(\"lineItem/UnblendedCost\" AS DECIMAL(38,18))) AS unblended
       FROM cur GROUP BY ALL ORDER BY ALL"
    for r in $(seq 1 "$RUNS"); do
      measure report-reckon "$RECKON" --data "$WORK/ws" report cost --group-by account,service --granularity daily --format csv
      measure report-duckdb "$DUCK" "$WORK/duck.db" "$q"
    done
    "$RECKON" --data "$WORK/ws" report cost --group-by account,service --granularity daily --format csv | tail -n +2 | awk -F, '{s[$3]+=$4} END {for (k in s) n++; print n}' >/dev/null
    rk_rows=$("$RECKON" --data "$WORK/ws" report cost --group-by account,service --granularity daily --format csv | tail -n +2 | wc -l)
    dk_rows=$("$DUCK" "$WORK/duck.db" "$q" 2>/dev/null | wc -l)
    [ "$rk_rows" = "$dk_rows" ] || { echo "report row counts differ: reckon $rk_rows, DuckDB $dk_rows" >&2; exit 1; }
    REPORT_ROWS=$rk_rows
  fi
done

ratio() { printf "%.2f" "$(echo "scale=4; $1 / $2" | bc)"; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
{
  echo "# CSV ingest and reports"
  echo
  echo "Measured by \`bench/run.sh\` (\`make bench\`) on $(date -u +%Y-%m-%d): $(nproc) cores ($cpu), $(free -g | awk '/Mem:/{print $2}') GiB RAM,"
  echo "DuckDB $("$DUCK" :memory: "select version()" 2>/dev/null) (npm @duckdb/node-bindings, driven through its C API), reckon $("$RECKON" version | cut -d' ' -f2)."
  echo "Data: \`reckon generate --months 1 --end 2025-03 --seed 42 --scale N\`, hourly legacy CUR, .csv.gz parts."
  echo "Each figure is the median of $RUNS runs; files are in the page cache for both engines."
  echo
  echo "## Ingest"
  echo
  echo "| input | rows | gzip bytes | engine | wall s | CPU s | peak RSS MB | rows/s |"
  echo "|---|---:|---:|---|---:|---:|---:|---:|"
  for mult in 1 2 4; do
    for eng in reckon duckdb; do
      w=$(stat "ingest-$eng-x$mult" 2); c=$(stat "ingest-$eng-x$mult" 3); m=$(stat "ingest-$eng-x$mult" 4)
      echo "| scale $((SCALE * mult)) | ${ROWS[$mult]} | ${BYTES[$mult]} | $eng | $w | $c | $((m / 1024)) | $(echo "${ROWS[$mult]} / $w" | bc) |"
    done
  done
  echo
  for mult in 1 2 4; do
    rw=$(stat "ingest-reckon-x$mult" 2); dw=$(stat "ingest-duckdb-x$mult" 2)
    rm_=$(stat "ingest-reckon-x$mult" 4); dm=$(stat "ingest-duckdb-x$mult" 4)
    echo "- scale $((SCALE * mult)): reckon ingests at **$(ratio "$dw" "$rw")×** DuckDB's throughput with **$(ratio "$rm_" "$dm")** of its peak RSS (target ≥ 3× and ≤ 0.33)."
  done
  r1=$(stat ingest-reckon-x1 4); r2=$(stat ingest-reckon-x2 4); r4=$(stat ingest-reckon-x4 4)
  echo "- reckon's peak RSS when the input doubles: $((r1 / 1024)) MB → $((r2 / 1024)) MB ($(echo "scale=1; ($r2 - $r1) * 100 / $r1" | bc)%; target within ±10%);"
  echo "  when it quadruples: $((r1 / 1024)) MB → $((r4 / 1024)) MB ($(echo "scale=1; ($r4 - $r1) * 100 / $r1" | bc)%)."
  d1=$(stat ingest-duckdb-x1 4); d4=$(stat ingest-duckdb-x4 4)
  echo "- DuckDB's peak RSS for the same inputs: $((d1 / 1024)) MB → $((d4 / 1024)) MB."
  echo
  echo "## Report: cost by account and service, daily ($REPORT_ROWS rows)"
  echo
  echo "| engine | wall s | CPU s | peak RSS MB |"
  echo "|---|---:|---:|---:|"
  for eng in reckon duckdb; do
    echo "| $eng | $(stat report-$eng 2) | $(stat report-$eng 3) | $(( $(stat report-$eng 4) / 1024 )) |"
  done
  echo
  echo "- reckon answers in $(ratio "$(stat report-reckon 2)" "$(stat report-duckdb 2)")× DuckDB's time (target ≤ 1; both include process start and opening the store)."
  echo
  echo "## Commands"
  echo
  echo '```'
  echo "reckon generate DATA --months 1 --end 2025-03 --seed 42 --scale $SCALE"
  echo "reckon --data WS ingest DATA"
  echo "duckdb_run duck.db \"CREATE TABLE cur AS SELECT * FROM read_csv([<the .csv.gz files>], header=true, union_by_name=true)\""
  echo "reckon --data WS report cost --group-by account,service --granularity daily --format csv"
  echo "duckdb_run duck.db \"<the same aggregation in SQL, see bench/run.sh>\""
  echo '```'
} >"$OUT"
fi

if [[ " $SECTIONS " == *" parquet "* ]]; then
  bench/parquet.sh "$RECKON"
fi

if [[ " $SECTIONS " == *" commitments "* ]]; then
  bench/commitments.sh "$RECKON"
fi

{
  echo "# Benchmarks"
  echo
  echo "reckon against DuckDB on the same data and machine; regenerate with \`make bench\`"
  echo "(or \`BENCH_SECTIONS=parquet bench/run.sh\` for one section)."
  for f in bench/results/csv.md bench/results/parquet.md bench/results/commitments.md; do [ -f "$f" ] && { echo; sed 's/^## /### /; t; s/^# /## /' "$f"; }; done
} >bench/RESULTS.md
cat bench/RESULTS.md
