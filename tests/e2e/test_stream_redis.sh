# test_stream_redis.sh — `tripflow stream` on a real redis-server: replay
# then consume the sample; early results replaced by final ones; a broker
# that is down at the start; replay from Parquet (the GA4 export's rows with
# their nested columns, in file order; TIMESTAMP columns; stdin; pacing; a
# damaged file); two consumers of one group splitting the real 50,000 events
# with the combined table equal to DuckDB's counts.
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
# once the 100 events are committed, the next early write holds them all
events_are() { [ "$(sqlite3 e.db "SELECT events FROM stream_consumers")" = "$1" ]; }
early_after() { [ "$(sqlite3 e.db "SELECT count(*) FROM stream_windows WHERE status = 'early' AND written_us > $1")" -ge 1 ]; }
wait_until 60 events_are 100
expect_eq "$?" 0 "the first half committed"
wait_until 60 early_after "$(date +%s%6N)"
expect_eq "$?" 0 "an early write after that"
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
"$TF" stream --from "$R/late" --group g --consumer d1 --db d.db 2>down.err &
pid=$!
said() { grep -qF "$1" down.err; }
wait_until 60 said "retrying in 0.2 s"
expect_contains "$(cat down.err)" "tripflow: $R/late: cannot connect: Connection refused; retrying in 0.1 s"
start_redis
"$TF_REL" replay "$S200" --to "$R/late" --quiet
wait_until 60 drained late g
expect_eq "$?" 0 "the consumer read the stream once the broker came up"
kill -TERM $pid
wait $pid
expect_eq "$?" 0 "exit status after the broker came up"
expect_contains "$(cat down.err)" "tripflow: $R/late: connected"
expect_contains "$(cat down.err)" "tripflow stream: 200 messages: 200 events counted, 0 late, 0 bad,"
# the end of the stream: a last run makes every window final
expect_status 0 "$TF" stream --from "$R/late" --group g --consumer d1 --exit-idle 300ms --db d.db
expect_eq "$(table_csv d.db | cmp - want.csv && echo same)" same "counts after the broker came up"
expect_status 1 "$TF" stream --from "redis://127.0.0.1:1/x" --retry-for 300ms --db x.db --quiet
expect_contains "$ERR" "tripflow stream: redis://127.0.0.1:1/x: cannot connect: Connection refused (gave up after"

# --- Parquet: each row of the GA4 export is one message, the row as JSON with
# its nested columns (INT64 as JSON numbers), in the file's order
need_shared seed_repos/ga4_events_20180803.parquet
expect_status 0 "$TF" replay "$GA4" --to "$R/pq"
expect_contains "$ERR" "tripflow replay: 50000 messages to $R/pq in "
"$TF_REL" parquet cat "$GA4" --format jsonl >rows.jsonl
expect_eq "$(redis-cli -p "$RPORT" --raw xrange pq - + | awk 'NR % 3 == 0' | cmp - rows.jsonl && echo same)" same \
    "the messages are the rows as JSON, in file order"
expect_eq "$(head -c 90 rows.jsonl)" \
    '{"event_date":"20180803","event_timestamp":1533345878698003,"event_name":"post_score","eve' "a message"
# the file's order is far from event-time order: the watermark rule decides
# which events are late, and DuckDB applies the same rule to the same file
expect_status 0 "$TF" stream --from "$R/pq" --group split --consumer p1 --lateness 10s --out-of-order 5s \
    --exit-idle 300ms --db pq.db
expect_contains "$ERR" "tripflow stream: 50000 messages: 89 events counted, 49911 late, 0 bad, 0 already committed;"
expected_split "$GA4" 10 5 want_pq
got_split pq.db got_pq
expect_eq "$(same_split got_pq want_pq)" same "on-time and late counts of the Parquet rows against DuckDB"
# with a lateness longer than the file's day nothing is late: every event in the table
expect_status 0 "$TF" stream --from "$R/pq" --group all --consumer p1 --lateness 25h --exit-idle 300ms --db all.db
expect_contains "$ERR" "tripflow stream: 50000 messages: 50000 events counted, 0 late, 0 bad, 0 already committed;"
expected_counts "$GA4" >want_all.csv
expect_eq "$(table_csv all.db | cmp - want_all.csv && echo same)" same "counts of the Parquet rows against DuckDB"
redis-cli -p "$RPORT" del pq >/dev/null

# --- Parquet without the suffix, and on stdin (found by its PAR1 magic); a
# TIMESTAMP column comes as text (--time ts:iso); --speedup paces by it
$DUCK "COPY (SELECT 'u' || (i % 7) AS user_pseudo_id, TIMESTAMP '2018-08-03 10:00:59.5' + to_microseconds(i * 2500) AS ts,
              [i, i * 2] AS nums FROM range(400) t(i)) TO 'ts.bin' (FORMAT PARQUET)" >/dev/null
$DUCK --csv "SELECT strftime(time_bucket(INTERVAL 60 SECOND, ts), '%Y-%m-%d %H:%M:%S'), user_pseudo_id, count(*)
             FROM read_parquet('ts.bin') GROUP BY ALL ORDER BY 1, 2" | tail -n +2 >want_ts.csv
expect_status 0 "$TF" replay ts.bin --to "$R/ts" --speedup 1 --time ts:iso
secs=$(echo "$ERR" | sed -n 's/.* in \([0-9.]*\) s$/\1/p')
expect_eq "$(awk -v s="$secs" 'BEGIN {print (s >= 0.99 && s < 30) ? "paced" : s}')" paced "--speedup 1 over 1 s of event time"
# without a usable event time nothing waits, and replay says so
expect_status 0 "$TF" replay ts.bin --to "$R/ts_unpaced" --speedup 1
expect_contains "$ERR" "tripflow replay: 400 messages had no usable event time for --speedup (the first: event_timestamp: missing); they were sent without waiting"
expect_eq "$(redis-cli -p "$RPORT" --raw xrange ts - + COUNT 1 | tail -1)" '{"user_pseudo_id":"u0","ts":"2018-08-03 10:00:59.500000","nums":[0,0]}'
expect_status 0 "$TF" replay - --to "$R/ts_stdin" <ts.bin
expect_contains "$ERR" "tripflow replay: 400 messages to $R/ts_stdin in "
expect_eq "$(redis-cli -p "$RPORT" --raw xrange ts_stdin - + | awk 'NR % 3 == 0' | md5sum)" \
    "$(redis-cli -p "$RPORT" --raw xrange ts - + | awk 'NR % 3 == 0' | md5sum)" "the same messages from stdin"
expect_status 0 "$TF" stream --from "$R/ts_stdin" --group g --consumer t1 --time ts:iso --exit-idle 500ms --db ts.db
expect_contains "$ERR" "tripflow stream: 400 messages: 400 events counted, 0 late, 0 bad,"
sqlite3 -separator , ts.db "SELECT window_start, user_pseudo_id, event_count FROM user_event_counts ORDER BY 1, 2" >got_ts.csv
expect_eq "$(wc -l <got_ts.csv) $(cmp got_ts.csv want_ts.csv && echo same)" "14 same" "counts by the TIMESTAMP column"

# --- a damaged row group: the rows before it are sent, then a clear error
$DUCK "COPY (SELECT user_pseudo_id AS u, event_timestamp AS t FROM read_parquet('$GA4') LIMIT 5000)
       TO 'bad.parquet' (FORMAT PARQUET, ROW_GROUP_SIZE 2048, COMPRESSION ZSTD)" >/dev/null
off=$($DUCK --csv "SELECT dictionary_page_offset FROM parquet_metadata('bad.parquet')
                   WHERE path_in_schema = 'u' AND row_group_id = 1" | tail -1)
printf 'XXXXXXXX' | dd of=bad.parquet bs=1 seek=$((off + 20)) conv=notrunc 2>/dev/null
expect_status 1 "$TF" replay bad.parquet --to "$R/bad"
expect_contains "$ERR" "tripflow replay: 2048 messages were sent to $R/bad before the error
tripflow replay: bad.parquet: row group 1: column 'u': page at offset $off: ZSTD data is corrupt"
expect_eq "$(redis-cli -p "$RPORT" xlen bad)" 2048 "the rows of the good row group are in the stream"

# --- scale-out: two consumers in one group share the real 50,000 events (in
# event-time order: nothing is late, windows become final as the group's
# watermark passes them)
ga4_sorted sorted.parquet
# both consumers wait on the empty stream first, so both get a share; once
# everything is read and acknowledged they are stopped, and a last run finds
# nothing new and, with no other consumer running, makes every window final
"$TF" stream --from "$R/big" --group g --consumer a --lateness 10s --batch 200 --db two.db --quiet &
p1=$!
"$TF" stream --from "$R/big" --group g --consumer b --lateness 10s --batch 200 --db two.db --quiet &
p2=$!
wait_until 60 consumers big g 2
expect_eq "$?" 0 "both consumers joined the group"
"$TF_REL" replay sorted.parquet --to "$R/big" --quiet
wait_until 120 drained big g
expect_eq "$?" 0 "the group read and acknowledged the stream"
kill -TERM $p1 $p2
wait $p1
s1=$?
wait $p2
s2=$?
expect_eq "$s1 $s2" "0 0" "both consumers' exit status"
expect_status 0 "$TF" stream --from "$R/big" --group g --consumer a --lateness 10s --exit-idle 300ms --db two.db
expect_contains "$ERR" "tripflow stream: 0 messages: 0 events counted, 0 late, 0 bad, 0 already committed;"
expect_eq "$(sqlite3 two.db "SELECT count(*) FROM stream_consumers WHERE events > 1000")" 2 "both consumers counted a share"
expect_eq "$(sqlite3 two.db "SELECT sum(events) + sum(late_events) FROM stream_consumers")" 50000 "events seen"
late=$(sqlite3 two.db "SELECT coalesce(sum(late_count), 0) FROM stream_late_events")
expect_eq "$late" 0 "late events with two consumers on ordered input"
expect_eq "$(table_csv two.db | cmp - want_all.csv && echo same)" same "combined counts against DuckDB"
# --- bad messages among good ones, read in batches of 4 (the fields of a
# batch are found on two threads, then counted in order): each bad one is a
# dead letter with its reason, every one is acknowledged; and a drained
# stream is committed at once, not after the commit interval (1 hour here)
T0=1533300000000000
good() { redis-cli -p "$RPORT" xadd mixed "1-$1" data "{\"user_pseudo_id\":\"$2\",\"event_timestamp\":$T0}" >/dev/null; }
bad() { redis-cli -p "$RPORT" xadd mixed "1-$1" "$2" "$3" >/dev/null; }
good 1 U1
bad 2 data 'this is not json'
good 3 U2
bad 4 data "{\"event_timestamp\":$T0}"
bad 5 payload "{\"user_pseudo_id\":\"U5\",\"event_timestamp\":$T0}"
good 6 U1
bad 7 data "{\"user_pseudo_id\":[\"x\"],\"event_timestamp\":$T0}"
good 8 U3
bad 9 data '{"user_pseudo_id":"U9","event_timestamp":"yesterday"}'
good 10 U1
good 11 U2
"$TF" stream --from "$R/mixed" --group g --consumer m1 --batch 4 --commit-interval 1h --claim-idle 5h \
    --db m.db --quiet &
pid=$!
committed() { [ "$(sqlite3 m.db "SELECT events || ',' || bad_messages FROM stream_consumers")" = "6,5" ]; }
wait_until 60 committed
expect_eq "$?" 0 "6 events and 5 bad messages committed once the stream was drained"
wait_until 60 drained mixed g
expect_eq "$?" 0 "every message acknowledged, bad ones included"
kill -TERM $pid
wait $pid
expect_eq "$?" 0 "exit status after SIGTERM"
expect_eq "$(sqlite3 m.db "SELECT msg_id || ' | ' || reason FROM stream_dead_letters ORDER BY CAST(substr(msg_id, 3) AS INT)")" \
"1-2 | not a JSON object: column 1: unexpected character
1-4 | user_pseudo_id: missing
1-5 | no 'data' field in the message
1-7 | user_pseudo_id: expected a string or an integer, got an array
1-9 | event_timestamp: expected a number of microseconds, got \"yesterday\"" "dead letters over Redis"
expect_eq "$(sqlite3 m.db "SELECT payload FROM stream_dead_letters WHERE msg_id = '1-2'")" "this is not json"
# the window is still open: the end of the stream makes it final
expect_status 0 "$TF" stream --from "$R/mixed" --group g --consumer m1 --exit-idle 300ms --db m.db
expect_contains "$ERR" "tripflow stream: 0 messages: 0 events counted, 0 late, 0 bad, 0 already committed; 1 windows final,"
expect_eq "$(sqlite3 -csv m.db "SELECT user_pseudo_id, event_count FROM user_event_counts ORDER BY 1")" \
"U1,3
U2,2
U3,1" "counts of the good messages"
finish
