/* trips_store.h — the trips data model in the store: dimensions, hourly
 * facts, trip groups, the group grid setting, and the report queries of
 * sql/queries.sql.  Writes happen inside the run's transaction. */
#ifndef TF_TRIPS_STORE_H
#define TF_TRIPS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/err.h"
#include "tripflow/store.h"
#include "tripflow/tripagg.h"

enum { TF_DIM_REGION, TF_DIM_DATASOURCE };

/* The grid trips are grouped on, fixed when the first run commits.
 * *found = 0 when no run has set it yet. */
int tf_trips_get_grid(tf_store *s, tf_grid *grid, int *found, tf_err *err);
int tf_trips_set_grid(tf_store *s, const tf_grid *grid, tf_err *err);

/* The id of a region or datasource by case-insensitive name, added when new
 * (keeping the given spelling).  canonical (optional, heap) receives the name
 * as stored. */
int tf_trips_dim(tf_store *s, int kind, const char *name, size_t len, int64_t run_id, int64_t *id, char **canonical,
                 tf_err *err);
/* Look up only: *id = 0 when absent. */
int tf_trips_dim_find(tf_store *s, int kind, const char *name, int64_t *id, char **canonical, tf_err *err);

/* Add aggregates to the stored ones (counts and sums add up, first/latest
 * times widen); region/datasource fields index the maps of db ids.  Each
 * key at most once per call; any order (key order is fastest). */
int tf_trips_add_facts(tf_store *s, const tf_fact *facts, size_t n, const int64_t *region_ids, const int64_t *ds_ids,
                       tf_err *err);
int tf_trips_add_groups(tf_store *s, const tf_group *groups, size_t n, const int64_t *region_ids, tf_err *err);

typedef struct tf_week_count {
    int64_t week_start; /* days since the epoch (a Monday) */
    int64_t trips;
} tf_week_count;
typedef TF_VEC(tf_week_count) tf_week_vec;

/* Weekly counts for a region; from/to are 'YYYY-MM-DD' or NULL. */
int tf_trips_weekly_region(tf_store *s, const char *region, const char *from, const char *to, tf_week_vec *out,
                           tf_err *err);
/* Earliest and latest trip time in the facts; *have = 0 when empty. */
int tf_trips_time_range(tf_store *s, int64_t *first_us, int64_t *last_us, int *have, tf_err *err);

typedef struct tf_latest_ds {
    char *region[2]; /* NULL when fewer regions exist */
    char *datasource, *datetime;
} tf_latest_ds;
int tf_trips_latest_datasource(tf_store *s, tf_latest_ds *out, tf_err *err);
void tf_latest_ds_free(tf_latest_ds *l);

int tf_trips_regions_for(tf_store *s, const char *datasource, void (*fn)(void *ud, const char *region), void *ud,
                         tf_err *err);

typedef struct tf_group_row {
    const char *region, *origin_cell, *destination_cell, *bucket_start, *first_trip, *last_trip;
    int64_t trips;
    double mean[4]; /* origin lon, lat, destination lon, lat */
} tf_group_row;
int tf_trips_groups(tf_store *s, const char *region, int64_t limit, void (*fn)(void *ud, const tf_group_row *g),
                    void *ud, tf_err *err);

#endif
