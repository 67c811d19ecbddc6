# stream_lib.sh — helpers for the streaming e2e tests (sourced after lib.sh):
# a private redis-server on a free loopback port with AOF in $T/redis, and
# the GA4 events as JSON lines made by DuckDB from the shared Parquet file.

RDIR=$T/redis
RPORT=

# start_redis: start (or restart, same port and data) our redis-server
start_redis() {
    mkdir -p "$RDIR"
    local tries=0
    while :; do
        [ -n "$RPORT" ] || RPORT=$((20000 + RANDOM % 30000))
        if redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync always \
            --dir "$RDIR" --daemonize yes --pidfile "$RDIR/redis.pid" --logfile "$RDIR/redis.log" >/dev/null; then
            for _ in $(seq 50); do
                [ "$(redis-cli -p "$RPORT" ping 2>/dev/null)" = PONG ] && return 0
                sleep 0.1
            done
        fi
        tries=$((tries + 1))
        [ "$tries" -lt 5 ] || { echo "  cannot start redis-server: $(tail -3 "$RDIR/redis.log")"; exit 1; }
        stop_redis
        RPORT=
    done
}

# stop_redis: graceful shutdown (the AOF is complete), only our own process
stop_redis() {
    [ -f "$RDIR/redis.pid" ] || return 0
    local pid
    pid=$(cat "$RDIR/redis.pid")
    kill "$pid" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    rm -f "$RDIR/redis.pid"
}

trap 'stop_redis; cleanup_dir' EXIT

# ga4_ndjson OUT ORDER: the 50,000 events (a few columns, nested params kept)
# in event-time order (ORDER=time) or in the file's own order (ORDER=file)
ga4_ndjson() {
    local order="event_timestamp, file_row_number"
    [ "$2" = file ] && order="file_row_number"
    $DUCK "COPY (SELECT event_date, CAST(event_timestamp AS VARCHAR) AS event_timestamp, event_name, event_params,
                 user_pseudo_id FROM read_parquet('$SHARED/seed_repos/ga4_events_20180803.parquet', file_row_number=true)
           ORDER BY $order) TO '$1' (FORMAT JSON)" >/dev/null
}

# expected_counts FILE [WINDOW_S]: the per-user per-window counts of FILE by DuckDB, as CSV
expected_counts() {
    local w=$((${2:-60} * 1000000))
    $DUCK "SELECT strftime(make_timestamp(ws), '%Y-%m-%d %H:%M:%S') AS window_start,
                  strftime(make_timestamp(ws + $w), '%Y-%m-%d %H:%M:%S') AS window_end,
                  user_pseudo_id, count(*) AS event_count
           FROM (SELECT user_pseudo_id, (CAST(event_timestamp AS BIGINT) // $w) * $w AS ws
                 FROM read_json('$1', columns={user_pseudo_id: 'VARCHAR', event_timestamp: 'VARCHAR'}))
           GROUP BY ALL ORDER BY 1, 3" | tail -n +2
}

# table_csv [DB] [TABLE]: our result table in the same form
table_csv() {
    sqlite3 -batch -noheader -separator , "${1:-$TRIPFLOW_DB}" \
        "SELECT window_start, window_end, user_pseudo_id, event_count FROM ${2:-user_event_counts} ORDER BY 1, 3"
}
