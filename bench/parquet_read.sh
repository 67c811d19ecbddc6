#!/bin/bash
# parquet_read.sh — reader throughput: tripflow's column decoding (`tripflow
# parquet scan`, the typed path the lake's bounding-box scans use) against
# DuckDB reading the same columns of the same file, with the floor (`cat` of
# the file).  Files: 5M synthetic trip rows written by tripflow (ZSTD) and
# the same rows rewritten by DuckDB.  Prints a Markdown table.
# usage: bench/parquet_read.sh [--small]   (--small: 500k rows, a quick check)
set -u
source "$(dirname "$0")/pq_common.sh"
pq_setup "${1:-}"
pq_build_gen
"$GEN" "$W/tf.parquet" "$ROWS" zstd >/dev/null || exit 1
$DUCK "COPY (SELECT * FROM read_parquet('$W/tf.parquet')) TO '$W/duck.parquet' (FORMAT PARQUET, COMPRESSION zstd)" >/dev/null || exit 1
TF=$ROOT/build/tripflow
COLS=origin_lat,origin_lng,dest_lat,dest_lng
best_of 2 $DUCK "SELECT 1"
DSTART=$SECS
DQ="SELECT count(origin_lat), sum(origin_lat), sum(origin_lng), sum(dest_lat), sum(dest_lng) FROM read_parquet"

echo "## Parquet read: $ROWS rows, 4 DOUBLE columns (bounding-box scan columns)"
echo
echo "machine: $(machine)"
echo "DuckDB runs through node (tests/tools/duck.mjs, 2 threads); its start-up alone takes ${DSTART}s and is included"
echo "in 'DuckDB'; 'DuckDB warm' is the best of $REPS runs inside one warm DuckDB (bench/duck_time.mjs), start-up excluded."
echo "tripflow's figures are whole processes (start, footer, decoding, exit); 'scan 1 thread' uses --threads 1."
echo
echo "| file | reader | seconds | rows/s | MB/s of file | vs DuckDB | peak RSS MB |"
echo "|---|---|---|---|---|---|---|"
for f in tf duck; do
    file=$W/$f.parquet
    mb=$(awk "BEGIN{print $(stat -c %s "$file") / 1048576}")
    # sums: an aggregate that row-group statistics cannot answer, so DuckDB decodes every value
    best_of $REPS $DUCK "$DQ('$file')"
    dsecs=$SECS
    drss=$RSS
    dwarm=$(node "$ROOT/bench/duck_time.mjs" "$REPS" "$DQ('$file')")
    best_of $REPS "$TF" parquet scan "$file" --columns $COLS
    tsecs=$SECS
    trss=$RSS
    best_of $REPS "$TF" parquet scan "$file" --columns $COLS --threads 1
    t1secs=$SECS
    t1rss=$RSS
    best_of $REPS cat "$file"
    csecs=$SECS
    crss=$RSS
    for row in "cat (floor)|$csecs|$crss" "tripflow parquet scan|$tsecs|$trss" "tripflow scan 1 thread|$t1secs|$t1rss" \
        "DuckDB|$dsecs|$drss" "DuckDB warm|$dwarm|$drss"; do
        IFS='|' read -r name s r <<<"$row"
        awk -v n="$name" -v f="$f" -v s="$s" -v r="$r" -v rows="$ROWS" -v mb="$mb" -v d="$dsecs" 'BEGIN{
            if (s <= 0) s = 0.005;
            printf "| %s | %s | %.3f | %.0f | %.0f | %.2fx | %d |\n", f, n, s, rows / s, mb / s, d / s, r }'
    done
done
echo
echo "vs DuckDB: DuckDB's seconds divided by the reader's (above 1 = faster than DuckDB)."
