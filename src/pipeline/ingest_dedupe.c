/* ingest_dedupe.c — the units and dedupe stages of ingest.
 *
 * A unit is a partition (region, month) and key bucket (the top KEY_BITS
 * bits of the trip key); the parse left each chunk's rows grouped by unit,
 * so a unit is a run of rows in each chunk of the segment.  Two equal trips
 * always fall into the same unit, so units are deduplicated independently,
 * in parallel, with a small hash set of keys that stays in cache, reading
 * the unit's runs in chunk order (input order).  Before that, the rows of a
 * partition the lake holds trips for are checked against the stored keys.
 * Duplicates are flagged in place (TF_TRIP_DUP); the lake writers aggregate
 * the unique rows (ingest_commit.c). */
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

/* ---- trips the lake holds already ----
 * A partition with stored trips: its rows of the segment go into a table by
 * key, and every stored key of the partition is looked up in it, read from
 * its files' trip_key column; a row whose key is stored is flagged.  The
 * table is one open-addressing table per key bucket (the unit's top bits),
 * each at most two thirds full (12 to 24 bytes a row), with a Bloom filter
 * in front (a 64-bit word per key, three bits: about a byte a row), and the
 * stored keys are looked up a batch at a time in bucket order, so the
 * lookups of one stretch stay in one bucket's filter, which fits in cache:
 * a stored key that is not the run's (nearly all of them) costs a cache hit,
 * not a miss.  A slot holds the row's number in the segment's rows and 32
 * more bits of its key, so only a real match reads a row.  Memory grows with
 * the segment, never with the lake. */
typedef struct stored_check {
    ingest_ctx *ctx;
    units *u;
    tf_lake_run *lake;
    atomic_int next;
    tf_err_once err;
} stored_check;

typedef struct row_slot {
    uint32_t row; /* row number + 1; 0: empty */
    uint32_t tag; /* the key's hi, low 32 bits */
} row_slot;

#define CHECK_BATCH (1 << 19) /* stored keys looked up together */

typedef struct row_table {
    tf_trip *base;
    row_slot *slot;
    size_t cap;
    size_t at[KEY_BUCKETS], mask[KEY_BUCKETS]; /* each bucket's table in slot[] */
    uint64_t *filter;
    size_t fcap;
    size_t fat[KEY_BUCKETS], fmask[KEY_BUCKETS]; /* each bucket's filter words */
    tf_key128 *batch, *sorted;                 /* stored keys waiting, then by bucket */
    size_t nbatch;
} row_table;

/* the filter word of a key (by its lo's high half) and its three bits (by
 * hi's low bits; the table's slot comes from lo's low bits) */
static inline size_t filter_word(tf_key128 k, size_t fmask) { return (size_t)(k.lo >> 32) & fmask; }
static inline uint64_t filter_bits(tf_key128 k)
{
    return (UINT64_C(1) << (k.hi & 63)) | (UINT64_C(1) << ((k.hi >> 6) & 63)) | (UINT64_C(1) << ((k.hi >> 12) & 63));
}

/* the batch's keys by bucket, each looked up in its bucket's table */
static void check_batch(row_table *rt)
{
    size_t start[KEY_BUCKETS + 1] = {0};
    for (size_t i = 0; i < rt->nbatch; i++) start[key_bucket(rt->batch[i]) + 1]++;
    for (int b = 0; b < KEY_BUCKETS; b++) start[b + 1] += start[b];
    size_t end[KEY_BUCKETS];
    memcpy(end, start, sizeof end);
    for (size_t i = 0; i < rt->nbatch; i++) rt->sorted[end[key_bucket(rt->batch[i])]++] = rt->batch[i];
    for (int b = 0; b < KEY_BUCKETS; b++) {
        const row_slot *tab = rt->slot + rt->at[b];
        const uint64_t *filter = rt->filter + rt->fat[b];
        size_t mask = rt->mask[b], fmask = rt->fmask[b];
        if (!mask) continue; /* no row of the run in this bucket */
        for (size_t i = start[b]; i < start[b + 1]; i++) {
            tf_key128 k = rt->sorted[i];
            uint64_t fb = filter_bits(k);
            if ((filter[filter_word(k, fmask)] & fb) != fb) continue;
            /* every row with the key: the run may hold it more than once */
            for (size_t j = (size_t)k.lo & mask; tab[j].row; j = (j + 1) & mask) {
                if (tab[j].tag != (uint32_t)k.hi) continue;
                tf_trip *t = &rt->base[tab[j].row - 1];
                if (tf_key_eq(t->key, k)) t->datasource |= TF_TRIP_DUP;
            }
        }
    }
    rt->nbatch = 0;
}

static void check_keys(void *ud, const uint8_t *keys, int64_t n)
{
    row_table *rt = ud;
    for (int64_t i = 0; i < n; i++) {
        rt->batch[rt->nbatch++] = tf_key_from_bytes(keys + 16 * i);
        if (rt->nbatch == CHECK_BATCH) check_batch(rt);
    }
}

static int check_part(stored_check *sc, row_table *rt, int p, tf_err *err)
{
    units *u = sc->u;
    const int64_t *nb = u->n + (size_t)p * KEY_BUCKETS;
    int64_t n = 0;
    for (int b = 0; b < KEY_BUCKETS; b++) n += nb[b];
    if (!n || !tf_lake_run_stored(sc->lake, u->keys[p].region, u->keys[p].month)) return TF_OK;
    size_t total = 0, ftotal = 0;
    for (int b = 0; b < KEY_BUCKETS; b++) {
        size_t cap = 0, fcap = 0;
        if (nb[b]) {
            cap = 16;
            while ((int64_t)cap < nb[b] + nb[b] / 2) cap *= 2;
            fcap = 1;
            while ((int64_t)fcap * 8 < nb[b]) fcap *= 2;
        }
        rt->at[b] = total;
        rt->mask[b] = cap ? cap - 1 : 0;
        total += cap;
        rt->fat[b] = ftotal;
        rt->fmask[b] = fcap ? fcap - 1 : 0;
        ftotal += fcap;
    }
    if (total > rt->cap) {
        free(rt->slot);
        rt->slot = tf_xmalloc(total * sizeof *rt->slot);
        rt->cap = total;
    }
    if (ftotal > rt->fcap) {
        free(rt->filter);
        rt->filter = tf_xmalloc(ftotal * sizeof *rt->filter);
        rt->fcap = ftotal;
    }
    memset(rt->slot, 0, total * sizeof *rt->slot);
    memset(rt->filter, 0, ftotal * sizeof *rt->filter);
    if (!rt->batch) {
        rt->batch = tf_xmalloc(CHECK_BATCH * sizeof *rt->batch);
        rt->sorted = tf_xmalloc(CHECK_BATCH * sizeof *rt->sorted);
    }
    rt->base = (tf_trip *)sc->ctx->rows.base;
    /* a unit's rows are a run in each chunk: each bucket's table is filled
     * while it is in cache */
    for (int b = 0; b < KEY_BUCKETS; b++) {
        row_slot *tab = rt->slot + rt->at[b];
        uint64_t *filter = rt->filter + rt->fat[b];
        size_t mask = rt->mask[b], fmask = rt->fmask[b];
        for (int c = 0; c < u->nch && nb[b]; c++) {
            int64_t m;
            size_t unit = (size_t)p * KEY_BUCKETS + (size_t)b;
            tf_trip *rows = units_run(u, c, unit, unit + 1, &m);
            for (int64_t k = 0; k < m; k++) {
                size_t j = (size_t)rows[k].key.lo & mask;
                while (tab[j].row) j = (j + 1) & mask;
                tab[j] = (row_slot){(uint32_t)(rows + k - rt->base) + 1, (uint32_t)rows[k].key.hi};
                filter[filter_word(rows[k].key, fmask)] |= filter_bits(rows[k].key);
            }
        }
    }
    rt->nbatch = 0;
    int rc = tf_lake_run_scan_keys(sc->lake, u->keys[p].region, u->keys[p].month, check_keys, rt, err);
    if (!rc) check_batch(rt);
    return rc;
}

static void *check_thread(void *ud)
{
    stored_check *sc = *(stored_check **)ud;
    row_table rt = {0};
    for (;;) {
        int p = atomic_fetch_add(&sc->next, 1);
        if (p >= sc->u->nparts || tf_sig_interrupted() || sc->err.failed) break;
        tf_err e = {0};
        if (check_part(sc, &rt, p, &e)) {
            tf_err_once_set(&sc->err, &e);
            break;
        }
    }
    free(rt.slot);
    free(rt.filter);
    free(rt.batch);
    free(rt.sorted);
    return NULL;
}

/* Flag the rows whose trips the lake holds (stored files and the run's
 * staged files of earlier segments). */
static int check_stored(ingest_ctx *ctx, units *u, tf_lake_run *lr, tf_err *err)
{
    stored_check sc = {.ctx = ctx, .u = u, .lake = lr};
    tf_err_once_init(&sc.err);
    int nt = ctx->threads > 0 ? ctx->threads : 1;
    if (nt > u->nparts) nt = u->nparts > 0 ? u->nparts : 1;
    stored_check **args = tf_xcalloc((size_t)nt, sizeof *args);
    for (int t = 0; t < nt; t++) args[t] = &sc;
    run_threads(nt, check_thread, args, sizeof *args);
    free(args);
    int rc = tf_err_once_take(&sc.err, err);
    tf_err_once_destroy(&sc.err);
    return rc ? tf_err_prefix(err, "%s: looking for its trips in the lake: ", ctx->path) : TF_OK;
}

/* ---- in-run duplicates, a unit at a time ---- */
typedef struct dd_shared {
    units *u;
    atomic_int next;
    int64_t *unit_dups; /* by unit, written by the unit's thread */
} dd_shared;

typedef struct dd_worker {
    dd_shared *d;
    keyset ks;
    char *used_ds; /* datasource ids of unique rows this thread saw */
} dd_worker;

static void dedupe_unit(dd_worker *w, int unit)
{
    dd_shared *d = w->d;
    int64_t n = d->u->n[unit];
    if (!n) return;
    size_t cap = 64;
    while ((int64_t)cap < n * 2) cap *= 2;
    keyset_reset(&w->ks, n);
    int64_t dups = 0;
    for (int c = 0; c < d->u->nch; c++) {
        int64_t m;
        tf_trip *rows = units_run(d->u, c, (size_t)unit, (size_t)unit + 1, &m);
        for (int64_t k = 0; k < m; k++) {
            tf_trip *t = &rows[k];
            if ((t->datasource & TF_TRIP_DUP) || !keyset_add(&w->ks, t->key, cap)) {
                t->datasource |= TF_TRIP_DUP; /* stored already, or seen earlier in the run */
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
        if (k >= nunits || tf_sig_interrupted()) break;
        dedupe_unit(w, k);
    }
    return NULL;
}

int ingest_dedupe(ingest_ctx *ctx, units *u, tf_lake_run *lr, int64_t *unique, int64_t *duplicates, tf_err *err)
{
    int nunits = u->nparts * KEY_BUCKETS;
    size_t nds = ctx->names[TF_DIM_DATASOURCE].names.n;
    if (lr) {
        int rc = check_stored(ctx, u, lr, err);
        if (rc) return rc;
    }
    dd_shared d;
    memset(&d, 0, sizeof d);
    d.u = u;
    d.unit_dups = tf_xcalloc((size_t)nunits + 1, sizeof *d.unit_dups);
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
    return tf_sig_interrupted() ? tf_errf(err, TF_ECANCELED, "interrupted; nothing of this run was kept") : TF_OK;
}
