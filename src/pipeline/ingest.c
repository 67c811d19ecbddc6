/* ingest.c — the trips ingest job, stage by stage (see ingest.h): input and
 * content hash, run record, header, parallel parse with live progress,
 * rejects, dedupe and aggregation, and the single commit. */
#include "tripflow/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ingest_int.h"
#include "tripflow/fsutil.h"
#include "tripflow/hash.h"
#include "tripflow/sig.h"
#include "tripflow/trips_store.h"

#define REJECT_EVENTS_MAX 100

static char *default_reject_path(tf_store *s, int64_t run_id)
{
    const char *db = tf_store_path(s);
    size_t n = strlen(db);
    if (n > 3 && !strcmp(db + n - 3, ".db")) n -= 3;
    return tf_xasprintf("%.*s.rejects/run-%lld.csv", (int)n, db, (long long)run_id);
}

/* a stage begins: where the time went so far (wall and CPU of the process) */
static void stage(tf_events *bus, const char *source, const char *name, double t0)
{
    tf_events_emit(bus, "stage", json_pack("{s:s, s:s, s:f, s:f}", "source", source, "stage", name, "elapsed_s",
                                           tf_mono_s() - t0, "cpu_s", tf_cpu_s()));
}

static json_t *counts_json(const char *source, const tf_run_counts *c)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:I}", "source", source, "rows_read", (json_int_t)c->read, "rows_loaded",
                     (json_int_t)c->loaded, "rows_duplicate", (json_int_t)c->duplicate, "rows_rejected",
                     (json_int_t)c->rejected);
}

/* ---- the parse stage runs in a driver thread while this thread reports progress ---- */
typedef struct driver {
    ingest_ctx *ctx;
    int rc;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
} driver;

static void *drive_parse(void *ud)
{
    driver *d = ud;
    int rc = ingest_parse(d->ctx);
    pthread_mutex_lock(&d->lock);
    d->rc = rc;
    d->done = 1;
    pthread_cond_signal(&d->cond);
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

static void progress(tf_events *bus, ingest_ctx *ctx, const char *source, double t0)
{
    double el = tf_mono_s() - t0;
    long long bytes = atomic_load(&ctx->bytes_done) + (long long)(ctx->body - ctx->data);
    long long rows = atomic_load(&ctx->rows_done);
    tf_events_emit(bus, "progress",
                   json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:f, s:f, s:f}", "source", source, "stage", "parsing",
                             "bytes", (json_int_t)bytes, "bytes_total", (json_int_t)(ctx->end - ctx->data), "rows",
                             (json_int_t)rows, "rejected", (json_int_t)atomic_load(&ctx->rejects_seen), "elapsed_s",
                             el, "bytes_per_s", el > 0 ? (double)bytes / el : 0.0, "rows_per_s",
                             el > 0 ? (double)rows / el : 0.0));
}

static int run_parse(ingest_ctx *ctx, tf_events *bus, const char *source)
{
    driver d = {.ctx = ctx};
    pthread_mutex_init(&d.lock, NULL);
    pthread_cond_init(&d.cond, NULL);
    pthread_t tid;
    double t0 = tf_mono_s();
    pthread_create(&tid, NULL, drive_parse, &d);
    pthread_mutex_lock(&d.lock);
    while (!d.done) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 500 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&d.cond, &d.lock, &ts);
        if (!d.done) {
            pthread_mutex_unlock(&d.lock);
            progress(bus, ctx, source, t0);
            pthread_mutex_lock(&d.lock);
        }
    }
    pthread_mutex_unlock(&d.lock);
    pthread_join(tid, NULL);
    pthread_mutex_destroy(&d.lock);
    pthread_cond_destroy(&d.cond);
    if (d.rc == TF_OK) progress(bus, ctx, source, t0);
    return d.rc;
}

/* ---- rejects: written in line order, the first ones also as events ---- */
static int write_rejects(ingest_ctx *ctx, tf_events *bus, tf_rejects *rj, const char *source, tf_err *err)
{
    int64_t emitted = 0;
    for (int c = 0; c < ctx->nchunks; c++)
        for (size_t k = 0; k < ctx->chunks[c].rejects.n; k++) {
            reject_rec *r = &ctx->chunks[c].rejects.v[k];
            const char *field = r->field >= 0 ? tf_trip_field_names[r->field] : NULL;
            if (tf_rejects_add(rj, r->line, field, r->reason, r->rec, r->rec_len, err)) return err->code;
            if (emitted++ < REJECT_EVENTS_MAX)
                tf_events_emit(bus, "reject",
                               json_pack("{s:s, s:I, s:s?, s:s}", "source", source, "line", (json_int_t)r->line,
                                         "field", field, "reason", r->reason));
        }
    return TF_OK;
}

static const char *first_reject(ingest_ctx *ctx, char *buf, size_t n)
{
    for (int c = 0; c < ctx->nchunks; c++)
        if (ctx->chunks[c].rejects.n) {
            reject_rec *r = &ctx->chunks[c].rejects.v[0];
            snprintf(buf, n, "%s:%lld: %s%s%s", ctx->path, (long long)r->line,
                     r->field >= 0 ? tf_trip_field_names[r->field] : "", r->field >= 0 ? ": " : "", r->reason);
            return buf;
        }
    return "";
}

/* A run's final status and its last event commit together (see
 * tf_events_make), then the live sinks hear of it. */
static int end_run(tf_store *s, tf_events *bus, int64_t run_id, const char *status, const tf_run_counts *c,
                   const char *reject_file, const char *error, int64_t same_as, tf_event *ev, tf_err *err)
{
    int rc = tf_store_begin(s, err);
    if (!rc) rc = tf_runs_finish(s, run_id, status, c, reject_file, error, same_as, err);
    if (!rc) {
        tf_events_send(bus, ev, TF_SINKS_DURABLE);
        rc = tf_store_commit(s, err);
    } else {
        tf_store_rollback(s);
    }
    tf_events_send(bus, ev, TF_SINKS_LIVE);
    tf_event_free(ev);
    return rc;
}

static int fail_run(tf_store *s, tf_events *bus, int64_t run_id, const char *source, const tf_run_counts *c,
                    const char *reject_file, tf_err *err)
{
    tf_err e2 = {0};
    if (tf_store_in_tx(s)) tf_store_rollback(s);
    json_t *j = counts_json(source, c);
    json_object_set_new(j, "error", json_string(err->msg));
    if (reject_file) json_object_set_new(j, "reject_file", json_string(reject_file));
    if (end_run(s, bus, run_id, "failed", c, reject_file, err->msg, 0, tf_events_make(bus, "failed", j), &e2))
        fprintf(stderr, "tripflow: warning: could not record the failed run %lld: %s\n", (long long)run_id, e2.msg);
    return err->code;
}

int tf_ingest_file(tf_store *s, tf_events *bus, const char *path, const tf_ingest_opts *o, tf_ingest_result *res,
                   tf_err *err)
{
    memset(res, 0, sizeof *res);
    double t0 = tf_mono_s();
    const char *source = strcmp(path, "-") ? path : "stdin";
    int is_stdin = !strcmp(path, "-");
    tf_map map = {.fd = -1};
    tf_buf in = {0};
    const char *data;
    size_t size;
    if (is_stdin) {
        if (tf_read_all("-", &in, err)) return err->code;
        data = in.data ? in.data : "";
        size = in.len;
    } else {
        if (tf_map_open(path, &map, err)) return err->code;
        data = map.data;
        size = map.size;
    }
    res->bytes = (int64_t)size;

    char hash[33];
    tf_key_hex(tf_hash128(data, size), hash);
    int64_t same = 0, run_id = 0;
    tf_run_counts counts = {0, 0, 0, 0};
    int rc = tf_runs_find_loaded(s, hash, &same, err);
    if (rc) goto done;
    char opts_default[] = "{}";
    rc = tf_runs_begin(s, source, hash, (int64_t)size, o->options_json ? o->options_json : opts_default, &run_id, err);
    if (rc) goto done;
    res->run_id = run_id;
    tf_events_set_run(bus, run_id);
    if (same) {
        tf_event *ev = tf_events_make(bus, "already_loaded", json_pack("{s:s, s:s, s:I}", "source", source,
                                                                      "content_hash", hash, "same_as_run",
                                                                      (json_int_t)same));
        rc = end_run(s, bus, run_id, "already_loaded", &counts, NULL, NULL, same, ev, err);
        snprintf(res->status, sizeof res->status, "already_loaded");
        res->same_as = same;
        goto done;
    }
    tf_events_emit(bus, "started", json_pack("{s:s, s:I, s:s}", "source", source, "bytes", (json_int_t)size,
                                             "content_hash", hash));

    /* the grid trips are grouped on is a property of the database */
    tf_grid grid = o->grid;
    int grid_found = 0;
    tf_grid stored;
    if ((rc = tf_trips_get_grid(s, &stored, &grid_found, err))) goto failed_early;
    if (grid_found) {
        if (o->grid_given && (stored.precision != o->grid.precision || stored.bucket_us != o->grid.bucket_us)) {
            rc = tf_errf(err, TF_ESTATE,
                         "this database groups similar trips on geohash precision %d and %lld s time buckets (fixed "
                         "by its first run), not precision %d and %lld s; leave out --cell-precision and "
                         "--time-bucket, or use another database",
                         stored.precision, (long long)(stored.bucket_us / TF_US_PER_SEC), o->grid.precision,
                         (long long)(o->grid.bucket_us / TF_US_PER_SEC));
            goto failed_early;
        }
        grid = stored;
    }

    ingest_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.o = o;
    ctx.path = source;
    ctx.data = data;
    ctx.end = data + size;
    ctx.threads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (ctx.threads < 1) ctx.threads = 1;
    ctx.mapped = !is_stdin;
    intern_init(&ctx.names[0]);
    intern_init(&ctx.names[1]);
    pthread_mutex_init(&ctx.parts.lock, NULL);
    tf_fmap_init(&ctx.parts.index, sizeof(part_key) + 8, sizeof(part_key), 64);
    units un;
    memset(&un, 0, sizeof un);
    tf_lake_run *lr = NULL;
    char *reject_file = NULL;
    tf_rejects *rj = NULL;

    /* header */
    tf_csv_reader hr;
    tf_csv_init(&hr, data, ctx.end, ctx.end, 1);
    tf_csv_skip_bom(&hr);
    tf_csv_record head;
    if (tf_csv_next(&hr, &head)) {
        if ((rc = tf_trip_header(&head, &ctx.layout, err))) {
            tf_err_prefix(err, "%s:%lld: ", source, (long long)head.line);
            goto failed;
        }
        ctx.body = hr.cur;
        ctx.body_line = hr.line;
    } else {
        ctx.body = ctx.end;
        ctx.body_line = hr.line;
    }

    stage(bus, source, "parsing", t0);
    rc = run_parse(&ctx, bus, source);
    counts.rejected = atomic_load(&ctx.rejects_seen);
    for (int c = 0; c < ctx.nchunks; c++) counts.read += ctx.chunks[c].rows_read;

    char *want_rejects = o->reject_path ? tf_xstrdup(o->reject_path) : default_reject_path(s, run_id);
    if (counts.rejected) {
        int rrc = tf_rejects_open(want_rejects, &rj, err);
        if (!rrc) rrc = write_rejects(&ctx, bus, rj, source, err);
        if (!rrc) rrc = tf_rejects_close(rj, 0, err);
        else tf_rejects_close(rj, 1, NULL);
        rj = NULL;
        if (rrc) {
            rc = rrc;
            free(want_rejects);
            goto failed;
        }
        reject_file = want_rejects;
        res->reject_file = tf_xstrdup(reject_file);
    } else {
        free(want_rejects);
    }
    if (rc == TF_ECANCELED) {
        char first[512];
        if (atomic_load(&ctx.abort) == 1)
            rc = tf_errf(err, TF_ELIMIT, "more than %lld rows rejected (--max-rejects); first: %s",
                         (long long)o->max_rejects.rows, first_reject(&ctx, first, sizeof first));
        else
            rc = tf_errf(err, TF_ECANCELED, "interrupted; nothing of this run was kept");
        goto failed;
    }
    if (tf_reject_limit_exceeded(&o->max_rejects, counts.rejected, counts.read)) {
        char first[512];
        rc = tf_errf(err, TF_ELIMIT, "%lld of %lld rows rejected (%.2f%%), more than --max-rejects allows; first: %s",
                     (long long)counts.rejected, (long long)counts.read,
                     100.0 * (double)counts.rejected / (double)counts.read, first_reject(&ctx, first, sizeof first));
        goto failed;
    }

    stage(bus, source, "deduplicating", t0);
    int64_t unique = 0, dups = 0;
    ingest_scatter(&ctx, &un);
    if ((rc = tf_lake_run_begin(o->lake, run_id, &lr, err))) goto failed;
    tf_lake_run_set_file_rows(lr, o->file_rows);
    /* from here to the commit, one run at a time per lake */
    if ((rc = tf_lake_run_lock(lr, 0, err)) == TF_ESTATE) {
        stage(bus, source, "waiting", t0); /* another run of this lake is committing */
        rc = tf_lake_run_lock(lr, 1, err);
    }
    if (rc) goto failed;
    /* test hook: hold the lock a while, so that a concurrent run must wait
     * (tests/e2e/test_ingest_concurrent.sh) */
    if (getenv("TRIPFLOW_TEST_HOLD_LOCK_S")) sleep((unsigned)atoi(getenv("TRIPFLOW_TEST_HOLD_LOCK_S")));
    if ((rc = ingest_resolve_names(s, &ctx, &un, err))) goto failed;
    {
        /* the lake's key indexes of the partitions this run touches */
        int64_t *regions = tf_xcalloc((size_t)un.nparts + 1, sizeof *regions);
        int32_t *months = tf_xcalloc((size_t)un.nparts + 1, sizeof *months);
        int np = 0;
        for (int p = 0; p < un.nparts; p++)
            if (un.db_region[p]) {
                regions[np] = un.db_region[p];
                months[np++] = un.keys[p].month;
            }
        rc = tf_lake_run_prepare(lr, regions, months, np, err);
        free(regions);
        free(months);
        if (rc) goto failed;
    }
    if ((rc = ingest_dedupe(&ctx, &un, lr, &unique, &dups, err))) goto failed;
    counts.loaded = unique;
    counts.duplicate = dups;

    stage(bus, source, "committing", t0);
    json_t *fj = counts_json(source, &counts);
    json_object_set_new(fj, "status", json_string("loaded"));
    json_object_set_new(fj, "bytes", json_integer((json_int_t)size));
    if (reject_file) json_object_set_new(fj, "reject_file", json_string(reject_file));
    tf_event *done = NULL;
    rc = ingest_commit(s, bus, fj, t0, &done, &ctx, &un, lr, run_id, hash, &same, &grid, grid_found, &counts,
                       reject_file, err);
    if (rc == TF_OK) {
        tf_lake_run_committed(lr);
        /* test hook: die between the commit and the move of the lake files,
         * the window the next open must finish (tests/e2e/test_lake.sh) */
        if (getenv("TRIPFLOW_TEST_CRASH_AFTER_COMMIT")) _exit(137);
        tf_err pe = {0};
        if (tf_lake_run_publish(lr, &pe))
            fprintf(stderr,
                    "tripflow: warning: run %lld committed, but its lake files are not all in place (%s); the next "
                    "tripflow that opens the lake finishes the move\n",
                    (long long)run_id, pe.msg);
        tf_events_send(bus, done, TF_SINKS_LIVE);
    }
    tf_event_free(done);
    if (rc == TF_EEXIST && same) {
        /* another run loaded the same bytes while this one worked */
        tf_run_counts none = {0, 0, 0, 0};
        tf_event *ev = tf_events_make(bus, "already_loaded", json_pack("{s:s, s:s, s:I}", "source", source,
                                                                      "content_hash", hash, "same_as_run",
                                                                      (json_int_t)same));
        rc = end_run(s, bus, run_id, "already_loaded", &none, NULL, NULL, same, ev, err);
        snprintf(res->status, sizeof res->status, "already_loaded");
        res->same_as = same;
        counts = none;
        goto cleanup;
    }
    if (rc) {
        tf_err_prefix(err, "%s: ", source);
        goto failed;
    }
    res->seconds = tf_mono_s() - t0;
    snprintf(res->status, sizeof res->status, "loaded");
    goto cleanup;

failed:
    fail_run(s, bus, run_id, source, &counts, reject_file, err);
    snprintf(res->status, sizeof res->status, "failed");
cleanup:
    res->counts = counts;
    for (int c = 0; c < ctx.nchunks; c++) chunk_free(&ctx, &ctx.chunks[c]);
    tf_pool_free(&ctx.row_pool);
    free(ctx.chunks);
    ingest_names_free(&ctx);
    intern_free(&ctx.names[0]);
    intern_free(&ctx.names[1]);
    pthread_mutex_destroy(&ctx.parts.lock);
    tf_fmap_free(&ctx.parts.index);
    tf_vec_free(&ctx.parts.keys);
    units_free(&un);
    tf_lake_run_free(lr);
    free(reject_file);
    goto done;

failed_early:
    fail_run(s, bus, run_id, source, &counts, NULL, err);
    snprintf(res->status, sizeof res->status, "failed");
done:
    res->seconds = tf_mono_s() - t0;
    if (is_stdin) tf_buf_free(&in);
    else tf_map_close(&map);
    return rc;
}
