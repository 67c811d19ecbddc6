/* tripagg.h — the aggregates a trip ingest computes: hourly facts per
 * (region, datasource, hour) and trip groups per (region, origin cell,
 * destination cell, time-of-day bucket).  Sums of coordinates are kept as
 * exact fixed-point integers (2^-52 degree units), so results do not depend
 * on how rows were split or ordered.
 *
 * One aggregator takes the rows of one partition in the lake's spatial
 * order (ascending origin geohash), so all trips of an origin cell arrive
 * together: the groups of that cell are kept in a table of a few hundred
 * entries that stays in cache, and are finished (sorted by key) when the
 * cell changes.  Rows out of that order still give the right result: the
 * groups are then sorted and merged when the aggregator finishes. */
#ifndef TF_TRIPAGG_H
#define TF_TRIPAGG_H

#include <stdint.h>

#include "tripflow/fmap.h"
#include "tripflow/mem.h"
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

typedef struct tf_tripagg {
    tf_grid grid;
    int shift;      /* origin bits (precision 12) >> shift = origin cell */
    tf_fmap facts;  /* tf_fact by (region, datasource, hour) */
    /* in front of facts: a table by datasource and hour for the region and
     * the weeks around the first trip seen (a partition is a region's month) */
    tf_fact *dense;
    int dense_on;
    uint32_t dense_region;
    int64_t dense_hour0; /* hour number of dense's first column */
    int open;       /* a current cell */
    uint32_t region;
    uint64_t ocell;
    TF_VEC(tf_group) cell;  /* groups of the current cell */
    uint32_t *index;        /* open addressing over cell.v (UINT32_MAX = empty) */
    uint32_t *slot_of;      /* by entry of cell.v: its index slot */
    size_t index_cap, slot_cap;
    int unsorted;           /* a cell came back after another one */
    TF_VEC(tf_group) groups; /* finished groups, by (region, ocell, dcell, bucket) after finish */
    TF_VEC(tf_fact) fact_list; /* facts, by (region, datasource, hour) after finish */
} tf_tripagg;

void tf_tripagg_init(tf_tripagg *a, const tf_grid *grid);
void tf_tripagg_free(tf_tripagg *a);
/* Empty the aggregator for another partition, keeping its memory. */
void tf_tripagg_reset(tf_tripagg *a);
/* Add trip t; origin_bits is tf_geohash_bits(t->olat, t->olon, 12). */
void tf_tripagg_add(tf_tripagg *a, const tf_trip *t, uint64_t origin_bits);
/* Finish: a->groups and a->fact_list hold every group and fact once, sorted
 * by key. */
void tf_tripagg_finish(tf_tripagg *a);
/* Sort by key and merge the entries of equal keys (counts and sums added,
 * times widened), exactly; the new count. */
size_t tf_groups_merge(tf_group *g, size_t n);
size_t tf_facts_merge(tf_fact *f, size_t n);
/* Merge k pieces, each sorted by key (as tf_tripagg_finish leaves them),
 * into one stream in key order: emit gets each key once, the entries of
 * equal keys merged as tf_groups_merge does.  No array of the result is
 * made: the caller keeps or writes each group as it comes. */
typedef void (*tf_group_emit)(void *ud, const tf_group *g);
void tf_groups_merge_pieces(const tf_group *const *piece, const size_t *n, int k, tf_group_emit emit, void *ud);
double tf_group_sum(const tf_group *g, int i); /* a sum back in degrees */

#endif
