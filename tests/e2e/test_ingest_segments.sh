# test_ingest_segments.sh — an input bigger than --memory is processed in
# segments and is still one all-or-nothing run: the same counts, rejects,
# facts, groups and lake trips as one segment gives; duplicates across
# segments are stored once; memory stays bounded; a run killed after its
# first segment leaves nothing.
source "$ROOT/tests/e2e/lib.sh"

"$TF_REL" gen trips --rows 600000 --seed 41 --duplicates 0.1 --bad 0.001 --days 40 --out big.csv

# the reference: one segment
expect_status 0 "$TF_REL" ingest big.csv --db one.db --quiet
# 16 MiB of rows (about 150k) in chunks of 1 MiB: four segments
expect_status 0 "$TF" ingest big.csv --db seg.db --memory 16M --chunk-size 1M --events json --quiet
echo "$OUT" >seg.events
segments=$(grep -o '"stage":"parsing","segment":[0-9]*,"segments":[0-9]*' seg.events | tail -1 | grep -o '[0-9]*$')
CHECKS=$((CHECKS + 1))
[ "${segments:-0}" -ge 3 ] || fail "expected 3 or more segments, got '${segments:-none}'"
expect_eq "$(grep '"type":"stage"' seg.events | grep -o '"stage":"[a-z]*"' | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')" \
    "\"stage\":\"committing\"x1 \"stage\":\"deduplicating\"x$segments \"stage\":\"parsing\"x$segments \"stage\":\"writing\"x$((segments - 1)) " \
    "each segment parsed, deduplicated and written; one commit"

q() { sqlite3 -batch -noheader "$1" "$2"; }
expect_eq "$(q seg.db 'select rows_read, rows_loaded, rows_duplicate, rows_rejected, status from ingest_runs')" \
    "$(q one.db 'select rows_read, rows_loaded, rows_duplicate, rows_rejected, status from ingest_runs')" "counts"
CHECKS=$((CHECKS + 1))
[ "$(q seg.db 'select rows_duplicate from ingest_runs')" -gt 50000 ] || fail "the duplicates were not found"
expect_eq "$(cmp -s seg.rejects/run-1.csv one.rejects/run-1.csv && echo same)" same "the same reject file, in line order"
expect_eq "$(q seg.db 'select * from hourly_trips order by 1, 2, 3' | md5sum)" \
    "$(q one.db 'select * from hourly_trips order by 1, 2, 3' | md5sum)" "the same facts"
expect_eq "$(q seg.db 'select * from trip_groups order by 1, 2, 3, 4' | md5sum)" \
    "$(q one.db 'select * from trip_groups order by 1, 2, 3, 4' | md5sum)" "the same groups, sums exact"
expect_eq "$(q seg.db 'select count(*) from regions') $(q seg.db 'select count(*) from datasources')" \
    "$(q one.db 'select count(*) from regions') $(q one.db 'select count(*) from datasources')" "dimensions"
loaded=$(q one.db 'select rows_loaded from ingest_runs')
expect_eq "$($DUCK "select count(*) || ' ' || count(distinct trip_key) from read_parquet('$T/seg.lake/trips/**/*.parquet')" | tail -1)" \
    "$loaded $loaded" "each trip once across the segments' files"
expect_eq "$($DUCK "select count(*) from (select trip_key from read_parquet('$T/seg.lake/trips/**/*.parquet') except select trip_key from read_parquet('$T/one.lake/trips/**/*.parquet'))" | tail -1)" \
    0 "the same trips as one segment stores"
expect_eq "$(q seg.db 'select count(*) from lake_files') files" "$(find seg.lake/trips -name '*.parquet' | wc -l) files" "catalog = files"
expect_eq "$(q seg.db 'select count(distinct path) = count(*) from lake_files')" 1 "file names unique across segments"

# memory: segments bound the peak (release build, where RSS is the rows';
# neither the file's pages nor all its rows stay in memory)
"$TF_REL" gen trips --rows 1500000 --seed 43 --out mem.csv
/usr/bin/time -f %M -o one.rss "$TF_REL" ingest mem.csv --db one2.db --quiet
/usr/bin/time -f %M -o seg.rss "$TF_REL" ingest mem.csv --db seg2.db --memory 16M --quiet
CHECKS=$((CHECKS + 1))
[ "$(cat seg.rss)" -lt $(($(cat one.rss) / 2)) ] || fail "peak RSS with --memory 16M: $(cat seg.rss) KiB, not below half of one segment's $(cat one.rss) KiB"
rm -f mem.csv

# killed after the first segment was written: nothing of the run is kept
"$TF_REL" ingest big.csv --db kill.db --memory 16M --chunk-size 1M --events json >kill.events 2>/dev/null &
pid=$!
for _ in $(seq 400); do grep -q '"stage":"writing"' kill.events 2>/dev/null && break; sleep 0.01; done
sleep 0.2
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
"$TF_REL" gen trips --rows 100 --seed 42 --out small.csv
expect_status 0 "$TF" ingest small.csv --db kill.db --quiet
expect_status 0 "$TF" runs --db kill.db --format csv
expect_contains "$OUT" ",abandoned," "the killed run is found abandoned"
expect_eq "$(q kill.db 'select sum(trip_count) from hourly_trips') $(q kill.db 'select sum(rows) from lake_files')" "100 100" "nothing of it kept"
expect_eq "$(find kill.lake/trips -name '*.parquet' | wc -l)" "$(q kill.db 'select count(*) from lake_files')" "no other lake file"
expect_eq "$(ls -A kill.lake/_tripflow/staging 2>/dev/null | wc -l)" 0 "staging cleaned by the next open"

# a budget too small or unreadable is a usage error naming the option; nothing is created
expect_status 2 "$TF" ingest big.csv --db tiny.db --memory 1M
expect_eq "$ERR" "tripflow ingest: --memory: at least 16M" "--memory below the minimum"
expect_status 2 "$TF" ingest big.csv --db tiny.db --memory lots
expect_eq "$ERR" "tripflow ingest --memory: bad size 'lots' (expected e.g. 512M, 2G)" "--memory not a size"
[ ! -e tiny.db ] || fail "a refused --memory created the database"
finish
