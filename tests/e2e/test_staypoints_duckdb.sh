# test_staypoints_duckdb.sh — tripflow's staypoints equal, row for row, what
# DuckDB computes running the seed's SQL (LEAD over each user's trips ordered
# by start time with the tie rules, ARRAY_AGG ordered by enter time) on
# 100,000 generated users (one-trip users, equal start times, full ties,
# overlapping trips, ids shorter than 4 characters, non-ASCII ids); the JSON
# and CSV outputs both; and the same output through the bounded-memory path
# (spilled runs, multi-pass merge), with less memory and no files left.
# The 1M-row runs use the release binary; the sanitizer binary runs the
# spill path on a smaller input.
source "$ROOT/tests/e2e/lib.sh"

expect_status 0 "$TF_REL" gen staypoint-trips --users 100000 --seed 3 --out trips.csv
expect_contains "$ERR" "gen staypoint-trips: 100000 users, "
# DuckDB has no row number for CSV input: give it the line as the input order
awk 'BEGIN { FS = OFS = "," } NR == 1 { print $0, "seq"; next } { print $0, NR }' trips.csv > trips_seq.csv

expect_status 0 /usr/bin/time -f "rss_kb=%M" "$TF_REL" staypoints trips.csv --format json --out sp.jsonl
read -r users_out sp_out <<<"$(sp_summary)"
rss_full=$(echo "$ERR" | sed -n 's/^rss_kb=//p')
expect_status 0 "$TF_REL" staypoints trips.csv --format csv --out sp.csv --quiet

TS="'%Y-%m-%d %H:%M:%S.%g'"
SP_TYPE="STRUCT(enter_time VARCHAR, exit_time VARCHAR, lat DOUBLE, lng DOUBLE)[]"
SQL="
CREATE TABLE trips AS SELECT * FROM read_csv('trips_seq.csv', header = true, auto_detect = false, delim = ',',
  quote = '\"', escape = '\"', columns = {'user_id': 'VARCHAR', 'trip_start_time': 'TIMESTAMP',
  'trip_end_time': 'TIMESTAMP', 'start_lat': 'DOUBLE', 'start_lng': 'DOUBLE', 'end_lat': 'DOUBLE',
  'end_lng': 'DOUBLE', 'seq': 'BIGINT'});
-- the seed's query; ties: end time, then input order
$(seed_staypoints_sql "strftime(enter_time, $TS)" "strftime(exit_time, $TS)")
CREATE TABLE ours AS SELECT * FROM read_json('sp.jsonl', format = 'newline_delimited',
  columns = {'user_id': 'VARCHAR', 'staypoints': '$SP_TYPE', 'p1': 'VARCHAR', 'p2': 'VARCHAR'});
-- (an empty CSV field reads as NULL in DuckDB; p2 of a short id is the empty string)
CREATE TABLE ours_csv AS SELECT user_id, from_json(staypoints_json, '[{\"enter_time\": \"VARCHAR\", \"exit_time\": \"VARCHAR\", \"lat\": \"DOUBLE\", \"lng\": \"DOUBLE\"}]') AS staypoints, coalesce(p1, '') AS p1, coalesce(p2, '') AS p2
  FROM read_csv('sp.csv', header = true, auto_detect = false, quote = '\"', escape = '\"',
  columns = {'user_id': 'VARCHAR', 'p1': 'VARCHAR', 'p2': 'VARCHAR', 'staypoints_json': 'VARCHAR'});
SELECT (SELECT count(*) FROM seed) AS seed_rows,
       (SELECT sum(len(staypoints)) FROM seed) AS seed_staypoints,
       (SELECT count(*) FROM ours) AS json_rows,
       (SELECT count(*) FROM (SELECT * FROM seed EXCEPT ALL SELECT * FROM ours)) AS only_seed,
       (SELECT count(*) FROM (SELECT * FROM ours EXCEPT ALL SELECT * FROM seed)) AS only_json,
       (SELECT count(*) FROM ours_csv) AS csv_rows,
       (SELECT count(*) FROM (SELECT * FROM seed EXCEPT ALL SELECT * FROM ours_csv)) AS only_seed_csv,
       (SELECT count(*) FROM (SELECT * FROM ours_csv EXCEPT ALL SELECT * FROM seed)) AS only_csv,
       -- what the data exercises
       (SELECT count(*) FROM (SELECT user_id FROM trips GROUP BY 1 HAVING count(*) = 1)) AS one_trip_users,
       (SELECT count(*) FROM (SELECT 1 FROM trips GROUP BY user_id, trip_start_time HAVING count(*) > 1)) AS equal_starts,
       (SELECT count(*) FROM (SELECT 1 FROM trips GROUP BY user_id, trip_start_time, trip_end_time HAVING count(*) > 1)) AS full_ties,
       (SELECT count(*) FROM seed WHERE length(user_id) < 4) AS short_ids,
       (SELECT count(*) FROM seed WHERE octet_length(encode(user_id)) > length(user_id)) AS non_ascii_ids,
       (SELECT count(*) FROM (SELECT unnest(staypoints) s FROM seed) WHERE s.exit_time < s.enter_time) AS negative_dwell;"
expect_status 0 $DUCK "$SQL"
row=$(echo "$OUT" | tail -1)
IFS=, read -r seed_rows seed_sp json_rows only_seed only_json csv_rows only_seed_csv only_csv \
    one_trip equal_starts full_ties short_ids non_ascii negative <<<"$row"
expect_eq "$json_rows" "$seed_rows" "JSON rows = seed rows"
expect_eq "$only_seed/$only_json" "0/0" "JSON rows missing/extra against the seed query"
expect_eq "$csv_rows" "$seed_rows" "CSV rows = seed rows"
expect_eq "$only_seed_csv/$only_csv" "0/0" "CSV rows missing/extra against the seed query"
expect_eq "$users_out" "$seed_rows" "reported users with staypoints"
expect_eq "$sp_out" "$seed_sp" "reported staypoints"
seed_checks one_trip equal_starts full_ties short_ids non_ascii negative
# rows come out in user_id byte order
cut -d'"' -f4 sp.jsonl | LC_ALL=C sort -c 2>/dev/null || fail "output rows are not in user_id byte order"

# standard input gives the same bytes
expect_status 0 sh -c "'$TF_REL' staypoints - --quiet < trips.csv > stdin.jsonl"
cmp -s stdin.jsonl sp.jsonl || fail "stdin output differs"

# --- bounded memory: 4 MiB for ~1M trips: runs and merges, the same bytes,
# less memory, nothing left in the spill directory
mkdir spill
expect_status 0 /usr/bin/time -f "rss_kb=%M" "$TF_REL" staypoints trips.csv --memory 4M --tmp-dir spill --out small.jsonl
expect_contains "$ERR" "staypoints: grouped with "
expect_contains "$ERR" " written to spill, 0 intermediate merge passes; peak "
rss_small=$(echo "$ERR" | sed -n 's/^rss_kb=//p')
cmp -s small.jsonl sp.jsonl || fail "--memory 4M output differs"
expect_eq "$(ls -A spill)" "" "spill directory left empty"
[ "$rss_small" -lt 40000 ] || fail "--memory 4M: peak RSS ${rss_small} KB, expected < 40 MB"
[ "$rss_full" -gt $((rss_small + 20000)) ] || fail "in-memory run RSS ${rss_full} KB should exceed the bounded run's ${rss_small} KB by 20 MB"
# 1 MiB: more runs than one pass can merge
expect_status 0 "$TF_REL" staypoints trips.csv --memory 1M --tmp-dir spill --out tiny.jsonl --format json
expect_contains "$ERR" " intermediate merge passes; peak "
case "$ERR" in *" 0 intermediate merge passes"*) fail "--memory 1M should need intermediate merge passes: $ERR" ;; esac
cmp -s tiny.jsonl sp.jsonl || fail "--memory 1M output differs"
expect_eq "$(ls -A spill)" "" "spill directory left empty"

# the sanitizer build through the spill path
"$TF_REL" gen staypoint-trips --users 4000 --seed 21 --out small.csv 2>/dev/null
expect_status 0 "$TF" staypoints small.csv --out a.jsonl --quiet
expect_status 0 "$TF" staypoints small.csv --memory 1M --tmp-dir spill --out b.jsonl
expect_contains "$ERR" "staypoints: grouped with "
cmp -s a.jsonl b.jsonl || fail "sanitizer build: spilled output differs"
expect_eq "$(ls -A spill)" "" "spill directory left empty"
# an unusable spill directory is a clear error and publishes nothing
expect_status 1 "$TF" staypoints small.csv --memory 1M --tmp-dir nowhere --out c.jsonl
expect_eq "$ERR" "tripflow staypoints: nowhere: cannot create a spill file (--tmp-dir): No such file or directory"
expect_eq "$(ls -A | grep -c 'c\.jsonl')" "0" "no output after a failed spill"
finish
