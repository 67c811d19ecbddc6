-- 300_stream.sql — streaming counts (docs/streaming.md).  The result table
-- itself (default user_event_counts) is created by the job that names it.
-- *_us columns are int64 microseconds since the epoch; text times are UTC.

-- one job per result table: its options must not change between restarts
CREATE TABLE stream_jobs (
    job_id          INTEGER PRIMARY KEY,
    result_table    TEXT NOT NULL UNIQUE,
    key_field       TEXT NOT NULL,
    time_spec       TEXT NOT NULL,
    window_us       INTEGER NOT NULL,
    lateness_us     INTEGER NOT NULL,
    ooo_us          INTEGER NOT NULL,
    source          TEXT NOT NULL,
    group_name      TEXT NOT NULL,
    final_before_us INTEGER,          -- every window starting before it is final
    created_at      TEXT NOT NULL
);

-- the consumers of a job: position, watermark, counters, heartbeat
CREATE TABLE stream_consumers (
    job_id        INTEGER NOT NULL REFERENCES stream_jobs (job_id),
    consumer      TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('running', 'stopped')),
    max_event_us  INTEGER,            -- largest event time committed
    last_id       TEXT,               -- last stream id committed (Redis)
    lines         INTEGER NOT NULL DEFAULT 0, -- lines committed (stdin)
    events        INTEGER NOT NULL DEFAULT 0,
    late_events   INTEGER NOT NULL DEFAULT 0,
    bad_messages  INTEGER NOT NULL DEFAULT 0,
    checkpoints   INTEGER NOT NULL DEFAULT 0,
    started_at    TEXT NOT NULL,
    heartbeat_at  TEXT NOT NULL,
    heartbeat_us  INTEGER NOT NULL,
    pid           INTEGER,
    PRIMARY KEY (job_id, consumer)
) WITHOUT ROWID;

-- committed counts of windows not yet final, summed over all consumers
CREATE TABLE stream_open (
    job_id          INTEGER NOT NULL,
    window_start_us INTEGER NOT NULL,
    key             TEXT NOT NULL,
    event_count     INTEGER NOT NULL,
    PRIMARY KEY (job_id, window_start_us, key)
) WITHOUT ROWID;

-- windows written to the result table: early or final
CREATE TABLE stream_windows (
    job_id          INTEGER NOT NULL,
    window_start_us INTEGER NOT NULL,
    window_start    TEXT NOT NULL,
    window_end      TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('early', 'final')),
    keys            INTEGER NOT NULL,
    events          INTEGER NOT NULL,
    written_at      TEXT NOT NULL,
    written_us      INTEGER NOT NULL,
    PRIMARY KEY (job_id, window_start_us)
) WITHOUT ROWID;

-- events that came after their window was final, per window and key
CREATE TABLE stream_late_events (
    job_id        INTEGER NOT NULL,
    window_start  TEXT NOT NULL,
    window_end    TEXT NOT NULL,
    key           TEXT NOT NULL,
    late_count    INTEGER NOT NULL,
    last_at       TEXT NOT NULL,
    PRIMARY KEY (job_id, window_start, key)
) WITHOUT ROWID;

CREATE VIEW stream_late_windows AS
SELECT j.result_table, l.window_start, l.window_end, sum(l.late_count) AS late_count
FROM stream_late_events l JOIN stream_jobs j USING (job_id)
GROUP BY j.result_table, l.window_start, l.window_end;

-- messages that are not events, with the reason (acknowledged, never retried)
CREATE TABLE stream_dead_letters (
    job_id    INTEGER NOT NULL,
    msg_id    TEXT NOT NULL,          -- stream id, or 'line N' on stdin
    consumer  TEXT NOT NULL,
    reason    TEXT NOT NULL,
    payload   BLOB NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (job_id, msg_id)
) WITHOUT ROWID;

-- ids of messages committed but perhaps not yet acknowledged, one row per
-- checkpoint (16 bytes per id: ms and seq big-endian); removed once acked
CREATE TABLE stream_inflight (
    job_id    INTEGER NOT NULL,
    consumer  TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    ids       BLOB NOT NULL,
    PRIMARY KEY (job_id, consumer, seq)
) WITHOUT ROWID;
