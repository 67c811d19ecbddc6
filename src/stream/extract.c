/* extract.c — the key and event time of a batch of messages, found on two
 * threads (see engine.h): validating a GA4 event's JSON is most of what a
 * consumer spends per message, and it depends on nothing but the message,
 * so the calling thread and one helper take slices of the batch as they
 * come free.  The counting that follows stays on the calling thread, in
 * message order. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine.h"

#define SLICE 16 /* messages taken at a time: a few tens of microseconds of work */

typedef struct side {
    tf_buf keys;    /* the keys found by this thread, one after the other */
    tf_arena errs;  /* the reasons of the messages it rejected */
} side;

struct xpool {
    const tf_stream_opts *o;
    side sides[2];  /* 0: the calling thread, 1: the helper */
    /* the batch, set by the calling thread before it opens the batch */
    const engine_msg *m;
    xres *res;
    size_t n;
    int64_t now_us;
    atomic_size_t next; /* the next message not yet taken */
    /* hand-off */
    pthread_t helper;
    int have_helper;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    uint64_t gen;   /* batches opened */
    int open;       /* the batch may still be taken from */
    int helper_in;  /* the helper is working on the batch */
    int quit;
};

static void take_slices(xpool *p, int s)
{
    side *sd = &p->sides[s];
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, SLICE);
        if (i >= p->n) return;
        size_t end = i + SLICE < p->n ? i + SLICE : p->n;
        for (; i < end; i++) {
            xres *r = &p->res[i];
            size_t before = sd->keys.len;
            tf_err err = {0};
            r->side = s;
            if (tf_event_extract(p->m[i].data, p->m[i].n, p->o->key_field, &p->o->time, p->now_us, &sd->keys, &r->t,
                                 &err)) {
                sd->keys.len = before;
                r->err = tf_arena_strdup(&sd->errs, err.msg);
                continue;
            }
            r->err = NULL;
            r->key_off = before;
            r->key_len = sd->keys.len - before;
        }
    }
}

static void *helper_main(void *ud)
{
    xpool *p = ud;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->gen == seen && !p->quit) pthread_cond_wait(&p->changed, &p->lock);
        if (p->quit) break;
        seen = p->gen;
        if (!p->open) continue; /* the caller finished it alone */
        p->helper_in = 1;
        pthread_mutex_unlock(&p->lock);
        take_slices(p, 1);
        pthread_mutex_lock(&p->lock);
        p->helper_in = 0;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

xpool *xpool_new(const tf_stream_opts *o)
{
    xpool *p = tf_xcalloc(1, sizeof *p);
    p->o = o;
    for (int s = 0; s < 2; s++) tf_arena_init(&p->sides[s].errs, 4096);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->changed, NULL);
    /* one CPU: the helper would only take turns with the caller */
    if (sysconf(_SC_NPROCESSORS_ONLN) > 1 && !pthread_create(&p->helper, NULL, helper_main, p)) p->have_helper = 1;
    return p;
}

void xpool_free(xpool *p)
{
    if (!p) return;
    if (p->have_helper) {
        pthread_mutex_lock(&p->lock);
        p->quit = 1;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
        pthread_join(p->helper, NULL);
    }
    for (int s = 0; s < 2; s++) {
        tf_buf_free(&p->sides[s].keys);
        tf_arena_free(&p->sides[s].errs);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->changed);
    free(p);
}

void xpool_extract(xpool *p, const engine_msg *m, size_t n, int64_t now_us, xres *res)
{
    for (int s = 0; s < 2; s++) {
        tf_buf_clear(&p->sides[s].keys);
        tf_arena_reset(&p->sides[s].errs);
    }
    p->m = m;
    p->res = res;
    p->n = n;
    p->now_us = now_us;
    atomic_store(&p->next, 0);
    int shared = p->have_helper && n > SLICE;
    if (shared) {
        pthread_mutex_lock(&p->lock);
        p->open = 1;
        p->gen++;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->lock);
    }
    take_slices(p, 0);
    if (shared) {
        /* every slice is taken; wait for the helper's last one */
        pthread_mutex_lock(&p->lock);
        p->open = 0;
        while (p->helper_in) pthread_cond_wait(&p->changed, &p->lock);
        pthread_mutex_unlock(&p->lock);
    }
}

const char *xpool_key(const xpool *p, const xres *r) { return p->sides[r->side].keys.data + r->key_off; }
