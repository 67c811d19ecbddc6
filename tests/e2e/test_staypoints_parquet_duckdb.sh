# test_staypoints_parquet_duckdb.sh — the issue's check: 100,000 generated
# users as Parquet in, Hive-partitioned Parquet out, read back by DuckDB with
# read_parquet('out/**/*.parquet', hive_partitioning = true), equal row for
# row to what DuckDB computes running the seed's SQL (LEAD over each user's
# trips, ARRAY_AGG ordered by enter time; ties by end time, then file row)
# on the same Parquet input, including one-trip users, equal timestamps,
# short and non-ASCII ids (empty p2).  The same through the spill path.  And
# a run killed while writing its directory leaves nothing under the name.
# Release binary (1M trips).
source "$ROOT/tests/e2e/lib.sh"

expect_status 0 "$TF_REL" gen staypoint-trips --users 100000 --seed 3 --format parquet --out trips.parquet
expect_contains "$ERR" "gen staypoint-trips: 100000 users, "
expect_status 0 "$TF_REL" staypoints trips.parquet --format parquet --out out
read -r users_out sp_out <<<"$(sp_summary)"

SQL="SET TimeZone = 'UTC';
CREATE TABLE trips AS SELECT *, file_row_number AS seq FROM read_parquet('trips.parquet', file_row_number = true);
$(seed_staypoints_sql enter_time exit_time)
CREATE TABLE ours AS SELECT * FROM read_parquet('out/**/*.parquet', hive_partitioning = true);
SELECT (SELECT count(*) FROM seed) AS seed_rows,
       (SELECT sum(len(staypoints)) FROM seed) AS seed_staypoints,
       (SELECT count(*) FROM ours) AS our_rows,
       (SELECT count(*) FROM (SELECT * FROM seed EXCEPT ALL SELECT * FROM ours)) AS only_seed,
       (SELECT count(*) FROM (SELECT * FROM ours EXCEPT ALL SELECT * FROM seed)) AS only_ours,
       (SELECT string_agg(column_name || ' ' || column_type, '; ') FROM (DESCRIBE ours)) =
         (SELECT string_agg(column_name || ' ' || column_type, '; ') FROM (DESCRIBE seed)) AS same_types,
       (SELECT count(*) FROM (SELECT user_id FROM trips GROUP BY 1 HAVING count(*) = 1)) AS one_trip_users,
       (SELECT count(*) FROM (SELECT 1 FROM trips GROUP BY user_id, trip_start_time HAVING count(*) > 1)) AS equal_starts,
       (SELECT count(*) FROM (SELECT 1 FROM trips GROUP BY user_id, trip_start_time, trip_end_time HAVING count(*) > 1)) AS full_ties,
       (SELECT count(*) FROM ours WHERE length(user_id) < 4) AS short_ids,
       (SELECT count(*) FROM ours WHERE p2 = '') AS empty_p2,
       (SELECT count(*) FROM ours WHERE octet_length(encode(user_id)) > length(user_id)) AS non_ascii_ids;"
expect_status 0 $DUCK "$SQL"
IFS=, read -r seed_rows seed_sp our_rows only_seed only_ours same_types one_trip equal_starts full_ties short_ids \
    empty_p2 non_ascii <<<"$(echo "$OUT" | tail -1)"
expect_eq "$our_rows" "$seed_rows" "rows = seed rows"
expect_eq "$only_seed/$only_ours" "0/0" "rows missing/extra against the seed query"
expect_eq "$same_types" "true" "column names and types equal the seed query's"
expect_eq "$users_out/$sp_out" "$seed_rows/$seed_sp" "reported users with staypoints / staypoints"
seed_checks one_trip equal_starts full_ties short_ids empty_p2 non_ascii

# The runs below use user-000001 ids: few partitions, big files (UUID ids
# make ~65,000 small files, whose creation dominates the time on a busy disk)
"$TF_REL" gen staypoint-trips --users 100000 --seed 3 --id-style seq --format parquet --out seq.parquet 2>/dev/null
expect_status 0 /usr/bin/time -f "rss_kb=%M" "$TF_REL" staypoints seq.parquet --format parquet --out seq_out --quiet
rss_full=$(echo "$ERR" | sed -n 's/^rss_kb=//p')
# the spill path writes the same files, in less memory (the input's pages
# are let go as row groups are decoded: RSS does not grow with the input)
mkdir spill
expect_status 0 /usr/bin/time -f "rss_kb=%M" "$TF_REL" staypoints seq.parquet --format parquet --out seq_small --memory 4M --tmp-dir spill
expect_contains "$ERR" "staypoints: grouped with "
rss_small=$(echo "$ERR" | sed -n 's/^rss_kb=//p')
diff -r seq_out seq_small >/dev/null || fail "--memory 4M: the Parquet output differs"
expect_eq "$(ls -A spill)" "" "spill directory left empty"
[ "$rss_small" -lt 90000 ] || fail "--memory 4M: peak RSS ${rss_small} KB, expected < 90 MB (input 40 MB)"
[ "$rss_full" -gt $((rss_small + 25000)) ] || fail "in-memory run RSS ${rss_full} KB should exceed the bounded run's ${rss_small} KB by 25 MB"

# --- killed while writing the directory: nothing under the final name
caught=0
for attempt in 1 2 3; do
    "$TF_REL" staypoints seq.parquet --format parquet --out killed --row-group-rows 1000 --quiet &
    pid=$!
    tmp=.killed.tmp-$pid
    for _ in $(seq 2000); do
        [ -n "$(find "$tmp" -name '*.parquet' 2>/dev/null | head -1)" ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.01
    done
    if kill -STOP $pid 2>/dev/null; then
        if [ -n "$(find "$tmp" -name '*.parquet' 2>/dev/null | head -1)" ] && [ ! -e killed ]; then
            caught=1
            expect_eq "$(ls -A | grep -c '^killed$')" "0" "stopped mid-write: nothing under the final name"
            { kill -9 $pid; wait $pid; } 2>/dev/null
            expect_eq "$(ls -A | grep -c '^killed$')" "0" "SIGKILL mid-write: nothing under the final name"
            expect_eq "$(ls -A | grep -c "^\.killed\.tmp-$pid\$")" "1" "the partial output is only in the temporary directory"
            break
        fi
        kill -9 $pid 2>/dev/null
    fi
    { wait $pid; } 2>/dev/null
    rm -rf killed
done
expect_eq "$caught" "1" "caught a run in the middle of writing its directory"
# the next run removes the dead run's temporary directory and publishes
expect_status 0 "$TF_REL" staypoints seq.parquet --format parquet --out killed --quiet
expect_eq "$(ls -A | grep '^\.killed\|^killed$')" "killed" "the dead run's temporary was removed"
diff -r seq_out killed >/dev/null || fail "the rerun's output differs"
# SIGTERM while writing: exit 1, no output, no temporary
"$TF_REL" staypoints seq.parquet --format parquet --out termed --row-group-rows 1000 2>term.err &
pid=$!
for _ in $(seq 2000); do
    [ -n "$(find ".termed.tmp-$pid" -name '*.parquet' 2>/dev/null | head -1)" ] && break
    sleep 0.01
done
kill -TERM $pid
wait $pid
expect_eq "$?" "1" "exit status after SIGTERM"
expect_eq "$(ls -A | grep -c 'termed')" "0" "SIGTERM: no output and no temporary"
expect_eq "$(cat term.err)" "tripflow staypoints: interrupted by signal 15" "SIGTERM message"
finish
