# test_staypoints.sh — `tripflow staypoints` on small exact cases: the seed's
# sample gives exactly the expected JSON lines, CSV output, standard input,
# unordered input, columns in any order, the --min-dwell/--max-gap/
# --max-distance filters, --timezone, partition keys on characters, and clear
# errors for bad headers, inputs and options.
source "$ROOT/tests/e2e/lib.sh"
need_shared seed_repos/staypoints_sample_trips.csv
SAMPLE=$SHARED/seed_repos/staypoints_sample_trips.csv
EXPECTED=$SHARED/seed_repos/staypoints_sample_expected.jsonl

# --- the seed's sample, byte for byte
expect_status 0 "$TF" staypoints "$SAMPLE" --format json --out out.jsonl
expect_eq "$(cat out.jsonl)" "$(cat "$EXPECTED")" "sample JSON lines"
cmp -s out.jsonl "$EXPECTED" || fail "out.jsonl differs from the expected file byte for byte"
expect_eq "$(echo "$ERR" | head -2)" "staypoints: 5 rows read: 5 trips, 0 rejected
staypoints: 2 users, 2 with staypoints; 3 staypoints written to out.jsonl" "summary"
expect_contains "$ERR" "staypoints: grouped in memory (peak "
expect_eq "$(ls)" "out.jsonl" "only the output is left (no reject file when nothing was rejected)"
expect_eq "$(ls -A | grep -c "\.tmp-")" "0" "no temporary left"

# the same from standard input, to standard output, rows shuffled
(head -1 "$SAMPLE"; tail -n +2 "$SAMPLE" | tac) > shuffled.csv
expect_status 0 sh -c "cat shuffled.csv | '$TF' staypoints - --quiet"
expect_eq "$OUT" "$(cat "$EXPECTED")" "stdin, shuffled rows"
expect_eq "$ERR" "" "--quiet prints nothing"

# a UTF-8 BOM and CRLF line ends change nothing
(printf '\357\273\277'; sed 's/$/\r/' "$SAMPLE") > crlf.csv
expect_status 0 "$TF" staypoints crlf.csv --quiet
expect_eq "$OUT" "$(cat "$EXPECTED")" "BOM and CRLF"

# CSV output: user_id,p1,p2,staypoints_json
expect_status 0 "$TF" staypoints "$SAMPLE" --format csv --out out.csv --quiet
expect_eq "$(cat out.csv)" 'user_id,p1,p2,staypoints_json
user-001,us,er,"[{""enter_time"": ""2025-01-01 08:30:00.000"", ""exit_time"": ""2025-01-01 09:00:00.000"", ""lat"": 40.7614, ""lng"": -73.9776}, {""enter_time"": ""2025-01-01 09:45:00.000"", ""exit_time"": ""2025-01-01 10:30:00.000"", ""lat"": 40.7505, ""lng"": -73.9934}]"
user-002,us,er,"[{""enter_time"": ""2025-01-01 08:00:00.000"", ""exit_time"": ""2025-01-01 08:30:00.000"", ""lat"": 37.7849, ""lng"": -122.4094}]"' "CSV output"

# --- columns in another order, an extra column, ISO times, non-ASCII ids.
# User a: stays of 2 min (0 m moved), 60 min (1.11 km moved), 13 h 30 min (0 m).
cat > trips.csv <<'EOF'
trip_end_time,user_id,note,trip_start_time,end_lat,end_lng,start_lat,start_lng
2025-03-01 08:10:00,a,x,2025-03-01 08:00:00,50.0,14.0,49.9,14.0
2025-03-01 09:00:00,a,x,2025-03-01 08:12:00,50.01,14.0,50.0,14.0
2025-03-01 10:30:00.250,a,x,2025-03-01 10:00:00,50.02,14.0,50.02,14.0
2025-03-02T00:20:00Z,a,x,2025-03-02T00:00:00Z,50.03,14.0,50.02,14.0
2025-03-01 08:00:00,b,only one trip,2025-03-01 07:00:00,1,2,1,2
2025-03-01T10:30:00+01:00,東京12,x,2025-03-01T10:00:00+01:00,35.6762,139.6503,35.6,139.6
2025-03-01 12:00:00,東京12,x,2025-03-01 11:00:00.999999,35.7,139.7,35.6762,139.6503
2025-03-01 01:00:00,🚲5xΩz,x,2025-03-01 00:00:00,-33.8688,151.2093,0,0
2025-03-01 03:00:00,🚲5xΩz,x,2025-03-01 02:00:00,0,0,0,0
EOF
A1='{"enter_time": "2025-03-01 08:10:00.000", "exit_time": "2025-03-01 08:12:00.000", "lat": 50.0, "lng": 14.0}'
A2='{"enter_time": "2025-03-01 09:00:00.000", "exit_time": "2025-03-01 10:00:00.000", "lat": 50.01, "lng": 14.0}'
A3='{"enter_time": "2025-03-01 10:30:00.250", "exit_time": "2025-03-02 00:00:00.000", "lat": 50.02, "lng": 14.0}'
TOKYO='{"user_id": "東京12", "staypoints": [{"enter_time": "2025-03-01 09:30:00.000", "exit_time": "2025-03-01 11:00:00.999", "lat": 35.6762, "lng": 139.6503}], "p1": "東京", "p2": "12"}'
BIKE='{"user_id": "🚲5xΩz", "staypoints": [{"enter_time": "2025-03-01 01:00:00.000", "exit_time": "2025-03-01 02:00:00.000", "lat": -33.8688, "lng": 151.2093}], "p1": "🚲5", "p2": "xΩ"}'
row_a() { printf '{"user_id": "a", "staypoints": [%s], "p1": "a", "p2": ""}' "$1"; }

expect_status 0 "$TF" staypoints trips.csv --quiet
expect_eq "$OUT" "$(row_a "$A1, $A2, $A3")
$TOKYO
$BIKE" "no options: every pair, users by user_id bytes, p1/p2 by characters"

expect_status 0 "$TF" staypoints trips.csv --quiet --min-dwell 5m
expect_eq "$(echo "$OUT" | head -1)" "$(row_a "$A2, $A3")" "--min-dwell 5m"
expect_status 0 "$TF" staypoints trips.csv --quiet --min-dwell 2m
expect_eq "$(echo "$OUT" | head -1)" "$(row_a "$A1, $A2, $A3")" "--min-dwell 2m keeps a dwell of exactly 2m"
expect_status 0 "$TF" staypoints trips.csv --quiet --max-gap 12h
expect_eq "$(echo "$OUT" | head -1)" "$(row_a "$A1, $A2")" "--max-gap 12h"
expect_status 0 "$TF" staypoints trips.csv --quiet --max-distance 500m
expect_eq "$(echo "$OUT" | head -1)" "$(row_a "$A1, $A3")" "--max-distance 500m (1.11 km between 09:00 and 10:00)"
expect_status 0 "$TF" staypoints trips.csv --quiet --max-distance 2km
expect_eq "$(echo "$OUT" | head -1)" "$(row_a "$A1, $A2, $A3")" "--max-distance 2km"
# all three: user a keeps nothing and disappears, and so does the bike
# (its next trip starts 3,766 km away); Tokyo stays
expect_status 0 "$TF" staypoints trips.csv --min-dwell 5m --max-gap 12h --max-distance 500m --out f.jsonl
expect_eq "$(cat f.jsonl)" "$TOKYO" "every option"
expect_contains "$ERR" "staypoints: 4 users, 1 with staypoints; 1 staypoints written to f.jsonl"
expect_status 0 "$TF" staypoints trips.csv --quiet --max-gap 12h --max-distance 100km
expect_eq "$OUT" "$(row_a "$A1, $A2")
$TOKYO" "--max-gap with --max-distance 100km"

# --timezone: naive times are local to the zone (UTC+1 in March in Prague)
expect_status 0 "$TF" staypoints "$SAMPLE" --quiet --timezone Europe/Prague
expect_contains "$OUT" '{"enter_time": "2025-01-01 07:30:00.000", "exit_time": "2025-01-01 08:00:00.000"'
expect_status 2 "$TF" staypoints "$SAMPLE" --timezone Mars/Olympus
expect_eq "$ERR" "tripflow staypoints: --timezone: time zone 'Mars/Olympus': unknown (no /usr/share/zoneinfo/Mars/Olympus; install tzdata)"

# --- header and input errors
printf 'user_id,trip_start_time,trip_end_time,start_lat,start_lng,end_lat\nu,2025-01-01 00:00:00,2025-01-01 00:01:00,1,2,3\n' > nocol.csv
expect_status 1 "$TF" staypoints nocol.csv --out x.jsonl
expect_eq "$ERR" "tripflow staypoints: nocol.csv:1: header: missing column end_lng (the header needs user_id, trip_start_time, trip_end_time, start_lat, start_lng, end_lat, end_lng)"
printf 'user_id,USER_ID,trip_start_time,trip_end_time,start_lat,start_lng,end_lat,end_lng\n' > twice.csv
expect_status 1 "$TF" staypoints twice.csv --out x.jsonl
expect_eq "$ERR" "tripflow staypoints: twice.csv:1: header: column user_id appears twice"
: > empty.csv
expect_status 1 "$TF" staypoints empty.csv --out x.jsonl
expect_eq "$ERR" "tripflow staypoints: empty.csv: empty input (expected a header line: user_id, trip_start_time, trip_end_time, start_lat, start_lng, end_lat, end_lng)"
expect_eq "$(ls -A | grep -c 'x\.jsonl')" "0" "a failed run leaves no output and no temporary"
head -1 "$SAMPLE" > header-only.csv
expect_status 0 "$TF" staypoints header-only.csv --out none.jsonl --format json
expect_eq "$(wc -c < none.jsonl)" "0" "header only: an empty output"
expect_status 0 "$TF" staypoints header-only.csv --out none.csv --format csv --quiet
expect_eq "$(cat none.csv)" "user_id,p1,p2,staypoints_json" "header only: CSV header"
expect_status 1 "$TF" staypoints missing.csv
expect_eq "$ERR" "tripflow staypoints: missing.csv: no such file or directory"
mkdir adir
expect_status 1 "$TF" staypoints adir
expect_eq "$ERR" "tripflow staypoints: adir: no Parquet files in the directory (names starting with . or _ are skipped)"
expect_status 2 "$TF" staypoints adir --input-format csv
expect_eq "$ERR" "tripflow staypoints: adir: is a directory (CSV input is a file)"
printf 'PAR1\0\0' > t.parquet
expect_status 1 "$TF" staypoints t.parquet
expect_eq "$ERR" "tripflow staypoints: t.parquet: not a Parquet file (6 bytes, too short)"
expect_status 1 "$TF" staypoints "$SAMPLE" --out adir
expect_eq "$ERR" "tripflow staypoints: adir: is a directory (expected a file name)"
expect_status 1 "$TF" staypoints "$SAMPLE" --out newdir/
expect_eq "$ERR" "tripflow staypoints: newdir/: is a directory (expected a file name)"
expect_eq "$(ls -A | grep -c newdir)" "0" "nothing made for a refused output"

# a failing write (a full disk) fails the run, with or without the writer thread
"$TF" gen staypoint-trips --users 20000 --seed 2 --out big.csv 2>/dev/null
for t in 1 2; do
    expect_status 1 "$TF" staypoints "$SAMPLE" --out /dev/full --threads $t
    expect_eq "$ERR" "tripflow staypoints: /dev/full: write: No space left on device" "small output, --threads $t"
    expect_status 1 "$TF" staypoints big.csv --out /dev/full --threads $t
    expect_eq "$(echo "$ERR" | tail -1)" "tripflow staypoints: /dev/full: write: No space left on device" "large output, --threads $t"
done
expect_status 0 "$TF" staypoints big.csv --out t1.jsonl --threads 1 --quiet
expect_status 0 "$TF" staypoints big.csv --out t2.jsonl --threads 2 --quiet
cmp -s t1.jsonl t2.jsonl || fail "--threads 1 and 2 give different output"
expect_status 0 sh -c "'$TF' staypoints - --threads 2 --quiet < big.csv > t3.jsonl"
cmp -s t1.jsonl t3.jsonl || fail "standard input with --threads 2 gives different output"

# --- option errors (usage: exit 2)
expect_status 2 "$TF" staypoints "$SAMPLE" --memory 100K
expect_eq "$ERR" "tripflow staypoints: --memory: at least 1M is needed"
expect_status 2 "$TF" staypoints "$SAMPLE" --threads 3
expect_eq "$ERR" "tripflow staypoints: --threads: expected 0, 1 or 2"
expect_status 2 "$TF" staypoints "$SAMPLE" --min-dwell 5x
expect_eq "$ERR" "tripflow staypoints: --min-dwell: bad duration '5x': unknown unit 'x' (us, ms, s, m, h, d)"
expect_status 2 "$TF" staypoints "$SAMPLE" --max-distance far
expect_eq "$ERR" "tripflow staypoints: --max-distance: bad distance 'far' (expected e.g. 500m, 2km)"
expect_status 2 "$TF" staypoints "$SAMPLE" --format parquet
expect_eq "$ERR" "tripflow staypoints: --format parquet writes a directory: give --out DIR"
expect_status 2 "$TF" staypoints "$SAMPLE" --format xml
expect_eq "$ERR" "tripflow staypoints --format: expected one of json|csv|parquet, got 'xml'"
expect_status 2 "$TF" staypoints
expect_eq "$ERR" "tripflow staypoints: expected INPUT (usage: tripflow staypoints [OPTIONS] INPUT)"
expect_status 2 "$TF" staypoints "$SAMPLE" --reject /dev/null
expect_eq "$ERR" "tripflow staypoints: --reject /dev/null: not a regular file (the reject file is renamed into place)"

# --- the generator: deterministic, header, sizes
expect_status 0 "$TF" gen staypoint-trips --users 300 --seed 7 --out g1.csv
expect_eq "$ERR" "gen staypoint-trips: 300 users, $(($(wc -l < g1.csv) - 1)) trips, 0 bad rows written to g1.csv"
"$TF" gen staypoint-trips --users 300 --seed 7 > g2.csv 2>/dev/null
cmp -s g1.csv g2.csv || fail "the same seed must give the same file"
"$TF" gen staypoint-trips --users 300 --seed 8 > g3.csv 2>/dev/null
cmp -s g1.csv g3.csv && fail "another seed must give another file"
expect_eq "$(head -1 g1.csv)" "user_id,trip_start_time,trip_end_time,start_lat,start_lng,end_lat,end_lng"
expect_eq "$("$TF" gen staypoint-trips --users 0 2>/dev/null)" "user_id,trip_start_time,trip_end_time,start_lat,start_lng,end_lat,end_lng"
expect_status 0 "$TF" gen staypoint-trips --users 50 --id-style seq --trips-per-user 1
expect_eq "$(echo "$OUT" | wc -l)" "51" "--trips-per-user 1: 50 trips"
expect_eq "$(echo "$OUT" | tail -n +2 | cut -d, -f1 | sort | uniq -d)" "" "--trips-per-user 1: one trip per user"
expect_contains "$OUT" "user-0000"
expect_status 2 "$TF" gen staypoint-trips --trips-per-user 0
expect_eq "$ERR" "tripflow gen staypoint-trips: --trips-per-user must be at least 1"
expect_status 2 "$TF" gen staypoint-trips --bad 1.5
expect_eq "$ERR" "tripflow gen staypoint-trips: --bad must be a fraction in [0, 1]"
finish
