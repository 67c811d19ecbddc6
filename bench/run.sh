#!/bin/bash
# run.sh — every benchmark, one after the other (what `make bench` runs).
# Each prints Markdown; the outputs land in bench/work/results/NAME.md, and
# bench/RESULTS.md is written from them by hand, with the analysis.
#   bench/run.sh [--small] [NAME...]     NAME: ingest lake parquet_read parquet_write staypoints stream
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
small=
[ "${1:-}" = --small ] && small=--small && shift
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(ingest lake parquet_read parquet_write staypoints stream)
out=$ROOT/bench/work/results
mkdir -p "$out"
failed=0
for n in "${names[@]}"; do
    echo "== bench/$n.sh $small"
    if ! "$ROOT/bench/$n.sh" $small 2>&1 | tee "$out/$n.md"; then
        echo "bench/$n.sh failed" >&2
        failed=1
    fi
done
exit $failed
