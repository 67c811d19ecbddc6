#!/bin/bash
# ingest.sh — the batch ingest benchmark (issue: batch trips).  For each size
# it generates trips and times, on the same warm file: the floor (cat), the
# peer (DuckDB loading the CSV, parsing the POINTs into four doubles and the
# time, then the two group-bys: region x ISO week and region x datasource x
# hour), and `tripflow ingest` into a fresh SQLite database — median of 3
# runs each, with peak RSS.  Prints a Markdown table.
#   bench/ingest.sh            1M, 5M and 20M rows
#   bench/ingest.sh --small    200k and 1M rows (checks that the script works)
# Then the same job on a cold file (dropped from the page cache), and the
# stages of one run.
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
        rm -rf "$W"/bench.db* "$W/bench.lake"
        timed "$W/tf" "$TF" ingest "$f" --db "$W/bench.db" --quiet
        cat "$W/tf.s" >>"$W/tf.all"
    done
    c=$(median <"$W/cat.all") d=$(median <"$W/duck.all") t=$(median <"$W/tf.all")
    echo "| $n | $mb | $c | $d | $t | $(ratio "$d" "$t") | $(ratio "$mb" "$t") | $(awk -v t="$t" -v n="$n" 'BEGIN {printf "%.3f", t / n * 1e6}') | $(($(cat "$W/tf.rss") / 1024)) | $(($(cat "$W/duck.rss") / 1024)) |"
done

# a cold file: the same work on a file that is not in the page cache
# (dropped before each command with `dd iflag=nocache`, no root needed), as
# when a file lands from elsewhere or was written long ago; the floor is cat
# reading it from the disk
n=$(echo $SIZES | tr ' ' '\n' | awk '$1 <= 5000000' | tail -1)
f=$W/trips-$n.csv
uncache() { dd if="$f" iflag=nocache count=0 status=none; }
: >"$W/cat.all" && : >"$W/duck.all" && : >"$W/tf.all"
for i in 1 2 3; do
    uncache && timed "$W/cat" cat "$f" >/dev/null
    cat "$W/cat.s" >>"$W/cat.all"
    uncache && timed "$W/duck" node "$ROOT/bench/duck.mjs" ingest "$f" >"$W/duck.out"
    node -e 'console.log((JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).ms/1000).toFixed(3))' \
        "$W/duck.out" >>"$W/duck.all"
    rm -rf "$W"/bench.db* "$W/bench.lake"
    uncache && timed "$W/tf" "$TF" ingest "$f" --db "$W/bench.db" --quiet
    cat "$W/tf.s" >>"$W/tf.all"
done
c=$(median <"$W/cat.all") d=$(median <"$W/duck.all") t=$(median <"$W/tf.all")
echo
echo "cold file ($n rows, not in the page cache before each command), median of 3:"
echo
echo "| rows | cat s (disk) | DuckDB s | tripflow s | DuckDB / tripflow | tripflow / cat |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
echo "| $n | $c | $d | $t | $(ratio "$d" "$t") | $(ratio "$t" "$c") |"

# where the time goes: the stage events of one run on the 5M file (or the
# largest size of --small), wall and CPU seconds per stage
n=$(echo $SIZES | tr ' ' '\n' | awk '$1 <= 5000000' | tail -1)
rm -rf "$W"/bench.db* "$W/bench.lake"
/usr/bin/time -f '%e %U %S' -o "$W/events.time" "$TF" ingest "$W/trips-$n.csv" --db "$W/bench.db" --events json --quiet >"$W/events.jsonl"
echo
echo "stages of one $n-row run (wall and CPU seconds of the whole process between stage events):"
echo
echo "| stage | wall s | CPU s | what |"
echo "| --- | ---: | ---: | --- |"
node -e '
const ev = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse)
  .filter(e => e.type === "stage" || e.type === "finished");
const what = {start: "open the database, run record (the content hash is taken up front only when a loaded run has the same size)",
  parsing: "CSV, WKT and time parsing, keys, names, the content hash piece by piece (all threads)",
  deduplicating: "units by region, month and key bits; in-run and lake duplicates",
  committing: "lake files in spatial order with facts and groups aggregated on the way; SQL upserts; catalog",
  commit: "the final SQLite commit, moving the lake files into place, exit"};
let prev = {name: "start", t: 0, c: 0};
for (const e of ev) {
  const name = e.type === "stage" ? e.stage : "commit", t = e.elapsed_s ?? e.seconds, c = e.cpu_s;
  console.log(`| ${prev.name} | ${(t - prev.t).toFixed(3)} | ${(c - prev.c).toFixed(3)} | ${what[prev.name] ?? ""} |`);
  prev = {name, t, c};
}
const [wall, user, sys] = require("fs").readFileSync(process.argv[2], "utf8").trim().split(" ").map(Number);
console.log(`| ${prev.name} | ${(wall - prev.t).toFixed(3)} | ${(user + sys - prev.c).toFixed(3)} | ${what[prev.name]} |`);
console.log(`| total | ${wall.toFixed(3)} | ${(user + sys).toFixed(3)} | |`);' "$W/events.jsonl" "$W/events.time"

