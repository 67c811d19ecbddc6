/* sp_async.c — pipelining for the staypoints job: a trip source read a few
 * batches ahead by a thread of its own, and a staypoint sink fed by a writer
 * thread, so that parsing, grouping and formatting overlap (see sp_io.h).
 *
 * Both use a ring of NSLOT buffers under one mutex: the producer fills a
 * free slot, the consumer takes full slots in order.  Memory stays bounded
 * by the ring.  Helper threads block SIGINT/SIGTERM; a stop flag ends them. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/sp_io.h"

#define NSLOT 3

typedef struct ring {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    int head, count; /* slots head .. head+count-1 are full */
    int stop;        /* the consumer gave up: the producer ends */
} ring;

static void ring_init(ring *r)
{
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->changed, NULL);
    r->head = r->count = r->stop = 0;
}

static void ring_destroy(ring *r)
{
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->changed);
}

/* producer: the index of a free slot, or -1 when told to stop */
static int ring_wait_free(ring *r)
{
    pthread_mutex_lock(&r->mu);
    while (r->count == NSLOT && !r->stop) pthread_cond_wait(&r->changed, &r->mu);
    int i = r->stop ? -1 : (r->head + r->count) % NSLOT;
    pthread_mutex_unlock(&r->mu);
    return i;
}

static void ring_publish(ring *r)
{
    pthread_mutex_lock(&r->mu);
    r->count++;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->mu);
}

/* consumer: the index of the oldest full slot (waits), -1 when stopped */
static int ring_wait_full(ring *r)
{
    pthread_mutex_lock(&r->mu);
    while (r->count == 0 && !r->stop) pthread_cond_wait(&r->changed, &r->mu);
    int i = r->stop ? -1 : r->head;
    pthread_mutex_unlock(&r->mu);
    return i;
}

static void ring_release(ring *r)
{
    pthread_mutex_lock(&r->mu);
    r->head = (r->head + 1) % NSLOT;
    r->count--;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->mu);
}

static void ring_stop(ring *r)
{
    pthread_mutex_lock(&r->mu);
    r->stop = 1;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->mu);
}

/* Start a helper thread with SIGINT and SIGTERM blocked, so that they reach
 * the main thread, which checks for them (and may wait in a read they must
 * interrupt). */
static int spawn(pthread_t *th, void *(*fn)(void *), void *arg)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(th, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* ---- source read ahead ---- */
typedef struct pre_slot {
    tf_trip_batch b;
    int more;               /* inner->next's result */
    int64_t rows, rejected; /* the inner source's counters after this batch */
    tf_err err;
} pre_slot;

typedef struct pre_src {
    tf_trip_source base;
    tf_trip_source *inner;
    ring r;
    pre_slot slot[NSLOT];
    pthread_t th;
    int started, ended;
} pre_src;

static void *pre_main(void *arg)
{
    pre_src *p = arg;
    for (;;) {
        int i = ring_wait_free(&p->r);
        if (i < 0) break;
        pre_slot *s = &p->slot[i];
        tf_err_clear(&s->err);
        s->more = p->inner->next(p->inner, &s->b, &s->err);
        s->rows = p->inner->rows;
        s->rejected = p->inner->rejected;
        ring_publish(&p->r);
        if (s->more <= 0) break; /* end of input or an error: nothing more to read */
    }
    return NULL;
}

static int pre_next(tf_trip_source *base, tf_trip_batch *b, tf_err *err)
{
    pre_src *p = (pre_src *)base;
    if (p->ended) {
        tf_trip_batch_clear(b);
        return 0;
    }
    if (!p->started) {
        p->started = 1;
        if (spawn(&p->th, pre_main, p) != 0) {
            p->started = 0;
            p->ended = 1;
            return tf_errf(err, TF_EIO, "cannot start the reading thread");
        }
    }
    int i = ring_wait_full(&p->r);
    pre_slot *s = &p->slot[i];
    /* hand the filled batch over; its old storage goes back to the ring */
    tf_trip_batch t = *b;
    *b = s->b;
    s->b = t;
    int more = s->more;
    base->rows = s->rows;
    base->rejected = s->rejected;
    if (more < 0) *err = s->err;
    if (more <= 0) p->ended = 1;
    ring_release(&p->r);
    return more;
}

static void pre_close(tf_trip_source *base)
{
    pre_src *p = (pre_src *)base;
    if (p->started) {
        ring_stop(&p->r);
        pthread_join(p->th, NULL);
    }
    for (int i = 0; i < NSLOT; i++) tf_trip_batch_free(&p->slot[i].b);
    ring_destroy(&p->r);
    p->inner->close(p->inner);
    free(p);
}

tf_trip_source *tf_trip_source_prefetch(tf_trip_source *inner)
{
    pre_src *p = tf_xcalloc(1, sizeof *p);
    p->base.kind = inner->kind;
    p->base.next = pre_next;
    p->base.close = pre_close;
    p->inner = inner;
    ring_init(&p->r);
    return &p->base;
}

/* ---- sink write behind ----
 * A block holds rows serialised as: row header, user_id bytes, then the
 * staypoints. */
typedef struct row_head {
    uint64_t user_len, p1_len, p2_off, p2_len, n;
} row_head;

#define BLOCK_BYTES (1u << 20)

typedef struct wb_slot {
    tf_buf data;
} wb_slot;

typedef struct wb_sink {
    tf_sp_sink base;
    tf_sp_sink *inner;
    ring r;
    wb_slot slot[NSLOT];
    int cur;      /* the slot being filled by the caller, -1 none */
    pthread_t th;
    int started;
    int failed;   /* the writer stopped on an error (in werr) */
    tf_err werr;
} wb_sink;

static int write_block(wb_sink *w, const tf_buf *blk)
{
    size_t at = 0;
    while (at < blk->len) {
        row_head h;
        memcpy(&h, blk->data + at, sizeof h);
        at += sizeof h;
        tf_sp_row row = {.user_id = blk->data + at, .user_len = h.user_len, .p1_len = h.p1_len,
                         .p2_off = h.p2_off, .p2_len = h.p2_len, .n = h.n};
        at += (h.user_len + 7) & ~(size_t)7;
        row.sp = (const tf_staypoint *)(blk->data + at);
        at += h.n * sizeof(tf_staypoint);
        if (w->inner->write(w->inner, &row, &w->werr)) return -1;
    }
    return 0;
}

static void *wb_main(void *arg)
{
    wb_sink *w = arg;
    for (;;) {
        int i = ring_wait_full(&w->r);
        if (i < 0) break;
        int bad = !w->failed && write_block(w, &w->slot[i].data);
        tf_buf_clear(&w->slot[i].data);
        if (bad) {
            pthread_mutex_lock(&w->r.mu);
            w->failed = 1;
            pthread_mutex_unlock(&w->r.mu);
        }
        ring_release(&w->r);
    }
    return NULL;
}

static int wb_failed(wb_sink *w, tf_err *err)
{
    pthread_mutex_lock(&w->r.mu);
    int f = w->failed;
    pthread_mutex_unlock(&w->r.mu);
    if (f) *err = w->werr;
    return f ? (w->werr.code ? w->werr.code : TF_EIO) : TF_OK;
}

/* hand the block being filled to the writer */
static int wb_flush(wb_sink *w, tf_err *err)
{
    if (w->cur < 0) return TF_OK;
    ring_publish(&w->r);
    w->cur = -1;
    return wb_failed(w, err);
}

static int wb_write(tf_sp_sink *base, const tf_sp_row *r, tf_err *err)
{
    wb_sink *w = (wb_sink *)base;
    if (!w->started) {
        if (spawn(&w->th, wb_main, w) != 0) return tf_errf(err, TF_EIO, "cannot start the writing thread");
        w->started = 1;
    }
    if (w->cur < 0) {
        w->cur = ring_wait_free(&w->r);
        if (w->cur < 0) return wb_failed(w, err);
    }
    tf_buf *b = &w->slot[w->cur].data;
    row_head h = {r->user_len, r->p1_len, r->p2_off, r->p2_len, r->n};
    size_t pad = ((r->user_len + 7) & ~(size_t)7) - r->user_len;
    tf_buf_append(b, &h, sizeof h);
    tf_buf_append(b, r->user_id, r->user_len);
    tf_buf_append(b, "\0\0\0\0\0\0\0", pad);
    tf_buf_append(b, r->sp, r->n * sizeof *r->sp);
    base->rows++;
    base->staypoints += (int64_t)r->n;
    return b->len >= BLOCK_BYTES ? wb_flush(w, err) : TF_OK;
}

static int wb_commit(tf_sp_sink *base, tf_err *err)
{
    wb_sink *w = (wb_sink *)base;
    int rc = wb_flush(w, err);
    if (w->started) {
        /* wait until the writer has emptied the ring, then stop it */
        pthread_mutex_lock(&w->r.mu);
        while (w->r.count > 0) pthread_cond_wait(&w->r.changed, &w->r.mu);
        pthread_mutex_unlock(&w->r.mu);
        ring_stop(&w->r);
        pthread_join(w->th, NULL);
        w->started = 0;
    }
    if (rc == TF_OK) rc = wb_failed(w, err);
    if (rc == TF_OK) rc = w->inner->commit(w->inner, err);
    return rc;
}

static void wb_close(tf_sp_sink *base)
{
    wb_sink *w = (wb_sink *)base;
    if (w->started) {
        ring_stop(&w->r);
        pthread_join(w->th, NULL);
    }
    for (int i = 0; i < NSLOT; i++) tf_buf_free(&w->slot[i].data);
    ring_destroy(&w->r);
    w->inner->close(w->inner);
    free(w);
}

tf_sp_sink *tf_sp_sink_async(tf_sp_sink *inner)
{
    wb_sink *w = tf_xcalloc(1, sizeof *w);
    w->base.write = wb_write;
    w->base.commit = wb_commit;
    w->base.close = wb_close;
    w->inner = inner;
    w->cur = -1;
    ring_init(&w->r);
    return &w->base;
}
