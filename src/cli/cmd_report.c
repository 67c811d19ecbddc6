/* cmd_report.c — the report questions: `report weekly`, `report
 * latest-datasource`, `report regions`, and `groups`.  The SQL is
 * sql/queries.sql; this file only shapes the output. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"
#include "tripflow/num.h"
#include "tripflow/fsutil.h"
#include "tripflow/jsonw.h"
#include "tripflow/table.h"
#include "tripflow/timeutil.h"
#include "tripflow/trips_store.h"

static int open_store(const char *db, tf_store **s, tf_err *err)
{
    if (!tf_exists(db)) return tf_errf(err, TF_ENOTFOUND, "%s: no such database (run tripflow ingest first)", db);
    return tf_store_open(db, s, err);
}

static void print_json(json_t *j) { tf_json_print(j, 2); }

/* ---- report weekly ---- */
typedef struct {
    const char *db, *region, *from, *to;
    int format;
} weekly_conf;

static const tf_opt weekly_opts[] = {
    TF_OPT_DB(weekly_conf),
    {"region", TF_OPT_STRING, offsetof(weekly_conf, region), NULL, "NAME", "the area: a region (case-insensitive)",
     NULL, NULL},
    {"from", TF_OPT_STRING, offsetof(weekly_conf, from), NULL, "DATE",
     "first day (YYYY-MM-DD); the report starts on the Monday of its week (default: the first trip's week)", NULL,
     NULL},
    {"to", TF_OPT_STRING, offsetof(weekly_conf, to), NULL, "DATE",
     "last day (YYYY-MM-DD, inclusive); the report ends with its week (default: the last trip's week)", NULL, NULL},
    TF_OPT_FORMAT(weekly_conf),
    TF_OPT_END,
};

static int check_date(const char *opt, const char *v, int64_t *days, tf_err *err)
{
    if (!v) return TF_OK;
    if (tf_parse_date(v, strlen(v), days, err)) {
        err->code = TF_EINVAL; /* a usage error */
        return tf_err_prefix(err, "--%s: ", opt);
    }
    return TF_OK;
}

/* shared by the region and bounding-box forms: prints the weekly result */
void tf_print_weekly(json_t *area, const char *area_text, const tf_week_vec *weeks, int fmt)
{
    int64_t total = 0;
    for (size_t i = 0; i < weeks->n; i++) total += weeks->v[i].trips;
    double avg = weeks->n ? (double)total / (double)weeks->n : 0;
    char from[16] = "", to[16] = "";
    if (weeks->n) {
        tf_format_date(weeks->v[0].week_start, from);
        tf_format_date(weeks->v[weeks->n - 1].week_start + 6, to);
    }
    if (fmt == TF_FMT_JSON) {
        json_t *w = json_array();
        for (size_t i = 0; i < weeks->n; i++) {
            char d[16];
            tf_format_date(weeks->v[i].week_start, d);
            json_array_append_new(w, json_pack("{s:s, s:I}", "week_start", d, "trips", (json_int_t)weeks->v[i].trips));
        }
        json_t *j = json_pack("{s:O, s:s?, s:s?, s:o, s:o}", "area", area, "from", weeks->n ? from : NULL, "to",
                              weeks->n ? to : NULL, "weeks", w, "weekly_average",
                              weeks->n ? json_real(avg) : json_null());
        print_json(j);
        json_decref(j);
        return;
    }
    char avgs[32];
    tf_format_double(avg, avgs);
    if (fmt == TF_FMT_CSV) {
        printf("area,from,to,week_start,trips,weekly_average\n");
        for (size_t i = 0; i < weeks->n; i++) {
            char d[16];
            tf_format_date(weeks->v[i].week_start, d);
            tf_buf b = {0};
            tf_csv_write_field(&b, area_text, strlen(area_text), ',');
            printf("%s,%s,%s,%s,%lld,%s\n", tf_buf_cstr(&b), from, to, d, (long long)weeks->v[i].trips, avgs);
            tf_buf_free(&b);
        }
        return;
    }
    printf("area: %s\n", area_text);
    if (!weeks->n) {
        printf("no weeks in range\n");
        return;
    }
    printf("weeks: %s to %s (%zu ISO weeks, Monday to Sunday, UTC)\n\n", from, to, weeks->n);
    const char *names[] = {"week_start", "trips"};
    const tf_col_kind kinds[] = {TF_COL_TEXT, TF_COL_INT};
    tf_table *t = tf_table_new(2, names, kinds);
    for (size_t i = 0; i < weeks->n; i++) {
        char d[16];
        tf_format_date(weeks->v[i].week_start, d);
        tf_table_row(t);
        tf_table_text(t, 0, d);
        tf_table_int(t, 1, weeks->v[i].trips);
    }
    tf_table_print(t, TF_FMT_TABLE, stdout);
    tf_table_free(t);
    printf("\nweekly average: %s trips (%lld trips / %zu weeks)\n", avgs, (long long)total, weeks->n);
}

static int run_weekly(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc, (void)argv;
    weekly_conf *c = vconf;
    if (!c->region) return tf_errf(err, TF_EINVAL, "report weekly: name the area with --region NAME");
    int64_t fd = 0, td = 0;
    if (check_date("from", c->from, &fd, err) || check_date("to", c->to, &td, err)) return err->code;
    if (c->from && c->to && fd > td)
        return tf_errf(err, TF_EINVAL, "report weekly: --from %s is after --to %s", c->from, c->to);
    tf_store *s = NULL;
    int rc = open_store(c->db, &s, err);
    if (rc) return rc;
    int64_t id;
    char *canon = NULL;
    tf_week_vec weeks = {0};
    if ((rc = tf_trips_dim_find(s, TF_DIM_REGION, c->region, &id, &canon, err))) goto out;
    if (!id) {
        rc = tf_errf(err, TF_ENOTFOUND, "no region '%s' in %s", c->region, c->db);
        goto out;
    }
    if ((rc = tf_trips_weekly_region(s, c->region, c->from, c->to, &weeks, err))) goto out;
    json_t *area = json_pack("{s:s}", "region", canon);
    char *text = tf_xasprintf("region %s", canon);
    tf_print_weekly(area, text, &weeks, tf_fmt_resolve(c->format));
    free(text);
    json_decref(area);
out:
    free(canon);
    tf_vec_free(&weeks);
    tf_store_close(s);
    return rc;
}

const tf_cmd tf_cmd_report_weekly = {
    .name = "report weekly",
    .summary = "Weekly number of trips in an area and the weekly average",
    .min_args = 0,
    .max_args = 0,
    .opts = weekly_opts,
    .conf_size = sizeof(weekly_conf),
    .run = run_weekly,
    .details = "Weeks are ISO weeks, Monday 00:00 UTC to the next Monday; weeks without trips\n"
               "count as zero. The average is the trips in the area divided by the weeks in range.\n\n"
               "Examples:\n\n"
               "    tripflow report weekly --region Turin\n"
               "    tripflow report weekly --region prague --from 2018-05-01 --to 2018-06-01 --format json",
};

/* ---- report latest-datasource ---- */
typedef struct {
    const char *db;
    int format;
} db_conf;

static const tf_opt db_opts[] = {
    TF_OPT_DB(db_conf),
    TF_OPT_FORMAT(db_conf),
    TF_OPT_END,
};

static int run_latest(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc, (void)argv;
    db_conf *c = vconf;
    tf_store *s = NULL;
    int rc = open_store(c->db, &s, err);
    if (rc) return rc;
    tf_latest_ds l;
    if ((rc = tf_trips_latest_datasource(s, &l, err))) goto out;
    if (!l.datasource) {
        rc = tf_errf(err, TF_ENOTFOUND, "no trips in %s", c->db);
        goto out;
    }
    int fmt = tf_fmt_resolve(c->format);
    if (fmt == TF_FMT_JSON) {
        json_t *regions = json_array();
        for (int i = 0; i < 2; i++)
            if (l.region[i]) json_array_append_new(regions, json_string(l.region[i]));
        json_t *j = json_pack("{s:o, s:s, s:s}", "regions", regions, "datasource", l.datasource, "datetime", l.datetime);
        print_json(j);
        json_decref(j);
    } else {
        const char *names[] = {"region_1", "region_2", "datasource", "datetime"};
        const tf_col_kind kinds[] = {TF_COL_TEXT, TF_COL_TEXT, TF_COL_TEXT, TF_COL_TEXT};
        tf_table *t = tf_table_new(4, names, kinds);
        tf_table_row(t);
        tf_table_text(t, 0, l.region[0]);
        tf_table_text(t, 1, l.region[1]);
        tf_table_text(t, 2, l.datasource);
        tf_table_text(t, 3, l.datetime);
        tf_table_print(t, fmt, stdout);
        tf_table_free(t);
    }
out:
    tf_latest_ds_free(&l);
    tf_store_close(s);
    return rc;
}

const tf_cmd tf_cmd_report_latest = {
    .name = "report latest-datasource",
    .summary = "From the two most common regions, the datasource of the latest trip",
    .min_args = 0,
    .max_args = 0,
    .opts = db_opts,
    .conf_size = sizeof(db_conf),
    .run = run_latest,
    .details = "The two regions with the most trips (ties broken by name), then the datasource of\n"
               "the latest trip among their trips (ties broken by datasource name).\n\n"
               "Example:\n\n    tripflow report latest-datasource --format json",
};

/* ---- report regions ---- */
typedef struct {
    const char *db, *datasource;
    int format;
} regions_conf;

static const tf_opt regions_opts[] = {
    TF_OPT_DB(regions_conf),
    {"datasource", TF_OPT_STRING, offsetof(regions_conf, datasource), NULL, "NAME",
     "the datasource (case-insensitive)", NULL, NULL},
    TF_OPT_FORMAT(regions_conf),
    TF_OPT_END,
};

static void add_region(void *ud, const char *r) { json_array_append_new(ud, json_string(r)); }

static int run_regions(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc, (void)argv;
    regions_conf *c = vconf;
    if (!c->datasource) return tf_errf(err, TF_EINVAL, "report regions: name the datasource with --datasource NAME");
    tf_store *s = NULL;
    int rc = open_store(c->db, &s, err);
    if (rc) return rc;
    int64_t id;
    char *canon = NULL;
    json_t *list = json_array();
    if ((rc = tf_trips_dim_find(s, TF_DIM_DATASOURCE, c->datasource, &id, &canon, err))) goto out;
    if ((rc = tf_trips_regions_for(s, c->datasource, add_region, list, err))) goto out;
    const char *name = canon ? canon : c->datasource;
    int fmt = tf_fmt_resolve(c->format);
    if (fmt == TF_FMT_JSON) {
        json_t *j = json_pack("{s:s, s:O}", "datasource", name, "regions", list);
        print_json(j);
        json_decref(j);
    } else {
        const char *names[] = {"region"};
        const tf_col_kind kinds[] = {TF_COL_TEXT};
        tf_table *t = tf_table_new(1, names, kinds);
        for (size_t i = 0; i < json_array_size(list); i++) {
            tf_table_row(t);
            tf_table_text(t, 0, json_string_value(json_array_get(list, i)));
        }
        tf_table_print(t, fmt, stdout);
        tf_table_free(t);
    }
    if (!id) fprintf(stderr, "tripflow: note: no datasource '%s' in %s\n", c->datasource, c->db);
out:
    json_decref(list);
    free(canon);
    tf_store_close(s);
    return rc;
}

const tf_cmd tf_cmd_report_regions = {
    .name = "report regions",
    .summary = "The regions a datasource has appeared in",
    .min_args = 0,
    .max_args = 0,
    .opts = regions_opts,
    .conf_size = sizeof(regions_conf),
    .run = run_regions,
    .details = "Example:\n\n    tripflow report regions --datasource cheap_mobile",
};

/* ---- groups ---- */
typedef struct {
    const char *db, *region;
    int64_t limit;
    int format;
} groups_conf;

static const tf_opt groups_opts[] = {
    TF_OPT_DB(groups_conf),
    {"region", TF_OPT_STRING, offsetof(groups_conf, region), NULL, "NAME", "only this region", NULL, NULL},
    {"limit", TF_OPT_INT, offsetof(groups_conf, limit), "20", NULL, "at most N groups, the largest first (0: all)",
     NULL, NULL},
    TF_OPT_FORMAT(groups_conf),
    TF_OPT_END,
};

static void add_group(void *ud, const tf_group_row *g)
{
    tf_table *t = ud;
    tf_table_row(t);
    tf_table_text(t, 0, g->region);
    tf_table_text(t, 1, g->origin_cell);
    tf_table_text(t, 2, g->destination_cell);
    tf_table_text(t, 3, g->bucket_start);
    tf_table_int(t, 4, g->trips);
    for (int k = 0; k < 4; k++) tf_table_real(t, 5 + k, g->mean[k]);
    tf_table_text(t, 9, g->first_trip);
    tf_table_text(t, 10, g->last_trip);
}

static int run_groups(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc, (void)argv;
    groups_conf *c = vconf;
    if (c->limit < 0) return tf_errf(err, TF_EINVAL, "groups: --limit must not be negative");
    tf_store *s = NULL;
    int rc = open_store(c->db, &s, err);
    if (rc) return rc;
    static const char *const names[] = {"region", "origin_cell", "destination_cell", "bucket_start", "trips",
                                        "mean_origin_lon", "mean_origin_lat", "mean_destination_lon",
                                        "mean_destination_lat", "first_trip", "last_trip"};
    static const tf_col_kind kinds[] = {TF_COL_TEXT, TF_COL_TEXT, TF_COL_TEXT, TF_COL_TEXT, TF_COL_INT, TF_COL_REAL,
                                        TF_COL_REAL, TF_COL_REAL, TF_COL_REAL, TF_COL_TEXT, TF_COL_TEXT};
    tf_table *t = tf_table_new(11, names, kinds);
    if ((rc = tf_trips_groups(s, c->region, c->limit, add_group, t, err)) == TF_OK)
        tf_table_print(t, tf_fmt_resolve(c->format), stdout);
    tf_table_free(t);
    tf_store_close(s);
    return rc;
}

const tf_cmd tf_cmd_groups = {
    .name = "groups",
    .summary = "Groups of similar trips: same region, origin and destination cells, time-of-day bucket",
    .min_args = 0,
    .max_args = 0,
    .opts = groups_opts,
    .conf_size = sizeof(groups_conf),
    .run = run_groups,
    .details = "Cells are geohash cells (precision set by the database's first ingest, default 6,\n"
               "about 1.2 km x 0.6 km); buckets split the time of day (default 1 hour).\n\n"
               "Examples:\n\n    tripflow groups --limit 10\n    tripflow groups --region Prague --format json",
};
