#!/bin/bash
# stream.sh — the streaming benchmark: Redis on loopback, the ceiling (a
# minimal hiredis XREADGROUP+XACK loop, bench/ceiling.c) against
# `tripflow stream` draining the same pre-filled stream of GA4-shaped
# events with windows and commits; the end-to-end latency from XADD to the
# committed final window; `tripflow replay` of the GA4 Parquet export, from
# the file and from its rows as JSON lines, against the floor (redis-cli
# --pipe of the same XADDs); and stdin mode throughput against the floor
# (cat) and a peer (DuckDB counting the same stream).  Prints a Markdown table.
#   bench/stream.sh           200k events through Redis, 10M on stdin
#   bench/stream.sh --small   a quick check that the script works
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/bench/lib.sh"
DATA=${TRIPFLOW_SHARED:-$ROOT/../shared/data}/seed_repos
SAMPLE=$DATA/ga4_events_sample_200.ndjson
GA4=$DATA/ga4_events_20180803.parquet
N_REDIS=200000 N_STDIN=10000000 LIVE_S=20
if [ "${1:-}" = --small ]; then N_REDIS=20000 N_STDIN=200000 LIVE_S=8; fi
N_REPLAY=50000 # the GA4 Parquet export's rows
W=$ROOT/bench/work/stream
rm -rf "$W" && mkdir -p "$W"
make -s -C "$ROOT" build/tripflow >/dev/null 2>&1
cc -O2 -Wall -Wextra -o "$W/ceiling" "$ROOT/bench/ceiling.c" -lhiredis
C=$W/ceiling
DUCK="node $ROOT/tests/tools/duck.mjs"

PORT=$((20000 + RANDOM % 30000))
redis-server --port $PORT --bind 127.0.0.1 --save '' --appendonly no --dir "$W" --daemonize yes \
    --pidfile "$W/redis.pid" --logfile "$W/redis.log" >/dev/null
trap 'kill $(cat "$W/redis.pid") 2>/dev/null || true' EXIT
until [ "$(redis-cli -p $PORT ping 2>/dev/null)" = PONG ]; do sleep 0.1; done
R=redis://127.0.0.1:$PORT

rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 |"); }
per_s() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%d", n / s}'; }
mb_s() { awk -v b="$1" -v s="$2" 'BEGIN {printf "%d", b / s / 1048576}'; }

# 1. the ceiling and tripflow on the same pre-filled stream, taken in turns
# REPS times (the machine is noisy): the median of each
REPS=3
for i in $(seq $REPS); do
    "$C" fill $PORT ev $N_REDIS "$SAMPLE"
    timed "$W/ceil" "$C" drain $PORT ev ceil$i $N_REDIS >"$W/ceil.out"
    read -r _ s <"$W/ceil.out" # the drain loop's own clock
    echo "$s" >>"$W/ceil.all"
    redis-cli -p $PORT del ev >/dev/null
    "$C" fill $PORT ev $N_REDIS "$SAMPLE"
    # tripflow's own clock from its first message to its last commit (the idle wait at the end left out)
    rm -f "$W/tf.db"*
    timed "$W/tf" "$TF" stream --from "$R/ev" --group tf$i --consumer b1 --exit-idle 500ms --db "$W/tf.db" 2>"$W/tf.err"
    sed -n 's/.*first message to last commit: \([0-9.]*\) s.*/\1/p' "$W/tf.err" >>"$W/tf.all"
    got=$(sqlite3 "$W/tf.db" "SELECT sum(event_count) FROM user_event_counts")
    [ "$got" = $N_REDIS ] || { echo "tripflow counted $got of $N_REDIS events" >&2; exit 1; }
    redis-cli -p $PORT del ev >/dev/null
done
BYTES=$(awk -v n=$N_REDIS 'NR<=200{b+=length($0)} END{printf "%d", b/NR*n}' "$SAMPLE")
ceil_s=$(median <"$W/ceil.all")
ceil_rate=$(per_s $N_REDIS "$ceil_s")
row "ceiling: XREADGROUP 1000 + XACK (hiredis), median of $REPS" $N_REDIS "$ceil_s" "$ceil_rate" "$(mb_s "$BYTES" "$ceil_s")" "1.00" "$(cat "$W/ceil.rss")"
tf_s=$(median <"$W/tf.all")
tf_rate=$(per_s $N_REDIS "$tf_s")
row "tripflow stream (windows, commits, XACK), median of $REPS" $N_REDIS "$tf_s" "$tf_rate" "$(mb_s "$BYTES" "$tf_s")" \
    "$(ratio "$tf_rate" "$ceil_rate")" "$(cat "$W/tf.rss")"
echo "drain runs (s): ceiling $(tr '\n' ' ' <"$W/ceil.all")| tripflow $(tr '\n' ' ' <"$W/tf.all")"

# 2. latency: live events (event time = XADD time), 5 s windows, 2 s lateness
"$TF" stream --from "$R/live" --group lat --consumer l1 --window 5s --lateness 2s --commit-interval 100ms \
    --exit-idle 3s --db "$W/lat.db" --quiet &
sp=$!
"$C" live $PORT live 2000 $LIVE_S "$SAMPLE"
wait $sp
# delay after a window could first be final (its end + lateness, in event time = wall time);
# the last windows are left out: they are finalized by the end of the stream, not the watermark
delay=$(sqlite3 "$W/lat.db" "SELECT printf('%.3f', max(written_us - (window_start_us + 7000000)) / 1e6)
    FROM stream_windows WHERE status = 'final'
    AND window_start_us + 7000000 <= (SELECT max(max_event_us) FROM stream_consumers)")
row "latency: XADD to committed final window (5 s window, 2 s lateness)" "2000/s" "$LIVE_S" "-" "-" \
    "max delay past window end + lateness: ${delay} s (e2e ≤ 7 s + that; target ≤ 8 s)" "-"

# 3. replay of the GA4 export's rows: the floor (the same messages as
# pre-encoded XADDs piped into redis-cli --pipe: Redis's own ingest), tripflow
# replay of the rows as JSON lines, and of the Parquet file itself (decoding
# and assembling every row into JSON, nested columns included)
"$TF" parquet cat "$GA4" --format jsonl >"$W/ga4.ndjson"
PB=$(stat -c %s "$W/ga4.ndjson")
"$C" resp rf "$W/ga4.ndjson" >"$W/ga4.resp"
timed "$W/pipe" bash -c "redis-cli -p $PORT --pipe <'$W/ga4.resp' >/dev/null"
timed "$W/rnd" "$TF" replay "$W/ga4.ndjson" --to "$R/rn" --quiet
timed "$W/rpq" "$TF" replay "$GA4" --to "$R/rp" --quiet
for k in rf rn rp; do
    [ "$(redis-cli -p $PORT xlen $k)" = $N_REPLAY ] || { echo "$k: $(redis-cli -p $PORT xlen $k) messages" >&2; exit 1; }
    redis-cli -p $PORT del $k >/dev/null
done
rm -f "$W/ga4.resp"
pipe_rate=$(per_s $N_REPLAY "$(cat "$W/pipe.s")")
for k in pipe rnd rpq; do
    s=$(cat "$W/$k.s")
    case $k in
    pipe) name="floor: redis-cli --pipe (pre-encoded XADDs of the rows)" ;;
    rnd) name="tripflow replay of the rows as JSON lines" ;;
    rpq) name="tripflow replay GA4 Parquet (rows assembled into JSON)" ;;
    esac
    row "$name" $N_REPLAY "$s" "$(per_s $N_REPLAY "$s")" "$(mb_s "$PB" "$s")" \
        "$(ratio "$(per_s $N_REPLAY "$s")" "$pipe_rate")" "$(cat "$W/$k.rss")"
done

# 4. stdin mode: floor (cat), tripflow, peer (DuckDB), the same generated events
SZ=$("$C" gen $N_STDIN "$SAMPLE" | wc -c)
timed "$W/cat" bash -c "'$C' gen $N_STDIN '$SAMPLE' | cat >/dev/null"
timed "$W/st" bash -c "'$C' gen $N_STDIN '$SAMPLE' | '$TF' stream --from - --db '$W/stdin.db' --quiet"
duck_stdin() { # N: DuckDB counting N generated events read from stdin
    timed "$W/duck" bash -o pipefail -c "'$C' gen $1 '$SAMPLE' | $DUCK \"SELECT count(*) FROM (SELECT user_pseudo_id,
    CAST(event_timestamp AS BIGINT) // 60000000 FROM read_json('/dev/stdin', format='newline_delimited',
    columns={user_pseudo_id: 'VARCHAR', event_timestamp: 'VARCHAR'}) GROUP BY ALL)\" >/dev/null 2>'$W/duck.err'"
}
for k in cat st; do
    s=$(cat "$W/$k.s")
    case $k in cat) name="floor: gen \\| cat" ;; st) name="tripflow stream --from - (stdin)" ;; esac
    row "$name" $N_STDIN "$s" "$(per_s $N_STDIN "$s")" "$(mb_s "$SZ" "$s")" "$(ratio "$(cat "$W/cat.s")" "$s")" "$(cat "$W/$k.rss")"
done
peer="peer: DuckDB read_json(stdin) + GROUP BY"
if duck_stdin $N_STDIN; then
    s=$(cat "$W/duck.s")
    row "$peer" $N_STDIN "$s" "$(per_s $N_STDIN "$s")" "$(mb_s "$SZ" "$s")" "$(ratio "$(cat "$W/cat.s")" "$s")" "$(cat "$W/duck.rss")"
else
    # it buffers the input: say so, and measure it on a tenth
    row "$peer" $N_STDIN "failed: $(grep -m1 . "$W/duck.err" | cut -c1-90)" - - - "$(cat "$W/duck.rss")"
    n=$((N_STDIN / 10))
    sz=$("$C" gen $n "$SAMPLE" | wc -c)
    timed "$W/cat10" bash -c "'$C' gen $n '$SAMPLE' | cat >/dev/null"
    duck_stdin $n
    s=$(cat "$W/duck.s")
    row "$peer" $n "$s" "$(per_s $n "$s")" "$(mb_s "$sz" "$s")" "$(ratio "$(cat "$W/cat10.s")" "$s")" "$(cat "$W/duck.rss")"
fi

echo "## streaming ($(date -u +%Y-%m-%d))"
echo
echo "machine: $(machine)"
echo
echo "Redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on loopback, $N_REDIS GA4-shaped events of ~$((BYTES / N_REDIS)) bytes;"
echo "replay: the $N_REPLAY rows of the GA4 Parquet export ($(($(stat -c %s "$GA4") / 1048576)) MiB; $((PB / 1048576)) MiB as JSON lines);"
echo "stdin: $N_STDIN events, $((SZ / 1048576)) MiB.  Ratios: against the ceiling (drain rows), the redis-cli --pipe floor (replay rows)"
echo "or the floor (stdin rows); seconds are wall time with process start, except the drain rows (their own clocks)."
echo
echo "| step | events | seconds | events/s | MB/s | ratio | peak RSS KiB |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
