/* sqlite_trips.c — the trips data model in SQLite (see trips_store.h).  The
 * report SQL is sql/queries.sql, embedded in the binary. */
#include "tripflow/trips_store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/geo.h"
#include "tripflow/mem.h"
#include "tripflow/sqlutil.h"
#include "tripflow/timeutil.h"

#define QUERIES "sql/queries.sql"

static int need_sqlite(tf_store *s, tf_err *err)
{
    if (tf_store_kind_of(s) != TF_STORE_SQLITE) return tf_errf(err, TF_EUNSUPPORTED, "trips store: backend not supported");
    return TF_OK;
}

static int named(sqlite3 *db, const char *name, sqlite3_stmt **st, tf_err *err)
{
    const char *sql = tf_sql_named(QUERIES, name);
    if (!sql) return tf_errf(err, TF_ESTATE, "internal: no query '%s' in " QUERIES, name);
    if (tf_sql_prepare(db, sql, st, err)) return tf_err_prefix(err, QUERIES " %s: ", name);
    return TF_OK;
}

static void bind_named_text(sqlite3_stmt *st, const char *param, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, param);
    if (!i) return;
    if (v) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

int tf_trips_get_grid(tf_store *s, tf_grid *grid, int *found, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3 *db = tf_store_sqlite(s);
    int64_t p, b;
    if (tf_sql_int(db, "SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'group_cell_precision'", -1, &p, err) ||
        tf_sql_int(db, "SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'group_time_bucket_seconds'", -1, &b,
                   err))
        return err->code;
    *found = p > 0 && b > 0;
    if (*found) {
        grid->precision = (int)p;
        grid->bucket_us = b * TF_US_PER_SEC;
    }
    return TF_OK;
}

int tf_trips_set_grid(tf_store *s, const tf_grid *grid, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO settings(key, value) VALUES ('group_cell_precision', '%d'), "
             "('group_time_bucket_seconds', '%lld')",
             grid->precision, (long long)(grid->bucket_us / TF_US_PER_SEC));
    return tf_sql_exec(tf_store_sqlite(s), sql, err);
}

static const char *dim_table(int kind) { return kind == TF_DIM_REGION ? "regions" : "datasources"; }
static const char *dim_idcol(int kind) { return kind == TF_DIM_REGION ? "region_id" : "datasource_id"; }

int tf_trips_dim_find(tf_store *s, int kind, const char *name, int64_t *id, char **canonical, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s, name FROM %s WHERE name = ? COLLATE NOCASE", dim_idcol(kind), dim_table(kind));
    sqlite3_stmt *st;
    if (tf_sql_prepare(tf_store_sqlite(s), sql, &st, err)) return err->code;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int r = tf_sql_step_row(st, err);
    *id = r == 1 ? sqlite3_column_int64(st, 0) : 0;
    if (canonical) *canonical = r == 1 ? tf_xstrdup((const char *)sqlite3_column_text(st, 1)) : NULL;
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}

int tf_trips_dim(tf_store *s, int kind, const char *name, size_t len, int64_t run_id, int64_t *id, char **canonical,
                 tf_err *err)
{
    char *nm = tf_xstrndup(name, len);
    int rc = tf_trips_dim_find(s, kind, nm, id, canonical, err);
    if (rc == TF_OK && *id == 0) {
        char sql[160];
        snprintf(sql, sizeof sql, "INSERT INTO %s(name, first_run_id) VALUES (?, ?)", dim_table(kind));
        sqlite3_stmt *st;
        rc = tf_sql_prepare(tf_store_sqlite(s), sql, &st, err);
        if (rc == TF_OK) {
            sqlite3_bind_text(st, 1, nm, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 2, run_id);
            rc = tf_sql_step_done(st, err);
            sqlite3_finalize(st);
            *id = sqlite3_last_insert_rowid(tf_store_sqlite(s));
            if (canonical) *canonical = tf_xstrdup(nm);
        }
    }
    free(nm);
    return rc;
}

/* Upserts go in primary-key order: the B-tree then grows by appending and
 * touches each page once. */
typedef struct {
    int64_t k1, k2;
    uint64_t k3, k4;
    const void *row;
} sort_ref;

static int ref_cmp(const void *a, const void *b)
{
    const sort_ref *x = a, *y = b;
    if (x->k1 != y->k1) return x->k1 < y->k1 ? -1 : 1;
    if (x->k2 != y->k2) return x->k2 < y->k2 ? -1 : 1;
    if (x->k3 != y->k3) return x->k3 < y->k3 ? -1 : 1;
    return (x->k4 > y->k4) - (x->k4 < y->k4);
}

/* rows usually come in key order already */
static void sort_refs(sort_ref *refs, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (ref_cmp(&refs[i - 1], &refs[i]) > 0) {
            qsort(refs, n, sizeof *refs, ref_cmp);
            return;
        }
}

typedef struct {
    sort_ref *refs;
    const int64_t *region_ids, *ds_ids;
} rows_ctx;

static void fact_col(sqlite3_context *ctx, int c, size_t i, void *ud)
{
    const rows_ctx *b = ud;
    const tf_fact *f = b->refs[i].row;
    char t[32];
    switch (c) {
    case 0: sqlite3_result_int64(ctx, b->region_ids[f->region]); break;
    case 1: sqlite3_result_int64(ctx, b->ds_ids[f->datasource]); break;
    case 2: sqlite3_result_text(ctx, t, tf_format_timestamp(f->hour, TF_TS_AUTO, t), SQLITE_TRANSIENT); break;
    case 3: sqlite3_result_int64(ctx, f->count); break;
    default: sqlite3_result_text(ctx, t, tf_format_timestamp(f->latest, TF_TS_AUTO, t), SQLITE_TRANSIENT); break;
    }
}

int tf_trips_add_facts(tf_store *s, const tf_fact *facts, size_t n, const int64_t *region_ids, const int64_t *ds_ids,
                       tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sort_ref *refs = tf_xmalloc((n + 1) * sizeof *refs);
    for (size_t i = 0; i < n; i++) {
        const tf_fact *f = &facts[i];
        refs[i] = (sort_ref){region_ids[f->region], ds_ids[f->datasource], (uint64_t)(f->hour + INT64_MAX / 2), 0, f};
    }
    sort_refs(refs, n);
    rows_ctx b = {.refs = refs, .region_ids = region_ids, .ds_ids = ds_ids};
    int rc = tf_sql_insert_rows(tf_store_sql_cache(s),
                                "INSERT INTO hourly_trips(region_id, datasource_id, hour_start, trip_count, latest_trip)",
                                5,
                                "ON CONFLICT (region_id, datasource_id, hour_start) DO UPDATE SET "
                                "trip_count = trip_count + excluded.trip_count, "
                                "latest_trip = max(latest_trip, excluded.latest_trip)",
                                n, fact_col, &b, err);
    free(refs);
    return rc ? tf_err_prefix(err, "hourly_trips: ") : TF_OK;
}

static void group_col(sqlite3_context *ctx, int c, size_t i, void *ud)
{
    const rows_ctx *b = ud;
    const tf_group *g = b->refs[i].row;
    switch (c) {
    case 0: sqlite3_result_int64(ctx, b->region_ids[g->region]); break;
    case 1: sqlite3_result_int64(ctx, (int64_t)g->ocell); break;
    case 2: sqlite3_result_int64(ctx, (int64_t)g->dcell); break;
    case 3: sqlite3_result_int64(ctx, g->bucket); break;
    case 4: sqlite3_result_int64(ctx, g->count); break;
    case 5:
    case 6:
    case 7:
    case 8: sqlite3_result_double(ctx, tf_group_sum(g, c - 5)); break;
    case 9: sqlite3_result_int64(ctx, g->first); break;
    default: sqlite3_result_int64(ctx, g->last); break;
    }
}

int tf_trips_add_groups(tf_store *s, const tf_group *groups, size_t n, const int64_t *region_ids, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sort_ref *refs = tf_xmalloc((n + 1) * sizeof *refs);
    for (size_t i = 0; i < n; i++) {
        const tf_group *g = &groups[i];
        refs[i] = (sort_ref){region_ids[g->region], (int64_t)g->ocell, g->dcell, g->bucket, g};
    }
    sort_refs(refs, n);
    rows_ctx b = {.refs = refs, .region_ids = region_ids};
    int rc = tf_sql_insert_rows(tf_store_sql_cache(s),
                                "INSERT INTO trip_group_rows(region_id, origin_cell, destination_cell, time_bucket, "
                                "trip_count, sum_origin_lon, sum_origin_lat, sum_destination_lon, "
                                "sum_destination_lat, first_us, last_us)",
                                11,
                                "ON CONFLICT (region_id, origin_cell, destination_cell, time_bucket) DO UPDATE SET "
                                "trip_count = trip_count + excluded.trip_count, "
                                "sum_origin_lon = sum_origin_lon + excluded.sum_origin_lon, "
                                "sum_origin_lat = sum_origin_lat + excluded.sum_origin_lat, "
                                "sum_destination_lon = sum_destination_lon + excluded.sum_destination_lon, "
                                "sum_destination_lat = sum_destination_lat + excluded.sum_destination_lat, "
                                "first_us = min(first_us, excluded.first_us), "
                                "last_us = max(last_us, excluded.last_us)",
                                n, group_col, &b, err);
    free(refs);
    return rc ? tf_err_prefix(err, "trip_groups: ") : TF_OK;
}

int tf_trips_weekly_region(tf_store *s, const char *region, const char *from, const char *to, tf_week_vec *out,
                           tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    if (named(tf_store_sqlite(s), "weekly_region", &st, err)) return err->code;
    bind_named_text(st, ":region", region);
    bind_named_text(st, ":from", from);
    bind_named_text(st, ":to", to);
    int r;
    while ((r = tf_sql_step_row(st, err)) == 1) {
        tf_week_count w;
        if (tf_parse_date((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0), &w.week_start,
                          err)) {
            r = err->code;
            break;
        }
        w.trips = sqlite3_column_int64(st, 1);
        tf_vec_push(out, w);
    }
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}

int tf_trips_time_range(tf_store *s, int64_t *first_us, int64_t *last_us, int *have, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    *have = 0;
    if (tf_sql_prepare(tf_store_sqlite(s), "SELECT min(hour_start), max(latest_trip) FROM hourly_trips", &st, err))
        return err->code;
    int r = tf_sql_step_row(st, err);
    if (r == 1 && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        if (tf_parse_timestamp((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0), NULL,
                               first_us, err) ||
            tf_parse_timestamp((const char *)sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1), NULL,
                               last_us, err))
            r = err->code;
        else
            *have = 1;
    }
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? tf_xstrdup((const char *)t) : NULL;
}

int tf_trips_latest_datasource(tf_store *s, tf_latest_ds *out, tf_err *err)
{
    memset(out, 0, sizeof *out);
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    if (named(tf_store_sqlite(s), "latest_datasource", &st, err)) return err->code;
    int r = tf_sql_step_row(st, err);
    if (r == 1) {
        out->region[0] = dup_col(st, 0);
        out->region[1] = dup_col(st, 1);
        out->datasource = dup_col(st, 2);
        out->datetime = dup_col(st, 3);
    }
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}

void tf_latest_ds_free(tf_latest_ds *l)
{
    free(l->region[0]);
    free(l->region[1]);
    free(l->datasource);
    free(l->datetime);
    memset(l, 0, sizeof *l);
}

int tf_trips_regions_for(tf_store *s, const char *datasource, void (*fn)(void *, const char *), void *ud, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    if (named(tf_store_sqlite(s), "regions_for_datasource", &st, err)) return err->code;
    bind_named_text(st, ":datasource", datasource);
    int r;
    while ((r = tf_sql_step_row(st, err)) == 1) fn(ud, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}

int tf_trips_groups(tf_store *s, const char *region, int64_t limit, void (*fn)(void *, const tf_group_row *),
                    void *ud, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    if (named(tf_store_sqlite(s), "groups", &st, err)) return err->code;
    bind_named_text(st, ":region", region);
    int li = sqlite3_bind_parameter_index(st, ":limit");
    if (li) {
        if (limit > 0) sqlite3_bind_int64(st, li, limit);
        else sqlite3_bind_null(st, li);
    }
    int r;
    while ((r = tf_sql_step_row(st, err)) == 1) {
        tf_group_row g = {
            .region = (const char *)sqlite3_column_text(st, 0),
            .origin_cell = (const char *)sqlite3_column_text(st, 1),
            .destination_cell = (const char *)sqlite3_column_text(st, 2),
            .bucket_start = (const char *)sqlite3_column_text(st, 3),
            .trips = sqlite3_column_int64(st, 4),
            .mean = {sqlite3_column_double(st, 5), sqlite3_column_double(st, 6), sqlite3_column_double(st, 7),
                     sqlite3_column_double(st, 8)},
            .first_trip = (const char *)sqlite3_column_text(st, 9),
            .last_trip = (const char *)sqlite3_column_text(st, 10),
        };
        fn(ud, &g);
    }
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}
