#!/bin/sh
# demo.sh — what `make demo` runs after building: generate trips, ingest them
# into a fresh SQLite database with the embedded defaults, print the reports.
set -e
TF=${TF:-./build/tripflow}
D=build/demo
rm -rf "$D"
mkdir -p "$D"
export TRIPFLOW_DB="$D/tripflow.db"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step tripflow gen trips --rows 1000000 --seed 7 --duplicates 0.03 --bad 0.001 --out $D/trips.csv
$TF gen trips --rows 1000000 --seed 7 --duplicates 0.03 --bad 0.001 --out "$D/trips.csv"
ls -l "$D/trips.csv" | awk '{print $5 " bytes"}'

step tripflow ingest $D/trips.csv
$TF ingest "$D/trips.csv"

step tripflow ingest $D/trips.csv "  # the same file again"
$TF ingest "$D/trips.csv"

step tripflow report weekly --region Turin
$TF report weekly --region Turin --format table

step tripflow report latest-datasource
$TF report latest-datasource --format table

step tripflow report regions --datasource cheap_mobile
$TF report regions --datasource cheap_mobile --format table

step tripflow groups --limit 5
$TF groups --limit 5 --format table

step tripflow report weekly --bbox 14.40,50.05,14.45,50.10 --match either "  # exact, from the Parquet lake"
$TF report weekly --bbox 14.40,50.05,14.45,50.10 --match either --format table

step tripflow lake ls
$TF lake ls --format table | cut -c1-150

step tripflow runs
$TF runs --format table | cut -c1-150

step "head -4 $D/tripflow.rejects/run-1.csv"
head -4 "$D/tripflow.rejects/run-1.csv"

if [ -r ../shared/data/seed_repos/jobsity_trips.csv ]; then
    step "tripflow ingest jobsity_trips.csv --db $D/sample.db   # the real 100-row sample"
    $TF ingest ../shared/data/seed_repos/jobsity_trips.csv --db "$D/sample.db"
    $TF report latest-datasource --db "$D/sample.db" --format json
    $TF report regions --datasource cheap_mobile --db "$D/sample.db" --format json
fi
printf '\nThe database is %s; try: sqlite3 %s "select * from hourly_trips_v limit 5"\n' "$TRIPFLOW_DB" "$TRIPFLOW_DB"
printf 'The raw layer is %s/lake/trips (Hive-partitioned Parquet for DuckDB, Spark, Trino)\n' "$D"
