# test_ingest_chunks.sh — parallel parsing never changes a result: a file
# full of quoted fields with line breaks (valid ones and bad ones), split
# into tiny chunks whose borders fall inside quoted fields, gives the same
# database and reject file as one thread reading it whole; line numbers in
# the reject file are physical lines.
source "$ROOT/tests/e2e/lib.sh"
"$TF_REL" gen trips --rows 30000 --seed 9 --duplicates 0.03 --out plain.csv
# every 3rd row: the origin point broken across two lines inside quotes;
# every 50th row: a datetime broken across lines (a bad row spanning 2 lines);
# every 7th row: a quoted datasource with an escaped quote
awk -F, 'NR == 1 { print; next }
    NR % 50 == 0 { printf "%s,%s,%s,\"%s\n%s\",%s\n", $1, $2, $3, substr($4, 1, 10), substr($4, 12), $5; next }
    NR % 3 == 0 { sub(/ /, "\n ", $2); printf "%s,\"%s\",%s,%s,%s\n", $1, $2, $3, $4, $5; next }
    NR % 7 == 0 { printf "%s,%s,%s,%s,\"%s \"\"x\"\"\"\n", $1, $2, $3, $4, $5; next }
    { print }' plain.csv >quoted.csv

"$TF" ingest quoted.csv --quiet --threads 2 --chunk-size 1K --reject many.csv
DB=one.db
"$TF" ingest quoted.csv --db one.db --quiet --threads 1 --chunk-size 1G --reject one.csv
for t in hourly_trips_v trip_groups_v regions datasources; do
    expect_eq "$(sql "select * from $t order by 1, 2, 3" | md5sum)" "$(DB=$TRIPFLOW_DB sql "select * from $t order by 1, 2, 3" | md5sum)" "$t"
done
expect_eq "$(sql 'select rows_read, rows_loaded, rows_duplicate, rows_rejected from ingest_runs')" \
    "$(DB=$TRIPFLOW_DB sql 'select rows_read, rows_loaded, rows_duplicate, rows_rejected from ingest_runs')" "counts"
expect_eq "$(md5sum <many.csv)" "$(md5sum <one.csv)" "reject files"
# each broken datetime rejects its first line and its second line separately
expect_eq "$(sql 'select rows_rejected from ingest_runs')" "$((30000 / 50 * 2))" "rejects"
first=$(awk -F, 'NR == 2 { print $1 }' many.csv)
expect_eq "$(awk -F, 'NR == 3 { print $1 }' many.csv)" "$((first + 1))" "the broken record's two lines"
CHECKS=$((CHECKS + 1))
sed -n "${first}p" quoted.csv | grep -q ',"2018-[0-9-]*$' || fail "line $first is not where the broken datetime starts"
expect_eq "$(sql 'select sum(trip_count) from hourly_trips')" "$(sql 'select rows_loaded from ingest_runs')" "facts"
finish
