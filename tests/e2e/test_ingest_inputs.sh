# test_ingest_inputs.sh — ways in: stdin, several files in one command (one
# run each), CRLF files, naive times read in a named time zone.
source "$ROOT/tests/e2e/lib.sh"
"$TF_REL" gen trips --rows 1000 --seed 21 --crlf --out crlf.csv
CHECKS=$((CHECKS + 1))
[ "$(head -1 crlf.csv | od -c | grep -c '\\r')" = 1 ] || fail "the generator did not write CRLF"
expect_status 0 "$TF" ingest - --quiet <crlf.csv
expect_eq "$(sql "select source, status, rows_loaded from ingest_runs")" "stdin|loaded|1000" "stdin"
# the same bytes from a file: recognised by content
expect_status 0 "$TF" ingest crlf.csv
expect_contains "$OUT" "already loaded by run 1"

# several files: a run each; one failing does not stop the others
"$TF_REL" gen trips --rows 500 --seed 22 --out a.csv
printf 'nonsense\n' >b.csv
"$TF_REL" gen trips --rows 700 --seed 23 --out c.csv
expect_status 1 "$TF" ingest a.csv b.csv c.csv --quiet
expect_eq "$ERR" $'tripflow ingest: b.csv:1: line 1 is not the header (expected region,origin_coord,destination_coord,datetime,datasource; got \'nonsense\')\ntripflow ingest: 1 of 3 files failed' "several files"
expect_eq "$(sql "select source, status from ingest_runs where run_id > 2" | tr '\n' ' ')" "a.csv|loaded b.csv|failed c.csv|loaded " "a run per file"

# naive times in a named zone; explicit offsets are kept
printf 'region,origin_coord,destination_coord,datetime,datasource\n' >tz.csv
printf 'Prague,POINT (14.4 50.0),POINT (14.5 50.1),2018-05-28 11:03:40,x\n' >>tz.csv
printf 'Prague,POINT (14.4 50.0),POINT (14.5 50.1),2018-01-10 13:00:00,x\n' >>tz.csv
printf 'Prague,POINT (14.4 50.0),POINT (14.5 50.1),2018-01-10T13:00:00Z,x\n' >>tz.csv
DB=tz.db
expect_status 0 "$TF" ingest tz.csv --db tz.db --timezone Europe/Prague --quiet
expect_eq "$(sql "select latest_trip from hourly_trips order by 1" | tr '\n' ' ')" "2018-01-10 12:00:00 2018-01-10 13:00:00 2018-05-28 09:03:40 " "Europe/Prague to UTC"
expect_status 2 "$TF" ingest tz.csv --db tz.db --timezone Mars/Olympus
expect_eq "$ERR" "tripflow ingest: time zone 'Mars/Olympus': unknown (no /usr/share/zoneinfo/Mars/Olympus; install tzdata)"
expect_status 2 "$TF" ingest tz.csv --cell-precision 13
expect_eq "$ERR" "tripflow ingest: --cell-precision 13: expected 1 to 12"
expect_status 2 "$TF" ingest tz.csv --time-bucket 7m
expect_eq "$ERR" "tripflow ingest: --time-bucket: expected whole seconds between 1m and 24h that divide a day (e.g. 30m, 1h, 3h)"
expect_status 2 "$TF" ingest
expect_eq "$ERR" "tripflow ingest: expected FILE... (usage: tripflow ingest [OPTIONS] FILE...)"
finish
