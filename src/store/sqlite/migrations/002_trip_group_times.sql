-- 002_trip_group_times.sql — a trip group's first and last trip times are
-- stored as integer microseconds since the epoch (UTC) in trip_group_rows:
-- a row is a quarter smaller than with two 19-byte texts, so a large ingest
-- writes (to the WAL, then to the database) and upserts less.  The view
-- trip_groups keeps the table's old shape, times as text, so trip_groups_v
-- and queries written against trip_groups read exactly what they read before.
-- docs/schema.md explains every column.

CREATE TABLE trip_group_rows (
    region_id             INTEGER NOT NULL REFERENCES regions (region_id),
    origin_cell           INTEGER NOT NULL,
    destination_cell      INTEGER NOT NULL,
    time_bucket           INTEGER NOT NULL,
    trip_count            INTEGER NOT NULL,
    sum_origin_lon        REAL NOT NULL,
    sum_origin_lat        REAL NOT NULL,
    sum_destination_lon   REAL NOT NULL,
    sum_destination_lat   REAL NOT NULL,
    first_us              INTEGER NOT NULL,
    last_us               INTEGER NOT NULL,
    PRIMARY KEY (region_id, origin_cell, destination_cell, time_bucket)
) WITHOUT ROWID;

-- 'YYYY-MM-DD HH:MM:SS[.ffffff]' to microseconds, exactly (no floating point)
INSERT INTO trip_group_rows
SELECT region_id, origin_cell, destination_cell, time_bucket, trip_count,
       sum_origin_lon, sum_origin_lat, sum_destination_lon, sum_destination_lat,
       CAST(strftime('%s', substr(first_trip, 1, 19)) AS INTEGER) * 1000000
           + CASE WHEN length(first_trip) > 20
                  THEN CAST(substr(substr(first_trip, 21) || '000000', 1, 6) AS INTEGER) ELSE 0 END,
       CAST(strftime('%s', substr(last_trip, 1, 19)) AS INTEGER) * 1000000
           + CASE WHEN length(last_trip) > 20
                  THEN CAST(substr(substr(last_trip, 21) || '000000', 1, 6) AS INTEGER) ELSE 0 END
FROM trip_groups;

DROP TABLE trip_groups;

-- microseconds to tripflow's time text: whole seconds, and '.ffffff' only
-- when there is a fraction (floor division, so times before 1970 work too)
CREATE VIEW trip_groups AS
SELECT region_id, origin_cell, destination_cell, time_bucket, trip_count,
       sum_origin_lon, sum_origin_lat, sum_destination_lon, sum_destination_lat,
       strftime('%Y-%m-%d %H:%M:%S', (first_us - (first_us % 1000000 + 1000000) % 1000000) / 1000000, 'unixepoch')
           || CASE WHEN first_us % 1000000 != 0
                   THEN printf('.%06d', (first_us % 1000000 + 1000000) % 1000000) ELSE '' END AS first_trip,
       strftime('%Y-%m-%d %H:%M:%S', (last_us - (last_us % 1000000 + 1000000) % 1000000) / 1000000, 'unixepoch')
           || CASE WHEN last_us % 1000000 != 0
                   THEN printf('.%06d', (last_us % 1000000 + 1000000) % 1000000) ELSE '' END AS last_trip
FROM trip_group_rows;
