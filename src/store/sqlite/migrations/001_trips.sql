-- 001_trips.sql — the batch trips data model; docs/schema.md explains every
-- table and column.  Times are UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]'.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE regions (
    region_id      INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    first_run_id   INTEGER
);

CREATE TABLE datasources (
    datasource_id  INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    first_run_id   INTEGER
);

CREATE TABLE ingest_runs (
    run_id          INTEGER PRIMARY KEY,
    source          TEXT NOT NULL,
    content_hash    TEXT,
    bytes           INTEGER,
    status          TEXT NOT NULL
                    CHECK (status IN ('running', 'loaded', 'already_loaded', 'failed', 'abandoned')),
    rows_read       INTEGER NOT NULL DEFAULT 0,
    rows_loaded     INTEGER NOT NULL DEFAULT 0,
    rows_duplicate  INTEGER NOT NULL DEFAULT 0,
    rows_rejected   INTEGER NOT NULL DEFAULT 0,
    reject_file     TEXT,
    error           TEXT,
    same_as_run_id  INTEGER REFERENCES ingest_runs (run_id),
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    pid             INTEGER,
    host            TEXT,
    options         TEXT
);
CREATE UNIQUE INDEX ingest_runs_loaded_content ON ingest_runs (content_hash) WHERE status = 'loaded';

CREATE TABLE run_events (
    run_id  INTEGER NOT NULL REFERENCES ingest_runs (run_id),
    seq     INTEGER NOT NULL,
    at      TEXT NOT NULL,
    type    TEXT NOT NULL,
    data    TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE hourly_trips (
    region_id      INTEGER NOT NULL REFERENCES regions (region_id),
    datasource_id  INTEGER NOT NULL REFERENCES datasources (datasource_id),
    hour_start     TEXT NOT NULL,
    trip_count     INTEGER NOT NULL,
    latest_trip    TEXT NOT NULL,
    PRIMARY KEY (region_id, datasource_id, hour_start)
) WITHOUT ROWID;

CREATE TABLE trip_groups (
    region_id             INTEGER NOT NULL REFERENCES regions (region_id),
    origin_cell           TEXT NOT NULL,
    destination_cell      TEXT NOT NULL,
    time_bucket           INTEGER NOT NULL,
    trip_count            INTEGER NOT NULL,
    sum_origin_lon        REAL NOT NULL,
    sum_origin_lat        REAL NOT NULL,
    sum_destination_lon   REAL NOT NULL,
    sum_destination_lat   REAL NOT NULL,
    first_trip            TEXT NOT NULL,
    last_trip             TEXT NOT NULL,
    PRIMARY KEY (region_id, origin_cell, destination_cell, time_bucket)
) WITHOUT ROWID;

CREATE VIEW hourly_trips_v AS
SELECT r.name AS region, d.name AS datasource, h.hour_start, h.trip_count, h.latest_trip
FROM hourly_trips h
JOIN regions r USING (region_id)
JOIN datasources d USING (datasource_id);

CREATE VIEW trip_groups_v AS
SELECT r.name AS region,
       g.origin_cell,
       g.destination_cell,
       g.time_bucket,
       printf('%02d:%02d',
              g.time_bucket * b.seconds / 3600,
              g.time_bucket * b.seconds / 60 % 60) AS bucket_start,
       g.trip_count,
       g.sum_origin_lon / g.trip_count       AS mean_origin_lon,
       g.sum_origin_lat / g.trip_count       AS mean_origin_lat,
       g.sum_destination_lon / g.trip_count  AS mean_destination_lon,
       g.sum_destination_lat / g.trip_count  AS mean_destination_lat,
       g.first_trip,
       g.last_trip
FROM trip_groups g
JOIN regions r USING (region_id)
CROSS JOIN (SELECT CAST(value AS INTEGER) AS seconds FROM settings WHERE key = 'group_time_bucket_seconds') b;
