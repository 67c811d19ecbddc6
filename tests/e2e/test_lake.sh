# test_lake.sh — the raw layer: DuckDB reads the Hive-partitioned Parquet
# directly with the same values; a trip is stored once whichever run brings
# it (overlapping files, 10% duplicates); a killed run leaves no live file and
# the next start cleans up or finishes; the catalog, lake ls, export (back to
# CSV that ingests to the same model), and one lake per database.
source "$ROOT/tests/e2e/lib.sh"
LAKE=$T/lake

"$TF_REL" gen trips --rows 60000 --seed 31 --duplicates 0.1 --days 40 --out all.csv
head -40001 all.csv >a.csv
(head -1 all.csv; tail -n +20002 all.csv) >b.csv # overlaps a.csv on 20000 rows
expect_status 0 "$TF" ingest a.csv --quiet
expect_status 0 "$TF" ingest b.csv --quiet

# the distinct trips of both files, as DuckDB sees them in the CSV
csv_trips="select distinct trim(region) as region, datasource,
    cast(regexp_extract(origin_coord, '\\(([^ ]+) ', 1) as double) as olon, cast(regexp_extract(origin_coord, ' ([^ )]+)\\)', 1) as double) as olat,
    cast(regexp_extract(destination_coord, '\\(([^ ]+) ', 1) as double) as dlon, cast(regexp_extract(destination_coord, ' ([^ )]+)\\)', 1) as double) as dlat,
    cast(datetime as timestamp) as ts
  from read_csv('all.csv', header = true, all_varchar = true)"
lake_trips="select region, datasource, origin_lon as olon, origin_lat as olat, destination_lon as dlon, destination_lat as dlat,
    cast(datetime at time zone 'UTC' as timestamp) as ts
  from read_parquet('$LAKE/trips/**/*.parquet', hive_partitioning = true)"
expect_eq "$($DUCK "select count(*) from ($csv_trips)" | tail -1)" "$(sql 'select sum(rows_loaded) from ingest_runs')" "loaded = distinct trips"
expect_eq "$($DUCK "select count(*), count(distinct trip_key) from read_parquet('$LAKE/trips/**/*.parquet')" | tail -1)" \
    "$(sql 'select sum(rows_loaded) from ingest_runs'),$(sql 'select sum(rows_loaded) from ingest_runs')" "each trip stored once"
expect_eq "$($DUCK "select count(*) from (($csv_trips) except all ($lake_trips))" | tail -1)" 0 "every CSV trip is in the lake"
expect_eq "$($DUCK "select count(*) from (($lake_trips) except all ($csv_trips))" | tail -1)" 0 "nothing else is"
expect_eq "$(sql 'select sum(trip_count) from hourly_trips')" "$(sql 'select sum(rows) from lake_files')" "facts count each trip once"
expect_eq "$(sql 'select rows_read, rows_loaded + rows_duplicate from ingest_runs where run_id = 2')" "40000|40000" "run 2 counts"
# types as DuckDB reads them
expect_eq "$($DUCK "select column_name || ':' || column_type from (describe select * from read_parquet('$LAKE/trips/**/*.parquet', hive_partitioning = true))" | tail -n +2 | tr '\n' ' ')" \
    "datasource:VARCHAR origin_lon:DOUBLE origin_lat:DOUBLE destination_lon:DOUBLE destination_lat:DOUBLE datetime:TIMESTAMP WITH TIME ZONE trip_key:BLOB month:VARCHAR region:VARCHAR " "schema"
# the trip key column is the identity: XXH3-128 of the normalised fields (checked for one trip through export)
expect_eq "$(sql 'select count(*) from lake_files') files" "$(find "$LAKE/trips" -name '*.parquet' | wc -l) files" "catalog = files on disk"
expect_eq "$(test -e "$LAKE/_tripflow/keys" && echo there || echo absent)" absent "the key is stored once: in the Parquet files"

# --file-rows: a partition's new trips split into files of consecutive
# spatial ranges; identity, facts and groups are those of the unsplit lake
expect_status 0 "$TF" ingest a.csv --db split.db --file-rows 3000 --quiet
expect_status 0 "$TF" ingest b.csv --db split.db --file-rows 3000 --quiet
DB=$T/split.db
expect_eq "$(sql 'select max(rows) <= 3000 from lake_files')|$(sql 'select count(*) from (select max(rows) - min(rows) as d from lake_files group by region_id, month, run_id) where d > 1')" "1|0" "files hold at most --file-rows rows, cut evenly"
expect_eq "$(sql 'select count(*) from lake_files')" \
    "$(DB=$TRIPFLOW_DB sql 'select sum((rows + 2999) / 3000) from lake_files')" "partitions split into ceil(rows / 3000) files"
expect_eq "$($DUCK "select count(*), count(distinct trip_key) from read_parquet('$T/split.lake/trips/**/*.parquet')" | tail -1)" \
    "$(DB=$TRIPFLOW_DB sql 'select sum(rows) from lake_files'),$(DB=$TRIPFLOW_DB sql 'select sum(rows) from lake_files')" "each trip once across split files"
expect_eq "$(sql 'select * from hourly_trips order by 1, 2, 3' | md5sum)" "$(DB=$TRIPFLOW_DB sql 'select * from hourly_trips order by 1, 2, 3' | md5sum)" "split: the same facts"
expect_eq "$(sql 'select * from trip_groups order by 1, 2, 3, 4' | md5sum)" "$(DB=$TRIPFLOW_DB sql 'select * from trip_groups order by 1, 2, 3, 4' | md5sum)" "split: the same groups"
expect_eq "$($DUCK "select count(*) from (select f, min(origin_lon) lo, max(origin_lon) hi from (select filename f, origin_lon from read_parquet('$T/split.lake/trips/region=Turin/month=2018-05/part-r1-*.parquet', filename = true)) group by f) a, (select f, min(origin_lon) lo, max(origin_lon) hi from (select filename f, origin_lon from read_parquet('$T/split.lake/trips/region=Turin/month=2018-05/part-r1-*.parquet', filename = true)) group by f) b where a.f < b.f and a.lo = b.lo and a.hi = b.hi" | tail -1)" 0 "split files are different spatial ranges"
DB=$TRIPFLOW_DB

# At cell precisions above 8 the spatial order keeps input order inside
# blocks of 2^20 geohash bits, so a file may begin above the smallest cell
# it holds.  Group G (4 trips from one precision-12 cell) and trips from a
# higher cell of the same block are cut into files of 2 rows: G's partial
# sums must not be upserted before the last file that holds G is written
# (REAL sums added piece by piece round differently from the exact sum).
cat >block.csv <<'EOF'
region,origin_coord,destination_coord,datetime,datasource
Turin,POINT (7.686012197609 45.070012345678),POINT (7.7 45.1),2018-05-07 10:00:00,cheap_mobile
Turin,POINT (7.686012307672 45.070012345678),POINT (7.7 45.1),2018-05-07 10:00:01,cheap_mobile
Turin,POINT (7.68614665172 45.069985452505),POINT (7.65 45.05),2018-05-07 10:00:02,cheap_mobile
Turin,POINT (7.68614665172 45.069985452505),POINT (7.65 45.05),2018-05-07 10:00:03,cheap_mobile
Turin,POINT (7.68601223724 45.070012345678),POINT (7.7 45.1),2018-05-07 10:00:04,cheap_mobile
Turin,POINT (7.68601233458 45.070012345678),POINT (7.7 45.1),2018-05-07 10:00:05,cheap_mobile
Turin,POINT (7.68614665172 45.069985452505),POINT (7.65 45.05),2018-05-07 10:00:06,cheap_mobile
Turin,POINT (7.68614665172 45.069985452505),POINT (7.65 45.05),2018-05-07 10:00:07,cheap_mobile
EOF
for fr in 1000 2; do
    mkdir -p "block$fr"
    expect_status 0 "$TF" ingest block.csv --db "block$fr/t.db" --quiet --cell-precision 12 --threads 1 --file-rows $fr
done
DB=$T/block2/t.db
expect_eq "$(sql 'select count(*) from lake_files')" 4 "block: 4 files of 2 rows"
expect_eq "$(sql "attach '$T/block1000/t.db' as one; select count(*) from trip_group_rows a join one.trip_group_rows b using (region_id, origin_cell, destination_cell, time_bucket) where a.trip_count = b.trip_count and a.sum_origin_lon = b.sum_origin_lon and a.sum_origin_lat = b.sum_origin_lat and a.first_us = b.first_us and a.last_us = b.last_us")|$(sql 'select group_concat(trip_count) from trip_group_rows')" \
    "2|4,4" "block: groups cut across files have the unsplit sums exactly"
DB=$TRIPFLOW_DB

# lake ls
expect_status 0 "$TF" lake ls --region turin --format csv
expect_eq "$(echo "$OUT" | head -1)" "region,month,rows,bytes,row_groups,first_trip,last_trip,origin_min_lon,origin_min_lat,origin_max_lon,origin_max_lat,run_id,path"
expect_eq "$(echo "$OUT" | tail -n +2 | cut -d, -f1,2,12 | sort | tr '\n' ' ')" "Turin,2018-05,1 Turin,2018-05,2 Turin,2018-06,1 Turin,2018-06,2 " "turin files"

# export: CSV in the ingest format ingests to the same model
expect_status 0 "$TF" export trips --format csv --out back.csv
expect_eq "$ERR" "exported $(sql 'select sum(rows) from lake_files') trips to back.csv"
DB=$T/back.db
expect_status 0 "$TF" ingest back.csv --db back.db --quiet
expect_eq "$(sql 'select * from hourly_trips_v order by 1, 2, 3' | md5sum)" "$(DB=$TRIPFLOW_DB sql 'select * from hourly_trips_v order by 1, 2, 3' | md5sum)" "export round trip"
expect_eq "$($DUCK "select count(*) from read_parquet('$T/back.lake/trips/**/*.parquet') a join read_parquet('$LAKE/trips/**/*.parquet') b using (trip_key)" | tail -1)" \
    "$(sql 'select sum(rows) from lake_files')" "same trip keys after the round trip"
DB=$TRIPFLOW_DB
expect_status 0 "$TF" export trips --format parquet --region Prague --from 2018-05-07 --to 2018-05-13 --out week.parquet
expect_eq "$($DUCK "select count(*), min(datetime at time zone 'UTC') >= '2018-05-07', max(datetime at time zone 'UTC') < '2018-05-14', count(distinct region) from 'week.parquet'" | tail -1)" \
    "$($DUCK "select count(*) from ($lake_trips) where region = 'Prague' and ts >= '2018-05-07' and ts < '2018-05-14'" | tail -1),true,true,1" "parquet export"
expect_status 0 "$TF" export trips --format jsonl --region Hamburg --out hh.jsonl
expect_eq "$(wc -l <hh.jsonl)" "$(sql "select sum(rows) from lake_files_v where region = 'Hamburg'")" "jsonl export"
expect_eq "$(head -1 hh.jsonl | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(Object.keys(JSON.parse(s)).join(",")))')" \
    "region,datasource,origin_lon,origin_lat,destination_lon,destination_lat,datetime,trip_key"
expect_status 2 "$TF" export trips --format parquet --out -
expect_eq "$ERR" "tripflow export trips: export trips: Parquet needs a file (--out PATH), not stdout"

# a killed run leaves no live file and no leftovers after the next start
"$TF_REL" gen trips --rows 1500000 --seed 32 --out big.csv
files=$(sql 'select count(*) from lake_files')
for delay in 0.3 0.7 1.1; do
    "$TF_REL" ingest big.csv --quiet &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    [ "$(sql "select count(*) from ingest_runs where status = 'loaded' and source = 'big.csv'")" = 1 ] && break
    expect_eq "$(sql 'select count(*) from lake_files')" "$files" "no live file after kill -9 at ${delay}s"
    expect_eq "$(find "$LAKE/trips" -name '*.parquet' | wc -l)" "$files" "no file in place after kill -9 at ${delay}s"
done
expect_status 0 "$TF" lake ls --format csv # opening the lake cleans up
expect_eq "$(ls -A "$LAKE/_tripflow/staging" 2>/dev/null | grep -v '^run-.*' | wc -l)$(ls -A "$LAKE/_tripflow/staging" | wc -l)" "00" "staging cleaned"

# death between the commit and the move of the files: the next open finishes the move
"$TF_REL" gen trips --rows 5000 --seed 33 --out late.csv
TRIPFLOW_TEST_CRASH_AFTER_COMMIT=1 "$TF" ingest late.csv --quiet
expect_eq "$?" 137 "crashed after commit"
run=$(sql "select run_id from ingest_runs where source = 'late.csv'")
expect_eq "$(sql "select status from ingest_runs where run_id = $run")" loaded "committed"
CHECKS=$((CHECKS + 1))
[ -d "$LAKE/_tripflow/staging/run-$run" ] || fail "the staged files should still be in staging"
expect_status 0 "$TF" lake ls --format csv
expect_eq "$(find "$LAKE/trips" -name "part-r$run-*.parquet" | wc -l)" "$(sql "select count(*) from lake_files where run_id = $run")" "rolled forward"
expect_eq "$($DUCK "select count(*) from read_parquet('$LAKE/trips/**/part-r$run-*.parquet')" | tail -1)" \
    "$(sql "select rows_loaded from ingest_runs where run_id = $run")" "rolled-forward files complete"
CHECKS=$((CHECKS + 1))
[ ! -e "$LAKE/_tripflow/staging/run-$run" ] || fail "staging of run $run left behind"

# a stored file the dedupe cannot read fails the run that must check it,
# naming the file; the database and the lake stay as they were
expect_status 0 "$TF" ingest a.csv --db dmg.db --quiet
victim=$(find "$T/dmg.lake/trips" -name '*.parquet' | sort | head -1)
head -c 1000 "$victim" >cut.parquet && cp cut.parquet "$victim"
before=$(DB=$T/dmg.db sql 'select count(*), sum(trip_count) from trip_groups')
expect_status 1 "$TF" ingest b.csv --db dmg.db --quiet
expect_eq "$ERR" "tripflow ingest: b.csv: looking for its trips in the lake: $victim: not a Parquet file (no PAR1 magic at both ends)" "the damaged file is named"
expect_eq "$(DB=$T/dmg.db sql 'select status from ingest_runs where run_id = 2')|$(DB=$T/dmg.db sql 'select count(*), sum(trip_count) from trip_groups')" "failed|$before" "nothing of the failed run"
expect_eq "$(find "$T/dmg.lake/trips" -name 'part-r2-*' | wc -l)" 0 "no file of the failed run"

# a lake belongs to one database
expect_status 1 "$TF" ingest late.csv --db other.db --lake "$LAKE"
expect_eq "$ERR" "tripflow ingest: $LAKE belongs to another database ($TRIPFLOW_DB); use --lake to choose another directory"
expect_status 1 "$TF" ingest late.csv --lake "$T/elsewhere"
expect_eq "$ERR" "tripflow ingest: this database's lake is $LAKE (it catalogs $(sql 'select count(*) from lake_files') files there), not $T/elsewhere"

# names that Hive escapes in partition paths read back as written
printf 'region,origin_coord,destination_coord,datetime,datasource\n"Frankfurt/Main",POINT (8.68 50.11),POINT (8.7 50.1),2018-05-01 10:00:00,x\nSão Paulo,POINT (-46.6 -23.5),POINT (-46.7 -23.6),2018-05-01 10:00:00,y\nA=B %%,POINT (1 1),POINT (2 2),2018-05-01 10:00:00,z\n' >names.csv
expect_status 0 "$TF" ingest names.csv --db names.db --quiet
expect_eq "$(cd names.lake/trips && ls -d region=* | sort | tr '\n' ' ')" "region=A%3DB %25 region=Frankfurt%2FMain region=São Paulo " "escaped paths"
expect_eq "$($DUCK "select region from read_parquet('names.lake/trips/**/*.parquet', hive_partitioning = true) order by 1" | tail -n +2 | tr '\n' '|')" "A=B %|Frankfurt/Main|São Paulo|" "DuckDB reads the names back"
finish
