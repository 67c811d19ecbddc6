/* lake_scan.c — reading the raw layer: the exact bounding-box weekly count
 * (pruning by the catalog, then by row-group statistics, decoding only the
 * columns the match needs, on several threads) and the row scan behind
 * `export trips` (see lake.h). */
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lake_int.h"
#include "tripflow/parquet.h"
#include "tripflow/sig.h"
#include "tripflow/timeutil.h"

typedef struct file_ref {
    char *path;
    tf_pq_file *pq;
} file_ref;

typedef struct collect {
    TF_VEC(file_ref) files;
} collect;

static void add_file(void *ud, const tf_lake_file *lf)
{
    collect *c = ud;
    file_ref fr = {tf_xstrdup(lf->path), NULL};
    tf_vec_push(&c->files, fr);
}

static void collect_free(collect *c)
{
    for (size_t i = 0; i < c->files.n; i++) {
        free(c->files.v[i].path);
        tf_pq_close(c->files.v[i].pq);
    }
    tf_vec_free(&c->files);
}

/* the lake schema's columns, checked once per file */
static int lake_columns(const tf_pq_file *f, int col[TF_LAKE_NCOLS], tf_err *err)
{
    for (int k = 0; k < TF_LAKE_NCOLS; k++) {
        col[k] = tf_pq_find_column(f, tf_lake_col_names[k]);
        if (col[k] < 0)
            return tf_errf(err, TF_EFORMAT, "%s: not a lake file (no column '%s')", tf_pq_name(f), tf_lake_col_names[k]);
    }
    return TF_OK;
}

typedef struct work {
    int file, rg;
} work;

typedef struct bbox_job {
    collect files;
    TF_VEC(work) work;
    const tf_bbox *box;
    int match;
    int64_t first_week, end_us;
    int nweeks;
    atomic_int next;
    pthread_mutex_t lock; /* counts */
    tf_err_once err;
    int64_t *counts;
} bbox_job;

static int skip_rg(const tf_pq_file *f, int rg, const int col[TF_LAKE_NCOLS], const tf_bbox *b, int match,
                   int64_t from, int64_t to)
{
    if (tf_pq_can_skip(f, rg, col[TF_LAKE_COL_DATETIME], (double)from, (double)(to - 1))) return 1;
    int o = !tf_pq_can_skip(f, rg, col[TF_LAKE_COL_ORIGIN_LON], b->min_lon, b->max_lon) &&
            !tf_pq_can_skip(f, rg, col[TF_LAKE_COL_ORIGIN_LAT], b->min_lat, b->max_lat);
    int d = !tf_pq_can_skip(f, rg, col[TF_LAKE_COL_DEST_LON], b->min_lon, b->max_lon) &&
            !tf_pq_can_skip(f, rg, col[TF_LAKE_COL_DEST_LAT], b->min_lat, b->max_lat);
    switch (match) {
    case TF_MATCH_ORIGIN: return !o;
    case TF_MATCH_DESTINATION: return !d;
    case TF_MATCH_BOTH: return !(o && d);
    default: return !(o || d);
    }
}

static void *bbox_thread(void *ud)
{
    bbox_job *j = ud;
    int64_t *local = tf_xcalloc((size_t)j->nweeks + 1, sizeof *local);
    tf_pq_batch scratch = {0};
    double *c[4] = {NULL, NULL, NULL, NULL};
    int64_t *ts = NULL;
    int64_t cap = 0;
    const tf_bbox *b = j->box;
    int need_o = j->match != TF_MATCH_DESTINATION, need_d = j->match != TF_MATCH_ORIGIN;
    for (;;) {
        int w = atomic_fetch_add(&j->next, 1);
        if (w >= (int)j->work.n || j->err.failed || tf_sig_interrupted()) break;
        const tf_pq_file *f = j->files.files.v[j->work.v[w].file].pq;
        int rg = j->work.v[w].rg, col[TF_LAKE_NCOLS];
        tf_err e;
        if (lake_columns(f, col, &e)) {
            tf_err_once_set(&j->err, &e);
            break;
        }
        int64_t n = tf_pq_row_group_rows(f, rg);
        if (n > cap) {
            for (int k = 0; k < 4; k++) c[k] = tf_xrealloc(c[k], (size_t)n * sizeof(double));
            ts = tf_xrealloc(ts, (size_t)n * sizeof *ts);
            cap = n;
        }
        int rc = tf_pq_read_flat(f, rg, col[TF_LAKE_COL_DATETIME], &scratch, ts, NULL, &e);
        for (int k = 0; k < 4 && !rc; k++)
            if (k < 2 ? need_o : need_d) rc = tf_pq_read_flat(f, rg, col[TF_LAKE_COL_ORIGIN_LON + k], &scratch, c[k], NULL, &e);
        if (rc) {
            tf_err_once_set(&j->err, &e);
            break;
        }
        for (int64_t i = 0; i < n; i++) {
            if (ts[i] < j->first_week || ts[i] >= j->end_us) continue;
            int in;
            int o = need_o && tf_bbox_contains(b, c[0][i], c[1][i]);
            int d = need_d && tf_bbox_contains(b, c[2][i], c[3][i]);
            switch (j->match) {
            case TF_MATCH_ORIGIN: in = o; break;
            case TF_MATCH_DESTINATION: in = d; break;
            case TF_MATCH_BOTH: in = o && d; break;
            default: in = o || d; break;
            }
            if (in) local[(ts[i] - j->first_week) / TF_US_PER_WEEK]++;
        }
    }
    pthread_mutex_lock(&j->lock);
    for (int k = 0; k < j->nweeks; k++) j->counts[k] += local[k];
    pthread_mutex_unlock(&j->lock);
    free(local);
    for (int k = 0; k < 4; k++) free(c[k]);
    free(ts);
    tf_pq_batch_free(&scratch);
    return NULL;
}

int tf_lake_weekly_bbox(tf_lake *l, const tf_bbox *box, int match, int64_t first_week, int nweeks, int threads,
                        int64_t *counts, tf_err *err)
{
    memset(counts, 0, (size_t)nweeks * sizeof *counts);
    if (nweeks <= 0) return TF_OK;
    bbox_job j;
    memset(&j, 0, sizeof j);
    j.box = box;
    j.match = match;
    j.first_week = first_week;
    j.nweeks = nweeks;
    j.end_us = first_week + (int64_t)nweeks * TF_US_PER_WEEK;
    j.counts = counts;
    pthread_mutex_init(&j.lock, NULL);
    tf_err_once_init(&j.err);
    tf_lake_filter flt = {NULL, first_week, j.end_us, box, match};
    int rc = tf_lake_files(l, &flt, add_file, &j.files, err);
    for (size_t i = 0; i < j.files.files.n && !rc; i++) {
        file_ref *fr = &j.files.files.v[i];
        if ((rc = tf_pq_open(fr->path, NULL, &fr->pq, err))) break;
        int col[TF_LAKE_NCOLS];
        if ((rc = lake_columns(fr->pq, col, err))) break;
        for (int rg = 0; rg < tf_pq_num_row_groups(fr->pq); rg++)
            if (!skip_rg(fr->pq, rg, col, box, match, first_week, j.end_us)) {
                work w = {(int)i, rg};
                tf_vec_push(&j.work, w);
            }
    }
    if (!rc && j.work.n) {
        int nt = threads > 0 ? threads : 1;
        if (nt > (int)j.work.n) nt = (int)j.work.n;
        pthread_t *tids = tf_xcalloc((size_t)nt, sizeof *tids);
        for (int t = 1; t < nt; t++) pthread_create(&tids[t], NULL, bbox_thread, &j);
        bbox_thread(&j);
        for (int t = 1; t < nt; t++) pthread_join(tids[t], NULL);
        free(tids);
        rc = tf_err_once_take(&j.err, err);
        if (!rc && tf_sig_interrupted()) rc = tf_errf(err, TF_ECANCELED, "interrupted");
    }
    collect_free(&j.files);
    tf_vec_free(&j.work);
    pthread_mutex_destroy(&j.lock);
    tf_err_once_destroy(&j.err);
    return rc;
}

/* ---- row scan ---- */
typedef struct scan_files {
    TF_VEC(tf_lake_file) files;
    tf_arena arena;
} scan_files;

static void keep_file(void *ud, const tf_lake_file *lf)
{
    scan_files *s = ud;
    tf_lake_file c = *lf;
    c.path = tf_arena_strdup(&s->arena, lf->path);
    c.rel = tf_arena_strdup(&s->arena, lf->rel);
    c.region = tf_arena_strdup(&s->arena, lf->region);
    c.month = tf_arena_strdup(&s->arena, lf->month);
    tf_vec_push(&s->files, c);
}

int tf_lake_scan(tf_lake *l, const char *region, int64_t from_us, int64_t to_us,
                 int (*fn)(void *, const tf_lake_rows *, tf_err *), void *ud, tf_err *err)
{
    scan_files sf;
    memset(&sf, 0, sizeof sf);
    tf_arena_init(&sf.arena, 4096);
    tf_lake_filter flt = {region, from_us, to_us, NULL, TF_MATCH_ORIGIN};
    int rc = tf_lake_files(l, &flt, keep_file, &sf, err);
    tf_pq_batch b[TF_LAKE_NCOLS];
    memset(b, 0, sizeof b);
    double *c[4] = {NULL, NULL, NULL, NULL};
    int64_t *ts = NULL;
    uint8_t *key = NULL;
    tf_pq_str *ds = NULL;
    int64_t cap = 0;
    for (size_t i = 0; i < sf.files.n && !rc; i++) {
        tf_pq_file *f;
        if ((rc = tf_pq_open(sf.files.v[i].path, NULL, &f, err))) break;
        int col[TF_LAKE_NCOLS];
        rc = lake_columns(f, col, err);
        for (int rg = 0; rg < tf_pq_num_row_groups(f) && !rc; rg++) {
            if (tf_pq_can_skip(f, rg, col[TF_LAKE_COL_DATETIME], (double)from_us, (double)to_us - 1)) continue;
            int64_t n = tf_pq_row_group_rows(f, rg);
            if (n > cap) {
                for (int k = 0; k < 4; k++) c[k] = tf_xrealloc(c[k], (size_t)n * sizeof(double));
                ts = tf_xrealloc(ts, (size_t)n * sizeof *ts);
                key = tf_xrealloc(key, (size_t)n * 16);
                ds = tf_xrealloc(ds, (size_t)n * sizeof *ds);
                cap = n;
            }
            if ((rc = tf_pq_read_chunk(f, rg, col[TF_LAKE_COL_DATASOURCE], &b[0], err))) break;
            for (int k = 0; k < 4 && !rc; k++) rc = tf_pq_read_flat(f, rg, col[TF_LAKE_COL_ORIGIN_LON + k], &b[1], c[k], NULL, err);
            if (!rc) rc = tf_pq_read_flat(f, rg, col[TF_LAKE_COL_DATETIME], &b[1], ts, NULL, err);
            if (!rc) rc = tf_pq_read_flat(f, rg, col[TF_LAKE_COL_TRIP_KEY], &b[1], key, NULL, err);
            if (rc) break;
            /* keep the rows in the time range, in file order */
            int64_t m = 0;
            for (int64_t r = 0; r < n; r++) {
                if (ts[r] < from_us || ts[r] >= to_us) continue;
                ds[m] = b[0].strs[r];
                for (int k = 0; k < 4; k++) c[k][m] = c[k][r];
                ts[m] = ts[r];
                memmove(key + m * 16, key + r * 16, 16);
                m++;
            }
            if (!m) continue;
            tf_lake_rows rows = {sf.files.v[i].region, sf.files.v[i].month, m, ds, c[0], c[1], c[2], c[3], ts, key};
            rc = fn(ud, &rows, err);
        }
        tf_pq_close(f);
    }
    for (int k = 0; k < TF_LAKE_NCOLS; k++) tf_pq_batch_free(&b[k]);
    for (int k = 0; k < 4; k++) free(c[k]);
    free(ts);
    free(key);
    free(ds);
    tf_vec_free(&sf.files);
    tf_arena_free(&sf.arena);
    return rc;
}
