#!/bin/bash
# ingest.sh — the batch ingest benchmark (issue: batch trips).  For each size
# it generates trips and times, on the same warm file: the floor (cat), the
# peer (DuckDB loading the CSV, parsing the POINTs into four doubles and the
# time, then the two group-bys: region x ISO week and region x datasource x
# hour), and `tripflow ingest` into a fresh SQLite database — median of 3
# runs each, with peak RSS.  Prints a Markdown table.
#   bench/ingest.sh            1M, 5M and 20M rows
#   bench/ingest.sh --small    200k and 1M rows (checks that the script works)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"
SIZES="1000000 5000000 20000000"
[ "${1:-}" = --small ] && SIZES="200000 1000000"
W=$ROOT/bench/work/ingest
mkdir -p "$W"
make -s -C "$ROOT" build/tripflow >/dev/null
[ -d "$ROOT/tests/tools/node_modules/@duckdb/node-api" ] ||
    (cd "$ROOT/tests/tools" && npm install --no-audit --no-fund --loglevel=error)

echo "machine: $(machine)"
echo
# the generator's own speed (the issue asks >= 100 MB/s)
timed "$W/gen" "$TF" gen trips --rows 5000000 --seed 3 --out "$W/gen.csv"
echo "generator: 5M rows, $(awk -v b="$(stat -c %s "$W/gen.csv")" -v s="$(cat "$W/gen.s")" 'BEGIN {printf "%.0f MB in %.2f s = %.0f MB/s", b / 1048576, s, b / 1048576 / s}')"
rm -f "$W/gen.csv"
echo
echo "| rows | CSV MB | cat s | DuckDB s | tripflow s | DuckDB / tripflow | tripflow MB/s | tripflow s per 1M rows | tripflow peak RSS MB | DuckDB peak RSS MB |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in $SIZES; do
    f=$W/trips-$n.csv
    [ -s "$f" ] || "$TF" gen trips --rows "$n" --seed 7 --days 35 --out "$f"
    mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN {printf "%.0f", b / 1048576}')
    : >"$W/cat.all" && : >"$W/duck.all" && : >"$W/tf.all"
    for i in 1 2 3; do
        timed "$W/cat" cat "$f" >/dev/null
        cat "$W/cat.s" >>"$W/cat.all"
        timed "$W/duck" node "$ROOT/bench/duck.mjs" ingest "$f" >"$W/duck.out"
        # DuckDB's own clock (node's start-up left out)
        node -e 'console.log((JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).ms/1000).toFixed(3))' \
            "$W/duck.out" >>"$W/duck.all"
        rm -f "$W"/bench.db*
        timed "$W/tf" "$TF" ingest "$f" --db "$W/bench.db" --quiet
        cat "$W/tf.s" >>"$W/tf.all"
    done
    c=$(median <"$W/cat.all") d=$(median <"$W/duck.all") t=$(median <"$W/tf.all")
    echo "| $n | $mb | $c | $d | $t | $(ratio "$d" "$t") | $(ratio "$mb" "$t") | $(awk -v t="$t" -v n="$n" 'BEGIN {printf "%.3f", t / n * 1e6}') | $(($(cat "$W/tf.rss") / 1024)) | $(($(cat "$W/duck.rss") / 1024)) |"
done
