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
    origin_cell           INTEGER NOT NULL,
    destination_cell      INTEGER NOT NULL,
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

-- Cells are stored as geohash bits (INTEGER, compact and fast to compare);
-- the view spells them as geohash text: left-align the bits to 60, take the
-- 5-bit groups from the top, keep as many characters as the precision.
CREATE VIEW trip_groups_v AS
SELECT r.name AS region,
       substr(geohash_o, 1, b.precision) AS origin_cell,
       substr(geohash_d, 1, b.precision) AS destination_cell,
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
FROM (
    SELECT g.*,
           substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.origin_cell << (5 * (12 - p.precision))) >> 55 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.origin_cell << (5 * (12 - p.precision))) >> 50 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.origin_cell << (5 * (12 - p.precision))) >> 45 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.origin_cell << (5 * (12 - p.precision))) >> 40 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.origin_cell << (5 * (12 - p.precision))) >> 35 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.origin_cell << (5 * (12 - p.precision))) >> 30 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.origin_cell << (5 * (12 - p.precision))) >> 25 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.origin_cell << (5 * (12 - p.precision))) >> 20 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.origin_cell << (5 * (12 - p.precision))) >> 15 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.origin_cell << (5 * (12 - p.precision))) >> 10 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.origin_cell << (5 * (12 - p.precision))) >> 5 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.origin_cell << (5 * (12 - p.precision))) >> 0 & 31) + 1, 1) AS geohash_o,
           substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.destination_cell << (5 * (12 - p.precision))) >> 55 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.destination_cell << (5 * (12 - p.precision))) >> 50 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.destination_cell << (5 * (12 - p.precision))) >> 45 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.destination_cell << (5 * (12 - p.precision))) >> 40 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.destination_cell << (5 * (12 - p.precision))) >> 35 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.destination_cell << (5 * (12 - p.precision))) >> 30 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.destination_cell << (5 * (12 - p.precision))) >> 25 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.destination_cell << (5 * (12 - p.precision))) >> 20 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.destination_cell << (5 * (12 - p.precision))) >> 15 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.destination_cell << (5 * (12 - p.precision))) >> 10 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.destination_cell << (5 * (12 - p.precision))) >> 5 & 31) + 1, 1)
           || substr('0123456789bcdefghjkmnpqrstuvwxyz', ((g.destination_cell << (5 * (12 - p.precision))) >> 0 & 31) + 1, 1) AS geohash_d
    FROM trip_groups g
    CROSS JOIN (SELECT CAST(value AS INTEGER) AS precision FROM settings WHERE key = 'group_cell_precision') p
) g
JOIN regions r USING (region_id)
CROSS JOIN (SELECT (SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'group_time_bucket_seconds') AS seconds,
                   (SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'group_cell_precision') AS precision) b;
