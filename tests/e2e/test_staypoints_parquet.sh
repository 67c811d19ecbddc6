# test_staypoints_parquet.sh — Parquet in and out for `tripflow staypoints`:
# a generated Parquet file gives the same bytes as its CSV; a directory of
# DuckDB-written files (Hive-partitioned, nullable columns, naive
# timestamps, _SUCCESS and hidden files) gives the same bytes as the CSV it
# came from, with and without --timezone; a needed column found only as a Hive
# key; rows with nulls and bad values rejected with file, row group and row;
# type errors; the Hive-partitioned Parquet output read back by DuckDB
# (escaped and empty partition values), identical under --memory and
# across --file-rows, and published only whole.
source "$ROOT/tests/e2e/lib.sh"

D="$DUCK"
# --- a generated Parquet file = its CSV (same rows, same order), sanitizer build
"$TF_REL" gen staypoint-trips --users 3000 --seed 11 --out t.csv 2>/dev/null
expect_status 0 "$TF" gen staypoint-trips --users 3000 --seed 11 --format parquet --row-group-rows 5000 --out t.parquet
expect_eq "$ERR" "gen staypoint-trips: 3000 users, 29212 trips, 0 bad rows written to t.parquet" "gen summary"
expect_status 0 "$TF" staypoints t.csv --out csv.jsonl --quiet
expect_status 0 "$TF" staypoints t.parquet --out pq.jsonl
expect_eq "$(echo "$ERR" | head -2)" "staypoints: 29212 rows read: 29212 trips, 0 rejected
staypoints: 3000 users, 2919 with staypoints; 26212 staypoints written to pq.jsonl" "summary for Parquet input"
cmp -s csv.jsonl pq.jsonl || fail "Parquet input: output differs from the CSV input's"
expect_status 0 "$TF" staypoints t.parquet --out pq1.jsonl --threads 1 --memory 1M --quiet
cmp -s csv.jsonl pq1.jsonl || fail "Parquet input, one thread, spilled: output differs"
expect_eq "$($D "SELECT count(*) AS n FROM read_parquet('t.parquet')" | tail -1)" "29212" "DuckDB reads the generated file"

# --- a directory written by DuckDB: three files in path order = CSV order;
# nullable columns, TIMESTAMP without time zone; files DuckDB/Spark leave
# beside data (_SUCCESS, hidden) are skipped
awk 'BEGIN { FS = OFS = "," } NR == 1 { print $0, "seq"; next } { print $0, NR }' t.csv > seq.csv
COLS="columns = {'user_id': 'VARCHAR', 'trip_start_time': 'TIMESTAMP', 'trip_end_time': 'TIMESTAMP',
  'start_lat': 'DOUBLE', 'start_lng': 'DOUBLE', 'end_lat': 'DOUBLE', 'end_lng': 'DOUBLE', 'seq': 'BIGINT'}"
RD="read_csv('seq.csv', header = true, auto_detect = false, quote = '\"', escape = '\"', $COLS)"
mkdir -p dir/year=2025/month=01 dir/year=2025/month=02
expect_status 0 $D "CREATE TABLE t AS SELECT * FROM $RD;
COPY (SELECT end_lng, user_id, trip_end_time, trip_start_time, start_lat, start_lng, end_lat, seq FROM t WHERE seq < 10000 ORDER BY seq) TO 'dir/year=2025/month=01/a.parquet';
COPY (SELECT * FROM t WHERE seq >= 10000 AND seq < 20000 ORDER BY seq) TO 'dir/year=2025/month=01/b.parquet' (ROW_GROUP_SIZE 2048);
COPY (SELECT * FROM t WHERE seq >= 20000 ORDER BY seq) TO 'dir/year=2025/month=02/data_0.parquet' (COMPRESSION snappy)"
touch dir/_SUCCESS dir/year=2025/.a.parquet.crc
expect_status 0 "$TF" staypoints dir --out dir.jsonl
expect_contains "$ERR" "staypoints: 29212 rows read: 29212 trips, 0 rejected"
cmp -s csv.jsonl dir.jsonl || fail "directory input: output differs from the CSV input's"
# naive times are read in --timezone, as CSV times without an offset are
expect_status 0 "$TF" staypoints t.csv --timezone Europe/Prague --out csv_tz.jsonl --quiet
expect_status 0 "$TF" staypoints dir --timezone Europe/Prague --out dir_tz.jsonl --quiet
cmp -s csv_tz.jsonl dir_tz.jsonl || fail "directory input with --timezone: output differs from the CSV's"
cmp -s csv_tz.jsonl csv.jsonl && fail "--timezone should change the times"
# times marked UTC (tripflow's own files) are instants: --timezone changes nothing
expect_status 0 "$TF" staypoints t.parquet --timezone Europe/Prague --out pq_tz.jsonl --quiet
cmp -s pq_tz.jsonl csv.jsonl || fail "UTC Parquet times must not move with --timezone"

# --- a column found only as a Hive key (user_id=...), escaped as Hive does
mkdir -p keyed/user_id=a%2Fb keyed/user_id=plain
expect_status 0 $D "COPY (SELECT TIMESTAMP '2025-01-01 08:00:00' + INTERVAL (i) HOUR AS trip_start_time,
  TIMESTAMP '2025-01-01 08:30:00' + INTERVAL (i) HOUR AS trip_end_time, 50.0::DOUBLE AS start_lat, 14.0::DOUBLE AS start_lng,
  50.0::DOUBLE + i AS end_lat, 14.5::FLOAT AS end_lng FROM range(3) r(i)) TO 'keyed/user_id=a%2Fb/x.parquet';
  COPY (SELECT TIMESTAMP '2025-01-02 08:00:00' + INTERVAL (i) HOUR AS trip_start_time,
  TIMESTAMP '2025-01-02 08:10:00' + INTERVAL (i) HOUR AS trip_end_time, 1.0::DOUBLE AS start_lat, 2.0::DOUBLE AS start_lng,
  3.0::DOUBLE AS end_lat, 4.0::FLOAT AS end_lng FROM range(2) r(i)) TO 'keyed/user_id=plain/x.parquet'"
expect_status 0 "$TF" staypoints keyed --quiet
expect_eq "$OUT" '{"user_id": "a/b", "staypoints": [{"enter_time": "2025-01-01 08:30:00.000", "exit_time": "2025-01-01 09:00:00.000", "lat": 50.0, "lng": 14.5}, {"enter_time": "2025-01-01 09:30:00.000", "exit_time": "2025-01-01 10:00:00.000", "lat": 51.0, "lng": 14.5}], "p1": "a/", "p2": "b"}
{"user_id": "plain", "staypoints": [{"enter_time": "2025-01-02 08:10:00.000", "exit_time": "2025-01-02 09:00:00.000", "lat": 3.0, "lng": 4.0}], "p1": "pl", "p2": "ai"}' "user_id from the Hive key; FLOAT coordinates"

# --- rejects: nulls and bad values, named by file, row group and row; the
# good rows give the same staypoints as without --bad
expect_status 0 "$TF" gen staypoint-trips --users 3000 --seed 11 --format parquet --bad 0.01 --row-group-rows 5000 --out bad.parquet
bad_rows=$(echo "$ERR" | sed -n 's/.* trips, \([0-9]*\) bad rows .*/\1/p')
expect_status 0 "$TF" staypoints bad.parquet --out bad.jsonl
expect_contains "$ERR" "staypoints: $((29212 + bad_rows)) rows read: 29212 trips, $bad_rows rejected (see bad.jsonl.rejects.csv)"
cmp -s bad.jsonl csv.jsonl || fail "--bad: the good rows' staypoints differ"
expect_eq "$(($(wc -l < bad.jsonl.rejects.csv) - 1))" "$bad_rows" "one reject line per bad row"
# the reasons, their detail cut at "(", commas dropped (DuckDB reads the reject file)
reasons=$($D "SELECT DISTINCT field || ': ' || replace(regexp_replace(reason, ' \(.*', ' (...)'), ',', '') AS r FROM read_csv('bad.jsonl.rejects.csv',
  header = true, auto_detect = false, quote = '\"', escape = '\"', columns = {'line': 'BIGINT', 'field': 'VARCHAR',
  'reason': 'VARCHAR', 'record': 'VARCHAR'}) ORDER BY 1" | tail -n +2)
expect_eq "$reasons" "end_lat: latitude NaN is not a finite number
end_lng: longitude -190.25 out of range [-180 180]
start_lat: latitude 95.5 out of range [-90 90]
start_lng: missing start_lng
trip_end_time: missing trip_end_time
trip_end_time: trip ends before it starts (...)
trip_start_time: missing trip_start_time
user_id: missing user_id
user_id: user_id is not valid UTF-8" "reject reasons"
 
first=$(sed -n 2p bad.jsonl.rejects.csv)
line=${first%%,*}
# the record field holds a comma, so it is quoted: ..."bad.parquet: row group G, row R"
rec=$(echo "$first" | sed -n 's/.*,"bad.parquet: row group \([0-9][0-9]*\), row \([0-9][0-9]*\)"$/\1 \2/p')
rg=${rec% *} r=${rec#* }
case "$rg$r" in '' | *[!0-9]*) fail "reject record names the row group and row: $first" ;; esac
expect_eq "$line" "$((rg * 5000 + r + 1))" "reject line = the row's 1-based position in the input ($first)"
# --max-rejects stops the run
expect_status 1 "$TF" staypoints bad.parquet --out lim.jsonl --max-rejects 5
expect_contains "$ERR" "tripflow staypoints: too many rejected rows: "
expect_eq "$(ls | grep -c '^lim\.jsonl$')" "0" "no output over --max-rejects"

# --- errors: types, missing columns, empty directories, stdin
expect_status 0 $D "COPY (SELECT 'u' AS user_id, DATE '2025-01-01' AS trip_start_time, TIMESTAMP '2025-01-01 10:00:00' AS trip_end_time,
  1.0 AS start_lat, 1.0 AS start_lng, 1.0 AS end_lat, 1.0 AS end_lng) TO 'date.parquet';
  COPY (SELECT 'u' AS user_id, 5::BIGINT AS trip_start_time, TIMESTAMP '2025-01-01 10:00:00' AS trip_end_time,
  1.0 AS start_lat, 1.0 AS start_lng, 1.0 AS end_lat, 1.0 AS end_lng) TO 'int.parquet';
  COPY (SELECT 'u' AS user_id, TIMESTAMP '2025-01-01 10:00:00' AS trip_end_time, 1 AS start_lat) TO 'few.parquet';
  COPY (SELECT 7 AS user_id, TIMESTAMP '2025-01-01 10:00:00' AS trip_start_time, TIMESTAMP '2025-01-01 10:00:00' AS trip_end_time,
  1.0 AS start_lat, 1.0 AS start_lng, 1.0 AS end_lat, 1.0 AS end_lng) TO 'intid.parquet'"
expect_status 1 "$TF" staypoints date.parquet
expect_eq "$ERR" "tripflow staypoints: date.parquet: column trip_start_time: DATE has no time of day (expected TIMESTAMP or INT96: trips are ordered by time)"
expect_status 1 "$TF" staypoints int.parquet
expect_eq "$ERR" "tripflow staypoints: int.parquet: column trip_start_time: expected a TIMESTAMP (INT64 with a TIMESTAMP annotation, or INT96), got INT64 (INT)"
expect_status 1 "$TF" staypoints few.parquet
expect_eq "$ERR" "tripflow staypoints: few.parquet: missing column trip_start_time (the file has: user_id, trip_end_time, start_lat)"
expect_status 1 "$TF" staypoints intid.parquet
expect_eq "$ERR" "tripflow staypoints: intid.parquet: column user_id: expected a STRING (BYTE_ARRAY), got INT32 (INT)"
mkdir empty
expect_status 1 "$TF" staypoints empty
expect_eq "$ERR" "tripflow staypoints: empty: no Parquet files in the directory (names starting with . or _ are skipped)"
expect_status 2 sh -c "'$TF' staypoints - --input-format parquet < t.parquet"
expect_eq "$ERR" "tripflow staypoints: standard input (-) is read as CSV only (Parquet and Iceberg need a path)"
expect_status 2 "$TF" staypoints t.parquet --format parquet
expect_eq "$ERR" "tripflow staypoints: --format parquet writes a directory: give --out DIR"

# --- Parquet output: escaped and empty partition values read back exactly
cat > odd.csv <<'EOF'
user_id,trip_start_time,trip_end_time,start_lat,start_lng,end_lat,end_lng
a/b=c,2025-01-01 08:00:00,2025-01-01 08:30:00,1,2,3,4
a/b=c,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4
ab,2025-01-01 08:00:00,2025-01-01 08:30:00,1,2,3,4
ab,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,5,6
x,2025-01-01 08:00:00,2025-01-01 08:30:00,1,2,3,4
x,2025-01-01 09:00:00.123456,2025-01-01 09:30:00,1,2,3,4
東京12,2025-01-01 08:00:00,2025-01-01 08:30:00,1,2,3,4
東京12,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4
%%20?,2025-01-01 08:00:00,2025-01-01 08:30:00,1,2,3,4
%%20?,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4
EOF
expect_status 0 "$TF" staypoints odd.csv --format parquet --out odd
expect_contains "$ERR" "staypoints: 5 users, 5 with staypoints; 5 staypoints written to odd"
expect_eq "$(cd odd && find . -type f | LC_ALL=C sort)" "./p1=%25%25/p2=20/part-00000.parquet
./p1=a%2F/p2=b%3D/part-00000.parquet
./p1=ab/p2=/part-00000.parquet
./p1=x/p2=/part-00000.parquet
./p1=東京/p2=12/part-00000.parquet" "partition directories"
expect_status 0 $D "SELECT user_id, p1, p2, p2 IS NULL AS p2_null, typeof(p1) AS t, len(staypoints) AS n,
  strftime(staypoints[1].exit_time AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%f') AS x
  FROM read_parquet('odd/**/*.parquet', hive_partitioning = true) ORDER BY user_id"
expect_eq "$OUT" "user_id,p1,p2,p2_null,t,n,x
%%20?,%%,20,false,VARCHAR,1,2025-01-01 09:00:00.000000
a/b=c,a/,b=,false,VARCHAR,1,2025-01-01 09:00:00.000000
ab,ab,,false,VARCHAR,1,2025-01-01 09:00:00.000000
x,x,,false,VARCHAR,1,2025-01-01 09:00:00.123456
東京12,東京,12,false,VARCHAR,1,2025-01-01 09:00:00.000000" "DuckDB reads the partitions back"
expect_status 0 $D "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('odd/**/*.parquet', hive_partitioning = true))"
expect_eq "$OUT" 'column_name,column_type
user_id,VARCHAR
staypoints,"STRUCT(enter_time TIMESTAMP WITH TIME ZONE, exit_time TIMESTAMP WITH TIME ZONE, lat DOUBLE, lng DOUBLE)[]"
p1,VARCHAR
p2,VARCHAR' "schema as DuckDB sees it"
# the same rows as the JSON output, field for field
expect_status 0 "$TF" staypoints odd.csv --out odd.jsonl --quiet
expect_status 0 $D "SELECT count(*) AS n FROM (
  SELECT user_id, [{'enter_time': strftime(s.enter_time AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%g'), 'exit_time': strftime(s.exit_time AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%g'), 'lat': s.lat, 'lng': s.lng} FOR s IN staypoints] AS staypoints, p1, p2
  FROM read_parquet('odd/**/*.parquet', hive_partitioning = true)
  EXCEPT ALL SELECT * FROM read_json('odd.jsonl', format = 'newline_delimited', columns = {'user_id': 'VARCHAR',
  'staypoints': 'STRUCT(enter_time VARCHAR, exit_time VARCHAR, lat DOUBLE, lng DOUBLE)[]', 'p1': 'VARCHAR', 'p2': 'VARCHAR'}))"
expect_eq "$(echo "$OUT" | tail -1)" "0" "Parquet rows missing from the JSON output"

# --- the same output whatever --memory; --file-rows splits a partition; a
# second run replaces the directory in one step
"$TF_REL" gen staypoint-trips --users 3000 --seed 11 --id-style seq --format parquet --out seqids.parquet 2>/dev/null
expect_status 0 "$TF" staypoints seqids.parquet --format parquet --out big --quiet
expect_status 0 "$TF" staypoints seqids.parquet --format parquet --out big_small --memory 1M --quiet
diff -r big big_small >/dev/null || fail "--memory 1M: the Parquet output differs"
expect_status 0 "$TF" staypoints seqids.parquet --format parquet --out split --file-rows 1000 --row-group-rows 300 --quiet
expect_eq "$(ls split/p1=us/p2=er)" "part-00000.parquet
part-00001.parquet
part-00002.parquet" "--file-rows 1000 on 2,9xx rows of one partition"
expect_status 0 $D "SELECT (SELECT count(*) FROM read_parquet('split/**/*.parquet', hive_partitioning = true)) AS a,
  (SELECT count(*) FROM read_parquet('big/**/*.parquet', hive_partitioning = true)) AS b,
  (SELECT count(*) FROM (SELECT * FROM read_parquet('split/**/*.parquet', hive_partitioning = true) EXCEPT ALL
   SELECT * FROM read_parquet('big/**/*.parquet', hive_partitioning = true))) AS d,
  (SELECT max(row_group_num_rows) FROM parquet_metadata('split/p1=us/p2=er/part-00000.parquet')) AS rg"
expect_eq "$(echo "$OUT" | tail -1)" "$(echo "$OUT" | tail -1 | cut -d, -f1),$(echo "$OUT" | tail -1 | cut -d, -f1),0,300" "split output = whole output"
touch big/stale-marker
expect_status 0 "$TF" staypoints seqids.parquet --format parquet --out big --quiet
expect_eq "$(ls big/ | grep -c stale-marker)" "0" "the old directory was replaced"
expect_eq "$(ls -A | grep -c '\.tmp-')" "0" "no temporary directory left"
finish
