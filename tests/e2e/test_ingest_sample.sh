# test_ingest_sample.sh — the shared 100-row sample: the challenge's answers,
# the data model's contents, idempotent re-ingest and the run history.
source "$ROOT/tests/e2e/lib.sh"
need_shared seed_repos/jobsity_trips.csv
SAMPLE="$SHARED/seed_repos/jobsity_trips.csv"

expect_status 0 "$TF" ingest "$SAMPLE" --quiet
expect_status 0 "$TF" report latest-datasource --format json
expect_eq "$(echo "$OUT" | json_compact)" '{"regions":["Turin","Prague"],"datasource":"pt_search_app","datetime":"2018-05-31 06:20:59"}' "latest datasource"
expect_status 0 "$TF" report regions --datasource cheap_mobile --format json
expect_eq "$(echo "$OUT" | json_compact)" '{"datasource":"cheap_mobile","regions":["Hamburg","Prague","Turin"]}' "cheap_mobile regions"
# names match case-insensitively and print as stored
expect_status 0 "$TF" report regions --datasource CHEAP_MOBILE --format csv
expect_eq "$OUT" $'region\nHamburg\nPrague\nTurin' "regions csv"

# the data model holds every trip once
expect_eq "$(sql 'select sum(trip_count) from hourly_trips')" 100 "facts total"
expect_eq "$(sql 'select sum(trip_count) from trip_groups')" 100 "groups total"
expect_eq "$(sql 'select group_concat(name) from (select name from regions order by name)')" "Hamburg,Prague,Turin" "regions"
expect_eq "$(sql 'select count(*) from datasources')" 5 "datasources"
expect_eq "$(sql "select trip_count, latest_trip from hourly_trips_v where region='Prague' and datasource='funny_car' and hour_start='2018-05-28 09:00:00'")" "1|2018-05-28 09:03:40" "one fact row"
expect_eq "$(sql "select origin_cell, destination_cell, bucket_start, trip_count from trip_groups_v where first_trip='2018-05-28 09:03:40'")" "u2fk3y|u2fk8m|09:00|1" "a group row"
expect_eq "$(sql "select key, value from settings order by key" | tr '\n' ' ')" "group_cell_precision|6 group_time_bucket_seconds|3600 " "grid settings"

# weekly average for Turin: 38 trips over the 5 ISO weeks 2018-04-30 .. 2018-06-03
expect_status 0 "$TF" report weekly --region turin --format json
expect_eq "$(echo "$OUT" | json_compact)" '{"area":{"region":"Turin"},"from":"2018-04-30","to":"2018-06-03","weeks":[{"week_start":"2018-04-30","trips":8},{"week_start":"2018-05-07","trips":6},{"week_start":"2018-05-14","trips":6},{"week_start":"2018-05-21","trips":14},{"week_start":"2018-05-28","trips":4}],"weekly_average":7.6}' "weekly Turin"
expect_contains "$OUT" '"weekly_average": 7.6' "shortest number text"
expect_status 0 "$TF" report weekly --region Turin --from 2018-05-09 --to 2018-05-20 --format csv
expect_eq "$OUT" $'area,from,to,week_start,trips,weekly_average\nregion Turin,2018-05-07,2018-05-20,2018-05-07,6,6.0\nregion Turin,2018-05-07,2018-05-20,2018-05-14,6,6.0' "weekly range"
# a range past the data: zero weeks count
expect_status 0 "$TF" report weekly --region Hamburg --from 2018-06-01 --to 2018-06-20 --format json
expect_eq "$(echo "$OUT" | json_compact)" '{"area":{"region":"Hamburg"},"from":"2018-05-28","to":"2018-06-24","weeks":[{"week_start":"2018-05-28","trips":5},{"week_start":"2018-06-04","trips":0},{"week_start":"2018-06-11","trips":0},{"week_start":"2018-06-18","trips":0}],"weekly_average":1.25}' "zero weeks"
expect_status 1 "$TF" report weekly --region Atlantis
expect_eq "$ERR" "tripflow report weekly: no region 'Atlantis' in $TRIPFLOW_DB" "unknown region"
expect_status 2 "$TF" report weekly --region Turin --from 2018-06-01 --to 2018-05-01
expect_eq "$ERR" "tripflow report weekly: report weekly: --from 2018-06-01 is after --to 2018-05-01"
expect_status 2 "$TF" report weekly --region Turin --from 2018-02-30
expect_eq "$ERR" "tripflow report weekly: --from: day 30 out of range for 2018-02"
expect_status 2 "$TF" report weekly
expect_contains "$ERR" "name the area with --region NAME"

# the same content again: recognised, nothing changes
before=$(sql 'select sum(trip_count), count(*) from hourly_trips; select count(*) from trip_groups')
cp "$SAMPLE" copy.csv
expect_status 0 "$TF" ingest copy.csv
expect_eq "$OUT" "run 2: copy.csv: already loaded by run 1 (same content); nothing changed"
expect_eq "$(sql 'select sum(trip_count), count(*) from hourly_trips; select count(*) from trip_groups')" "$before" "unchanged"

# the history
expect_status 0 "$TF" runs --format csv
expect_eq "$(echo "$OUT" | cut -d, -f1-8 | sed -n 2,3p)" $'2,copy.csv,already_loaded,0,0,0,0,12839\n1,'"$SAMPLE"',loaded,100,100,0,0,12839' "runs"
expect_status 0 "$TF" runs --id 2 --format json
expect_contains "$OUT" '"same_as_run": 1'
expect_status 1 "$TF" runs --id 9
expect_eq "$ERR" "tripflow runs: no run 9 in $TRIPFLOW_DB"

# the plain SQL in sql/queries.sql answers the same questions with the sqlite3 CLI
block() { awk -v n="$1" '$0 == "-- name: " n {p=1; next} /^-- name:/ {p=0} p' "$ROOT/sql/queries.sql"; }
got=$( (printf '.param set :region Turin\n.param set :from NULL\n.param set :to NULL\n'; block weekly_region) |
    sqlite3 -batch -noheader "$TRIPFLOW_DB" | tr '\n' ' ')
expect_eq "$got" "2018-04-30|8|7.6 2018-05-07|6|7.6 2018-05-14|6|7.6 2018-05-21|14|7.6 2018-05-28|4|7.6 " "queries.sql weekly"
got=$(block latest_datasource | sqlite3 -batch -noheader "$TRIPFLOW_DB")
expect_eq "$got" "Turin|Prague|pt_search_app|2018-05-31 06:20:59" "queries.sql latest"
finish
