-- 200_lake.sql — the catalog of the raw layer: which Parquet files under the
-- lake are live (docs/lake.md).  A file is live exactly when its row here is
-- committed; the files themselves are moved into place after the commit.

CREATE TABLE lake_files (
    file_id              INTEGER PRIMARY KEY,
    path                 TEXT NOT NULL UNIQUE,   -- relative to the lake: trips/region=R/month=YYYY-MM/part-....parquet
    region_id            INTEGER NOT NULL REFERENCES regions (region_id),
    month                TEXT NOT NULL,          -- 'YYYY-MM'
    run_id               INTEGER NOT NULL REFERENCES ingest_runs (run_id),
    rows                 INTEGER NOT NULL,
    bytes                INTEGER NOT NULL,
    row_groups           INTEGER NOT NULL,
    first_us             INTEGER NOT NULL,       -- earliest trip time, µs since the epoch (UTC)
    last_us              INTEGER NOT NULL,
    min_origin_lon       REAL NOT NULL,
    min_origin_lat       REAL NOT NULL,
    max_origin_lon       REAL NOT NULL,
    max_origin_lat       REAL NOT NULL,
    min_destination_lon  REAL NOT NULL,
    min_destination_lat  REAL NOT NULL,
    max_destination_lon  REAL NOT NULL,
    max_destination_lat  REAL NOT NULL,
    created_at           TEXT NOT NULL
);
CREATE INDEX lake_files_partition ON lake_files (region_id, month);
CREATE INDEX lake_files_time ON lake_files (first_us, last_us);

CREATE VIEW lake_files_v AS
SELECT f.file_id, f.path, r.name AS region, f.month, f.run_id, f.rows, f.bytes, f.row_groups,
       strftime('%Y-%m-%d %H:%M:%S', f.first_us / 1000000, 'unixepoch') AS first_trip,
       strftime('%Y-%m-%d %H:%M:%S', f.last_us / 1000000, 'unixepoch') AS last_trip,
       f.min_origin_lon, f.min_origin_lat, f.max_origin_lon, f.max_origin_lat,
       f.min_destination_lon, f.min_destination_lat, f.max_destination_lon, f.max_destination_lat,
       f.created_at
FROM lake_files f
JOIN regions r USING (region_id);
