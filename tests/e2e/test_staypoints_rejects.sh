# test_staypoints_rejects.sh — bad trip rows go to the reject file with their
# line, field and exact reason, never guessed at; good rows of the same file
# are used; counts are reported; --max-rejects fails the run without output.
source "$ROOT/tests/e2e/lib.sh"

printf '%s\n' \
    'user_id,trip_start_time,trip_end_time,start_lat,start_lng,end_lat,end_lng' \
    'u1,2025-01-01 08:00:00,2025-01-01 08:30:00,40.7589,-73.9851,40.7614,-73.9776' \
    'u1,2025-01-01 09:00:00,2025-01-01 08:59:59.5,40.7614,-73.9776,40.7505,-73.9934' \
    ',2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4' \
    '  ,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4' \
    'u1,yesterday,2025-01-01 09:30:00,1,2,3,4' \
    'u1,2025-01-01 09:00:00,,1,2,3,4' \
    'u1,2025-13-01 09:00:00,2025-01-01 09:30:00,1,2,3,4' \
    'u1,2025-01-01 09:00:00,2025-01-01 09:30:00,91,2,3,4' \
    'u1,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,-180.5' \
    'u1,2025-01-01 09:00:00,2025-01-01 09:30:00,1,abc,3,4' \
    'u1,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,NaN,4' \
    'u1,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,,4' \
    'u1,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3' \
    'u1,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4,5' \
    '"u1"x,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4' > trips.csv
printf 'u\377,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4\n' >> trips.csv
printf '%s\n' 'u1,2025-01-01 10:00:00,2025-01-01 10:30:00,40.7505,-73.9934,40.7589,-73.9851' >> trips.csv

expect_status 0 "$TF" staypoints trips.csv --out out.jsonl
expect_eq "$(cat out.jsonl)" '{"user_id": "u1", "staypoints": [{"enter_time": "2025-01-01 08:30:00.000", "exit_time": "2025-01-01 10:00:00.000", "lat": 40.7614, "lng": -73.9776}], "p1": "u1", "p2": ""}' "the good rows"
expect_eq "$(echo "$ERR" | head -2)" "staypoints: 17 rows read: 2 trips, 15 rejected (see out.jsonl.rejects.csv)
staypoints: 1 users, 1 with staypoints; 1 staypoints written to out.jsonl" "summary"
expect_eq "$(cat out.jsonl.rejects.csv)" "line,field,reason,record
3,trip_end_time,trip ends before it starts (2025-01-01 08:59:59.500000 < 2025-01-01 09:00:00),\"u1,2025-01-01 09:00:00,2025-01-01 08:59:59.5,40.7614,-73.9776,40.7505,-73.9934\"
4,user_id,missing user_id,\",2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4\"
5,user_id,missing user_id,\"  ,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4\"
6,trip_start_time,\"expected YYYY-MM-DD HH:MM:SS, got 'yesterday'\",\"u1,yesterday,2025-01-01 09:30:00,1,2,3,4\"
7,trip_end_time,missing trip_end_time,\"u1,2025-01-01 09:00:00,,1,2,3,4\"
8,trip_start_time,month 13 out of range 01-12,\"u1,2025-13-01 09:00:00,2025-01-01 09:30:00,1,2,3,4\"
9,start_lat,\"latitude 91.0 out of range [-90, 90]\",\"u1,2025-01-01 09:00:00,2025-01-01 09:30:00,91,2,3,4\"
10,end_lng,\"longitude -180.5 out of range [-180, 180]\",\"u1,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,-180.5\"
11,start_lng,\"expected a decimal number, got 'abc'\",\"u1,2025-01-01 09:00:00,2025-01-01 09:30:00,1,abc,3,4\"
12,end_lat,\"expected a decimal number, got 'NaN'\",\"u1,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,NaN,4\"
13,end_lat,missing end_lat,\"u1,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,,4\"
14,,\"expected 7 fields, got 6\",\"u1,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3\"
15,,\"expected 7 fields, got 8\",\"u1,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4,5\"
16,user_id,unexpected text after a closing quote,\"\"\"u1\"\"x,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4\"
17,user_id,user_id is not valid UTF-8,\"u$(printf '\377'),2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4\"" "reject file"

# the same rows from standard input name their lines the same way
expect_status 0 sh -c "'$TF' staypoints - --reject stdin.rejects.csv --quiet < trips.csv"
cmp -s stdin.rejects.csv out.jsonl.rejects.csv || fail "stdin reject file differs"

# --max-rejects: at the limit the run succeeds; above it, it fails with no output
# but the reject file shows why
rm -f out.jsonl out.jsonl.rejects.csv
expect_status 0 "$TF" staypoints trips.csv --out out.jsonl --max-rejects 15 --quiet
expect_status 1 "$TF" staypoints trips.csv --out lim.jsonl --max-rejects 14
expect_eq "$ERR" "staypoints: 17 rows read: 2 trips, 15 rejected (see lim.jsonl.rejects.csv)
tripflow staypoints: too many rejected rows: 15 of 17 rows read (--max-rejects 14); see lim.jsonl.rejects.csv"
expect_eq "$(ls -A | grep -c '^lim\.jsonl$\|^\.lim\.jsonl')" "0" "no output when the limit is exceeded"
expect_eq "$(($(wc -l < lim.jsonl.rejects.csv) - 1))" "15" "the reject file is kept"
expect_status 0 "$TF" staypoints trips.csv --out pct.jsonl --max-rejects 90% --quiet
expect_status 1 "$TF" staypoints trips.csv --out pct2.jsonl --max-rejects 88%
expect_contains "$ERR" "too many rejected rows: 15 of 17 rows read (--max-rejects 88%); see pct2.jsonl.rejects.csv"
expect_status 2 "$TF" staypoints trips.csv --max-rejects lots
expect_eq "$ERR" "tripflow staypoints: --max-rejects 'lots': expected N rows or a percentage like 2.5%"

# a row limit stops reading early: the second batch of 4096 rows is never read
{
    head -1 trips.csv
    for i in $(seq 5000); do echo ",2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4"; done
    for i in $(seq 5000); do echo "u$i,2025-01-01 09:00:00,2025-01-01 09:30:00,1,2,3,4"; done
} > many.csv
expect_status 1 "$TF" staypoints many.csv --out many.jsonl --max-rejects 100
expect_eq "$(echo "$ERR" | head -1)" "staypoints: 4096 rows read: 0 trips, 4096 rejected (see many.jsonl.rejects.csv)"

# generated data with malformed rows inserted: the same staypoints as without,
# and exactly as many rejects as the generator inserted
"$TF" gen staypoint-trips --users 3000 --seed 11 --out clean.csv 2>/dev/null
expect_status 0 "$TF" gen staypoint-trips --users 3000 --seed 11 --bad 0.02 --out bad.csv
bad=$(echo "$ERR" | sed -n 's/.* trips, \([0-9]*\) bad rows.*/\1/p')
expect_status 0 "$TF" staypoints clean.csv --out clean.jsonl --quiet
expect_status 0 "$TF" staypoints bad.csv --out bad.jsonl
expect_contains "$ERR" ", $bad rejected (see bad.jsonl.rejects.csv)"
expect_eq "$(($(wc -l < bad.jsonl.rejects.csv) - 1))" "$bad" "one reject line per inserted bad row"
[ "$bad" -gt 200 ] || fail "expected hundreds of bad rows, got $bad"
cmp -s clean.jsonl bad.jsonl || fail "bad rows changed the staypoints"
# every kind of bad row the generator makes was rejected for its reason
reasons=$(tail -n +2 bad.jsonl.rejects.csv | LC_ALL=C sed -E 's/^[0-9]+,([^,]*),("[^"]*"|[^,]*),.*/\1 \2/; s/\(20[^)]*\)//; s/[0-9.-]+ out of range/N out of range/' | LC_ALL=C sort -u)
expect_eq "$reasons" ' "expected 7 fields, got 6"
 "expected 7 fields, got 8"
end_lat "expected a decimal number, got '"'NaN'"'"
end_lng "longitude N out of range [-180, 180]"
start_lat "latitude N out of range [-90, 90]"
start_lng "expected a decimal number, got '"'12.34.56'"'"
trip_end_time missing trip_end_time
trip_end_time trip ends before it starts 
trip_start_time day N out of range for 2025-02
user_id missing user_id
user_id unexpected text after a closing quote
user_id user_id is not valid UTF-8' "reasons"
finish
