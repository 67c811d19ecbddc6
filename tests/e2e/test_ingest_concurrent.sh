# test_ingest_concurrent.sh — several ingests at once into one new database
# and lake: each content is loaded once (the others see it as already
# loaded, even when they raced it to the commit), the lake holds each trip
# once, and nothing is left in staging.  Then the race made certain: one run
# holds the lake's commit lock while another with overlapping trips waits.
source "$ROOT/tests/e2e/lib.sh"
for s in 1 2 3; do "$TF_REL" gen trips --rows 3000 --seed $s --out s$s.csv; done
"$TF_REL" gen trips --rows 3000 --seed 4 --out s4.csv
# s4 overlaps s1 on a third of its trips
(cat s4.csv; tail -n +2 s1.csv | head -1000) >s5.csv
pids=()
for i in 1 2 3 1 2 3 1 5; do
    "$TF" ingest s$i.csv --quiet >/dev/null 2>"err$RANDOM" &
    pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
expect_eq "$bad" 0 "every ingest succeeded"
expect_eq "$(cat err* | sort -u)" "" "no errors"
expect_eq "$(sql "select status, count(*) from ingest_runs group by 1 order by 1" | tr '\n' ' ')" "already_loaded|4 loaded|4 " "each content loaded once"
expect_eq "$($DUCK "select count(*) = count(distinct trip_key) from read_parquet('$T/lake/trips/**/*.parquet')" | tail -1)" true "each trip once in the lake"
expect_eq "$(sql 'select sum(trip_count) from hourly_trips')" "$(sql 'select sum(rows) from lake_files')" "facts = lake"
expect_eq "$(sql 'select sum(rows_loaded) from ingest_runs')" "$(sql 'select sum(rows) from lake_files')" "loaded = lake"
expect_eq "$(ls -A "$T/lake/_tripflow/staging" | wc -l)" 0 "no staging left"

# a (s1) holds the lock for 2 s after reading nothing from the lake; b (s5,
# with 1000 of s1's trips) parses meanwhile, waits, then sees a's trips
export TRIPFLOW_DB=$T/race.db
TRIPFLOW_TEST_HOLD_LOCK_S=2 "$TF" ingest s1.csv --quiet &
a=$!
held=no
for _ in $(seq 400); do # up to 20 s: a loaded machine starts the sanitizer build slowly
    if [ -e "$T/race.lake/_tripflow/commit.lock" ] && ! flock -n "$T/race.lake/_tripflow/commit.lock" true; then
        held=yes
        break
    fi
    sleep 0.05
done
expect_eq "$held" yes "the first run holds the commit lock"
"$TF" ingest s5.csv --events json >b.events
wait "$a"
expect_eq "$(grep -c '"stage":"waiting"' b.events)" 1 "the second run waited for the lock"
expect_eq "$(grep '"type":"finished"' b.events | grep -o '"rows_loaded":[0-9]*,"rows_duplicate":[0-9]*')" \
    '"rows_loaded":3000,"rows_duplicate":1000' "the second run counts the first one's trips as duplicates"
expect_eq "$($DUCK "select count(*) || ' ' || count(distinct trip_key) from read_parquet('$T/race.lake/trips/**/*.parquet')" | tail -1)" \
    "6000 6000" "each trip once in the lake"

# staging of a run still running is left alone by another tripflow opening
# the lake, even before its process has locked it (the window between
# creating the directory and locking it once let a concurrent ingest delete
# it); once the process is gone, the run is abandoned and its staging goes
export TRIPFLOW_DB=$T/stale.db
expect_status 0 "$TF" ingest s2.csv --quiet
sleep 60 &
live=$!
sql "INSERT INTO ingest_runs(run_id, source, status, started_at, pid, host)
     VALUES (7, 'elsewhere.csv', 'running', '2026-11-21 00:00:00', $live, '$(hostname)')"
mkdir -p "$T/stale.lake/_tripflow/staging/run-7/trips"
echo partial >"$T/stale.lake/_tripflow/staging/run-7/trips/part.parquet"
expect_status 0 "$TF" lake ls
expect_eq "$(ls "$T/stale.lake/_tripflow/staging")" "run-7" "a running run's staging is kept"
expect_eq "$(sql 'select status from ingest_runs where run_id = 7')" "running" "and its run too"
kill "$live"
wait "$live" 2>/dev/null
expect_status 0 "$TF" lake ls
expect_eq "$(ls -A "$T/stale.lake/_tripflow/staging" | wc -l)" 0 "a dead run's staging is removed"
expect_eq "$(sql 'select status from ingest_runs where run_id = 7')" "abandoned" "and its run abandoned"
finish
