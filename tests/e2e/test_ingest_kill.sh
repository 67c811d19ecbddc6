# test_ingest_kill.sh — all or nothing: a run killed with SIGKILL at any
# moment, or interrupted with SIGINT, leaves the data model exactly as
# before; the next start marks it abandoned and the next run works.
source "$ROOT/tests/e2e/lib.sh"

"$TF_REL" gen trips --rows 20000 --seed 5 --out base.csv
"$TF_REL" gen trips --rows 1500000 --seed 6 --duplicates 0.02 --out big.csv
"$TF_REL" ingest base.csv --quiet
snapshot() {
    sql "select * from hourly_trips order by 1, 2, 3; select * from trip_groups order by 1, 2, 3, 4;
         select * from regions; select * from datasources; select * from settings order by 1" | md5sum
}
before=$(snapshot)

# kill at different moments: during hashing, parsing, dedupe and commit
for delay in 0.05 0.2 0.4 0.6 0.8 1.0 1.3; do
    runs=$(sql "select count(*) from ingest_runs")
    "$TF_REL" ingest big.csv --quiet &
    pid=$!
    sleep $delay
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    status=$(sql "select status from ingest_runs where run_id > $runs order by run_id desc limit 1")
    if [ "$status" = loaded ]; then
        echo "  (the run finished within ${delay}s; later kills test nothing more)"
        break
    fi
    expect_eq "$(snapshot)" "$before" "data model after kill -9 at ${delay}s"
    expect_eq "$(sql 'pragma integrity_check')" ok "integrity after kill at ${delay}s"
done

# the next start reaps the dead runs; nothing about them was kept
expect_status 0 "$TF" runs --format csv
expect_eq "$(sql "select count(*) from ingest_runs where status = 'running'")" 0 "no run left running"
killed=$(sql "select count(*) from ingest_runs where status = 'abandoned'")
CHECKS=$((CHECKS + 1))
[ "$killed" -ge 1 ] || fail "no abandoned run recorded ($killed)"
expect_eq "$(sql "select error from ingest_runs where status = 'abandoned' limit 1")" \
    "the process ended before the run finished (killed?); nothing of it was kept" "abandoned reason"

# SIGINT: the run stops at a safe point, rolls back and says so
if [ "$(sql "select count(*) from ingest_runs where status = 'loaded'")" = 1 ]; then
    "$TF_REL" ingest big.csv &
    pid=$!
    sleep 0.3
    kill -INT $pid
    wait $pid
    rc=$?
    if [ "$(sql "select status from ingest_runs order by run_id desc limit 1")" = failed ]; then
        expect_eq "$rc" 1 "exit status after SIGINT"
        expect_eq "$(sql "select error from ingest_runs order by run_id desc limit 1")" "interrupted; nothing of this run was kept" "interrupted"
        expect_eq "$(snapshot)" "$before" "data model after SIGINT"
    fi
fi

# the same file then loads completely (or is known, when a kill came after the commit)
expect_status 0 "$TF_REL" ingest big.csv --quiet
if [ "$(sql "select count(*) from ingest_runs where status = 'loaded'")" = 2 ] &&
    [ "$(sql "select status from ingest_runs order by run_id desc limit 1")" = already_loaded ]; then
    echo "  (a kill came after a commit; the file was loaded then)"
fi
expect_eq "$(sql "select rows_read, rows_loaded + rows_duplicate from ingest_runs where status = 'loaded' and source = 'big.csv'")" "1500000|1500000" "next run"
expect_eq "$(sql 'select sum(trip_count) from hourly_trips')" "$((20000 + $(sql "select rows_loaded from ingest_runs where status = 'loaded' and source = 'big.csv'")))" "facts count both runs"
finish
