/* sp_sink_parquet.c — staypoints as Hive-partitioned Parquet:
 *   OUT/p1=<p1>/p2=<p2>/part-NNNNN.parquet
 * with the schema user_id STRING, staypoints LIST<STRUCT<enter_time
 * TIMESTAMP, exit_time TIMESTAMP, lat DOUBLE, lng DOUBLE>>, p1 STRING,
 * p2 STRING (p1 and p2 also in the path, escaped as Hive does; an empty key
 * is an empty directory value, "p2=", which DuckDB reads back as '').
 * Rows arrive in user_id byte order, so each partition is one contiguous
 * stretch: it is written, then its file closed, before the next begins.
 * Everything goes under a hidden temporary directory that is synced and
 * swapped into place on commit (tf_outdir), so a failed or killed run leaves
 * nothing under OUT (see sp_io.h, docs/staypoints.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tripflow/fsutil.h"
#include "tripflow/lake.h"
#include "tripflow/parquet.h"
#include "tripflow/publish.h"
#include "tripflow/sp_io.h"

static const tf_pq_field sp_struct_fields[] = {
    {"enter_time", TF_PQT_TIMESTAMP, 0, 0, 0, NULL, 0},
    {"exit_time", TF_PQT_TIMESTAMP, 0, 0, 0, NULL, 0},
    {"lat", TF_PQT_DOUBLE, 0, 0, 0, NULL, 0},
    {"lng", TF_PQT_DOUBLE, 0, 0, 0, NULL, 0},
};
static const tf_pq_field sp_element[] = {{"element", TF_PQT_STRUCT, 0, 0, 0, sp_struct_fields, 4}};
static const tf_pq_field sp_schema[] = {
    {"user_id", TF_PQT_STRING, 0, 0, TF_PQ_DICT_OFF, NULL, 0},
    {"staypoints", TF_PQT_LIST, 0, 0, 0, sp_element, 1},
    {"p1", TF_PQT_STRING, 0, 0, TF_PQ_DICT_ON, NULL, 0},
    {"p2", TF_PQT_STRING, 0, 0, TF_PQ_DICT_ON, NULL, 0},
};
enum { L_USER, L_ENTER, L_EXIT, L_LAT, L_LNG, L_P1, L_P2, NLEAVES };

typedef struct pq_sink {
    tf_sp_sink base;
    tf_outdir dir;
    int committed;
    tf_pq_write_opts wo;
    int64_t rg_rows, file_rows;
    tf_pq_writer *w;
    int64_t in_file; /* rows written to the open file */
    int part;        /* part number of the open file in its partition */
    tf_buf p1, p2;   /* the open partition's keys */
    int have_part;
    char *p1_dir;    /* the last p1=.. directory created */
    /* the row group being gathered */
    int64_t n;
    tf_buf ids;
    TF_VEC(int64_t) id_off, list_off, enter, exit;
    TF_VEC(double) lat, lng;
    TF_VEC(tf_pq_str) pk[2];
} pq_sink;

static int flush_group(pq_sink *s, tf_err *err)
{
    if (!s->n) return TF_OK;
    tf_vec_grow(&s->pk[0], (size_t)s->n);
    tf_vec_grow(&s->pk[1], (size_t)s->n);
    for (int64_t i = 0; i < s->n; i++) {
        s->pk[0].v[i] = (tf_pq_str){s->p1.data ? s->p1.data : "", (uint32_t)s->p1.len};
        s->pk[1].v[i] = (tf_pq_str){s->p2.data ? s->p2.data : "", (uint32_t)s->p2.len};
    }
    tf_pq_col cols[NLEAVES] = {
        [L_USER] = {.str_offsets = s->id_off.v, .str_bytes = s->ids.data ? s->ids.data : ""},
        [L_ENTER] = {.values = s->enter.v, .list_offsets = s->list_off.v},
        [L_EXIT] = {.values = s->exit.v, .list_offsets = s->list_off.v},
        [L_LAT] = {.values = s->lat.v, .list_offsets = s->list_off.v},
        [L_LNG] = {.values = s->lng.v, .list_offsets = s->list_off.v},
        [L_P1] = {.strs = s->pk[0].v},
        [L_P2] = {.strs = s->pk[1].v},
    };
    int rc = tf_pq_writer_write(s->w, s->n, cols, err);
    s->in_file += s->n;
    s->n = 0;
    tf_buf_clear(&s->ids);
    s->id_off.n = s->list_off.n = s->enter.n = s->exit.n = s->lat.n = s->lng.n = 0;
    return rc;
}

static int close_file(pq_sink *s, tf_err *err)
{
    if (!s->w) return TF_OK;
    int rc = flush_group(s, err);
    if (rc) {
        tf_pq_writer_abort(s->w);
    } else {
        rc = tf_pq_writer_close(s->w, NULL, err);
    }
    s->w = NULL;
    return rc;
}

static int open_file(pq_sink *s, tf_err *err)
{
    char *e1 = tf_lake_escape(s->p1.data ? s->p1.data : "", s->p1.len);
    char *e2 = tf_lake_escape(s->p2.data ? s->p2.data : "", s->p2.len);
    char *rel = tf_xasprintf("p1=%s", e1);
    char *d1 = tf_path_join(s->dir.tmp, rel);
    char *dir = tf_xasprintf("%s/p2=%s", d1, e2);
    char *name = tf_xasprintf("part-%05d.parquet", s->part);
    char *path = tf_path_join(dir, name);
    int rc = TF_OK;
    if (s->part == 0) {
        /* partitions come in order: each directory is new, and p1's only
         * when p1 changed */
        if ((!s->p1_dir || strcmp(s->p1_dir, d1)) && mkdir(d1, 0777) != 0 && errno != EEXIST)
            rc = tf_errno(err, TF_EIO, "%s: cannot create directory", d1);
        free(s->p1_dir);
        s->p1_dir = d1;
        d1 = NULL;
        if (!rc && mkdir(dir, 0777) != 0 && errno != EEXIST)
            rc = tf_errno(err, TF_EIO, "%s: cannot create directory", dir);
    }
    if (!rc) rc = tf_pq_writer_open(path, sp_schema, 4, &s->wo, &s->w, err);
    if (rc) s->w = NULL;
    s->in_file = 0;
    free(e1);
    free(e2);
    free(rel);
    free(d1);
    free(dir);
    free(name);
    free(path);
    return rc;
}

static int pq_write(tf_sp_sink *base, const tf_sp_row *r, tf_err *err)
{
    pq_sink *s = (pq_sink *)base;
    const char *p1 = r->user_id, *p2 = r->user_id + r->p2_off;
    int same = s->have_part && s->p1.len == r->p1_len && s->p2.len == r->p2_len &&
               !memcmp(s->p1.data, p1, r->p1_len) && !memcmp(s->p2.data, p2, r->p2_len);
    int rc = TF_OK;
    if (!same) {
        rc = close_file(s, err);
        if (rc) return rc;
        tf_buf_clear(&s->p1);
        tf_buf_clear(&s->p2);
        tf_buf_append(&s->p1, p1, r->p1_len);
        tf_buf_append(&s->p2, p2, r->p2_len);
        s->have_part = 1;
        s->part = 0;
        rc = open_file(s, err);
    } else if (s->in_file + s->n >= s->file_rows) {
        rc = close_file(s, err);
        s->part++;
        if (!rc) rc = open_file(s, err);
    }
    if (rc) return rc;
    if (!s->n) {
        tf_vec_push(&s->id_off, 0);
        tf_vec_push(&s->list_off, 0);
    }
    tf_buf_append(&s->ids, r->user_id, r->user_len);
    tf_vec_push(&s->id_off, (int64_t)s->ids.len);
    size_t k = s->enter.n;
    tf_vec_grow(&s->enter, k + r->n);
    tf_vec_grow(&s->exit, k + r->n);
    tf_vec_grow(&s->lat, k + r->n);
    tf_vec_grow(&s->lng, k + r->n);
    for (size_t i = 0; i < r->n; i++) {
        s->enter.v[k + i] = r->sp[i].enter;
        s->exit.v[k + i] = r->sp[i].exit;
        s->lat.v[k + i] = r->sp[i].lat;
        s->lng.v[k + i] = r->sp[i].lng;
    }
    s->enter.n = s->exit.n = s->lat.n = s->lng.n = k + r->n;
    tf_vec_push(&s->list_off, (int64_t)(k + r->n));
    s->n++;
    base->rows++;
    base->staypoints += (int64_t)r->n;
    if (s->n >= s->rg_rows) return flush_group(s, err);
    return TF_OK;
}

static int pq_commit(tf_sp_sink *base, tf_err *err)
{
    pq_sink *s = (pq_sink *)base;
    int rc = close_file(s, err);
    if (rc) return rc;
    s->committed = 1;
    return tf_outdir_commit(&s->dir, err);
}

static void pq_sink_close(tf_sp_sink *base)
{
    pq_sink *s = (pq_sink *)base;
    if (!s) return;
    if (s->w) tf_pq_writer_abort(s->w);
    if (!s->committed) tf_outdir_abort(&s->dir);
    tf_buf_free(&s->p1);
    tf_buf_free(&s->p2);
    free(s->p1_dir);
    tf_buf_free(&s->ids);
    tf_vec_free(&s->id_off);
    tf_vec_free(&s->list_off);
    tf_vec_free(&s->enter);
    tf_vec_free(&s->exit);
    tf_vec_free(&s->lat);
    tf_vec_free(&s->lng);
    tf_vec_free(&s->pk[0]);
    tf_vec_free(&s->pk[1]);
    free(s);
}

int tf_sp_sink_parquet(const char *out, const tf_sp_sink_opts *o, tf_sp_sink **sink, tf_err *err)
{
    *sink = NULL;
    if (!strcmp(out, "-"))
        return tf_errf(err, TF_EINVAL, "--format parquet writes a directory: give --out DIR (not standard output)");
    pq_sink *s = tf_xcalloc(1, sizeof *s);
    s->base.write = pq_write;
    s->base.commit = pq_commit;
    s->base.close = pq_sink_close;
    s->wo = tf_pq_write_defaults();
    s->wo.no_sync = 1; /* the directory is synced once, on commit */
    s->rg_rows = o->row_group_rows > 0 ? o->row_group_rows : TF_SP_PQ_ROW_GROUP_ROWS;
    s->file_rows = o->file_rows > 0 ? o->file_rows : TF_SP_PQ_FILE_ROWS;
    s->wo.row_group_rows = s->rg_rows;
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/') n--;
    char *path = tf_xstrndup(out, n);
    int rc = tf_outdir_open(&s->dir, path, err);
    free(path);
    if (rc) {
        free(s);
        return rc;
    }
    *sink = &s->base;
    return TF_OK;
}
