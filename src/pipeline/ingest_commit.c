/* ingest_commit.c — the end of an ingest run: the names the run's regions
 * and datasources go by, the lake files written by worker threads while this
 * thread writes dimensions, facts and groups into the run's transaction,
 * then the lake catalog, the run's status and its finished event, the
 * commit, and the move of the lake files into place. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest_int.h"
#include "tripflow/sig.h"
#include "tripflow/trips_store.h"

const char *ingest_spelling(ingest_ctx *ctx, int kind, uint32_t id, size_t *len)
{
    uint32_t k = ((uint32_t)kind << 31) | id;
    for (int c = 0; c < ctx->nchunks; c++) {
        spelling_slot *s = tf_fmap_find(&ctx->chunks[c].spelling, &k, SPELLING_HASH(k));
        if (s) {
            *len = s->len;
            return s->name;
        }
    }
    *len = ctx->names[kind].names.v[id].len;
    return ctx->names[kind].names.v[id].name;
}

int ingest_resolve_names(tf_store *s, ingest_ctx *ctx, units *u, tf_err *err)
{
    for (int kind = 0; kind < 2; kind++) {
        size_t n = ctx->names[kind].names.n;
        ctx->canon[kind] = tf_xcalloc(n + 1, sizeof(char *));
        ctx->db_ids[kind] = tf_xcalloc(n + 1, sizeof(int64_t));
        for (size_t k = 0; k < n; k++) {
            size_t len;
            const char *sp = ingest_spelling(ctx, kind, (uint32_t)k, &len);
            char *name = tf_xstrndup(sp, len), *canon = NULL;
            int rc = tf_trips_dim_find(s, kind, name, &ctx->db_ids[kind][k], &canon, err);
            ctx->canon[kind][k] = canon ? canon : tf_xstrdup(name);
            free(name);
            if (rc) return rc;
        }
    }
    u->db_region = tf_xcalloc((size_t)u->nparts + 1, sizeof *u->db_region);
    for (int p = 0; p < u->nparts; p++) u->db_region[p] = ctx->db_ids[TF_DIM_REGION][u->keys[p].region];
    return TF_OK;
}

void ingest_names_free(ingest_ctx *ctx)
{
    for (int kind = 0; kind < 2; kind++) {
        if (ctx->canon[kind])
            for (size_t k = 0; k < ctx->names[kind].names.n; k++) free(ctx->canon[kind][k]);
        free(ctx->canon[kind]);
        free(ctx->db_ids[kind]);
        ctx->canon[kind] = NULL;
        ctx->db_ids[kind] = NULL;
    }
}

/* ---- dimensions ---- */
static int name_cmp(const void *a, const void *b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;
    int c = strcasecmp(x, y);
    return c ? c : strcmp(x, y);
}

/* New names get ids in name order, so a database's ids do not depend on
 * which thread met a name first. */
static int add_dims(tf_store *s, ingest_ctx *ctx, int kind, const char *used, int64_t run_id, int64_t *ids,
                    tf_err *err)
{
    size_t n = ctx->names[kind].names.n, m = 0;
    char **names = tf_xmalloc((n + 1) * sizeof *names);
    for (size_t k = 0; k < n; k++)
        if (used[k]) names[m++] = ctx->canon[kind][k];
    qsort(names, m, sizeof *names, name_cmp);
    int rc = TF_OK;
    for (size_t k = 0; k < m && !rc; k++) {
        int64_t id;
        rc = tf_trips_dim(s, kind, names[k], strlen(names[k]), run_id, &id, NULL, err);
    }
    free(names);
    /* every run id of a name gets the store's id */
    for (size_t k = 0; k < n && !rc; k++)
        if (used[k]) rc = tf_trips_dim_find(s, kind, ctx->canon[kind][k], &ids[k], NULL, err);
    return rc;
}

/* ---- lake writers ----
 * Writer threads take the partitions, largest first, and write each one's
 * files in spatial order, aggregating its facts and groups in the same pass
 * (tripagg.h); this thread puts each partition's aggregates into the
 * transaction as soon as they are ready. */
typedef struct part_aggs {
    struct part_aggs *next;
    tf_fact *facts;
    tf_group *groups;
    size_t nfacts, ngroups;
} part_aggs;

typedef struct writers {
    ingest_ctx *ctx;
    units *u;
    tf_lake_run *lr;
    const tf_grid *grid;
    int *order; /* partitions, largest first */
    atomic_int next;
    tf_err_once err;
    pthread_mutex_t lock;
    pthread_cond_t ready;
    part_aggs *head, **tail; /* finished partitions, oldest first */
    int running;             /* writer threads still working */
} writers;

static void visit_row(void *ud, const tf_trip *t, uint64_t origin_bits) { tf_tripagg_add(ud, t, origin_bits); }

static void *write_partitions(void *ud)
{
    writers *w = ud;
    tf_tripagg agg;
    tf_tripagg_init(&agg, w->grid);
    for (;;) {
        int i = atomic_fetch_add(&w->next, 1);
        if (i >= w->u->nparts || w->err.failed || tf_sig_interrupted()) break;
        int p = w->order[i];
        const tf_trip *segs[KEY_BUCKETS];
        int64_t rows[KEY_BUCKETS];
        for (int b = 0; b < KEY_BUCKETS; b++) {
            segs[b] = w->u->rows[p * KEY_BUCKETS + b];
            rows[b] = w->u->n[p * KEY_BUCKETS + b];
        }
        part_key pk = w->u->keys[p];
        tf_err e;
        tf_tripagg_reset(&agg);
        if (tf_lake_run_write(w->lr, pk.region, w->ctx->canon[TF_DIM_REGION][pk.region], pk.month, segs, rows,
                              KEY_BUCKETS, (const char *const *)w->ctx->canon[TF_DIM_DATASOURCE], visit_row, &agg,
                              &e)) {
            tf_err_once_set(&w->err, &e);
            break;
        }
        tf_tripagg_finish(&agg);
        part_aggs *pa = tf_xcalloc(1, sizeof *pa);
        pa->nfacts = agg.fact_list.n;
        pa->ngroups = agg.groups.n;
        pa->facts = tf_xmalloc((pa->nfacts + 1) * sizeof *pa->facts);
        pa->groups = tf_xmalloc((pa->ngroups + 1) * sizeof *pa->groups);
        if (pa->nfacts) memcpy(pa->facts, agg.fact_list.v, pa->nfacts * sizeof *pa->facts);
        if (pa->ngroups) memcpy(pa->groups, agg.groups.v, pa->ngroups * sizeof *pa->groups);
        pthread_mutex_lock(&w->lock);
        *w->tail = pa;
        w->tail = &pa->next;
        pthread_cond_signal(&w->ready);
        pthread_mutex_unlock(&w->lock);
    }
    tf_tripagg_free(&agg);
    pthread_mutex_lock(&w->lock);
    w->running--;
    pthread_cond_signal(&w->ready);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static void part_aggs_free(part_aggs *pa)
{
    free(pa->facts);
    free(pa->groups);
    free(pa);
}

/* Take finished partitions' aggregates into the transaction until every
 * writer is done (after a failure: only wait for them). */
static int add_aggregates(tf_store *s, writers *w, const int64_t *rid, const int64_t *did, int rc, tf_err *err)
{
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->head && w->running) pthread_cond_wait(&w->ready, &w->lock);
        part_aggs *pa = w->head;
        if (!pa) break;
        w->head = NULL;
        w->tail = &w->head;
        pthread_mutex_unlock(&w->lock);
        while (pa) {
            part_aggs *next = pa->next;
            if (!rc) rc = tf_trips_add_facts(s, pa->facts, pa->nfacts, rid, did, err);
            if (!rc) rc = tf_trips_add_groups(s, pa->groups, pa->ngroups, rid, err);
            if (rc) w->err.failed = 1; /* the writers stop early */
            part_aggs_free(pa);
            pa = next;
        }
        pthread_mutex_lock(&w->lock);
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

typedef struct sized {
    int64_t rows;
    int part;
} sized;

static int larger_first(const void *a, const void *b)
{
    const sized *x = a, *y = b;
    if (x->rows != y->rows) return x->rows < y->rows ? 1 : -1;
    return (x->part > y->part) - (x->part < y->part);
}

int ingest_commit(tf_store *s, tf_events *bus, json_t *finished, double t0, tf_event **done, ingest_ctx *ctx,
                  units *u, tf_lake_run *lr, int64_t run_id, const char *hash, int64_t *same_as, const tf_grid *grid,
                  int grid_found, const tf_run_counts *counts, const char *reject_file, tf_err *err)
{
    size_t nr = ctx->names[TF_DIM_REGION].names.n, nd = ctx->names[TF_DIM_DATASOURCE].names.n;
    int64_t *rid = tf_xcalloc(nr + 1, sizeof *rid), *did = tf_xcalloc(nd + 1, sizeof *did);
    writers w;
    memset(&w, 0, sizeof w);
    w.ctx = ctx;
    w.u = u;
    w.lr = lr;
    w.grid = grid;
    w.tail = &w.head;
    sized *by_size = tf_xmalloc(((size_t)u->nparts + 1) * sizeof *by_size);
    for (int p = 0; p < u->nparts; p++) by_size[p] = (sized){u->unique[p], p};
    qsort(by_size, (size_t)u->nparts, sizeof *by_size, larger_first);
    w.order = tf_xmalloc(((size_t)u->nparts + 1) * sizeof *w.order);
    for (int p = 0; p < u->nparts; p++) w.order[p] = by_size[p].part;
    free(by_size);
    tf_err_once_init(&w.err);
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.ready, NULL);
    int nt = ctx->threads > 0 ? ctx->threads : 1;
    w.running = nt;
    pthread_t *tids = tf_xcalloc((size_t)nt, sizeof *tids);
    for (int t = 0; t < nt; t++) pthread_create(&tids[t], NULL, write_partitions, &w);

    int rc = tf_store_begin(s, err);
    /* the same bytes may have been loaded by a run that committed since this
     * one started: then this run changes nothing */
    *same_as = 0;
    if (!rc && !(rc = tf_runs_find_loaded(s, hash, same_as, err)) && *same_as)
        rc = tf_errf(err, TF_EEXIST, "already loaded by run %lld", (long long)*same_as);
    if (!rc && !grid_found) rc = tf_trips_set_grid(s, grid, err);
    if (!rc) rc = add_dims(s, ctx, TF_DIM_REGION, u->used[TF_DIM_REGION], run_id, rid, err);
    if (!rc) rc = add_dims(s, ctx, TF_DIM_DATASOURCE, u->used[TF_DIM_DATASOURCE], run_id, did, err);
    if (rc) w.err.failed = 1;
    rc = add_aggregates(s, &w, rid, did, rc, err);
    for (int t = 0; t < nt; t++) pthread_join(tids[t], NULL);
    free(tids);
    if (!rc) rc = tf_err_once_take(&w.err, err);
    if (!rc) rc = tf_lake_run_catalog(lr, rid, err);
    if (!rc) rc = tf_runs_finish(s, run_id, "loaded", counts, reject_file, NULL, 0, err);
    *done = NULL;
    if (!rc) {
        json_object_set_new(finished, "seconds", json_real(tf_mono_s() - t0));
        json_object_set_new(finished, "cpu_s", json_real(tf_cpu_s()));
        *done = tf_events_make(bus, "finished", finished);
        finished = NULL;
        tf_events_send(bus, *done, TF_SINKS_DURABLE);
        if (tf_sig_interrupted()) rc = tf_errf(err, TF_ECANCELED, "interrupted; nothing of this run was kept");
    }
    if (!rc) {
        rc = tf_store_commit(s, err);
    } else if (tf_store_in_tx(s)) {
        tf_store_rollback(s);
    }
    json_decref(finished);
    pthread_mutex_destroy(&w.lock);
    pthread_cond_destroy(&w.ready);
    tf_err_once_destroy(&w.err);
    free(w.order);
    free(rid);
    free(did);
    return rc;
}
