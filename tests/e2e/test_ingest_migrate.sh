# test_ingest_migrate.sh — a database made before migration 002 (trip group
# times as text in the table trip_groups) is migrated when tripflow opens it:
# the times become exact integer microseconds in trip_group_rows, the view
# trip_groups reads exactly as the table did, and a later ingest upserts
# into the migrated groups (earliest and latest times by instant).
source "$ROOT/tests/e2e/lib.sh"

P1='POINT (14.4973794438195 50.00136875782316)' P2='POINT (14.43109483523328 50.04052930943246)'
printf 'region,origin_coord,destination_coord,datetime,datasource\nPrague,%s,%s,2018-05-28 09:03:40,funny_car\n' \
    "$P1" "$P2" >one.csv
expect_status 0 "$TF" ingest one.csv --db scratch.db --quiet
cells=$(DB=scratch.db sql "select origin_cell || ', ' || destination_cell || ', ' || time_bucket from trip_group_rows")
expect_eq "$(DB=scratch.db sql 'select first_us, last_us from trip_group_rows')" "1527498220000000|1527498220000000" \
    "a new database stores microseconds"

# the database as tripflow left it before 002
export TRIPFLOW_DB="$T/old.db"
sql <"$ROOT/src/store/sqlite/migrations/001_trips.sql"
sql "CREATE TABLE schema_migrations(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL);
     INSERT INTO schema_migrations VALUES ('001_trips.sql', '2026-01-01 00:00:00');
     INSERT INTO settings VALUES ('group_cell_precision', '6'), ('group_time_bucket_seconds', '3600');
     INSERT INTO regions VALUES (1, 'Prague', 1);
     INSERT INTO trip_groups VALUES (1, $cells, 2, 28.99, 100.00, 28.86, 100.08,
                                     '2018-05-28 09:03:40.000123', '2018-05-28 09:10:00');
     INSERT INTO trip_groups VALUES (1, 1, 2, 0, 1, 0, 0, 0, 0, '1969-12-31 23:59:59.500000', '9999-12-31 23:59:59.999999');
     INSERT INTO trip_groups VALUES (1, 3, 4, 5, 1, 0, 0, 0, 0, '0001-01-01 00:00:00', '2000-02-29 12:00:00.000001');"
before=$(sql 'select * from trip_groups order by 1, 2, 3, 4')

expect_status 0 "$TF" groups --format csv
expect_eq "$(echo "$OUT" | cut -d, -f5,10,11)" \
    $'trips,first_trip,last_trip\n2,2018-05-28 09:03:40.000123,2018-05-28 09:10:00\n1,1969-12-31 23:59:59.500000,9999-12-31 23:59:59.999999\n1,0001-01-01 00:00:00,2000-02-29 12:00:00.000001' \
    "groups read the migrated times"
expect_eq "$(sql "select count(*) from schema_migrations where name = '002_trip_group_times.sql'")" 1 "002 applied once"
expect_eq "$(sql 'select type from sqlite_schema where name = '"'trip_groups'"'')" "view" "trip_groups is a view now"
expect_eq "$(sql 'select * from trip_groups order by 1, 2, 3, 4')" "$before" "the view reads as the table did"
expect_eq "$(sql 'select first_us, last_us from trip_group_rows order by 1')" \
    $'-62135596800000000|951825600000001\n-500000|253402300799999999\n1527498220000123|1527498600000000' \
    "exact microseconds, before 1970 and with fractions"

# a later ingest: one trip before the group's first, one after its last
printf 'region,origin_coord,destination_coord,datetime,datasource\nPrague,%s,%s,2018-05-28 09:01:00.25,funny_car\nPrague,%s,%s,2018-05-28T09:59:59Z,cheap_mobile\n' \
    "$P1" "$P2" "$P1" "$P2" >two.csv
expect_status 0 "$TF" ingest two.csv --quiet
expect_eq "$(sql "select trip_count, first_trip, last_trip from trip_groups where origin_cell || ', ' || destination_cell || ', ' || time_bucket = '$cells'")" \
    "4|2018-05-28 09:01:00.250000|2018-05-28 09:59:59" "the upsert takes the earliest and latest instants"
expect_eq "$(sql 'select count(*), sum(trip_count) from trip_groups')" "3|6" "no group added"
finish
