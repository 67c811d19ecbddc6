/* cmd_lake.c — the raw layer from the command line: `lake ls` lists the live
 * files, `export trips` writes trips back out as Parquet, CSV (the ingest
 * format, so an export can be ingested again) or JSON lines. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_common.h"
#include "tripflow/fsutil.h"
#include "tripflow/jsonw.h"
#include "tripflow/lake.h"
#include "tripflow/num.h"
#include "tripflow/parquet.h"
#include "tripflow/publish.h"
#include "tripflow/table.h"
#include "tripflow/timeutil.h"

static int open_lake(const char *db, const char *dir, tf_store **s, tf_lake **l, tf_err *err)
{
    *s = NULL;
    *l = NULL;
    if (!tf_exists(db)) return tf_errf(err, TF_ENOTFOUND, "%s: no such database (run tripflow ingest first)", db);
    int rc = tf_store_open(db, s, err);
    if (!rc) rc = tf_lake_open(*s, dir, l, err);
    return rc;
}

/* ---- lake ls ---- */
typedef struct {
    const char *db, *lake, *region;
    int format;
} ls_conf;

static const tf_opt ls_opts[] = {
    TF_OPT_DB(ls_conf),
    TF_OPT_LAKE(ls_conf),
    {"region", TF_OPT_STRING, offsetof(ls_conf, region), NULL, "NAME", "only this region", NULL, NULL},
    TF_OPT_FORMAT(ls_conf),
    TF_OPT_END,
};

static void add_ls(void *ud, const tf_lake_file *f)
{
    tf_table *t = ud;
    char a[32], b[32];
    tf_format_timestamp(f->first_us, TF_TS_AUTO, a);
    tf_format_timestamp(f->last_us, TF_TS_AUTO, b);
    tf_table_row(t);
    tf_table_text(t, 0, f->region);
    tf_table_text(t, 1, f->month);
    tf_table_int(t, 2, f->rows);
    tf_table_int(t, 3, f->bytes);
    tf_table_int(t, 4, f->row_groups);
    tf_table_text(t, 5, a);
    tf_table_text(t, 6, b);
    tf_table_real(t, 7, f->origin.min_lon);
    tf_table_real(t, 8, f->origin.min_lat);
    tf_table_real(t, 9, f->origin.max_lon);
    tf_table_real(t, 10, f->origin.max_lat);
    tf_table_int(t, 11, f->run_id);
    tf_table_text(t, 12, f->rel);
}

static int run_ls(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc, (void)argv;
    ls_conf *c = vconf;
    tf_store *s;
    tf_lake *l;
    int rc = open_lake(c->db, c->lake, &s, &l, err);
    if (!rc) {
        static const char *const names[] = {"region",         "month",          "rows",           "bytes",
                                            "row_groups",     "first_trip",     "last_trip",      "origin_min_lon",
                                            "origin_min_lat", "origin_max_lon", "origin_max_lat", "run_id",
                                            "path"};
        static const tf_col_kind kinds[] = {TF_COL_TEXT, TF_COL_TEXT, TF_COL_INT,  TF_COL_INT,  TF_COL_INT,
                                            TF_COL_TEXT, TF_COL_TEXT, TF_COL_REAL, TF_COL_REAL, TF_COL_REAL,
                                            TF_COL_REAL, TF_COL_INT,  TF_COL_TEXT};
        tf_table *t = tf_table_new(13, names, kinds);
        tf_lake_filter f = {c->region, INT64_MIN, INT64_MAX, NULL, 0};
        if (!(rc = tf_lake_files(l, &f, add_ls, t, err))) tf_table_print(t, tf_fmt_resolve(c->format), stdout);
        tf_table_free(t);
    }
    tf_lake_close(l);
    tf_store_close(s);
    return rc;
}

const tf_cmd tf_cmd_lake_ls = {
    .name = "lake ls",
    .summary = "The raw layer's live files: partition, rows, time range, bounding box, run",
    .min_args = 0,
    .max_args = 0,
    .opts = ls_opts,
    .conf_size = sizeof(ls_conf),
    .run = run_ls,
    .details = "Paths are relative to the lake directory; DuckDB, Spark or Trino read LAKE/trips/ with\n"
               "Hive partitioning (region=..., month=...).\n\n"
               "Example:\n\n    tripflow lake ls --region Turin",
};

/* ---- export trips ---- */
typedef struct {
    const char *db, *lake, *region, *from, *to, *out;
    int format;
} export_conf;

static const tf_opt export_opts[] = {
    TF_OPT_DB(export_conf),
    TF_OPT_LAKE(export_conf),
    {"format", TF_OPT_ENUM, offsetof(export_conf, format), "csv", NULL,
     "parquet (one file), csv (the ingest format) or jsonl", "parquet|csv|jsonl", NULL},
    {"region", TF_OPT_STRING, offsetof(export_conf, region), NULL, "NAME", "only this region", NULL, NULL},
    {"from", TF_OPT_STRING, offsetof(export_conf, from), NULL, "DATE", "trips from this day on (YYYY-MM-DD, UTC)", NULL,
     NULL},
    {"to", TF_OPT_STRING, offsetof(export_conf, to), NULL, "DATE", "trips up to this day, inclusive", NULL, NULL},
    {"out", TF_OPT_STRING, offsetof(export_conf, out), NULL, "PATH", "the output file (- for stdout: csv, jsonl)",
     NULL, NULL},
    TF_OPT_END,
};

enum { EXP_PARQUET, EXP_CSV, EXP_JSONL };

typedef struct exporter {
    int format;
    tf_outfile out; /* csv, jsonl */
    int64_t rows;
    tf_pq_writer *pq;
} exporter;

static void put_point(tf_buf *b, double lon, double lat)
{
    char t[32];
    tf_buf_append(b, "POINT (", 7);
    tf_buf_append(b, t, (size_t)tf_format_double(lon, t));
    tf_buf_putc(b, ' ');
    tf_buf_append(b, t, (size_t)tf_format_double(lat, t));
    tf_buf_putc(b, ')');
}


static int export_rows(void *ud, const tf_lake_rows *r, tf_err *err)
{
    exporter *x = ud;
    x->rows += r->n;
    if (x->format == EXP_PARQUET) {
        tf_pq_str *reg = tf_xmalloc((size_t)r->n * sizeof *reg);
        for (int64_t i = 0; i < r->n; i++) reg[i] = (tf_pq_str){r->region, (uint32_t)strlen(r->region)};
        tf_pq_col cols[8];
        memset(cols, 0, sizeof cols);
        cols[0].strs = reg;
        cols[1].strs = r->datasource;
        cols[2].values = r->origin_lon;
        cols[3].values = r->origin_lat;
        cols[4].values = r->destination_lon;
        cols[5].values = r->destination_lat;
        cols[6].values = r->datetime;
        cols[7].values = r->trip_key;
        int rc = tf_pq_writer_write(x->pq, r->n, cols, err);
        free(reg);
        return rc;
    }
    for (int64_t i = 0; i < r->n; i++) {
        tf_buf *b = &x->out.buf;
        char ts[32];
        int tl = tf_format_timestamp(r->datetime[i], TF_TS_AUTO, ts);
        if (x->format == EXP_CSV) {
            tf_csv_write_field(b, r->region, strlen(r->region), ',');
            tf_buf_putc(b, ',');
            put_point(b, r->origin_lon[i], r->origin_lat[i]);
            tf_buf_putc(b, ',');
            put_point(b, r->destination_lon[i], r->destination_lat[i]);
            tf_buf_putc(b, ',');
            tf_buf_append(b, ts, (size_t)tl);
            tf_buf_putc(b, ',');
            tf_csv_write_field(b, r->datasource[i].ptr, r->datasource[i].len, ',');
        } else {
            tf_buf_putc(b, '{');
            tf_jsonw_key(b, "region");
            tf_jsonw_str(b, r->region, strlen(r->region));
            tf_buf_putc(b, ',');
            tf_jsonw_key(b, "datasource");
            tf_jsonw_str(b, r->datasource[i].ptr, r->datasource[i].len);
            static const char *const k[4] = {"origin_lon", "origin_lat", "destination_lon", "destination_lat"};
            const double *v[4] = {r->origin_lon, r->origin_lat, r->destination_lon, r->destination_lat};
            for (int j = 0; j < 4; j++) {
                tf_buf_putc(b, ',');
                tf_jsonw_key(b, k[j]);
                tf_jsonw_double(b, v[j][i]);
            }
            tf_buf_putc(b, ',');
            tf_jsonw_key(b, "datetime");
            tf_jsonw_str(b, ts, (size_t)tl);
            tf_buf_putc(b, ',');
            tf_jsonw_key(b, "trip_key");
            char hex[33];
            tf_key_hex(tf_key_from_bytes(r->trip_key + i * 16), hex);
            tf_jsonw_str(b, hex, 32);
            tf_buf_putc(b, '}');
        }
        tf_buf_putc(b, '\n');
        if (tf_outfile_maybe_flush(&x->out, err)) return err->code;
    }
    return TF_OK;
}

static int run_export(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc, (void)argv;
    export_conf *c = vconf;
    if (!c->out) return tf_errf(err, TF_EINVAL, "export trips: name the output with --out PATH");
    if (c->format == EXP_PARQUET && !strcmp(c->out, "-"))
        return tf_errf(err, TF_EINVAL, "export trips: Parquet needs a file (--out PATH), not stdout");
    int64_t fd = 0, td = 0;
    if (c->from && tf_parse_date(c->from, strlen(c->from), &fd, err)) return tf_err_prefix(err, "--from: ");
    if (c->to && tf_parse_date(c->to, strlen(c->to), &td, err)) return tf_err_prefix(err, "--to: ");
    int64_t from = c->from ? fd * TF_US_PER_DAY : INT64_MIN, to = c->to ? (td + 1) * TF_US_PER_DAY : INT64_MAX;
    tf_store *s;
    tf_lake *l;
    int rc = open_lake(c->db, c->lake, &s, &l, err);
    exporter x;
    memset(&x, 0, sizeof x);
    x.format = c->format;
    char *tmp = NULL;
    if (!rc && c->format == EXP_PARQUET) {
        tmp = tf_publish_temp(c->out);
        /* the lake's columns, with the region (a path value in the lake) first */
        tf_pq_field fields[1 + TF_LAKE_NCOLS] = {{"region", TF_PQT_STRING, 0, 0, TF_PQ_DICT_ON, NULL, 0}};
        memcpy(fields + 1, tf_lake_fields, sizeof tf_lake_fields);
        tf_pq_write_opts o = tf_pq_write_defaults();
        rc = tf_pq_writer_open(tmp, fields, 1 + TF_LAKE_NCOLS, &o, &x.pq, err);
    } else if (!rc) {
        rc = tf_outfile_open(&x.out, c->out, err);
    }
    if (!rc && c->format == EXP_CSV) tf_buf_puts(&x.out.buf, "region,origin_coord,destination_coord,datetime,datasource\n");
    if (!rc) rc = tf_lake_scan(l, c->region, from, to, export_rows, &x, err);
    if (c->format == EXP_PARQUET) {
        if (x.pq && !rc) rc = tf_pq_writer_close(x.pq, NULL, err);
        else if (x.pq) tf_pq_writer_abort(x.pq);
        if (!rc) rc = tf_publish_rename(tmp, c->out, err);
    } else if (!rc) {
        rc = tf_outfile_commit(&x.out, err);
    } else {
        tf_outfile_abort(&x.out);
    }
    if (!rc && strcmp(c->out, "-")) fprintf(stderr, "exported %lld trips to %s\n", (long long)x.rows, c->out);
    free(tmp);
    tf_lake_close(l);
    tf_store_close(s);
    return rc;
}

const tf_cmd tf_cmd_export_trips = {
    .name = "export trips",
    .summary = "Write trips from the raw layer as Parquet, CSV or JSON lines",
    .min_args = 0,
    .max_args = 0,
    .opts = export_opts,
    .conf_size = sizeof(export_conf),
    .run = run_export,
    .details = "CSV is the ingest format (WKT points, shortest round-trip numbers), so an export can be\n"
               "ingested again; Parquet and JSON lines carry the four coordinates as numbers and the\n"
               "trip key. Output is written under a temporary name and renamed when complete.\n\n"
               "Examples:\n\n"
               "    tripflow export trips --format parquet --region Turin --out turin.parquet\n"
               "    tripflow export trips --format csv --from 2018-05-01 --to 2018-05-07 --out week.csv",
};
