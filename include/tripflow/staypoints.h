/* staypoints.h — the staypoint operation on one user's trips (docs/staypoints.md).
 *
 * Trips are ordered by start time, then end time, then input order.  Trip i
 * and the next trip i+1 make one staypoint: enter = end(i), exit =
 * start(i+1), lat/lng = the end point of trip i.  The last trip makes none.
 * Options drop pairs (they never change which trips are paired):
 * exit - enter < min_dwell, exit - enter > max_gap, or more than max_distance
 * metres between the end of trip i and the start of trip i+1.  Staypoints
 * come out ordered by enter time, ties in trip order.  Partition keys are
 * SQL substr on characters: p1 = characters 1-2, p2 = characters 3-4. */
#ifndef TF_STAYPOINTS_H
#define TF_STAYPOINTS_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/mem.h"

typedef struct tf_sp_trip {
    int64_t start, end; /* µs since the epoch, UTC */
    double end_lat, end_lng;
    double start_lat, start_lng; /* needed only for max_distance */
} tf_sp_trip;

typedef struct tf_staypoint {
    int64_t enter, exit; /* µs */
    double lat, lng;
} tf_staypoint;

typedef struct tf_sp_opts {
    int64_t min_dwell;   /* µs; INT64_MIN: no minimum */
    int64_t max_gap;     /* µs; INT64_MAX: no maximum */
    double max_distance; /* metres; negative: no maximum */
} tf_sp_opts;

/* every option off: the seed query's semantics */
void tf_sp_opts_init(tf_sp_opts *o);

typedef struct tf_sp_work {
    TF_VEC(tf_sp_trip) tmp;
    TF_VEC(tf_staypoint) sp, sptmp;
} tf_sp_work;

/* Orders trips[0..n) in place (stable: equal start and end keep their
 * order) and computes the staypoints into w->sp.v; returns how many. */
size_t tf_sp_compute(const tf_sp_opts *o, tf_sp_trip *trips, size_t n, tf_sp_work *w);
void tf_sp_work_free(tf_sp_work *w);

/* Checks the values of a parsed trip: coordinates finite and in range (lat
 * [-90, 90], lng [-180, 180]) and end not before start.  Returns 1 when good;
 * else 0 with the field name in *field and the reason in reason[cap]. */
int tf_sp_trip_check(const tf_sp_trip *t, const char **field, char *reason, size_t cap);

/* p1 = user_id[0 .. *p1_len), p2 = user_id[*p2_off .. *p2_off + *p2_len) */
void tf_sp_partition_keys(const char *user_id, size_t n, size_t *p1_len, size_t *p2_off, size_t *p2_len);

#endif
