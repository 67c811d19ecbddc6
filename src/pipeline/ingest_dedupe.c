/* ingest_dedupe.c — the units and dedupe stages of ingest.
 *
 * A unit is a partition (region, month) and key bucket (the top KEY_BITS
 * bits of the trip key); the parse left each chunk's rows grouped by unit,
 * so a unit is a run of rows in each chunk of the segment.  Two equal trips
 * always fall into the same unit, so units are deduplicated independently,
 * in parallel, with a small hash set of keys that stays in cache, reading
 * the unit's runs in chunk order (input order).  Duplicates are flagged in
 * place (TF_TRIP_DUP); the lake writers aggregate the unique rows
 * (ingest_commit.c). */
#include <stdlib.h>
#include <string.h>

#include "ingest_int.h"
#include "tripflow/sig.h"

/* fn on nt threads, thread t getting the t-th of ctx_size-byte contexts */
static void run_threads(int nt, void *(*fn)(void *), void *ctxs, size_t ctx_size)
{
    pthread_t *tids = tf_xcalloc((size_t)nt, sizeof *tids);
    for (int t = 1; t < nt; t++) pthread_create(&tids[t], NULL, fn, (char *)ctxs + (size_t)t * ctx_size);
    fn(ctxs);
    for (int t = 1; t < nt; t++) pthread_join(tids[t], NULL);
    free(tids);
}

void ingest_units(ingest_ctx *ctx, units *u)
{
    memset(u, 0, sizeof *u);
    u->nparts = (int)ctx->parts.keys.n;
    u->keys = tf_xmalloc(((size_t)u->nparts + 1) * sizeof *u->keys);
    if (u->nparts) memcpy(u->keys, ctx->parts.keys.v, (size_t)u->nparts * sizeof *u->keys);
    u->ch = ctx->chunks + ctx->seg_c0;
    u->nch = ctx->seg_c1 - ctx->seg_c0;
    size_t nunits = (size_t)u->nparts * KEY_BUCKETS;
    u->n = tf_xcalloc(nunits + 1, sizeof *u->n);
    for (int c = 0; c < u->nch; c++)
        for (size_t k = 0; k < u->ch[c].unit_rows.n && k < nunits; k++) u->n[k] += u->ch[c].unit_rows.v[k];
}

void units_free(units *u)
{
    free(u->db_region);
    free(u->unique);
    free(u->used[0]);
    free(u->used[1]);
    free(u->n);
    free(u->keys);
    memset(u, 0, sizeof *u);
}

/* ---- dedupe ---- */
typedef struct keyset {
    tf_key128 *slots;
    size_t cap;
    int has_zero;
} keyset;

static void keyset_reset(keyset *ks, int64_t n)
{
    size_t cap = 64;
    while ((int64_t)cap < n * 2) cap *= 2;
    if (cap > ks->cap) {
        free(ks->slots);
        ks->slots = tf_xmalloc(cap * sizeof *ks->slots);
        ks->cap = cap;
    }
    memset(ks->slots, 0, cap * sizeof *ks->slots);
    ks->has_zero = 0;
}

/* 1 when the key was new; cap is the part of the table in use */
static inline int keyset_add(keyset *ks, tf_key128 k, size_t cap)
{
    if (!k.hi && !k.lo) {
        int had = ks->has_zero;
        ks->has_zero = 1;
        return !had;
    }
    size_t mask = cap - 1, j = (size_t)k.lo & mask;
    for (;;) {
        tf_key128 *s = &ks->slots[j];
        if (!s->hi && !s->lo) {
            *s = k;
            return 1;
        }
        if (s->hi == k.hi && s->lo == k.lo) return 0;
        j = (j + 1) & mask;
    }
}

typedef struct dd_shared {
    units *u;
    tf_lake_run *lake;
    atomic_int next;
    int64_t *unit_dups; /* by unit, written by the unit's thread */
    tf_err_once err;
} dd_shared;

typedef struct dd_worker {
    dd_shared *d;
    keyset ks;
    char *used_ds; /* datasource ids of unique rows this thread saw */
} dd_worker;

typedef struct {
    keyset *ks;
    size_t cap;
} stored_ctx;

static void add_stored(void *ud, tf_key128 k)
{
    stored_ctx *s = ud;
    keyset_add(s->ks, k, s->cap);
}

static void dedupe_unit(dd_worker *w, int unit)
{
    dd_shared *d = w->d;
    int64_t n = d->u->n[unit];
    if (!n) return;
    int p = unit / KEY_BUCKETS, bucket = unit % KEY_BUCKETS;
    int64_t stored = 0;
    uint32_t region = d->u->keys[p].region;
    if (d->lake) stored = tf_lake_run_key_count(d->lake, region, d->u->keys[p].month, bucket);
    size_t cap = 64;
    while ((int64_t)cap < (n + stored) * 2) cap *= 2;
    keyset_reset(&w->ks, n + stored);
    if (stored) {
        /* trips the lake already holds count as duplicates */
        stored_ctx sc = {&w->ks, cap};
        tf_err e;
        if (tf_lake_run_keys(d->lake, region, d->u->keys[p].month, bucket, add_stored, &sc, &e)) {
            tf_err_once_set(&d->err, &e);
            return;
        }
    }
    int64_t dups = 0;
    for (int c = 0; c < d->u->nch; c++) {
        int64_t m;
        tf_trip *rows = units_run(d->u, c, (size_t)unit, (size_t)unit + 1, &m);
        for (int64_t k = 0; k < m; k++) {
            tf_trip *t = &rows[k];
            if (!keyset_add(&w->ks, t->key, cap)) {
                t->datasource |= TF_TRIP_DUP;
                dups++;
            } else {
                w->used_ds[t->datasource] = 1;
            }
        }
    }
    d->unit_dups[unit] = dups;
}

static void *dedupe_thread(void *ud)
{
    dd_worker *w = ud;
    int nunits = w->d->u->nparts * KEY_BUCKETS;
    for (;;) {
        int k = atomic_fetch_add(&w->d->next, 1);
        if (k >= nunits || tf_sig_interrupted() || w->d->err.failed) break;
        dedupe_unit(w, k);
    }
    return NULL;
}

int ingest_dedupe(ingest_ctx *ctx, units *u, tf_lake_run *lr, int64_t *unique, int64_t *duplicates, tf_err *err)
{
    int nunits = u->nparts * KEY_BUCKETS;
    size_t nds = ctx->names[TF_DIM_DATASOURCE].names.n;
    dd_shared d;
    memset(&d, 0, sizeof d);
    d.u = u;
    d.lake = lr;
    d.unit_dups = tf_xcalloc((size_t)nunits + 1, sizeof *d.unit_dups);
    tf_err_once_init(&d.err);
    int nt = ctx->threads > 0 ? ctx->threads : 1;
    dd_worker *ws = tf_xcalloc((size_t)nt, sizeof *ws);
    for (int t = 0; t < nt; t++) {
        ws[t].d = &d;
        ws[t].used_ds = tf_xcalloc(nds + 1, 1);
    }
    run_threads(nt, dedupe_thread, ws, sizeof *ws);
    u->unique = tf_xcalloc((size_t)u->nparts + 1, sizeof *u->unique);
    u->used[TF_DIM_REGION] = tf_xcalloc(ctx->names[TF_DIM_REGION].names.n + 1, 1);
    u->used[TF_DIM_DATASOURCE] = tf_xcalloc(nds + 1, 1);
    int64_t dups = 0;
    for (int k = 0; k < nunits; k++) {
        u->unique[k / KEY_BUCKETS] += u->n[k] - d.unit_dups[k];
        dups += d.unit_dups[k];
    }
    for (int p = 0; p < u->nparts; p++)
        if (u->unique[p]) u->used[TF_DIM_REGION][u->keys[p].region] = 1;
    for (int t = 0; t < nt; t++) {
        for (size_t k = 0; k < nds; k++) u->used[TF_DIM_DATASOURCE][k] |= ws[t].used_ds[k];
        free(ws[t].used_ds);
        free(ws[t].ks.slots);
    }
    /* and the run's, over every segment */
    for (int kind = 0; kind < 2; kind++) {
        size_t n = ctx->names[kind].names.n;
        if (n > ctx->nused[kind]) {
            ctx->used[kind] = tf_xrealloc(ctx->used[kind], n + 1);
            memset(ctx->used[kind] + ctx->nused[kind], 0, n - ctx->nused[kind]);
            ctx->nused[kind] = n;
        }
        for (size_t k = 0; k < n; k++) ctx->used[kind][k] |= u->used[kind][k];
    }
    free(ws);
    free(d.unit_dups);
    int64_t total = 0;
    for (int k = 0; k < nunits; k++) total += u->n[k];
    *duplicates = dups;
    *unique = total - dups;
    int rc = tf_err_once_take(&d.err, err);
    tf_err_once_destroy(&d.err);
    if (rc) return rc;
    return tf_sig_interrupted() ? tf_errf(err, TF_ECANCELED, "interrupted; nothing of this run was kept") : TF_OK;
}
