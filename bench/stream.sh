#!/bin/bash
# stream.sh — the streaming benchmark: Redis on loopback, the ceiling (a
# minimal hiredis XREADGROUP+XACK loop, bench/ceiling.c) against
# `tripflow stream` draining the same pre-filled stream of GA4-shaped
# events with windows and commits; the end-to-end latency from XADD to the
# committed final window; and stdin mode throughput against the floor
# (cat) and a peer (DuckDB counting the same stream).  Prints a Markdown
# table.  --small: a quick check that the script works.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SAMPLE=${TRIPFLOW_SHARED:-$ROOT/../shared/data}/seed_repos/ga4_events_sample_200.ndjson
N_REDIS=200000 N_STDIN=10000000 LIVE_S=20
if [ "${1:-}" = --small ]; then N_REDIS=20000 N_STDIN=200000 LIVE_S=8; fi
W=$ROOT/bench/work/stream
rm -rf "$W" && mkdir -p "$W"
make -s -C "$ROOT" build/tripflow >/dev/null 2>&1
TF=$ROOT/build/tripflow
cc -O2 -Wall -Wextra -o "$W/ceiling" "$ROOT/bench/ceiling.c" -lhiredis
C=$W/ceiling
DUCK="node $ROOT/tests/tools/duck.mjs"

PORT=$((20000 + RANDOM % 30000))
redis-server --port $PORT --bind 127.0.0.1 --save '' --appendonly no --dir "$W" --daemonize yes \
    --pidfile "$W/redis.pid" --logfile "$W/redis.log" >/dev/null
trap 'kill $(cat "$W/redis.pid") 2>/dev/null || true' EXIT
until [ "$(redis-cli -p $PORT ping 2>/dev/null)" = PONG ]; do sleep 0.1; done
R=redis://127.0.0.1:$PORT

rss() { sed -n 's/^RSS //p' "$1"; }
timed() { # timed OUT_PREFIX CMD... : wall seconds in $OUT_PREFIX.s, peak RSS KiB in .rss
    local p=$1; shift
    local t0; t0=$(date +%s.%N)
    /usr/bin/time -f 'RSS %M' -o "$p.time" "$@"
    printf '%.3f\n' "$(echo "$(date +%s.%N) - $t0" | bc)" >"$p.s"
    rss "$p.time" >"$p.rss"
}
rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 |"); }

# 1. the ceiling and tripflow on the same pre-filled stream
"$C" fill $PORT ev $N_REDIS "$SAMPLE"
BYTES=$(redis-cli -p $PORT memory usage ev >/dev/null; awk -v n=$N_REDIS 'NR<=200{b+=length($0)} END{printf "%d", b/NR*n}' "$SAMPLE")
/usr/bin/time -f 'RSS %M' -o "$W/ceil.time" "$C" drain $PORT ev ceil $N_REDIS >"$W/ceil.out"
read -r _ ceil_s <"$W/ceil.out"
ceil_rate=$(echo "$N_REDIS / $ceil_s" | bc)
row "ceiling: XREADGROUP 1000 + XACK (hiredis)" $N_REDIS "$ceil_s" "$ceil_rate" $(echo "$BYTES / $ceil_s / 1048576" | bc) "1.00" "$(rss "$W/ceil.time")"
# tripflow's own clock from its first message to its last commit (the idle wait at the end left out)
timed "$W/tf" bash -c "'$TF' stream --from '$R/ev' --group tf --consumer b1 --exit-idle 500ms --db '$W/tf.db' 2>'$W/tf.err'"
tf_s=$(sed -n 's/.*first message to last commit: \([0-9.]*\) s.*/\1/p' "$W/tf.err")
tf_rate=$(echo "$N_REDIS / $tf_s" | bc)
row "tripflow stream (windows, commits, XACK)" $N_REDIS "$tf_s" "$tf_rate" $(echo "$BYTES / $tf_s / 1048576" | bc) \
    "$(echo "scale=2; $tf_rate / $ceil_rate" | bc)" "$(cat "$W/tf.rss")"
got=$(sqlite3 "$W/tf.db" "SELECT sum(event_count) FROM user_event_counts")
[ "$got" = $N_REDIS ] || { echo "tripflow counted $got of $N_REDIS events" >&2; exit 1; }

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

# 3. stdin mode: floor (cat), tripflow, peer (DuckDB), the same generated events
SZ=$("$C" gen $N_STDIN "$SAMPLE" | wc -c)
timed "$W/cat" bash -c "'$C' gen $N_STDIN '$SAMPLE' | cat >/dev/null"
timed "$W/st" bash -c "'$C' gen $N_STDIN '$SAMPLE' | '$TF' stream --from - --db '$W/stdin.db' --quiet"
timed "$W/duck" bash -c "'$C' gen $N_STDIN '$SAMPLE' | $DUCK \"SELECT count(*) FROM (SELECT user_pseudo_id,
    CAST(event_timestamp AS BIGINT) // 60000000 FROM read_json('/dev/stdin', format='newline_delimited',
    columns={user_pseudo_id: 'VARCHAR', event_timestamp: 'VARCHAR'}) GROUP BY ALL)\" >/dev/null"
for k in cat st duck; do
    s=$(cat "$W/$k.s")
    case $k in cat) name="floor: gen | cat" ;; st) name="tripflow stream --from - (stdin)" ;; duck) name="peer: DuckDB read_json(stdin) + GROUP BY" ;; esac
    row "$name" $N_STDIN "$s" $(echo "$N_STDIN / $s" | bc) $(echo "$SZ / $s / 1048576" | bc) \
        "$(echo "scale=2; $(cat "$W/cat.s") / $s" | bc)" "$(cat "$W/$k.rss")"
done

echo "## streaming ($(date -u +%Y-%m-%d), $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1))"
echo
echo "Redis $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on loopback, $N_REDIS GA4-shaped events of ~$((BYTES / N_REDIS)) bytes;"
echo "stdin: $N_STDIN events, $((SZ / 1048576)) MiB.  Ratios: against the ceiling (Redis rows) or the floor (stdin rows)."
echo
echo "| step | events | seconds | events/s | MB/s | ratio | peak RSS KiB |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
