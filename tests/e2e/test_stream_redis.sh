# test_stream_redis.sh — `tripflow stream` on a real redis-server: replay
# then consume the sample; early results replaced by final ones; a broker
# that is down at the start; two consumers of one group splitting the real
# 50,000 events with the combined table equal to DuckDB's counts.
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/tests/e2e/stream_lib.sh"
need_shared seed_repos/ga4_events_sample_200.ndjson
S200=$SHARED/seed_repos/ga4_events_sample_200.ndjson
start_redis
R=redis://127.0.0.1:$RPORT

# --- replay, then one consumer until the stream is idle
expect_status 0 "$TF" replay "$S200" --to "$R/events"
expect_contains "$ERR" "tripflow replay: 200 messages to $R/events in "
expect_eq "$(redis-cli -p "$RPORT" xlen events)" 200 "stream length"
expect_status 0 "$TF" stream --from "$R/events" --group counts --consumer c1 --lateness 10s --exit-idle 1s --db r.db
expect_contains "$ERR" "tripflow stream: 200 messages: 200 events counted, 0 late, 0 bad, 0 already committed; 189 windows final,"
expected_counts "$S200" >want.csv
expect_eq "$(table_csv r.db | cmp - want.csv && echo same)" same "counts against DuckDB"
expect_eq "$(redis-cli -p "$RPORT" xpending events counts | head -1)" 0 "nothing pending"
expect_status 0 "$TF" stream status --db r.db --format csv
expect_eq "$(echo "$OUT" | tail -1 | cut -d, -f1-11,13-16)" \
    "user_event_counts,$R/events,counts,189,0,197,0,200,0,0,0,2018-08-04 06:51:00,$(redis-cli -p "$RPORT" xinfo stream events | sed -n '/last-generated-id/{n;p}'),0,0"
# a restart finds nothing new and counts nothing twice
expect_status 0 "$TF" stream --from "$R/events" --group counts --consumer c1 --lateness 10s --exit-idle 300ms --db r.db
expect_contains "$ERR" "tripflow stream: 0 messages:"
expect_eq "$(table_csv r.db | cmp - want.csv && echo same)" same "counts after a restart"

# --- early results: open windows appear, then the final ones replace them
head -100 "$S200" >first.ndjson
tail -100 "$S200" >second.ndjson
"$TF_REL" replay first.ndjson --to "$R/early" --quiet
"$TF" stream --from "$R/early" --group g --consumer e1 --lateness 10s --early 100ms --db e.db --quiet &
pid=$!
sleep 2.5
kill -TERM $pid
wait $pid
expect_eq "$?" 0 "exit status after SIGTERM"
open=$(sqlite3 e.db "SELECT count(*) FROM stream_windows WHERE status = 'early'")
expect_eq "$open" "1" "early windows after the first half"
last=$(sqlite3 e.db "SELECT window_start FROM stream_windows WHERE status = 'early'")
expect_eq "$(sqlite3 e.db "SELECT sum(event_count) FROM user_event_counts WHERE window_start = '$last'")" \
    "$(grep -c . <(expected_counts first.ndjson | grep "^$last,"))" "early rows of the open window"
"$TF_REL" replay second.ndjson --to "$R/early" --quiet
expect_status 0 "$TF" stream --from "$R/early" --group g --consumer e1 --lateness 10s --early 100ms --exit-idle 1s --db e.db
expect_eq "$(sqlite3 e.db "SELECT count(*) FROM stream_windows WHERE status = 'early'")" 0 "early windows at the end"
expect_eq "$(table_csv e.db | cmp - want.csv && echo same)" same "final counts replace early ones"

# --- the broker is down at the start: clear message, retries, no loss
stop_redis
"$TF" stream --from "$R/late" --group g --consumer d1 --exit-idle 1500ms --db d.db 2>down.err &
pid=$!
sleep 1.5
expect_contains "$(cat down.err)" "tripflow: $R/late: cannot connect: Connection refused; retrying in 0.1 s"
start_redis
"$TF_REL" replay "$S200" --to "$R/late" --quiet
wait $pid
expect_eq "$?" 0 "exit status after the broker came up"
expect_contains "$(cat down.err)" "tripflow: $R/late: connected"
expect_eq "$(table_csv d.db | cmp - want.csv && echo same)" same "counts after the broker came up"
expect_status 1 "$TF" stream --from "redis://127.0.0.1:1/x" --retry-for 300ms --db x.db --quiet
expect_contains "$ERR" "tripflow stream: redis://127.0.0.1:1/x: cannot connect: Connection refused (gave up after"

# --- scale-out: two consumers in one group share the real 50,000 events
need_shared seed_repos/ga4_events_20180803.parquet
ga4_ndjson sorted.ndjson time
expected_counts sorted.ndjson >want50k.csv
# both consumers wait on the empty stream first, so both get a share
"$TF" stream --from "$R/big" --group g --consumer a --lateness 10s --exit-idle 2s --batch 200 --db two.db --quiet &
p1=$!
"$TF" stream --from "$R/big" --group g --consumer b --lateness 10s --exit-idle 2s --batch 200 --db two.db --quiet &
p2=$!
sleep 1
"$TF_REL" replay sorted.ndjson --to "$R/big" --quiet
wait $p1
s1=$?
wait $p2
s2=$?
expect_eq "$s1 $s2" "0 0" "both consumers' exit status"
expect_eq "$(sqlite3 two.db "SELECT count(*) FROM stream_consumers WHERE events > 1000")" 2 "both consumers counted a share"
expect_eq "$(sqlite3 two.db "SELECT sum(events) + sum(late_events) FROM stream_consumers")" 50000 "events seen"
late=$(sqlite3 two.db "SELECT coalesce(sum(late_count), 0) FROM stream_late_events")
expect_eq "$late" 0 "late events with two consumers on ordered input"
expect_eq "$(table_csv two.db | cmp - want50k.csv && echo same)" same "combined counts against DuckDB"
finish
