#!/bin/bash
# parquet_write.sh — writer speed and file size: 5M synthetic trip rows (trip
# key FIXED(16), 2 dictionary strings, 4 doubles, 1 timestamp) written by
# tripflow with ZSTD levels 1 and 3, SNAPPY and LZ4_RAW, against DuckDB writing the
# same rows with ZSTD (its default level 3; DuckDB's time includes reading
# the rows from an uncompressed Parquet file), with the floor (`cat` of the
# uncompressed file into a new file).  Prints a Markdown table.
# usage: bench/parquet_write.sh [--small]   (--small: 500k rows)
set -u
source "$(dirname "$0")/pq_common.sh"
pq_setup "${1:-}"
pq_build_gen
"$GEN" "$W/plain.parquet" "$ROWS" none >/dev/null || exit 1
echo "## Parquet write: $ROWS trip rows"
echo
echo "machine: $(machine)"
echo
echo "| writer | seconds | rows/s | file MB | vs DuckDB size | vs DuckDB time | peak RSS MB |"
echo "|---|---|---|---|---|---|---|"
best_of $REPS $DUCK "COPY (SELECT * FROM read_parquet('$W/plain.parquet')) TO '$W/duck.parquet' (FORMAT PARQUET, COMPRESSION zstd)"
dsecs=$SECS
drss=$RSS
dsize=$(stat -c %s "$W/duck.parquet")
best_of $REPS sh -c "cat '$W/plain.parquet' > '$W/copy.bin'"
rows=("cat (floor)|$SECS|$RSS|$(stat -c %s "$W/copy.bin")")
for c in "zstd 1" "zstd 3" "snappy 0" "lz4 0"; do
    set -- $c
    best_of $REPS "$GEN" "$W/tf.parquet" "$ROWS" "$1" "$2"
    rows+=("tripflow $1${2/#0/}|$SECS|$RSS|$(stat -c %s "$W/tf.parquet")")
done
rows+=("DuckDB zstd|$dsecs|$drss|$dsize")
for row in "${rows[@]}"; do
    IFS='|' read -r name s r size <<<"$row"
    awk -v n="$name" -v s="$s" -v r="$r" -v rows="$ROWS" -v size="$size" -v ds="$dsize" -v dt="$dsecs" 'BEGIN{
        if (s <= 0) s = 0.005;
        printf "| %s | %.3f | %.0f | %.1f | %.3f | %.2fx | %d |\n", n, s, rows / s, size / 1048576, size / ds, dt / s, r }'
done
echo
echo "tripflow's seconds include generating the rows in memory; vs DuckDB time above 1 = faster than DuckDB."
