# test_threads_tsan.sh — the threaded paths under ThreadSanitizer
# ($TF_TSAN): ingest (content hash, parse, scatter, dedupe, lake writers and
# the SQL thread; in one segment and in many), staypoints (reader and writer
# threads, spilled runs) and a Redis stream consumer (reads ahead, JSON on
# two threads, pipelined XACK).  Any data race fails the command; the
# results must equal the release binary's, byte for byte.
source "$ROOT/tests/e2e/lib.sh"
source "$ROOT/tests/e2e/stream_lib.sh"
if [ ! -x "${TF_TSAN:-}" ]; then
    echo "  SKIP: no ThreadSanitizer binary (make build/tsan/tripflow)"
    exit 0
fi
export TSAN_OPTIONS="halt_on_error=1:exitcode=66:second_deadlock_stack=1"
# without address randomisation: GCC 12's TSan cannot map its shadow memory
# on kernels with 32 bits of mmap randomness
TSAN=(setarch "$(uname -m)" -R "$TF_TSAN")

# --- ingest, one segment and many, against the release binary
"$TF_REL" gen trips --rows 200000 --seed 5 --duplicates 0.02 --bad 0.001 --out trips.csv
dump() { sqlite3 "$1" "SELECT * FROM trip_groups ORDER BY 1, 2, 3, 4; SELECT * FROM hourly_trips ORDER BY 1, 2, 3;" | md5sum; }
expect_status 0 "$TF_REL" ingest trips.csv --db rel.db --quiet
want=$(sqlite3 rel.db "SELECT rows_read, rows_loaded, rows_duplicate, rows_rejected FROM ingest_runs")
expect_eq "$want" "200000|195910|3904|186" "release counts"
for mem in 640M 16M; do
    expect_status 0 "${TSAN[@]}" ingest trips.csv --db "t$mem.db" --memory "$mem" --quiet
    expect_eq "$(sqlite3 "t$mem.db" "SELECT rows_read, rows_loaded, rows_duplicate, rows_rejected FROM ingest_runs")" \
        "$want" "counts under TSan, --memory $mem"
    expect_eq "$(dump "t$mem.db")" "$(dump rel.db)" "groups and facts under TSan, --memory $mem"
done

# --- staypoints with reader and writer threads and spilled runs
"$TF_REL" gen staypoint-trips --users 20000 --seed 2 --out sp.csv 2>/dev/null
expect_status 0 "$TF_REL" staypoints sp.csv --format json --out rel.jsonl --quiet
expect_status 0 "${TSAN[@]}" staypoints sp.csv --format json --out tsan.jsonl --threads 2 --memory 1M --quiet
expect_eq "$(md5sum <tsan.jsonl)" "$(md5sum <rel.jsonl)" "staypoints under TSan (spilled)"

# --- a Redis consumer: small batches (reads ahead, the JSON helper thread),
# bad messages among good ones
need_shared seed_repos/ga4_events_sample_200.ndjson
S200=$SHARED/seed_repos/ga4_events_sample_200.ndjson
start_redis
R=redis://127.0.0.1:$RPORT
"$TF_REL" replay "$S200" --to "$R/ev" --quiet
for i in 1 2 3; do redis-cli -p "$RPORT" xadd ev '*' data "not json $i" >/dev/null; done
expect_status 0 "${TSAN[@]}" stream --from "$R/ev" --group g --consumer t1 --batch 64 --lateness 10s --exit-idle 500ms \
    --db s.db
expect_contains "$ERR" "tripflow stream: 203 messages: 200 events counted, 0 late, 3 bad, 0 already committed;"
expected_counts "$S200" >want.csv
expect_eq "$(table_csv s.db | cmp - want.csv && echo same)" same "stream counts under TSan against DuckDB"
expect_eq "$(redis-cli -p "$RPORT" xpending ev g | head -1)" 0 "nothing pending"
finish
