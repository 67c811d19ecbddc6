/* engine.c — the counting engine of one consumer (see engine.h): applies
 * messages to the window counts with the consumer's own watermark, keeps
 * dead letters and the ids of what it applied, and commits them all in one
 * store checkpoint.  Nothing here talks to a broker. */
#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tripflow/byteorder.h"
#include "tripflow/timeutil.h"

int engine_open(engine *e, const tf_stream_opts *o, tf_stream_summary *sum, tf_err *err)
{
    memset(e, 0, sizeof *e);
    e->o = o;
    e->sum = sum;
    e->max_event = TF_NO_TIME;
    tf_counts_init(&e->counted);
    tf_counts_init(&e->late);
    tf_arena_init(&e->dead_arena, 64 * 1024);
    static const char *units[] = {"us", "ms", "s", "iso"};
    if (o->time.unit == TF_TU_PROCESSING) snprintf(e->time_text, sizeof e->time_text, "processing");
    else snprintf(e->time_text, sizeof e->time_text, "%s:%s", o->time.field, units[o->time.unit]);
    if (o->win.window_us < TF_US_PER_SEC || o->win.window_us % TF_US_PER_SEC)
        return tf_errf(err, TF_EINVAL, "--window: expected a whole number of seconds, at least 1s");
    if (o->win.lateness_us < 0 || o->win.ooo_us < 0) return tf_errf(err, TF_EINVAL, "--lateness: must not be negative");
    if (tf_store_open(o->db, &e->store, err)) return err->code;
    e->job.table = o->table;
    e->job.key_field = o->key_field;
    e->job.time_spec = e->time_text;
    e->job.source = o->from;
    e->job.group = o->group;
    e->job.win = o->win;
    return tf_stream_job_open(e->store, &e->job, err);
}

void engine_close(engine *e)
{
    tf_counts_free(&e->counted);
    tf_counts_free(&e->late);
    tf_vec_free(&e->dead);
    tf_arena_free(&e->dead_arena);
    tf_buf_free(&e->key);
    tf_vec_free(&e->ids);
    xpool_free(e->pool);
    free(e->res);
    tf_store_close(e->store);
}

void engine_discard(engine *e)
{
    tf_counts_clear(&e->counted);
    tf_counts_clear(&e->late);
    e->dead.n = 0;
    tf_arena_reset(&e->dead_arena);
    e->ids.n = 0;
    e->ev = e->late_n = e->bad = e->dups = 0;
    e->oldest_read_us = 0;
}

int engine_resync(engine *e, tf_stream_position *pos, tf_err *err)
{
    engine_discard(e);
    int64_t now = tf_now_us();
    if (tf_stream_consumer_start(e->store, &e->job, e->o->consumer, now, pos, err)) return err->code;
    e->max_event = pos->max_event;
    e->lines = pos->lines;
    snprintf(e->last_id, sizeof e->last_id, "%s", pos->last_id);
    e->last_commit_us = e->last_early_us = now;
    return TF_OK;
}

static void note_read(engine *e, const char *id_text, const tf_sid *sid, int64_t now_us)
{
    if (!e->oldest_read_us) e->oldest_read_us = now_us;
    if (!e->sum->first_us) e->sum->first_us = now_us;
    if (sid) {
        tf_vec_grow(&e->ids, e->ids.n + 16);
        tf_be64_store(sid->ms, e->ids.v + e->ids.n);
        tf_be64_store(sid->seq, e->ids.v + e->ids.n + 8);
        e->ids.n += 16;
        snprintf(e->last_id, sizeof e->last_id, "%s", id_text);
    }
}

static void add_dead(engine *e, const char *id_text, const char *reason, const char *data, size_t n)
{
    tf_dead_letter d = {tf_arena_strdup(&e->dead_arena, id_text), tf_arena_strdup(&e->dead_arena, reason),
                        tf_arena_strndup(&e->dead_arena, data, n), n};
    tf_vec_push(&e->dead, d);
    e->bad++;
}

void engine_dead(engine *e, const char *id_text, const tf_sid *sid, const char *reason, const char *data, size_t n,
                 int64_t now_us)
{
    note_read(e, id_text, sid, now_us);
    add_dead(e, id_text, reason, data, n);
}

/* count an event: in its window, or as late when the window is final */
static void count(engine *e, const char *key, size_t key_len, int64_t t)
{
    int64_t ws = tf_window_start(&e->o->win, t);
    if (tf_window_is_final(&e->o->win, ws, tf_watermark(&e->o->win, e->max_event))) {
        tf_counts_add(&e->late, ws, key, key_len, 1);
        e->late_n++;
    } else {
        tf_counts_add(&e->counted, ws, key, key_len, 1);
        e->ev++;
    }
    if (e->max_event == TF_NO_TIME || t > e->max_event) e->max_event = t;
}

void engine_message(engine *e, const char *id_text, const tf_sid *sid, const char *data, size_t n, int64_t now_us)
{
    note_read(e, id_text, sid, now_us);
    tf_buf_clear(&e->key);
    int64_t t;
    tf_err perr = {0};
    if (tf_event_extract(data, n, e->o->key_field, &e->o->time, now_us, &e->key, &t, &perr)) {
        add_dead(e, id_text, perr.msg, data, n);
        return;
    }
    count(e, e->key.data, e->key.len, t);
}

void engine_messages(engine *e, const engine_msg *m, size_t n, int64_t now_us)
{
    if (n < 2) {
        for (size_t i = 0; i < n; i++) engine_message(e, m[i].id, m[i].sid, m[i].data, m[i].n, now_us);
        return;
    }
    if (!e->pool) e->pool = xpool_new(e->o);
    if (n > e->res_cap) {
        free(e->res);
        e->res = tf_xmalloc(n * sizeof *e->res);
        e->res_cap = n;
    }
    xres *res = e->res;
    xpool_extract(e->pool, m, n, now_us, res);
    for (size_t i = 0; i < n; i++) {
        note_read(e, m[i].id, m[i].sid, now_us);
        if (res[i].err) add_dead(e, m[i].id, res[i].err, m[i].data, m[i].n);
        else count(e, xpool_key(e->pool, &res[i]), res[i].key_len, res[i].t);
    }
}

int engine_pending(const engine *e) { return e->ev + e->late_n + e->bad > 0; }

int engine_due(const engine *e, int64_t now_us)
{
    if (now_us - e->last_commit_us >= e->o->commit_interval_us) return 1;
    if (e->o->early_us && now_us - e->last_early_us >= e->o->early_us) return 1;
    /* bound what a crash would re-read */
    return e->ev + e->late_n + e->bad >= 1000000;
}

int engine_checkpoint(engine *e, int stopping, int flush, int64_t *committed_seq, tf_err *err)
{
    int64_t now = tf_now_us();
    int early = e->o->early_us && now - e->last_early_us >= e->o->early_us;
    tf_stream_ckpt c = {
        .consumer = e->o->consumer,
        .counted = &e->counted,
        .late = &e->late,
        .dead = e->dead.v,
        .ndead = e->dead.n,
        .max_event = e->max_event,
        .lines = e->lines,
        .last_id = e->last_id[0] ? e->last_id : NULL,
        .events = e->ev,
        .late_events = e->late_n,
        .bad = e->bad,
        .ids = e->ids.v,
        .nids = e->ids.n / 16,
        .seq = e->ids.n ? e->seq + 1 : 0,
        .acked_upto = e->acked_upto,
        .oldest_read_us = e->oldest_read_us,
        .max_age_us = e->o->claim_idle_us / 2,
        .early = early,
        .stopping = stopping,
        .flush = flush,
        .consumer_timeout_us = e->o->consumer_timeout_us,
        .now_us = now,
    };
    tf_stream_ckpt_result r;
    if (tf_stream_checkpoint(e->store, &e->job, &c, &r, err)) return err->code;
    *committed_seq = c.seq;
    if (c.seq) e->seq = c.seq;
    e->sum->events += e->ev - r.late_at_commit;
    e->sum->late += e->late_n + r.late_at_commit;
    e->sum->bad += e->bad;
    e->sum->duplicates += e->dups;
    e->sum->messages += e->ev + e->late_n + e->bad + e->dups;
    if (e->ev + e->late_n + e->bad + e->dups) e->sum->last_us = tf_now_us();
    e->sum->windows_final += r.windows_final;
    e->sum->checkpoints++;
    if (r.late_at_commit)
        engine_note(e, "%lld events came after another consumer had finalized their windows: counted as late",
                    (long long)r.late_at_commit);
    e->last_commit_us = now;
    if (early) e->last_early_us = now;
    engine_discard(e);
    return TF_OK;
}

void engine_note(const engine *e, const char *fmt, ...)
{
    if (e->o->quiet) return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tripflow stream: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
