# test_stream_stdin.sh — `tripflow stream --from -`: per-user one-minute
# counts of the real GA4 events equal DuckDB's; out-of-order events beyond
# the lateness land in the late table exactly as the watermark rule says;
# bad messages go to the dead letters with their reason; usage errors, and
# replay's errors for input it cannot read.
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/tests/e2e/stream_lib.sh"
need_shared seed_repos/ga4_events_sample_200.ndjson
S200=$SHARED/seed_repos/ga4_events_sample_200.ndjson

# --- the 200-event sample: every window final at the end of input
expect_status 0 "$TF" stream --from - --db s.db --lateness 10s <"$S200"
expect_eq "$(echo "$ERR" | head -1)" "tripflow stream: 200 messages: 200 events counted, 0 late, 0 bad, 0 already committed; 189 windows final, 1 commits"
expected_counts "$S200" >want.csv
table_csv s.db >got.csv
expect_eq "$(wc -l <got.csv)" 197 "result rows"
expect_eq "$(cmp got.csv want.csv && echo same)" same "counts against DuckDB"
expect_eq "$(sqlite3 s.db "SELECT window_start, window_end, user_pseudo_id, event_count FROM user_event_counts
    ORDER BY event_count DESC, window_start LIMIT 1")" "2018-08-03 15:06:00|2018-08-03 15:07:00|05FB3382D94C7E963B408FD6CC357D33|2" "top row"
# a second run over the same input resumes after the committed lines: nothing twice
expect_status 0 "$TF" stream --from - --db s.db --lateness 10s <"$S200"
expect_contains "$ERR" "resuming after line 200 (committed before)"
expect_eq "$(table_csv s.db | cmp - want.csv && echo same)" same "counts after a second run"

# --- status
expect_status 0 "$TF" stream status --db s.db --format csv
expect_eq "$(echo "$OUT" | cut -d, -f1-13 | tail -1)" "user_event_counts,-,stdin,189,0,197,0,200,0,0,0,,2018-08-04 06:51:00"

# --- bad messages: counted, kept with the reason, never stopping the rest
{
    head -3 "$S200"
    echo 'this is not json'
    echo '{"event_timestamp":"1533280438705040"}'
    echo '{"user_pseudo_id":"U9"}'
    echo '{"user_pseudo_id":["U9"],"event_timestamp":"1533280438705040"}'
    echo '{"user_pseudo_id":"U9","event_timestamp":"yesterday"}'
    echo '{"user_pseudo_id":"U9","event_timestamp":1533300000000000} trailing'
    echo ''
    echo '{"user_pseudo_id":"U9","event_timestamp":1533300000000000}'
} >bad.ndjson
expect_status 0 "$TF" stream --from - --db b.db <bad.ndjson
expect_eq "$(echo "$ERR" | head -1)" "tripflow stream: 10 messages: 4 events counted, 0 late, 6 bad, 0 already committed; 4 windows final, 1 commits"
expect_eq "$(sqlite3 b.db "SELECT msg_id || ' | ' || reason FROM stream_dead_letters ORDER BY CAST(substr(msg_id, 6) AS INT)")" \
"line 4 | not a JSON object: column 1: unexpected character
line 5 | user_pseudo_id: missing
line 6 | event_timestamp: missing
line 7 | user_pseudo_id: expected a string or an integer, got an array
line 8 | event_timestamp: expected a number of microseconds, got \"yesterday\"
line 9 | not a JSON object: column 60: text after the JSON object" "dead letters"
expect_eq "$(sqlite3 b.db "SELECT payload FROM stream_dead_letters WHERE msg_id = 'line 4'")" "this is not json"
expect_eq "$(sqlite3 b.db "SELECT event_count FROM user_event_counts WHERE user_pseudo_id = 'U9'")" "1"

# --- out-of-order real events (the Parquet file's own order, as JSON lines by
# tripflow's reader): the watermark rule, checked by DuckDB on the same file
need_shared seed_repos/ga4_events_20180803.parquet
"$TF_REL" parquet cat "$GA4" --format jsonl >file.ndjson
expect_status 0 "$TF" stream --from - --db o.db --lateness 10s --out-of-order 5s <file.ndjson
expect_contains "$ERR" "tripflow stream: 50000 messages:"
expected_split "$GA4" 10 5 want
got_split o.db got
expect_eq "$(cmp got.on_time.csv want.on_time.csv && echo same)" same "on-time counts of out-of-order events"
expect_eq "$(cmp got.late.csv want.late.csv && echo same)" same "late counts of out-of-order events"
expect_eq "$(($(awk -F, '{s+=$3} END {print s}' got.on_time.csv) + $(awk -F, '{s+=$3} END {print s}' got.late.csv)))" 50000 "nothing lost"
expect_eq "$(sqlite3 o.db "SELECT sum(late_count) FROM stream_late_windows")" "$(awk -F, '{s+=$3} END {print s}' want.late.csv)" "late per window"

# --- usage errors
expect_status 2 "$TF" stream --from - --db u.db --table 'x; drop' </dev/null
expect_eq "$ERR" "tripflow stream: --table 'x; drop': expected a plain name of letters, digits and _"
expect_status 2 "$TF" stream --from - --db u.db --time event_timestamp:minutes </dev/null
expect_eq "$ERR" "tripflow stream: --time 'event_timestamp:minutes': unknown unit 'minutes' (us, ms, s or iso)"
expect_status 2 "$TF" stream --from - --db u.db --window 1500ms </dev/null
expect_eq "$ERR" "tripflow stream: --window: expected a whole number of seconds, at least 1s"
expect_status 2 "$TF" stream --from kafka://x/y --db u.db
expect_eq "$ERR" "tripflow stream: --from 'kafka://x/y': expected redis://HOST[:PORT]/STREAM"
expect_status 2 "$TF" stream --from - --db s.db --window 30s </dev/null
expect_eq "$ERR" "tripflow stream: table user_event_counts is fed by a stream job with --window 60000000us; use the same options, or another --table"
# replay: input that cannot be read is refused before any broker is contacted
expect_status 1 "$TF" replay missing.ndjson --to redis://127.0.0.1:1/events
expect_eq "$ERR" "tripflow replay: missing.ndjson: No such file or directory"
head -c 100 "$GA4" >cut.parquet
expect_status 1 "$TF" replay cut.parquet --to redis://127.0.0.1:1/events
expect_eq "$ERR" "tripflow replay: cut.parquet: not a Parquet file (no PAR1 magic at both ends)"
head -c 100 "$GA4" >cut.events
expect_status 1 "$TF" replay - --to redis://127.0.0.1:1/events <cut.events
expect_eq "$ERR" "tripflow replay: stdin: not a Parquet file (no PAR1 magic at both ends)"
expect_status 1 "$TF" replay "$S200" --to redis://127.0.0.1:1/events --retry-for 200ms --quiet
expect_contains "$ERR" "tripflow replay: redis://127.0.0.1:1/events: cannot connect: Connection refused (gave up after"
finish
