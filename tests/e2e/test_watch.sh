# test_watch.sh — automated ingestion of a landing directory: files present
# at start, files closed after writing, files moved in; a file still being
# written is never read; each file is ingested once and filed under done/ or
# failed/ with its run id; SIGTERM stops cleanly.
source "$ROOT/tests/e2e/lib.sh"
mkdir land
"$TF_REL" gen trips --rows 2000 --seed 1 --out land/a.csv
"$TF" watch land --events json >events.jsonl 2>watch.err &
wpid=$!
wait_for() { # FILE: up to 20 s
    for _ in $(seq 200); do [ -e "$1" ] && return 0; sleep 0.1; done
    return 1
}
CHECKS=$((CHECKS + 1))
wait_for land/done/run-1-a.csv || fail "the file present at start was not ingested"

# a file written slowly: open, write half, pause, write the rest, close
"$TF_REL" gen trips --rows 3000 --seed 2 --out whole.csv
head -c 150000 whole.csv >part1
tail -c +150001 whole.csv >part2
exec 3>land/b.csv
cat part1 >&3
sleep 1.5
CHECKS=$((CHECKS + 1))
[ -e land/b.csv ] && [ ! -e land/done/run-2-b.csv ] || fail "a file still being written was taken"
cat part2 >&3
exec 3>&-
CHECKS=$((CHECKS + 1))
wait_for land/done/run-2-b.csv || fail "the slowly written file was not ingested after its close"
expect_eq "$(sql "select rows_read, status from ingest_runs where run_id = 2")" "3000|loaded" "all of the slow file, once"

# a file moved in (the usual upload: write under a temporary name, rename)
"$TF_REL" gen trips --rows 1000 --seed 3 --out land/.c.csv.part
mv land/.c.csv.part land/c.csv
CHECKS=$((CHECKS + 1))
wait_for land/done/run-3-c.csv || fail "the moved-in file was not ingested"
# a repeat of the same content and a bad file
cp whole.csv land/d.csv
printf 'not,a,trips,file\n' >land/e.csv
CHECKS=$((CHECKS + 1))
wait_for land/failed/run-5-e.csv || fail "the bad file was not filed under failed/"
expect_eq "$(ls land/done | tr '\n' ' ')" "run-1-a.csv run-2-b.csv run-3-c.csv run-4-d.csv " "done"
expect_eq "$(sql "select run_id, status, same_as_run_id from ingest_runs where run_id >= 4" | tr '\n' ' ')" "4|already_loaded|2 5|failed| " "runs"
expect_eq "$(ls -A land | tr '\n' ' ')" "done failed " "nothing left behind"

kill -TERM $wpid
wait $wpid
expect_eq "$?" 0 "clean stop on SIGTERM"
expect_eq "$(grep -c '"type":"finished"' events.jsonl)" 3 "finished events"
expect_contains "$(cat watch.err)" "land/e.csv:1: line 1 is not the header"
expect_eq "$(sql 'select sum(trip_count) from hourly_trips')" "$(sql 'select sum(rows_loaded) from ingest_runs')" "facts = loaded rows"

# --once takes what is there and returns; files appear in name order
"$TF_REL" gen trips --rows 100 --seed 7 --out land/z.csv
"$TF_REL" gen trips --rows 100 --seed 8 --out land/y.csv
expect_status 0 "$TF" watch land --once
expect_eq "$(ls land/done | tail -2 | tr '\n' ' ')" "run-6-y.csv run-7-z.csv " "--once in name order"
expect_status 1 "$TF" watch nowhere --once
expect_eq "$ERR" "tripflow watch: nowhere: not a directory"
finish
