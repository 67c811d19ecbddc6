/* sp_job.c — the staypoints job: source -> grouping by user (extgroup) ->
 * tf_sp_compute -> sink, with rejects, the --max-rejects limit,
 * interruption and all-or-nothing output (see sp_job.h). */
#include "tripflow/sp_job.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tripflow/sig.h"
#include "tripflow/sp_io.h"

typedef struct job_state {
    const tf_sp_job *j;
    tf_sp_result *r;
    tf_sp_sink *sink;
    size_t rec_size;
    tf_sp_work work;
    TF_VEC(tf_sp_trip) trips;
} job_state;

/* the record grouped per user: tf_sp_trip without the start point unless
 * --max-distance needs it */
#define REC_SHORT offsetof(tf_sp_trip, start_lat)

static int on_user(void *ud, const char *key, size_t klen, void *recs, size_t n, tf_err *err)
{
    job_state *s = ud;
    s->r->users++;
    /* writing can take a while (a Parquet directory of many partitions) */
    if ((s->r->users & 1023) == 0) {
        int sig = tf_sig_interrupted();
        if (sig) return tf_errf(err, TF_ECANCELED, "interrupted by signal %d", sig);
    }
    tf_sp_trip *t = recs;
    if (s->rec_size != sizeof(tf_sp_trip)) {
        tf_vec_grow(&s->trips, n);
        for (size_t i = 0; i < n; i++) {
            memcpy(&s->trips.v[i], (const char *)recs + i * s->rec_size, s->rec_size);
            s->trips.v[i].start_lat = s->trips.v[i].start_lng = 0;
        }
        t = s->trips.v;
    }
    size_t k = tf_sp_compute(&s->j->ops, t, n, &s->work);
    if (!k) return TF_OK;
    tf_sp_row row = {.user_id = key, .user_len = klen, .sp = s->work.sp.v, .n = k};
    tf_sp_partition_keys(key, klen, &row.p1_len, &row.p2_off, &row.p2_len);
    s->r->users_out++;
    s->r->staypoints += (int64_t)k;
    return s->sink->write(s->sink, &row, err);
}

static int limit_error(const tf_sp_job *j, const tf_sp_result *r, tf_err *err)
{
    return tf_errf(err, TF_ELIMIT, "too many rejected rows: %lld of %lld rows read (--max-rejects %s); see %s",
                   (long long)r->rejected, (long long)r->rows, j->max_rejects_text ? j->max_rejects_text : "",
                   j->rejects);
}

int tf_sp_job_run(const tf_sp_job *j, tf_sp_result *r, tf_err *err)
{
    memset(r, 0, sizeof *r);
    tf_rejects *rej = NULL;
    tf_trip_source *src = NULL;
    tf_xgroup *g = NULL;
    tf_trip_batch b = {0};
    TF_VEC(const char *) keys = {0};
    tf_buf recs = {0};
    job_state s = {.j = j, .r = r};
    int keep_rejects = 0;
    struct stat st;
    if (stat(j->rejects, &st) == 0 && !S_ISREG(st.st_mode))
        return tf_errf(err, TF_EINVAL, "--reject %s: not a regular file (the reject file is renamed into place)",
                       j->rejects);
    int rc = tf_rejects_open(j->rejects, &rej, err);
    if (rc) goto done;
    tf_trip_source_opts so = {.format = j->input_format, .tz = j->tz, .rejects = rej};
    rc = tf_trip_source_open(j->input, &so, &src, err);
    if (rc) goto done;
    tf_sp_sink_opts sk = {.format = j->format, .row_group_rows = j->row_group_rows, .file_rows = j->file_rows};
    rc = tf_sp_sink_open(j->out, &sk, &s.sink, err);
    if (rc) goto done;
    int threads = j->threads > 0 ? j->threads : sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
    if (threads > 1) {
        /* overlap parsing with grouping, and formatting with computing */
        /* files and directories, never pipes: a read-ahead thread cannot be
         * interrupted while it waits on one */
        if (strcmp(j->input, "-") && stat(j->input, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
            src = tf_trip_source_prefetch(src);
        s.sink = tf_sp_sink_async(s.sink);
    }
    s.rec_size = j->ops.max_distance >= 0 ? sizeof(tf_sp_trip) : REC_SHORT;
    g = tf_xgroup_new(s.rec_size, j->memory, j->tmp_dir);

    for (;;) {
        int more = src->next(src, &b, err);
        r->rows = src->rows;
        r->rejected = src->rejected;
        if (more <= 0) {
            rc = more;
            break;
        }
        tf_vec_grow(&keys, b.n);
        tf_buf_clear(&recs);
        tf_buf_reserve(&recs, b.n * s.rec_size);
        for (size_t i = 0; i < b.n; i++) {
            tf_sp_trip t = {b.start[i], b.end[i], b.end_lat[i], b.end_lng[i], b.start_lat[i], b.start_lng[i]};
            memcpy(recs.data + i * s.rec_size, &t, s.rec_size);
            keys.v[i] = b.ids.data + b.uid_off[i];
        }
        rc = tf_xgroup_add_batch(g, keys.v, b.uid_len, recs.data, b.n, err);
        if (rc) break;
        r->trips += (int64_t)b.n;
        int sig = tf_sig_interrupted();
        if (sig) rc = tf_errf(err, TF_ECANCELED, "interrupted by signal %d", sig);
        else if (j->max_rejects.rows >= 0 && r->rejected > j->max_rejects.rows) rc = limit_error(j, r, err);
        if (rc) break;
    }
    if (rc == TF_OK && tf_reject_limit_exceeded(&j->max_rejects, r->rejected, r->rows)) rc = limit_error(j, r, err);
    if (rc == TF_ELIMIT) keep_rejects = 1;
    if (rc == TF_OK) rc = tf_xgroup_finish(g, on_user, &s, err);
    if (rc == TF_OK) {
        r->group = *tf_xgroup_get_stats(g);
        rc = s.sink->commit(s.sink, err);
    }
    if (rc == TF_OK) keep_rejects = 1;
done:
    if (g) r->group = *tf_xgroup_get_stats(g);
    tf_xgroup_free(g);
    if (s.sink) s.sink->close(s.sink);
    if (src) src->close(src);
    tf_trip_batch_free(&b);
    tf_vec_free(&keys);
    tf_buf_free(&recs);
    tf_sp_work_free(&s.work);
    tf_vec_free(&s.trips);
    if (rej) {
        int64_t n = tf_rejects_count(rej);
        tf_err e2 = {0};
        int rc2 = tf_rejects_close(rej, !keep_rejects, &e2);
        if (rc2 && rc == TF_OK) {
            *err = e2;
            rc = rc2;
        }
        r->rejects_published = keep_rejects && n > 0 && rc2 == TF_OK;
    }
    return rc;
}
