# test_stream_crash.sh — exactly right after crashes: a consumer killed
# with SIGKILL at random moments while replay runs, a crash between the
# commit and the acknowledgement, and a redis-server restarted (AOF) in
# the middle of the stream.  Each time the table equals DuckDB's counts of
# the real 50,000 events.
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/tests/e2e/stream_lib.sh"
need_shared seed_repos/ga4_events_20180803.parquet
start_redis
R=redis://127.0.0.1:$RPORT
ga4_ndjson sorted.ndjson time
expected_counts sorted.ndjson >want.csv
CONS=(--group g --consumer c1 --lateness 10s --commit-interval 100ms --batch 500 --quiet)

# --- SIGKILL at random moments while replay runs
"$TF_REL" replay sorted.ndjson --to "$R/kill" --rate 12000/s --quiet &
rp=$!
kills=0
while kill -0 $rp 2>/dev/null || [ $kills -lt 8 ]; do
    "$TF" stream --from "$R/kill" "${CONS[@]}" --db k.db &
    cp=$!
    sleep "0.$((2 + RANDOM % 9))"
    kill -KILL $cp 2>/dev/null && kills=$((kills + 1))
    wait $cp 2>/dev/null
done
wait $rp
expect_eq "$?" 0 "replay exit status"
expect_status 0 "$TF" stream --from "$R/kill" "${CONS[@]/--quiet/--exit-idle}" 1s --db k.db
expect_contains "$ERR" "tripflow stream: no message for"
echo "  ($kills kills)"
expect_eq "$(table_csv k.db | cmp - want.csv && echo same)" same "counts after $kills SIGKILLs"
expect_eq "$(sqlite3 k.db "SELECT sum(events), sum(late_events), sum(bad_messages) FROM stream_consumers")" "50000|0|0" "counters"
expect_eq "$(redis-cli -p "$RPORT" xpending kill g | head -1)" 0 "nothing pending"

# --- a crash after the commit, before the acknowledgement: the restart knows
"$TF_REL" replay "$SHARED/seed_repos/ga4_events_sample_200.ndjson" --to "$R/ack" --quiet
expected_counts "$SHARED/seed_repos/ga4_events_sample_200.ndjson" >want200.csv
TRIPFLOW_TEST_CRASH_BEFORE_ACK=1 "$TF" stream --from "$R/ack" "${CONS[@]}" --db a.db
expect_eq "$?" 137 "crash hook exit status"
expect_eq "$(redis-cli -p "$RPORT" xpending ack g | head -1)" 200 "pending after the crash"
expect_eq "$(sqlite3 a.db "SELECT sum(events) FROM stream_consumers")" 200 "committed before the crash"
expect_status 0 "$TF" stream --from "$R/ack" "${CONS[@]/--quiet/--exit-idle}" 500ms --db a.db
expect_contains "$ERR" "tripflow stream: 200 messages: 0 events counted, 0 late, 0 bad, 200 already committed;"
expect_eq "$(table_csv a.db | cmp - want200.csv && echo same)" same "counts after a crash before the ack"
expect_eq "$(redis-cli -p "$RPORT" xpending ack g | head -1)" 0 "nothing pending after the restart"

# --- redis-server restarted (AOF) mid-stream: replay and consumer both resume
"$TF_REL" replay sorted.ndjson --to "$R/restart" --rate 15000/s 2>replay.err &
rp=$!
"$TF" stream --from "$R/restart" "${CONS[@]/--quiet/--exit-idle}" 2s --db r.db 2>cons.err &
cp=$!
sleep 1.5
stop_redis
sleep 1
start_redis
wait $rp
expect_eq "$?" 0 "replay exit status across the restart"
wait $cp
expect_eq "$?" 0 "consumer exit status across the restart"
expect_contains "$(cat cons.err)" "reconnecting"
expect_contains "$(cat cons.err)" "cannot connect: Connection refused; retrying in"
expect_contains "$(cat replay.err)" "reconnecting"
expect_eq "$(redis-cli -p "$RPORT" xlen restart)" 50000 "stream length: nothing sent twice"
expect_eq "$(table_csv r.db | cmp - want.csv && echo same)" same "counts across a broker restart"
[ "$FAILS" = 0 ] || { echo "  consumer:"; tail -5 cons.err; echo "  replay:"; tail -5 replay.err; }
finish
