# test_ingest_duckdb.sh — on generated data with duplicates and bad rows,
# every result of the data model equals an independent computation (DuckDB,
# and a geohash written in JavaScript) over the same CSV; the result does not
# depend on threads or chunk borders.
source "$ROOT/tests/e2e/lib.sh"
CHECK="node $ROOT/tests/tools/trips_check.mjs"

"$TF_REL" gen trips --rows 60000 --seed 11 --duplicates 0.05 --bad 0.01 --days 40 --out trips.csv
# the good rows, for DuckDB (which cannot be told our reject rules)
"$TF" ingest trips.csv --quiet --threads 2 --chunk-size 64K --reject rej.csv
expect_eq "$(sql 'select rows_read, rows_rejected from ingest_runs')" "60000|$(($(wc -l <rej.csv) - 1))" "rejects counted"
awk -F, 'NR == FNR { if (FNR > 1) bad[$1] = 1; next } !(FNR in bad)' rej.csv trips.csv >good.csv
expect_eq "$(($(wc -l <good.csv) - 1 + $(wc -l <rej.csv) - 1))" 60000 "split"

expect_eq "$(sql "select region || ',' || datasource || ',' || hour_start || ',' || trip_count || ',' || latest_trip from hourly_trips_v order by region, datasource, hour_start" | md5sum)" \
    "$($CHECK good.csv facts | md5sum)" "hourly facts equal DuckDB's"
expect_eq "$(sql 'select sum(rows_loaded), sum(rows_duplicate) from ingest_runs')" \
    "$($CHECK good.csv facts | awk -F, '{n += $4} END {print n}')|$(($(wc -l <good.csv) - 1 - $($CHECK good.csv facts | awk -F, '{n += $4} END {print n}')))" "loaded and duplicate counts"

for region in Turin prague HAMBURG; do
    expect_status 0 "$TF" report weekly --region $region --format csv
    expect_eq "$(echo "$OUT" | tail -n +2 | cut -d, -f4,5)" "$($CHECK good.csv weekly $region)" "weekly $region"
done
expect_status 0 "$TF" report latest-datasource --format csv
expect_eq "$(echo "$OUT" | tail -1)" "$($CHECK good.csv latest)" "latest datasource"
for ds in cheap_mobile pt_search_app; do
    expect_status 0 "$TF" report regions --datasource $ds --format csv
    expect_eq "$(echo "$OUT" | tail -n +2)" "$($CHECK good.csv regions $ds)" "regions for $ds"
done
# means in full precision; the reference sums in floating point, we sum exactly
groups_csv() {
    sql "select region, origin_cell, destination_cell, time_bucket, trip_count, printf('%!.17g,%!.17g,%!.17g,%!.17g', mean_origin_lon, mean_origin_lat, mean_destination_lon, mean_destination_lat), first_trip, last_trip from trip_groups_v" | tr '|' ',' | LC_ALL=C sort
}
same_groups() { # WHAT PRECISION BUCKET_S
    groups_csv >ours.csv
    $CHECK good.csv groups "$2" "$3" | LC_ALL=C sort >theirs.csv
    CHECKS=$((CHECKS + 1))
    node "$ROOT/tests/tools/csv_equal.mjs" ours.csv theirs.csv 1e-12 >cmp.txt || fail "$1: $(cat cmp.txt)"
}
same_groups "groups equal the independent ones" 6 3600

# one thread and one chunk give the same database content
DB=one.db
"$TF" ingest trips.csv --db one.db --quiet --threads 1 --chunk-size 1G --reject rej1.csv
for t in hourly_trips_v trip_groups_v regions datasources; do
    expect_eq "$(sql "select * from $t order by 1, 2, 3" | md5sum)" "$(DB=$TRIPFLOW_DB sql "select * from $t order by 1, 2, 3" | md5sum)" "$t independent of threads and chunks"
done
expect_eq "$(md5sum <rej1.csv)" "$(md5sum <rej.csv)" "reject file independent of threads and chunks"

# another grid is fixed by the first run of a database
DB=grid.db
"$TF" ingest good.csv --db grid.db --quiet --cell-precision 5 --time-bucket 3h
same_groups "groups on precision 5, 3h buckets" 5 10800
"$TF_REL" gen trips --rows 100 --seed 12 --out more.csv
expect_status 1 "$TF" ingest more.csv --db grid.db --cell-precision 7
expect_eq "$ERR" "tripflow ingest: this database groups similar trips on geohash precision 5 and 10800 s time buckets (fixed by its first run), not precision 7 and 3600 s; leave out --cell-precision and --time-bucket, or use another database"
expect_status 0 "$TF" ingest more.csv --db grid.db --quiet
finish
