# test_ingest_rejects.sh — bad input: every reject reason with its line,
# field and exact reason in the reject file; good rows of the same file load;
# --max-rejects; header problems; empty files; BOM, CRLF and RFC 4180 quoting.
source "$ROOT/tests/e2e/lib.sh"

printf '\xEF\xBB\xBFregion,origin_coord,destination_coord,datetime,datasource\r\n' >bad.csv
printf 'Prague,POINT (14.49 50.00),POINT (14.43 50.04),2018-05-28 09:03:40,funny_car\r\n' >>bad.csv                 # 2 good
printf '"Turin","POINT(7.67 44.99)","POINT ( 7.72   45.06 )",2018-05-21T02:54:04Z,"baba ""car"""\r\n' >>bad.csv  # 3 good
printf '\r\n' >>bad.csv                                                                                        # 4 blank
printf 'Hamburg,POINT (200.5 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car\n' >>bad.csv               # 5
printf 'Hamburg,POINT (10.07 95),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car\n' >>bad.csv                  # 6
printf 'Hamburg,POINT (10.07 53.62),POINT (abc 53.46),2018-05-15 09:13:36,funny_car\n' >>bad.csv                # 7
printf 'Hamburg,POINT (10.07 53.62),POINT 9.78 53.46,2018-05-15 09:13:36,funny_car\n' >>bad.csv                 # 8
printf 'Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-13-15 09:13:36,funny_car\n' >>bad.csv               # 9
printf 'Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-02-30 09:13:36,funny_car\n' >>bad.csv               # 10
printf 'Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 24:13:36,funny_car\n' >>bad.csv               # 11
printf 'Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),yesterday,funny_car\n' >>bad.csv                         # 12
printf 'Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36\n' >>bad.csv                         # 13
printf 'Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car,x\n' >>bad.csv             # 14
printf ',POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car\n' >>bad.csv                      # 15
printf 'Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,  \n' >>bad.csv                      # 16
printf 'Ham\xffburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car\n' >>bad.csv           # 17
printf 'Hamburg,"POINT (10.07 53.62)"x,POINT (9.78 53.46),2018-05-15 09:13:36,funny_car\n' >>bad.csv            # 18
printf 'Ham"burg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car\n' >>bad.csv              # 19
printf 'Prague,POINT (14.49 50.00),POINT (14.43 50.04),2018-05-28 09:03:40,funny_car\n' >>bad.csv               # 20 dup of 2
printf 'prague,POINT(14.490 50.0),POINT (14.43 50.040),2018-05-28T09:03:40+00:00,FUNNY_CAR\n' >>bad.csv         # 21 same trip
printf 'Turin,"POINT (7.5\n 45.0)",POINT (7.6 45.1),2018-05-21 10:00:00,baba_car\n' >>bad.csv                    # 22-23 good
printf 'Turin,POINT (7.5 45.0),POINT (7.6 45.1),"2018-05-21\n10:00:00",baba_car\n' >>bad.csv                     # 24-25
printf 'Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36+25:00,funny_car\n' >>bad.csv         # 26
printf 'Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car\n' >>bad.csv               # 27 good
printf '"Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:14:00,funny_car\n' >>bad.csv              # 28

expect_status 0 "$TF" ingest bad.csv
expect_eq "$OUT" "run 1: bad.csv: loaded 4 of 25 rows (2 duplicate, 19 rejected: $T/tripflow.rejects/run-1.csv) in $(echo "$OUT" | sed 's/.* in //')" "summary"
cat >want.csv <<'CSV'
line,field,reason,record
5,origin_coord,"longitude 200.5 out of range [-180, 180]","Hamburg,POINT (200.5 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car"
6,origin_coord,"latitude 95 out of range [-90, 90]","Hamburg,POINT (10.07 95),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car"
7,destination_coord,longitude 'abc' is not a number,"Hamburg,POINT (10.07 53.62),POINT (abc 53.46),2018-05-15 09:13:36,funny_car"
8,destination_coord,"expected 'POINT (lon lat)', got 'POINT 9.78 53.46'","Hamburg,POINT (10.07 53.62),POINT 9.78 53.46,2018-05-15 09:13:36,funny_car"
9,datetime,month 13 out of range 01-12,"Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-13-15 09:13:36,funny_car"
10,datetime,day 30 out of range for 2018-02,"Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-02-30 09:13:36,funny_car"
11,datetime,hour 24 out of range 00-23,"Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 24:13:36,funny_car"
12,datetime,"expected YYYY-MM-DD HH:MM:SS, got 'yesterday'","Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),yesterday,funny_car"
13,,"expected 5 fields, found 4","Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36"
14,,"expected 5 fields, found 6","Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car,x"
15,region,empty region,",POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car"
16,datasource,empty datasource,"Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,  "
CSV
printf '17,region,region is not valid UTF-8,"Ham\xffburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car"\n' >>want.csv
cat >>want.csv <<'CSV'
18,origin_coord,unexpected text after a closing quote at column 30,"Hamburg,""POINT (10.07 53.62)""x,POINT (9.78 53.46),2018-05-15 09:13:36,funny_car"
19,region,quote inside an unquoted field at column 4,"Ham""burg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car"
24,datetime,"expected YYYY-MM-DD HH:MM:SS, got '2018-05-21\n10:00:00'","Turin,POINT (7.5 45.0),POINT (7.6 45.1),""2018-05-21"
25,region,quote inside an unquoted field at column 9,"10:00:00"",baba_car"
26,datetime,bad UTC offset '+25:00' (expected +HH:MM),"Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36+25:00,funny_car"
28,region,unterminated quoted field at column 1,"""Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:14:00,funny_car"
CSV
if ! cmp -s want.csv tripflow.rejects/run-1.csv; then fail "reject file differs: $(diff want.csv tripflow.rejects/run-1.csv | head -20)"; fi
CHECKS=$((CHECKS + 1))
# the good rows are in, each trip once, names as first written
expect_eq "$(sql "select region, datasource, hour_start, trip_count, latest_trip from hourly_trips_v order by 1, 2" | tr '\n' ' ')" \
    'Hamburg|funny_car|2018-05-15 09:00:00|1|2018-05-15 09:13:36 Prague|funny_car|2018-05-28 09:00:00|1|2018-05-28 09:03:40 Turin|baba "car"|2018-05-21 02:00:00|1|2018-05-21 02:54:04 Turin|baba_car|2018-05-21 10:00:00|1|2018-05-21 10:00:00 ' "facts"
expect_eq "$(sql "select rows_read, rows_loaded, rows_duplicate, rows_rejected, reject_file from ingest_runs")" \
    "25|4|2|19|$T/tripflow.rejects/run-1.csv" "run counts"
expect_status 0 "$TF" runs --id 1 --events
expect_eq "$(echo "$OUT" | grep -c '"type":"reject"')" 19 "reject events"
expect_contains "$OUT" '"type":"reject","source":"bad.csv","line":5,"field":"origin_coord","reason":"longitude 200.5 out of range [-180, 180]"'

# --reject names the file; --max-rejects fails the run and keeps nothing
sed 's/Prague/Praha/; s/Turin/Torino/' bad.csv >bad2.csv
facts=$(sql "select count(*) from hourly_trips")
expect_status 1 "$TF" ingest bad2.csv --max-rejects 5 --reject my-rejects.csv
expect_eq "$ERR" "tripflow ingest: more than 5 rows rejected (--max-rejects); first: bad2.csv:5: origin_coord: longitude 200.5 out of range [-180, 180]" "max rejects N"
expect_eq "$(sql "select count(*) from hourly_trips")" "$facts" "nothing kept"
expect_eq "$(sql "select status, error from ingest_runs where run_id = 2")" "failed|more than 5 rows rejected (--max-rejects); first: bad2.csv:5: origin_coord: longitude 200.5 out of range [-180, 180]" "failed run"
expect_eq "$(head -2 my-rejects.csv | tail -1 | cut -d, -f1-2)" "5,origin_coord" "rejects of a failed run are kept"
expect_status 1 "$TF" ingest bad2.csv --max-rejects 50%
expect_eq "$ERR" "tripflow ingest: 19 of 25 rows rejected (76.00%), more than --max-rejects allows; first: bad2.csv:5: origin_coord: longitude 200.5 out of range [-180, 180]" "max rejects %"
expect_eq "$(sql "select count(*) from regions where name = 'Praha'")" 0 "no dimension from a failed run"
expect_status 0 "$TF" ingest bad2.csv --max-rejects 80% --quiet
expect_eq "$(sql "select count(*) from regions where name in ('Praha', 'Torino')")" 2 "loaded within the limit"
expect_status 2 "$TF" ingest bad2.csv --max-rejects lots
expect_eq "$ERR" "tripflow ingest: --max-rejects 'lots': expected N rows or a percentage like 2.5%"

# header problems fail the run with the file and line named
printf 'region,origin_coord,destination_coord,datetime\nPrague,POINT (1 2),POINT (3 4),2018-05-28 09:03:40\n' >nohead.csv
expect_status 1 "$TF" ingest nohead.csv
expect_eq "$ERR" "tripflow ingest: nohead.csv:1: header: missing column 'datasource' (expected region,origin_coord,destination_coord,datetime,datasource)"
printf 'region,origin,destination_coord,datetime,datasource\n' >unknown.csv
expect_status 1 "$TF" ingest unknown.csv
expect_eq "$ERR" "tripflow ingest: unknown.csv:1: header: unknown column 'origin' (expected region,origin_coord,destination_coord,datetime,datasource)"
printf 'Prague,POINT (14.49 50.00),POINT (14.43 50.04),2018-05-28 09:03:40,funny_car\n' >headless.csv
expect_status 1 "$TF" ingest headless.csv
expect_eq "$ERR" "tripflow ingest: headless.csv:1: line 1 is not the header (expected region,origin_coord,destination_coord,datetime,datasource; got 'Prague,POINT (14.49 50.00),POINT (14.43 50.04),2018-05-28 09:03:40,funny_car')"
printf 'region,region,destination_coord,datetime,datasource\n' >twice.csv
expect_status 1 "$TF" ingest twice.csv
expect_eq "$ERR" "tripflow ingest: twice.csv:1: header: column 'region' appears twice"
expect_status 1 "$TF" ingest missing.csv
expect_eq "$ERR" "tripflow ingest: missing.csv: No such file or directory"

# columns in another order, an empty file and a header-only file
printf 'datasource,datetime,region,destination_coord,origin_coord\nfunny_car,2018-05-29 10:00:00,Prague,POINT (14.43 50.04),POINT (14.49 50.00)\n' >reordered.csv
expect_status 0 "$TF" ingest reordered.csv --quiet
expect_eq "$(sql "select trip_count from hourly_trips_v where hour_start = '2018-05-29 10:00:00'")" 1 "reordered columns"
: >empty.csv
expect_status 0 "$TF" ingest empty.csv
expect_contains "$OUT" "loaded 0 of 0 rows"
printf 'region,origin_coord,destination_coord,datetime,datasource\n' >header-only.csv
expect_status 0 "$TF" ingest header-only.csv
expect_contains "$OUT" "loaded 0 of 0 rows"
finish
