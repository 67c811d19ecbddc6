# test_staypoints_iceberg.sh — Iceberg tables as staypoints input.  Debian
# has no Iceberg writer, so tests/e2e/iceberg_fixture.c (built here with
# avro-c and jansson) writes the metadata, manifest list and manifests
# around Parquet data files written by tripflow and by DuckDB.  Checked: the
# current snapshot's live files are read (an entry marked DELETED is not),
# columns are matched by field id (DuckDB files with other column names),
# the version hint or else the highest vN.metadata.json, a table copied
# elsewhere (paths under the recorded location), an empty table, and exact
# errors for delete files, an unknown format-version, a missing metadata
# directory and a schema without a needed column.
source "$ROOT/tests/e2e/lib.sh"

cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o fixture "$ROOT/tests/e2e/iceberg_fixture.c" -lavro -ljansson ||
    { fail "cannot build the Iceberg fixture writer"; finish; }

# data: one generated set of trips split over three files in order, plus a
# file of other trips that a DELETED entry names
"$TF_REL" gen staypoint-trips --users 2000 --seed 7 --out all.csv 2>/dev/null
awk 'BEGIN { FS = OFS = "," } NR == 1 { print $0, "seq"; next } { print $0, NR }' all.csv > seq.csv
RD="read_csv('seq.csv', header = true, auto_detect = false, quote = '\"', escape = '\"', columns = {'user_id': 'VARCHAR',
  'trip_start_time': 'TIMESTAMPTZ', 'trip_end_time': 'TIMESTAMPTZ', 'start_lat': 'DOUBLE', 'start_lng': 'DOUBLE',
  'end_lat': 'DOUBLE', 'end_lng': 'DOUBLE', 'seq': 'BIGINT'})"
mkdir -p t/data
# file 2 is written by DuckDB with Iceberg field ids and other column names:
# only the ids tie it to the table's columns
expect_status 0 $DUCK "SET TimeZone = 'UTC'; CREATE TABLE x AS SELECT * FROM $RD;
COPY (SELECT * EXCLUDE seq FROM x WHERE seq <= 8000 ORDER BY seq) TO 't/data/00000-a.parquet';
COPY (SELECT end_lng AS lng1, user_id AS uid, trip_start_time AS t0, trip_end_time AS t1, start_lat AS lat0,
  start_lng AS lng0, end_lat AS lat1 FROM x WHERE seq > 8000 AND seq <= 15000 ORDER BY seq) TO 't/data/00001-b.parquet'
  (FIELD_IDS {uid: 1, t0: 2, t1: 3, lat0: 4, lng0: 5, lat1: 6, lng1: 7});
COPY (SELECT * EXCLUDE seq FROM x WHERE seq > 15000 ORDER BY seq) TO 't/data/00002-c.parquet';
COPY (SELECT 'ghost' AS user_id, TIMESTAMPTZ '2025-01-01 00:00:00+00' + INTERVAL (i) HOUR AS trip_start_time,
  TIMESTAMPTZ '2025-01-01 00:30:00+00' + INTERVAL (i) HOUR AS trip_end_time, 1.0 AS start_lat, 1.0 AS start_lng,
  1.0 AS end_lat, 1.0 AS end_lng FROM range(3) r(i)) TO 't/data/00003-old.parquet'"
n_a=$($DUCK "SELECT count(*) FROM read_parquet('t/data/00000-a.parquet')" | tail -1)
n_b=$($DUCK "SELECT count(*) FROM read_parquet('t/data/00001-b.parquet')" | tail -1)
n_c=$($DUCK "SELECT count(*) FROM read_parquet('t/data/00002-c.parquet')" | tail -1)
P=$T/t/data
expect_status 0 ./fixture t --data "$P/00000-a.parquet:$n_a" --data "$P/00001-b.parquet:$n_b" \
    --deleted "$P/00003-old.parquet:3" --existing "$P/00002-c.parquet:$n_c"
expect_status 0 "$TF_REL" staypoints all.csv --out want.jsonl --quiet

expect_status 0 "$TF" staypoints t --out got.jsonl
expect_contains "$ERR" "staypoints: $((n_a + n_b + n_c)) rows read: $((n_a + n_b + n_c)) trips, 0 rejected"
cmp -s got.jsonl want.jsonl || fail "Iceberg table: output differs from the CSV's"
expect_eq "$(grep -c ghost got.jsonl)" "0" "the DELETED entry's file is not read"
expect_status 0 "$TF" staypoints t --input-format iceberg --format parquet --out got_pq --quiet
expect_eq "$($DUCK "SELECT count(*) FROM read_parquet('got_pq/**/*.parquet', hive_partitioning = true)" | tail -1)" \
    "$(wc -l < want.jsonl)" "Iceberg in, Parquet out"

# without the version hint: the highest vN.metadata.json (v2, with the snapshot)
rm t/metadata/version-hint.text
expect_status 0 "$TF" staypoints t --out nohint.jsonl --quiet
cmp -s nohint.jsonl want.jsonl || fail "no version hint: output differs"

# a copy of the table elsewhere: the metadata's paths point at the old
# place; files are found under the copy by the recorded location
cp -r t moved
mv t t.away
expect_status 0 "$TF" staypoints moved --out moved.jsonl --quiet
cmp -s moved.jsonl want.jsonl || fail "moved table: output differs"
mv t.away t

# --- an empty table (no snapshot)
expect_status 0 ./fixture empty --empty
expect_status 0 "$TF" staypoints empty --out empty.jsonl
expect_contains "$ERR" "staypoints: 0 rows read: 0 trips, 0 rejected"
expect_eq "$(wc -c < empty.jsonl)" "0" "empty table: empty output"

# --- delete files are refused, naming them
expect_status 0 ./fixture del --data "$P/00000-a.parquet:$n_a" --position-deletes "$T/del/data/pos-del-1.parquet"
expect_status 1 "$TF" staypoints del --out del.jsonl
expect_eq "$ERR" "tripflow staypoints: del: the current snapshot has delete files, which tripflow does not apply (rows would come back from the dead): $T/del/data/pos-del-1.parquet (position deletes)"
expect_eq "$(ls | grep -c '^del\.jsonl')" "0" "no output"

# --- an unknown format version
expect_status 0 ./fixture v3 --format-version 3 --data "$P/00000-a.parquet:$n_a"
expect_status 1 "$TF" staypoints v3
expect_eq "$ERR" "tripflow staypoints: v3/metadata/v2.metadata.json: Iceberg format-version 3 is not supported (1 and 2 are)"
# format version 1 (the schema also under "schema") reads
expect_status 0 ./fixture v1 --format-version 1 --data "$P/00000-a.parquet:$n_a"
expect_status 0 "$TF" staypoints v1 --quiet --out v1.jsonl
expect_eq "$(wc -l < v1.jsonl)" "$(cd "$T" && "$TF_REL" staypoints t/data/00000-a.parquet --quiet | wc -l)" "format version 1"

# --- no metadata directory, no metadata file, a schema without a column
mkdir -p nometa/data
cp t/data/00000-a.parquet nometa/data/
expect_status 1 "$TF" staypoints nometa --input-format iceberg
expect_eq "$ERR" "tripflow staypoints: nometa: not an Iceberg table: no metadata directory (nometa/metadata)"
mkdir -p nomd/metadata
expect_status 1 "$TF" staypoints nomd
expect_eq "$ERR" "tripflow staypoints: nomd/metadata: no version-hint.text and no vN.metadata.json: not an Iceberg table"
mkdir -p badhint/metadata && echo 7 > badhint/metadata/version-hint.text
expect_status 1 "$TF" staypoints badhint
expect_eq "$ERR" "tripflow staypoints: badhint/metadata/version-hint.text: names version 7, but badhint/metadata/v7.metadata.json does not exist"
expect_status 0 ./fixture renamed --names uid,trip_start_time,trip_end_time,start_lat,start_lng,end_lat,end_lng \
    --data "$P/00000-a.parquet:$n_a"
expect_status 1 "$TF" staypoints renamed
expect_eq "$ERR" "tripflow staypoints: renamed/metadata/v2.metadata.json: the table has no column user_id (its columns: uid, trip_start_time, trip_end_time, start_lat, start_lng, end_lat, end_lng)"
# a manifest list that is not Avro
expect_status 0 ./fixture broken --data "$P/00000-a.parquet:$n_a"
echo "not avro" > broken/metadata/snap-4242.avro
expect_status 1 "$TF" staypoints broken
expect_eq "$ERR" "tripflow staypoints: $T/broken/metadata/snap-4242.avro: not an Avro object container file (no Obj1 magic)"
# a manifest list that names a manifest that is not there
expect_status 0 ./fixture gone --data "$P/00000-a.parquet:$n_a"
rm gone/metadata/manifest-0.avro
expect_status 1 "$TF" staypoints gone
expect_eq "$ERR" "tripflow staypoints: gone/metadata/manifest-0.avro: cannot open: No such file or directory" "a missing manifest (found at its place under the table)"
finish
