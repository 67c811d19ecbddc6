/* ingest.c — the trips ingest job, stage by stage (see ingest.h): input and
 * content hash, run record, header, parallel parse with live progress,
 * rejects, dedupe and aggregation, and the single commit. */
#include "tripflow/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
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

static void drop_pages(const void *p, size_t n, void *ud)
{
    (void)ud;
    uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, b = ((uintptr_t)p + n) & ~(uintptr_t)4095;
    if (b > a) madvise((void *)a, b - a, MADV_DONTNEED);
}

/* The last segment's rows (the chunk slots) and chunks are freed on a
 * thread of their own while the run publishes its files: giving hundreds of
 * MB back to the kernel takes tens of milliseconds. */
typedef struct reaper {
    pthread_t tid;
    int running;
    units u;
    chunk *chunks;
    int n;
    tf_span rows;
} reaper;

static void *reap(void *ud)
{
    reaper *r = ud;
    units_free(&r->u);
    for (int c = 0; c < r->n; c++) chunk_free(&r->chunks[c]);
    tf_span_free(&r->rows);
    return NULL;
}

static void reap_start(reaper *r, units *u, chunk *chunks, int n, tf_span *rows)
{
    r->u = *u;
    memset(u, 0, sizeof *u);
    r->chunks = chunks;
    r->n = n;
    r->rows = *rows;
    memset(rows, 0, sizeof *rows);
    if (pthread_create(&r->tid, NULL, reap, r) == 0) r->running = 1;
    else reap(r);
}

static void reap_wait(reaper *r)
{
    if (r->running) pthread_join(r->tid, NULL);
    r->running = 0;
}

/* a stage begins: where the time went so far (wall and CPU of the process) */
static void stage(tf_events *bus, const char *source, const char *name, double t0)
{
    tf_events_emit(bus, "stage", json_pack("{s:s, s:s, s:f, s:f}", "source", source, "stage", name, "elapsed_s",
                                           tf_mono_s() - t0, "cpu_s", tf_cpu_s()));
}

/* a stage of one segment of several: says which */
static void seg_stage(tf_events *bus, const char *source, const char *name, double t0, int seg, int nseg)
{
    if (nseg <= 1) {
        stage(bus, source, name, t0);
        return;
    }
    tf_events_emit(bus, "stage", json_pack("{s:s, s:s, s:i, s:i, s:f, s:f}", "source", source, "stage", name,
                                           "segment", seg, "segments", nseg, "elapsed_s", tf_mono_s() - t0, "cpu_s",
                                           tf_cpu_s()));
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
    int c0, c1;
    int rc;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
} driver;

static void *drive_parse(void *ud)
{
    driver *d = ud;
    int rc = ingest_parse_segment(d->ctx, d->c0, d->c1);
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

static int run_parse(ingest_ctx *ctx, int c0, int c1, tf_events *bus, const char *source, double t0)
{
    driver d = {.ctx = ctx, .c0 = c0, .c1 = c1};
    pthread_mutex_init(&d.lock, NULL);
    pthread_cond_init(&d.cond, NULL);
    pthread_t tid;
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
typedef struct rejects_out {
    char *path;      /* where they go */
    tf_rejects *rj;  /* open once a row is rejected */
    int64_t emitted; /* as events */
    char first[512]; /* the first, for error messages */
} rejects_out;

static int write_rejects(ingest_ctx *ctx, int c0, int c1, tf_events *bus, rejects_out *ro, const char *source,
                         tf_err *err)
{
    for (int c = c0; c < c1; c++)
        for (size_t k = 0; k < ctx->chunks[c].rejects.n; k++) {
            reject_rec *r = &ctx->chunks[c].rejects.v[k];
            const char *field = r->field >= 0 ? tf_trip_field_names[r->field] : NULL;
            if (!ro->rj) {
                if (tf_rejects_open(ro->path, &ro->rj, err)) return err->code;
                snprintf(ro->first, sizeof ro->first, "%s:%lld: %s%s%s", ctx->path, (long long)r->line,
                         field ? field : "", field ? ": " : "", r->reason);
            }
            if (tf_rejects_add(ro->rj, r->line, field, r->reason, r->rec, r->rec_len, err)) return err->code;
            if (ro->emitted++ < REJECT_EVENTS_MAX)
                tf_events_emit(bus, "reject",
                               json_pack("{s:s, s:I, s:s?, s:s}", "source", source, "line", (json_int_t)r->line,
                                         "field", field, "reason", r->reason));
        }
    return TF_OK;
}

/* The reject file goes into place (also when the run fails: it is kept for
 * diagnosis); NULL when nothing was rejected. */
static char *close_rejects(rejects_out *ro, tf_err *err)
{
    if (!ro->rj) return NULL;
    int rc = tf_rejects_close(ro->rj, 0, err);
    ro->rj = NULL;
    return rc ? NULL : tf_xstrdup(ro->path);
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

    /* The content hash: up front when a loaded run has the same size (the
     * file may be one already loaded: then nothing else is read); otherwise
     * the parse threads hash each piece as they read it (one piece per
     * chunk), and the commit checks it. */
    char hash[33] = "";
    int64_t same = 0, run_id = 0;
    tf_run_counts counts = {0, 0, 0, 0};
    int same_size = 0;
    int rc = tf_runs_loaded_size(s, (int64_t)size, &same_size, err);
    if (rc) goto done;
    int fused = !same_size && ingest_chunk_bytes(o) == (int64_t)TF_CONTENT_PIECE;
    if (!fused) {
        /* a mapped file's pages go as soon as they are hashed: the parse maps
         * them again chunk by chunk, so a big file never sits in memory whole */
        int nthreads = o->threads > 0 ? o->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
        tf_key_hex(tf_content_hash(data, size, nthreads, is_stdin ? NULL : drop_pages, NULL), hash);
        if ((rc = tf_runs_find_loaded(s, hash, &same, err))) goto done;
    }
    char opts_default[] = "{}";
    rc = tf_runs_begin(s, source, fused ? NULL : hash, (int64_t)size,
                       o->options_json ? o->options_json : opts_default, &run_id, err);
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
    tf_events_emit(bus, "started", json_pack("{s:s, s:I, s:s*}", "source", source, "bytes", (json_int_t)size,
                                             "content_hash", fused ? NULL : hash));

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
    ctx.mapped = !is_stdin && size > 0; /* an empty file has no mapping */
    intern_init(&ctx.names[0]);
    intern_init(&ctx.names[1]);
    pthread_mutex_init(&ctx.parts.lock, NULL);
    tf_fmap_init(&ctx.parts.index, sizeof(part_key) + 8, sizeof(part_key), 64);
    units un;
    memset(&un, 0, sizeof un);
    reaper rp;
    memset(&rp, 0, sizeof rp);
    tf_lake_run *lr = NULL;
    char *reject_file = NULL;
    rejects_out ro;
    memset(&ro, 0, sizeof ro);
    ro.path = o->reject_path ? tf_xstrdup(o->reject_path) : default_reject_path(s, run_id);

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

    if ((rc = ingest_plan(&ctx, o->memory > 0 ? o->memory : TF_INGEST_MEMORY, err))) goto failed;
    if (fused) {
        ctx.npieces = tf_content_pieces(size);
        ctx.pieces = tf_xcalloc(16 * ctx.npieces + 1, 1);
        ctx.piece_done = tf_xcalloc(ctx.npieces + 1, 1);
    }
    int nseg = (ctx.nchunks + ctx.seg_chunks - 1) / ctx.seg_chunks;
    int64_t unique = 0, dups = 0;
    tf_event *done = NULL;
    /* Segments: each is parsed, deduplicated (against the lake and the
     * segments before) and written to staged lake files; the last one
     * commits the run. */
    for (int seg = 1, c0 = 0; c0 < ctx.nchunks; seg++) {
        int c1 = c0 + ctx.seg_chunks < ctx.nchunks ? c0 + ctx.seg_chunks : ctx.nchunks, last = c1 == ctx.nchunks;
        seg_stage(bus, source, "parsing", t0, seg, nseg);
        rc = run_parse(&ctx, c0, c1, bus, source, t0);
        counts.rejected = atomic_load(&ctx.rejects_seen);
        for (int c = c0; c < c1; c++) counts.read += ctx.chunks[c].rows_read;
        int rrc = write_rejects(&ctx, c0, c1, bus, &ro, source, err);
        if (rrc) {
            rc = rrc;
            goto failed;
        }
        if (rc == TF_ECANCELED) {
            if (atomic_load(&ctx.abort) == 1)
                rc = tf_errf(err, TF_ELIMIT, "more than %lld rows rejected (--max-rejects); first: %s",
                             (long long)o->max_rejects.rows, ro.first);
            else
                rc = tf_errf(err, TF_ECANCELED, "interrupted; nothing of this run was kept");
            goto failed;
        }
        if (last && tf_reject_limit_exceeded(&o->max_rejects, counts.rejected, counts.read)) {
            rc = tf_errf(err, TF_ELIMIT,
                         "%lld of %lld rows rejected (%.2f%%), more than --max-rejects allows; first: %s",
                         (long long)counts.rejected, (long long)counts.read,
                         100.0 * (double)counts.rejected / (double)counts.read, ro.first);
            goto failed;
        }
        if (last && fused) {
            /* pieces past the last chunk (or of chunks parsed again) */
            for (size_t p = 0; p < ctx.npieces; p++)
                if (!ctx.piece_done[p]) tf_content_piece(data, size, p, ctx.pieces + 16 * p);
            tf_key_hex(tf_content_combine(ctx.pieces, ctx.npieces), hash);
        }
        if (last) {
            reject_file = close_rejects(&ro, err);
            if (ro.first[0] && !reject_file) {
                rc = err->code;
                goto failed;
            }
            if (reject_file) res->reject_file = tf_xstrdup(reject_file);
        }

        seg_stage(bus, source, "deduplicating", t0, seg, nseg);
        ingest_units(&ctx, &un);
        if (!lr) {
            if ((rc = tf_lake_run_begin(o->lake, run_id, &lr, err))) goto failed;
            tf_lake_run_set_file_rows(lr, o->file_rows);
            /* from here to the commit, one run at a time per lake */
            if ((rc = tf_lake_run_lock(lr, 0, err)) == TF_ESTATE) {
                stage(bus, source, "waiting", t0); /* another run of this lake is committing */
                rc = tf_lake_run_lock(lr, 1, err);
            }
            if (rc) goto failed;
            /* test hook: hold the lock a while, so that a concurrent run must
             * wait (tests/e2e/test_ingest_concurrent.sh) */
            if (getenv("TRIPFLOW_TEST_HOLD_LOCK_S")) sleep((unsigned)atoi(getenv("TRIPFLOW_TEST_HOLD_LOCK_S")));
        }
        if ((rc = ingest_resolve_names(s, &ctx, &un, err))) goto failed;
        {
            /* the files holding the stored trips of the partitions this
             * segment touches: the lake's, and those of the segments before */
            uint32_t *tags = tf_xcalloc((size_t)un.nparts + 1, sizeof *tags);
            int32_t *months = tf_xcalloc((size_t)un.nparts + 1, sizeof *months);
            for (int p = 0; p < un.nparts; p++) {
                tags[p] = un.keys[p].region;
                months[p] = un.keys[p].month;
            }
            rc = tf_lake_run_prepare(lr, tags, un.db_region, months, un.nparts, err);
            free(tags);
            free(months);
            if (rc) goto failed;
        }
        int64_t su = 0, sd = 0;
        if ((rc = ingest_dedupe(&ctx, &un, lr, &su, &sd, err))) goto failed;
        unique += su;
        dups += sd;
        counts.loaded = unique;
        counts.duplicate = dups;

        seg_stage(bus, source, last ? "committing" : "writing", t0, seg, nseg);
        if (!last) {
            if ((rc = ingest_write_segment(&ctx, &un, lr, &grid, err))) goto failed;
        } else {
            json_t *fj = counts_json(source, &counts);
            json_object_set_new(fj, "status", json_string("loaded"));
            json_object_set_new(fj, "bytes", json_integer((json_int_t)size));
            json_object_set_new(fj, "content_hash", json_string(hash));
            if (reject_file) json_object_set_new(fj, "reject_file", json_string(reject_file));
            rc = ingest_commit(s, bus, fj, t0, &done, &ctx, &un, lr, run_id, hash, &same, &grid, grid_found, &counts,
                               reject_file, err);
        }
        if (last) {
            reap_start(&rp, &un, ctx.chunks + c0, c1 - c0, &ctx.rows);
        } else {
            units_free(&un);
            for (int c = c0; c < c1; c++) chunk_free(&ctx.chunks[c]);
        }
        c0 = c1;
    }
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
    if (ro.rj) {
        tf_err e3 = {0};
        reject_file = close_rejects(&ro, &e3);
        if (reject_file) res->reject_file = tf_xstrdup(reject_file);
    }
    fail_run(s, bus, run_id, source, &counts, reject_file, err);
    snprintf(res->status, sizeof res->status, "failed");
cleanup:
    reap_wait(&rp);
    res->counts = counts;
    for (int c = 0; c < ctx.nchunks; c++) chunk_free(&ctx.chunks[c]);
    tf_span_free(&ctx.rows);
    free(ctx.pieces);
    free(ctx.piece_done);
    ingest_aggs_free(&ctx);
    free(ro.path);
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
