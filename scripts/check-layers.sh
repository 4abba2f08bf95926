#!/usr/bin/env bash
# Enforces the dependency order of docs/ARCHITECTURE.md: a layer includes
# only itself and the layers to its left.
#   common -> format, aws -> source -> cur -> store -> ingest, analytics -> gen, notify -> connect -> cli
set -uo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [common]="common"
  [format]="common format"
  [aws]="common aws"
  [source]="common aws source"
  [cur]="common format aws source cur"
  [store]="common format aws source cur store"
  [ingest]="common format aws source cur store ingest"
  [analytics]="common format aws source cur store analytics"
  [gen]="common format cur gen"
  [notify]="common format store analytics notify"
  [connect]="common format aws source cur store ingest analytics notify connect"
  [cli]="common format aws source cur store ingest analytics gen notify connect cli"
)
bad=0
for f in src/*/*.[ch]; do
  layer=$(basename "$(dirname "$f")")
  ok=" ${allowed[$layer]:-} "
  [ "$ok" = "  " ] && { echo "$f: folder $layer has no place in the layer order"; bad=1; continue; }
  while read -r inc; do
    dep=${inc%%/*}
    case "$ok" in *" $dep "*) ;; *) echo "$f includes \"$inc\": $layer may not depend on $dep"; bad=1 ;; esac
  done < <(grep -oE '^#include "[a-z]+/[^"]+"' "$f" | sed -E 's/#include "(.*)"/\1/')
done
[ $bad -eq 0 ] && echo "layers: every include follows the dependency order"
exit $bad
