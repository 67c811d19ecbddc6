/* sp_gen.h — synthetic trips for the staypoints job (`tripflow gen
 * staypoint-trips`): deterministic for a seed, realistic sequences of trips
 * per user over days, with the awkward cases mixed in (users with one trip,
 * equal start times, overlapping trips, ids shorter than 4 characters,
 * non-ASCII ids) and, on request, malformed rows that must be rejected. */
#ifndef TF_SP_GEN_H
#define TF_SP_GEN_H

#include <stdint.h>

#include "tripflow/err.h"

enum { TF_SP_ID_UUID = 0, TF_SP_ID_SEQ = 1 };
#define TF_SP_ID_CHOICES "uuid|seq"

typedef struct tf_sp_gen_opts {
    int64_t users;
    uint64_t seed;
    int64_t trips_per_user; /* mean */
    int id_style;           /* TF_SP_ID_*: uuid (like the seed's generator) or user-NNNNNN */
    double bad;             /* malformed rows inserted per good row (0..1) */
} tf_sp_gen_opts;

typedef struct tf_sp_gen_stats {
    int64_t users, trips, bad_rows;
} tf_sp_gen_stats;

/* CSV with the header user_id,trip_start_time,trip_end_time,start_lat,
 * start_lng,end_lat,end_lng to out (a path, published atomically, or "-").
 * Rows are shuffled (not grouped by user, not in time order).  The good rows
 * do not depend on --bad: bad rows are extra rows inserted between them. */
int tf_sp_gen_csv(const tf_sp_gen_opts *o, const char *out, tf_sp_gen_stats *st, tf_err *err);

enum { TF_SP_GEN_CSV = 0, TF_SP_GEN_PARQUET = 1 };
#define TF_SP_GEN_CHOICES "csv|parquet"
/* The same rows, in the same order, as one Parquet file (published
 * atomically): user_id STRING, trip_start_time and trip_end_time TIMESTAMP
 * (µs, UTC), the coordinates DOUBLE; row groups of row_group_rows (0:
 * 122880).  With bad > 0 the columns are nullable and the malformed rows are
 * nulls, blank or non-UTF-8 ids, NaN or out-of-range coordinates and trips
 * that end before they start. */
int tf_sp_gen_parquet(const tf_sp_gen_opts *o, const char *out, int64_t row_group_rows, tf_sp_gen_stats *st,
                      tf_err *err);

#endif
