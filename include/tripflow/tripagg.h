/* tripagg.h — the aggregates a trip ingest computes: hourly facts per
 * (region, datasource, hour) and trip groups per (region, origin cell,
 * destination cell, time-of-day bucket).  Sums of coordinates are kept as
 * exact fixed-point integers (2^-52 degree units) so that results do not
 * depend on how rows were split across threads. */
#ifndef TF_TRIPAGG_H
#define TF_TRIPAGG_H

#include <stdint.h>

#include "tripflow/fmap.h"
#include "tripflow/trip.h"

typedef struct tf_grid {
    int precision;     /* geohash characters, 1..12 */
    int64_t bucket_us; /* time-of-day bucket length; divides a day */
} tf_grid;

typedef struct tf_fact {
    uint32_t region, datasource;
    int64_t hour; /* hour start, µs */
    int64_t count;
    int64_t latest;
} tf_fact;

__extension__ typedef __int128 tf_i128;

typedef struct tf_group {
    uint32_t region, bucket;
    uint64_t ocell, dcell;
    int64_t count;
    int64_t first, last;
    tf_i128 sum[4]; /* olon, olat, dlon, dlat in 2^-52 degree units */
} tf_group;

/* The aggregates, sharded by key hash: shard k holds the facts and groups
 * whose hash falls to k, so threads that own shards aggregate without locks
 * and without a merge. */
typedef struct tf_tripagg {
    tf_grid grid;
    int nshards;
    tf_fmap *facts, *groups; /* one of each per shard */
} tf_tripagg;

void tf_tripagg_init(tf_tripagg *a, const tf_grid *grid, int nshards);
void tf_tripagg_free(tf_tripagg *a);
/* Add the parts of trip t whose keys fall to shard k (all of it when
 * nshards is 1).  Only the owner of shard k may call this for k. */
void tf_tripagg_add(tf_tripagg *a, int k, const tf_trip *t);
/* The same for n trips at once, skipping those flagged TF_TRIP_DUP; keys are
 * computed and their table slots prefetched a batch ahead, so the cache
 * misses of a batch overlap. */
void tf_tripagg_add_many(tf_tripagg *a, int k, const tf_trip *t, int64_t n);
/* Iterate over every fact / group of every shard. */
const tf_fact *tf_tripagg_next_fact(const tf_tripagg *a, size_t *pos);
const tf_group *tf_tripagg_next_group(const tf_tripagg *a, size_t *pos);
size_t tf_tripagg_nfacts(const tf_tripagg *a);
size_t tf_tripagg_ngroups(const tf_tripagg *a);
double tf_group_sum(const tf_group *g, int i); /* a sum back in degrees */

#endif
