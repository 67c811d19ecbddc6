/* sp_gen_parquet.c — `gen staypoint-trips --format parquet`: the generator's
 * rows (the same rows, in the same order, as its CSV) as one Parquet file
 * with user_id STRING, trip_start_time / trip_end_time TIMESTAMP (µs, UTC),
 * start_lat, start_lng, end_lat, end_lng DOUBLE, in row groups of
 * row_group_rows.  With --bad the columns are nullable and the malformed rows
 * are the ones Parquet can hold: nulls, blank or non-UTF-8 ids, NaN and
 * out-of-range coordinates, trips ending before they start. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sp_gen_int.h"
#include "tripflow/parquet.h"
#include "tripflow/publish.h"
#include "tripflow/timeutil.h"

enum { G_USER, G_START, G_END, G_SLAT, G_SLNG, G_ELAT, G_ELNG, G_NCOLS };

typedef struct pq_emit {
    tf_pq_writer *w;
    int64_t rg_rows, n;
    tf_buf ids;
    TF_VEC(int64_t) id_off, t[2];
    TF_VEC(double) d[4];
    TF_VEC(uint8_t) valid[G_NCOLS];
    int nullable;
} pq_emit;

static int pq_row(void *ud, const char *id, size_t idlen, const sp_gen_row *w, tf_rng *bad)
{
    pq_emit *e = ud;
    int64_t t[2] = {w->start, w->end};
    double d[4] = {w->slat / 1e6, w->slng / 1e6, w->elat / 1e6, w->elng / 1e6};
    uint8_t ok[G_NCOLS] = {1, 1, 1, 1, 1, 1, 1};
    if (bad) {
        switch (tf_rng_below(bad, 10)) {
        case 0: ok[G_USER] = 0, idlen = 0; break;
        case 1: id = "  ", idlen = 2; break;
        case 2: id = "u\xff\xfe", idlen = 3; break;
        case 3: ok[G_START] = 0; break;
        case 4: ok[G_END] = 0; break;
        case 5: t[1] = t[0] - 7 * 60 * TF_US_PER_SEC; break;
        case 6: d[2] = NAN; break;
        case 7: d[0] = 95.5; break;
        case 8: d[3] = -190.25; break;
        default: ok[G_SLNG] = 0; break;
        }
    }
    if (!e->n) tf_vec_push(&e->id_off, 0);
    if (ok[G_USER]) tf_buf_append(&e->ids, id, idlen);
    tf_vec_push(&e->id_off, (int64_t)e->ids.len);
    for (int k = 0; k < 2; k++) tf_vec_push(&e->t[k], ok[G_START + k] ? t[k] : 0);
    for (int k = 0; k < 4; k++) tf_vec_push(&e->d[k], ok[G_SLAT + k] ? d[k] : 0.0);
    for (int c = 0; c < G_NCOLS; c++) tf_vec_push(&e->valid[c], ok[c]);
    e->n++;
    return TF_OK;
}

static int pq_write_group(pq_emit *e, tf_err *err)
{
    if (!e->n) return TF_OK;
    tf_pq_col cols[G_NCOLS] = {{.str_offsets = e->id_off.v, .str_bytes = e->ids.data ? e->ids.data : ""}};
    for (int k = 0; k < 2; k++) cols[G_START + k].values = e->t[k].v;
    for (int k = 0; k < 4; k++) cols[G_SLAT + k].values = e->d[k].v;
    if (e->nullable)
        for (int c = 0; c < G_NCOLS; c++) cols[c].valid = e->valid[c].v;
    int rc = tf_pq_writer_write(e->w, e->n, cols, err);
    e->n = 0;
    tf_buf_clear(&e->ids);
    e->id_off.n = 0;
    for (int k = 0; k < 2; k++) e->t[k].n = 0;
    for (int k = 0; k < 4; k++) e->d[k].n = 0;
    for (int c = 0; c < G_NCOLS; c++) e->valid[c].n = 0;
    return rc;
}

static int pq_flush(void *ud, tf_err *err)
{
    pq_emit *e = ud;
    return e->n >= e->rg_rows ? pq_write_group(e, err) : TF_OK;
}

static void pq_emit_free(pq_emit *e)
{
    tf_buf_free(&e->ids);
    tf_vec_free(&e->id_off);
    for (int k = 0; k < 2; k++) tf_vec_free(&e->t[k]);
    for (int k = 0; k < 4; k++) tf_vec_free(&e->d[k]);
    for (int c = 0; c < G_NCOLS; c++) tf_vec_free(&e->valid[c]);
}

int tf_sp_gen_parquet(const tf_sp_gen_opts *o, const char *path, int64_t row_group_rows, tf_sp_gen_stats *st,
                      tf_err *err)
{
    memset(st, 0, sizeof *st);
    if (!strcmp(path, "-")) return tf_errf(err, TF_EINVAL, "--format parquet needs --out FILE (not standard output)");
    int opt = o->bad > 0;
    const tf_pq_field f[G_NCOLS] = {
        {"user_id", TF_PQT_STRING, opt, 0, TF_PQ_DICT_OFF, NULL, 0},
        {"trip_start_time", TF_PQT_TIMESTAMP, opt, 0, 0, NULL, 0},
        {"trip_end_time", TF_PQT_TIMESTAMP, opt, 0, 0, NULL, 0},
        {"start_lat", TF_PQT_DOUBLE, opt, 0, 0, NULL, 0},
        {"start_lng", TF_PQT_DOUBLE, opt, 0, 0, NULL, 0},
        {"end_lat", TF_PQT_DOUBLE, opt, 0, 0, NULL, 0},
        {"end_lng", TF_PQT_DOUBLE, opt, 0, 0, NULL, 0},
    };
    /* the temporary name and the rename come from tf_outfile; the Parquet
     * writer writes that same temporary file */
    tf_outfile out;
    if (tf_outfile_open(&out, path, err)) return err->code;
    if (!out.tmp) {
        tf_outfile_abort(&out);
        return tf_errf(err, TF_EINVAL, "%s: --format parquet needs a regular file (it is renamed into place)", path);
    }
    pq_emit e = {.rg_rows = row_group_rows > 0 ? row_group_rows : 122880, .nullable = opt};
    tf_pq_write_opts wo = tf_pq_write_defaults();
    wo.no_sync = 1; /* tf_outfile_commit syncs the file */
    wo.row_group_rows = e.rg_rows;
    int rc = tf_pq_writer_open(out.tmp, f, G_NCOLS, &wo, &e.w, err);
    if (!rc) rc = sp_gen_run(o, pq_row, pq_flush, &e, st, err);
    if (!rc) rc = pq_write_group(&e, err);
    if (e.w) {
        if (rc) tf_pq_writer_abort(e.w);
        else rc = tf_pq_writer_close(e.w, NULL, err);
    }
    pq_emit_free(&e);
    if (rc) {
        tf_outfile_abort(&out);
        return rc;
    }
    return tf_outfile_commit(&out, err);
}
