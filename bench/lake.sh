#!/bin/bash
# lake.sh — the raw-layer benchmarks (issue: the raw layer).
#  1. ingest with the lake, 5M rows: tripflow against DuckDB's full job (load,
#     parse, the two group-bys, COPY to Parquet with ZSTD), with and without a
#     128-bit trip key in DuckDB's file; lake size against DuckDB's file.
#  2. bounding-box weekly average over a 20M-trip lake (100M with --big): a
#     small box and a city-sized box, tripflow (whole process) against DuckDB
#     running the same query over the same Parquet files (warm, in-process),
#     ms per query, median of 5.
# Prints Markdown.   bench/lake.sh [--small | --big]
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"
N_INGEST=5000000 N_SCAN=20000000
[ "${1:-}" = --small ] && N_INGEST=500000 N_SCAN=2000000
[ "${1:-}" = --big ] && N_SCAN=100000000
W=$ROOT/bench/work/lake
mkdir -p "$W"
make -s -C "$ROOT" build/tripflow >/dev/null
[ -d "$ROOT/tests/tools/node_modules/@duckdb/node-api" ] ||
    (cd "$ROOT/tests/tools" && npm install --no-audit --no-fund --loglevel=error)
csv() { # ROWS -> path of a cached generated file
    local f=$ROOT/bench/work/trips-$1.csv
    [ -s "$f" ] || "$TF" gen trips --rows "$1" --seed 7 --days 35 --out "$f"
    echo "$f"
}
js() { node -e "const j=JSON.parse(require('fs').readFileSync(0,'utf8')); console.log($1)"; }

echo "machine: $(machine)"
echo
f=$(csv $N_INGEST)
mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN {printf "%.0f", b / 1048576}')
echo "### Ingest with the raw layer: $N_INGEST rows ($mb MB CSV), median of 3"
echo
echo "| job | seconds | vs tripflow | output MB | peak RSS MB |"
echo "| --- | ---: | ---: | ---: | ---: |"
: >"$W/tf.all" && : >"$W/dk.all" && : >"$W/dn.all"
for i in 1 2 3; do
    cat "$f" >/dev/null
    rm -rf "$W/db" && mkdir -p "$W/db"
    timed "$W/tf" "$TF" ingest "$f" --db "$W/db/b.db" --quiet
    cat "$W/tf.s" >>"$W/tf.all"
    rm -f "$W/dk.parquet" "$W/dn.parquet"
    timed "$W/dk" node "$ROOT/bench/duck.mjs" ingest_copy "$f" "$W/dk.parquet" 1 >"$W/dk.json"
    js 'j.ms/1000' <"$W/dk.json" >>"$W/dk.all"
    timed "$W/dn" node "$ROOT/bench/duck.mjs" ingest_copy "$f" "$W/dn.parquet" 0 >"$W/dn.json"
    js 'j.ms/1000' <"$W/dn.json" >>"$W/dn.all"
done
t=$(median <"$W/tf.all") dk=$(median <"$W/dk.all") dn=$(median <"$W/dn.all")
pq=$(find "$W/db/b.lake/trips" -name '*.parquet' -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1048576}')
db=$(stat -c %s "$W/db/b.db" | awk '{printf "%.1f", $1 / 1048576}')
echo "| tripflow ingest (SQL model + lake) | $t | 1.00 | $pq Parquet + $db SQLite | $(($(cat "$W/tf.rss") / 1024)) |"
echo "| DuckDB job + COPY, with a 128-bit key | $(printf %.2f "$dk") | $(ratio "$dk" "$t") | $(stat -c %s "$W/dk.parquet" | awk '{printf "%.1f", $1 / 1048576}') | $(($(cat "$W/dk.rss") / 1024)) |"
echo "| DuckDB job + COPY, no key | $(printf %.2f "$dn") | $(ratio "$dn" "$t") | $(stat -c %s "$W/dn.parquet" | awk '{printf "%.1f", $1 / 1048576}') | $(($(cat "$W/dn.rss") / 1024)) |"
echo

# 2. bounding boxes over a bigger lake
f=$(csv $N_SCAN)
L=$W/scan-$N_SCAN
if [ ! -s "$L/s.db" ]; then
    rm -rf "$L" && mkdir -p "$L"
    "$TF" ingest "$f" --db "$L/s.db" --quiet
fi
files=$(sqlite3 "$L/s.db" "select count(*) || ' files, ' || sum(row_groups) || ' row groups, ' || printf('%.0f', sum(bytes) / 1048576.0) || ' MB' from lake_files")
echo "### Bounding-box weekly average over $N_SCAN trips ($files), ms per query, median of 5"
echo
echo "| box | match | trips in box | tripflow ms | DuckDB ms | DuckDB / tripflow |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for spec in "small:14.40,50.05,14.45,50.10" "city:7.55,45.00,7.80,45.15"; do
    name=${spec%%:*} box=${spec#*:}
    for mode in origin either; do
        : >"$W/q.all"
        for i in 1 2 3 4 5; do
            s0=$(date +%s%N)
            "$TF" report weekly --db "$L/s.db" --bbox "$box" --match $mode --format json >"$W/q.json"
            echo $((($(date +%s%N) - s0) / 1000000)) >>"$W/q.all"
        done
        ours=$(js 'j.weeks.reduce((a,w)=>a+w.trips,0)' <"$W/q.json")
        node "$ROOT/bench/duck.mjs" bbox "$L/s.lake/trips/**/*.parquet" "$box" $mode 5 >"$W/d.json"
        theirs=$(js 'j.trips' <"$W/d.json")
        [ "$ours" = "$theirs" ] || { echo "counts differ: tripflow $ours, DuckDB $theirs" >&2; exit 1; }
        t=$(median <"$W/q.all")
        d=$(js 'j.runs_ms.map(Math.round).sort((a,b)=>a-b)[2]' <"$W/d.json")
        echo "| $name $box | $mode | $ours | $t | $d | $(ratio "$d" "$t") |"
    done
done
