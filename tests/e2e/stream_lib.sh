# stream_lib.sh — helpers for the streaming e2e tests (sourced after lib.sh):
# a private redis-server on a free loopback port with AOF in $T/redis, and
# DuckDB's answers (counts per window and key, the on-time/late split of the
# watermark rule) for the GA4 events, read from the same files tripflow reads.

RDIR=$T/redis
RPORT=

# start_redis [--no-wait]: start (or restart, same port and data) our
# redis-server; --no-wait returns at once, while it may still be loading its AOF
start_redis() {
    mkdir -p "$RDIR"
    local tries=0
    while :; do
        [ -n "$RPORT" ] || RPORT=$((20000 + RANDOM % 30000))
        # everysec is enough: the tests stop the broker gracefully, which writes and
        # fsyncs the whole AOF (and "always" makes 130 MB of GA4 rows take 10 s)
        if redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync everysec \
            --dir "$RDIR" --daemonize yes --pidfile "$RDIR/redis.pid" --logfile "$RDIR/redis.log" >/dev/null; then
            [ "${1:-}" = --no-wait ] && return 0
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

GA4=$SHARED/seed_repos/ga4_events_20180803.parquet

# ga4_sorted OUT: the 50,000 GA4 events, every column, in event-time order, as
# Parquet written by DuckDB (the shared file's own order is far from it)
ga4_sorted() {
    $DUCK "COPY (SELECT * EXCLUDE (file_row_number) FROM read_parquet('$GA4', file_row_number=true)
           ORDER BY event_timestamp, file_row_number) TO '$1' (FORMAT PARQUET)" >/dev/null
}

# duck_events FILE: FILE (Parquet, or JSON lines with the key and time as
# strings or numbers) as a DuckDB relation (rn, u, t) in the file's order
duck_events() {
    case $1 in
    *.parquet) echo "(SELECT file_row_number AS rn, user_pseudo_id AS u, CAST(event_timestamp AS BIGINT) AS t
                      FROM read_parquet('$1', file_row_number=true))" ;;
    *) echo "(SELECT row_number() OVER () AS rn, user_pseudo_id AS u, CAST(event_timestamp AS BIGINT) AS t
               FROM read_json('$1', columns={user_pseudo_id: 'VARCHAR', event_timestamp: 'VARCHAR'}))" ;;
    esac
}

# expected_counts FILE [WINDOW_S]: the per-user per-window counts of FILE by DuckDB, as CSV
expected_counts() {
    local w=$((${2:-60} * 1000000))
    $DUCK "SELECT strftime(make_timestamp(ws), '%Y-%m-%d %H:%M:%S') AS window_start,
                  strftime(make_timestamp(ws + $w), '%Y-%m-%d %H:%M:%S') AS window_end,
                  u AS user_pseudo_id, count(*) AS event_count
           FROM (SELECT u, (t // $w) * $w AS ws FROM $(duck_events "$1"))
           GROUP BY ALL ORDER BY 1, 3" | tail -n +2
}

# expected_split FILE LATENESS_S OOO_S PREFIX: the watermark rule over FILE in
# its own order, by DuckDB, 60 s windows: event i is late when its window end
# plus the lateness is at or before (the largest time before i) - OOO.
# Writes PREFIX.on_time.csv (window_start,key,count) and PREFIX.late.csv.
expected_split() {
    local sql="CREATE TABLE c AS SELECT u, t // 60000000 * 60000000 AS ws,
        (t // 60000000 * 60000000 + 60000000 + CAST($2 AS BIGINT) * 1000000 <= max(t) OVER (ORDER BY rn ROWS BETWEEN UNBOUNDED
         PRECEDING AND 1 PRECEDING) - CAST($3 AS BIGINT) * 1000000) AS late FROM $(duck_events "$1");"
    local k
    for k in on_time late; do
        $DUCK "$sql SELECT strftime(make_timestamp(ws), '%Y-%m-%d %H:%M:%S'), u, count(*) FROM c
               WHERE coalesce(late, false) = $([ $k = late ] && echo true || echo false) GROUP BY ALL ORDER BY 1, 2" |
            tail -n +2 >"$4.$k.csv"
    done
}

# got_split DB PREFIX: our on-time table and late table in the same form
got_split() {
    sqlite3 -separator , "$1" "SELECT window_start, user_pseudo_id, event_count FROM user_event_counts ORDER BY 1, 2" \
        >"$2.on_time.csv"
    sqlite3 -separator , "$1" "SELECT window_start, key, late_count FROM stream_late_events ORDER BY 1, 2" >"$2.late.csv"
}

# same_split A B: "same" when both splits are equal
same_split() { cmp -s "$1.on_time.csv" "$2.on_time.csv" && cmp -s "$1.late.csv" "$2.late.csv" && echo same; }

# table_csv [DB] [TABLE]: our result table in the same form as expected_counts
table_csv() {
    sqlite3 -batch -noheader -separator , "${1:-$TRIPFLOW_DB}" \
        "SELECT window_start, window_end, user_pseudo_id, event_count FROM ${2:-user_event_counts} ORDER BY 1, 3"
}

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds; 1 when
# SECONDS pass first (tests wait for a state, never for a guessed time)
wait_until() {
    local n=$(($1 * 10))
    shift
    until "$@" 2>/dev/null; do
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        sleep 0.1
    done
}

# drained STREAM GROUP: the group has read and acknowledged everything (lag 0, pending 0)
drained() {
    [ "$(redis-cli -p "$RPORT" xinfo groups "$1" | awk -v g="$2" '$0 == "name" {getline; m = ($0 == g)}
        m && ($0 == "pending" || $0 == "lag") {getline; s = s $0 ","} END {print s}')" = "0,0," ]
}

# consumers STREAM GROUP N: N consumers have joined the group
consumers() { [ "$(redis-cli -p "$RPORT" xinfo consumers "$1" "$2" | grep -cx name)" = "$3" ]; }
