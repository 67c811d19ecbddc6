-- queries.sql — the report questions in plain SQL over the tripflow schema
-- (docs/schema.md).  tripflow runs exactly these blocks (they are compiled
-- into the binary), and you can run them yourself with the sqlite3 CLI:
--
--   sqlite3 tripflow.db
--   sqlite> .param set :region Turin
--   sqlite> .param set :from NULL
--   sqlite> .param set :to NULL
--   sqlite> .read sql/queries.sql        -- or paste one block
--
-- Parameters: :region, :datasource (names, matched case-insensitively),
-- :from and :to (dates 'YYYY-MM-DD', inclusive, or NULL), :limit.

-- name: weekly_region
-- Weekly number of trips in a region and their average.  Weeks are ISO weeks
-- (Monday 00:00 UTC to the next Monday).  The range is every week from the
-- week holding :from to the week holding :to; when they are NULL, from the
-- week of the first trip to the week of the last trip in the whole data set.
-- Weeks without trips count as zero.
WITH RECURSIVE
bounds AS (
    SELECT date(coalesce(:from, (SELECT min(hour_start) FROM hourly_trips)), '-6 days', 'weekday 1') AS first_week,
           date(coalesce(:to, (SELECT max(hour_start) FROM hourly_trips)), '-6 days', 'weekday 1') AS last_week
),
weeks (week_start) AS (
    SELECT first_week FROM bounds WHERE first_week IS NOT NULL AND first_week <= last_week
    UNION ALL
    SELECT date(week_start, '+7 days') FROM weeks, bounds WHERE week_start < last_week
),
counts AS (
    SELECT date(h.hour_start, '-6 days', 'weekday 1') AS week_start, sum(h.trip_count) AS trips
    FROM hourly_trips h
    JOIN regions r USING (region_id)
    WHERE r.name = :region COLLATE NOCASE
    GROUP BY 1
)
SELECT w.week_start,
       coalesce(c.trips, 0) AS trips,
       avg(coalesce(c.trips, 0)) OVER () AS weekly_average
FROM weeks w
LEFT JOIN counts c USING (week_start)
ORDER BY w.week_start;

-- name: latest_datasource
-- "From the two most commonly appearing regions, which is the latest
-- datasource?"  The two regions with the most trips (ties broken by name),
-- then the datasource of the latest trip among their trips (ties broken by
-- datasource name).
WITH totals AS (
    SELECT r.region_id, r.name, sum(h.trip_count) AS trips
    FROM hourly_trips h
    JOIN regions r USING (region_id)
    GROUP BY r.region_id
),
top2 AS (
    SELECT region_id, name, trips FROM totals ORDER BY trips DESC, name COLLATE NOCASE LIMIT 2
)
SELECT (SELECT name FROM top2 ORDER BY trips DESC, name COLLATE NOCASE LIMIT 1) AS region_1,
       (SELECT name FROM top2 ORDER BY trips DESC, name COLLATE NOCASE LIMIT 1 OFFSET 1) AS region_2,
       d.name AS datasource,
       h.latest_trip AS datetime
FROM hourly_trips h
JOIN datasources d USING (datasource_id)
WHERE h.region_id IN (SELECT region_id FROM top2)
ORDER BY h.latest_trip DESC, d.name COLLATE NOCASE
LIMIT 1;

-- name: regions_for_datasource
-- "What regions has the cheap_mobile datasource appeared in?"
SELECT DISTINCT r.name AS region
FROM hourly_trips h
JOIN regions r USING (region_id)
JOIN datasources d USING (datasource_id)
WHERE d.name = :datasource COLLATE NOCASE
ORDER BY r.name COLLATE NOCASE;

-- name: groups
-- Groups of similar trips (same region, origin cell, destination cell and
-- time-of-day bucket), the largest first.
SELECT region, origin_cell, destination_cell, bucket_start, trip_count,
       mean_origin_lon, mean_origin_lat, mean_destination_lon, mean_destination_lat,
       first_trip, last_trip
FROM trip_groups_v
WHERE :region IS NULL OR region = :region COLLATE NOCASE
ORDER BY trip_count DESC, region, origin_cell, destination_cell, time_bucket
LIMIT coalesce(:limit, -1);
