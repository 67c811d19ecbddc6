# test_stream_crash.sh — exactly right after crashes: a consumer killed
# with SIGKILL at random moments while replay sends the GA4 Parquet rows, a
# crash between the commit and the acknowledgement, a broker still loading
# its data, and a redis-server restarted (AOF) in the middle of the stream.
# Each time the tables equal DuckDB's answer for the same 50,000 events.
# The test waits for states (a message said, the group drained), never for
# a guessed time: only the kill moments are random.
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/tests/e2e/stream_lib.sh"
need_shared seed_repos/ga4_events_20180803.parquet
need_shared seed_repos/ga4_events_sample_200.ndjson
S200=$SHARED/seed_repos/ga4_events_sample_200.ndjson
start_redis
R=redis://127.0.0.1:$RPORT
CONS=(--group g --consumer c1 --lateness 10s --commit-interval 100ms --batch 500)

# --- SIGKILL at random moments while replay runs.  The rows go out in the
# file's order, far from event-time order: which events are late depends on
# that order only, not on where the crashes fell (the watermark is committed
# with the counts), so the split must equal DuckDB's watermark rule.
"$TF_REL" replay "$GA4" --to "$R/kill" --rate 12000/s --quiet &
rp=$!
kills=0
while kill -0 $rp 2>/dev/null || [ $kills -lt 8 ]; do
    "$TF" stream --from "$R/kill" "${CONS[@]}" --quiet --db k.db &
    cp=$!
    sleep "0.$((2 + RANDOM % 9))"
    kill -KILL $cp 2>/dev/null && kills=$((kills + 1))
    wait $cp 2>/dev/null
done
wait $rp
expect_eq "$?" 0 "replay exit status"
expect_status 0 "$TF" stream --from "$R/kill" "${CONS[@]}" --exit-idle 1s --db k.db
expect_contains "$ERR" "tripflow stream: no message for"
echo "  ($kills kills)"
expected_split "$GA4" 10 0 want
got_split k.db got
expect_eq "$(same_split got want)" same "on-time and late counts after $kills SIGKILLs"
expect_eq "$(sqlite3 k.db "SELECT sum(events), sum(late_events), sum(bad_messages) FROM stream_consumers")" \
    "$(awk -F, '{s += $3} END {print s}' want.on_time.csv)|$(awk -F, '{s += $3} END {print s}' want.late.csv)|0" "counters"
expect_eq "$(redis-cli -p "$RPORT" xpending kill g | head -1)" 0 "nothing pending"

# --- a crash after the commit, before the acknowledgement: the restart knows
"$TF_REL" replay "$S200" --to "$R/ack" --quiet
expected_counts "$S200" >want200.csv
TRIPFLOW_TEST_CRASH_BEFORE_ACK=1 "$TF" stream --from "$R/ack" "${CONS[@]}" --quiet --db a.db
expect_eq "$?" 137 "crash hook exit status"
expect_eq "$(redis-cli -p "$RPORT" xpending ack g | head -1)" 200 "pending after the crash"
expect_eq "$(sqlite3 a.db "SELECT sum(events) FROM stream_consumers")" 200 "committed before the crash"
expect_status 0 "$TF" stream --from "$R/ack" "${CONS[@]}" --exit-idle 500ms --db a.db
expect_contains "$ERR" "tripflow stream: 200 messages: 0 events counted, 0 late, 0 bad, 200 already committed;"
expect_eq "$(table_csv a.db | cmp - want200.csv && echo same)" same "counts after a crash before the ack"
expect_eq "$(redis-cli -p "$RPORT" xpending ack g | head -1)" 0 "nothing pending after the restart"

# --- a broker that is still loading its data (130 MB of AOF from above):
# replay and the consumer wait until it is ready (LOADING replies), then
# resume; nothing is sent twice
stop_redis
start_redis --no-wait
"$TF" stream --from "$R/loading" "${CONS[@]}" --db l.db 2>loading_cons.err &
cp=$!
expect_status 0 "$TF" replay "$S200" --to "$R/loading"
grep -q LOADING <(echo "$ERR") || echo "  (replay found the broker ready: the LOADING replies were not seen this time)"
expect_eq "$(redis-cli -p "$RPORT" --raw xrange loading - + | awk 'NR % 3 == 0' | cmp - <(grep . "$S200") && echo same)" \
    same "the stream holds each line once, in order"
wait_until 60 drained loading g
expect_eq "$?" 0 "the consumer read the stream once the broker was ready"
kill -TERM $cp
wait $cp
expect_eq "$?" 0 "consumer exit status"
expect_contains "$(cat loading_cons.err)" "tripflow stream: 200 messages: 200 events counted, 0 late, 0 bad,"
expect_status 0 "$TF" stream --from "$R/loading" "${CONS[@]}" --exit-idle 300ms --db l.db
expect_eq "$(table_csv l.db | cmp - want200.csv && echo same)" same "counts after a loading broker"

# --- redis-server restarted (AOF) mid-stream: replay and consumer both resume
stop_redis
rm -rf "$RDIR" # a fresh broker: the big streams above are not needed
start_redis
ga4_sorted sorted.parquet
"$TF_REL" replay sorted.parquet --to "$R/restart" --rate 15000/s 2>replay.err &
rp=$!
"$TF" stream --from "$R/restart" "${CONS[@]}" --db r.db 2>cons.err &
cp=$!
xlen_over() { [ "$(redis-cli -p "$RPORT" xlen restart)" -gt "$1" ]; }
said() { grep -qF "$2" "$1"; }
wait_until 60 consumers restart g 1 # the consumer is in the group: its read will fail
wait_until 60 xlen_over 5000        # replay is well under way
stop_redis
wait_until 60 said replay.err "cannot connect: Connection refused; retrying in"
wait_until 60 said cons.err "cannot connect: Connection refused; retrying in"
start_redis
wait $rp
expect_eq "$?" 0 "replay exit status across the restart"
wait_until 120 drained restart g
expect_eq "$?" 0 "the consumer read the whole stream across the restart"
kill -TERM $cp
wait $cp
expect_eq "$?" 0 "consumer exit status across the restart"
expect_contains "$(cat cons.err)" "reconnecting"
expect_contains "$(cat cons.err)" "cannot connect: Connection refused; retrying in"
expect_contains "$(cat replay.err)" "reconnecting"
expect_eq "$(redis-cli -p "$RPORT" xlen restart)" 50000 "stream length: nothing sent twice"
expect_status 0 "$TF" stream --from "$R/restart" "${CONS[@]}" --exit-idle 300ms --db r.db
expect_contains "$ERR" "tripflow stream: 0 messages:"
expected_counts "$GA4" >want_all.csv
expect_eq "$(table_csv r.db | cmp - want_all.csv && echo same)" same "counts across a broker restart"
[ "$FAILS" = 0 ] || { echo "  consumer:"; tail -5 cons.err; echo "  replay:"; tail -5 replay.err; }
finish
