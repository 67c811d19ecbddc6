/* lake.h — the raw layer: every loaded trip, with all its fields and its
 * 128-bit key, in Hive-partitioned Parquet files
 *   LAKE/trips/region=<R>/month=<YYYY-MM>/part-r<run>-<n>.parquet
 * that DuckDB, Spark or Trino read directly, catalogued in the store
 * (lake_files): a file is live exactly when its catalog row is committed.
 *
 * A run stages its files under LAKE/_tripflow/staging/run-<id>/ and moves
 * them into place after its SQL commit; opening the lake finishes the moves
 * of runs that committed and deletes the staging of runs that did not.
 * A run tells which of its trips are already stored by reading the
 * trip_key column of the files of the partitions it touches: the key is
 * stored once, in the Parquet file, and nowhere else. */
#ifndef TF_LAKE_H
#define TF_LAKE_H

#include <stdint.h>

#include "tripflow/err.h"
#include "tripflow/geo.h"
#include "tripflow/hash.h"
#include "tripflow/parquet.h"
#include "tripflow/store.h"
#include "tripflow/trip.h"

typedef struct tf_lake tf_lake;

/* Open (create) the lake at dir; when dir is NULL, at "lake" beside the
 * database tripflow.db, or "NAME.lake" beside a database NAME.db.  The lake is tied to its database by a marker file; a lake of
 * another database is refused. */
int tf_lake_open(tf_store *s, const char *dir, tf_lake **out, tf_err *err);
void tf_lake_close(tf_lake *l);
const char *tf_lake_root(const tf_lake *l);

enum { TF_MATCH_ORIGIN, TF_MATCH_DESTINATION, TF_MATCH_BOTH, TF_MATCH_EITHER };
#define TF_MATCH_CHOICES "origin|destination|both|either"

typedef struct tf_lake_file {
    int64_t file_id, run_id, rows, bytes;
    int row_groups;
    const char *path;  /* absolute */
    const char *rel;   /* relative to the lake */
    const char *region, *month;
    int64_t first_us, last_us;
    tf_bbox origin, destination;
} tf_lake_file;

typedef struct tf_lake_filter {
    const char *region;    /* NULL: any (case-insensitive) */
    int64_t from_us, to_us; /* trips in [from, to); INT64_MIN / INT64_MAX: open */
    const tf_bbox *box;    /* NULL: any place */
    int match;             /* with box: which points must be in it */
} tf_lake_filter;

/* Live files that may hold trips the filter wants (by the catalog's time
 * range and bounding boxes), in path order. */
int tf_lake_files(tf_lake *l, const tf_lake_filter *f, void (*fn)(void *ud, const tf_lake_file *file), void *ud,
                  tf_err *err);

/* "Prague" -> "Prague"; characters Hive/Spark escape in partition values
 * (/ = % : and the like, control characters) become %XX.  Heap string. */
char *tf_lake_escape(const char *value, size_t len);
/* the reverse: %XX (two hex digits) becomes the byte; anything else is kept.
 * Heap string of *out_len bytes (NUL-terminated). */
char *tf_lake_unescape(const char *text, size_t len, size_t *out_len);

/* The Parquet schema of a lake file, in column order. */
enum { TF_LAKE_COL_DATASOURCE, TF_LAKE_COL_ORIGIN_LON, TF_LAKE_COL_ORIGIN_LAT, TF_LAKE_COL_DEST_LON,
       TF_LAKE_COL_DEST_LAT, TF_LAKE_COL_DATETIME, TF_LAKE_COL_TRIP_KEY, TF_LAKE_NCOLS };
extern const char *const tf_lake_col_names[TF_LAKE_NCOLS];
extern const tf_pq_field tf_lake_fields[TF_LAKE_NCOLS];

/* ---- scans ---- */
/* Trips per ISO week whose points meet box (edges inclusive) as match says,
 * for the weeks starting at first_week (µs, a Monday 00:00 UTC), nweeks of
 * them: counts[i] for week i.  Reads only the files (catalog bounding boxes
 * and time ranges) and row groups (column statistics) that can hold such
 * trips, on threads threads. */
int tf_lake_weekly_bbox(tf_lake *l, const tf_bbox *box, int match, int64_t first_week, int nweeks, int threads,
                        int64_t *counts, tf_err *err);

/* Every live trip of a region (NULL: all) in [from_us, to_us), file by file
 * in path order, rows in file order, to fn in batches of columns. */
typedef struct tf_lake_rows {
    const char *region, *month;
    int64_t n;
    const tf_pq_str *datasource; /* n entries */
    const double *origin_lon, *origin_lat, *destination_lon, *destination_lat;
    const int64_t *datetime;
    const uint8_t *trip_key; /* 16 bytes per row */
} tf_lake_rows;
int tf_lake_scan(tf_lake *l, const char *region, int64_t from_us, int64_t to_us,
                 int (*fn)(void *ud, const tf_lake_rows *rows, tf_err *err), void *ud, tf_err *err);

/* ---- a run's writes ---- */
typedef struct tf_lake_run tf_lake_run;

int tf_lake_run_begin(tf_lake *l, int64_t run_id, tf_lake_run **out, tf_err *err);
/* Most rows per staged file (default TF_LAKE_FILE_ROWS, 16Mi): a partition
 * with more new trips is split into files of consecutive spatial ranges. */
#define TF_LAKE_FILE_ROWS (INT64_C(16) << 20)
void tf_lake_run_set_file_rows(tf_lake_run *lr, int64_t rows);
/* Take the lake's commit lock, held until tf_lake_run_free: one run at a
 * time reads the lake's trips (dimension ids, trip keys) and commits, so
 * a trip that another run commits meanwhile cannot be stored twice; the
 * parse before it runs concurrently.  wait = 0: TF_ESTATE when another run
 * holds it; wait = 1: blocks (TF_ECANCELED on SIGINT/SIGTERM). */
int tf_lake_run_lock(tf_lake_run *lr, int wait, tf_err *err);
/* Before each dedupe, under the lock: the partitions it will look at, by
 * the run's region ids (tags) with the store's (0 for a region new to the
 * store) and months; the files that hold their stored trips are listed: the
 * live files of the catalog and the files this run has staged so far. */
int tf_lake_run_prepare(tf_lake_run *lr, const uint32_t *tags, const int64_t *region_ids, const int32_t *months, int n,
                        tf_err *err);
/* How many trips the lake holds for a partition (no I/O). */
int64_t tf_lake_run_stored(const tf_lake_run *lr, uint32_t tag, int32_t month);
/* Every stored trip key of a partition, to fn a row group at a time: n keys
 * of 16 bytes each, as the trip_key column holds them (tf_key_from_bytes).
 * Safe from several threads. */
typedef void (*tf_lake_keys_fn)(void *ud, const uint8_t *keys, int64_t n);
int tf_lake_run_scan_keys(tf_lake_run *lr, uint32_t tag, int32_t month, tf_lake_keys_fn fn, void *ud, tf_err *err);
/* A partition's new trips (segments of rows, kept, not copied, until the
 * files are written; TF_TRIP_DUP rows are skipped)
 * put in spatial order (ascending origin geohash, a Z-order curve, so row
 * groups cover compact areas and bounding boxes prune), then written as one
 * or more files of consecutive ranges of that order, from several threads
 * at once if need be.  tag identifies the region to tf_lake_run_catalog
 * (the run's region id); region is its name for the path; ds_names:
 * datasource names by the rows' datasource ids (kept, not copied). */
typedef struct tf_lake_part tf_lake_part;
typedef struct tf_lake_scratch tf_lake_scratch; /* a writer thread's buffers, reused across files */
tf_lake_scratch *tf_lake_scratch_new(void);
void tf_lake_scratch_free(tf_lake_scratch *sc);
int tf_lake_part_prepare(tf_lake_run *lr, uint32_t tag, const char *region, int32_t month, const tf_trip *const *segs,
                         const int64_t *seg_rows, int nsegs, const char *const *ds_names, tf_lake_scratch *sc,
                         tf_lake_part **out);
int64_t tf_lake_part_rows(const tf_lake_part *p);
/* A floor of the origins' geohash bits (precision 12) from the i-th new trip
 * on in spatial order: no trip at i or after has smaller bits.  The order
 * sorts on the bits above the low TF_LAKE_ORDER_LOW_BITS only (within such a
 * block of about 38 m by 19 m trips keep their input order), so the floor is
 * the i-th trip's bits with those low bits cleared. */
#define TF_LAKE_ORDER_LOW_BITS 20
uint64_t tf_lake_part_floor(const tf_lake_part *p, int64_t i);
/* Each row a file gets, in file order; origin_bits =
 * tf_geohash_bits(t->olat, t->olon, 12). */
typedef void (*tf_lake_visit)(void *ud, const tf_trip *t, uint64_t origin_bits);
/* Stage rows [from, to) of the order as file number `file` of the
 * partition; visit (may be NULL) sees every row written, so a caller can
 * aggregate in the same pass.  Safe from several threads for disjoint
 * ranges, each with its own scratch. */
int tf_lake_part_write(tf_lake_part *p, int file, int64_t from, int64_t to, tf_lake_visit visit, void *visit_ud,
                       tf_lake_scratch *sc, tf_err *err);
void tf_lake_part_free(tf_lake_part *p);
/* The most rows a file may hold (tf_lake_run_set_file_rows). */
int64_t tf_lake_run_file_rows(const tf_lake_run *lr);
/* Inside the run's transaction: the staged files made durable (fsync), and
 * the catalog rows of the staged files;
 * region_ids maps the tags of tf_lake_part_prepare to the store's region ids. */
int tf_lake_run_catalog(tf_lake_run *lr, const int64_t *region_ids, tf_err *err);
/* After the commit: move the staged files into place. */
int tf_lake_run_publish(tf_lake_run *lr, tf_err *err);
/* The run's transaction committed: its staged files must survive even if
 * the publish fails (the next open moves them into place). */
void tf_lake_run_committed(tf_lake_run *lr);
/* Done with the run; staged files of a run that did not commit are deleted. */
void tf_lake_run_free(tf_lake_run *lr);
int64_t tf_lake_run_files(const tf_lake_run *lr);

#endif
