/* ingest_commit.c — the end of each segment of an ingest run and of the
 * run: the names the run's regions and datasources go by, the lake files
 * written by writer threads (for the last segment while this thread writes
 * dimensions, facts and groups into the run's transaction), then the lake
 * catalog, the run's status and its finished event, and the commit. */
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
        size_t n = ctx->names[kind].names.n, from = ctx->nresolved[kind];
        ctx->canon[kind] = tf_xrealloc(ctx->canon[kind], (n + 1) * sizeof(char *));
        ctx->db_ids[kind] = tf_xrealloc(ctx->db_ids[kind], (n + 1) * sizeof(int64_t));
        for (size_t k = from; k < n; k++) {
            size_t len;
            const char *sp = ingest_spelling(ctx, kind, (uint32_t)k, &len);
            char *name = tf_xstrndup(sp, len), *canon = NULL;
            ctx->db_ids[kind][k] = 0;
            int rc = tf_trips_dim_find(s, kind, name, &ctx->db_ids[kind][k], &canon, err);
            ctx->canon[kind][k] = canon ? canon : tf_xstrdup(name);
            ctx->nresolved[kind] = k + 1;
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
        for (size_t k = 0; k < ctx->nresolved[kind]; k++) free(ctx->canon[kind][k]);
        free(ctx->canon[kind]);
        free(ctx->db_ids[kind]);
        ctx->canon[kind] = NULL;
        ctx->db_ids[kind] = NULL;
        ctx->nresolved[kind] = 0;
        free(ctx->used[kind]);
        ctx->used[kind] = NULL;
        ctx->nused[kind] = 0;
    }
}

void ingest_aggs_free(ingest_ctx *ctx)
{
    for (size_t r = 0; r < ctx->nacc; r++) {
        tf_vec_free(&ctx->acc[r].facts);
        tf_vec_free(&ctx->acc[r].groups);
    }
    free(ctx->acc);
    ctx->acc = NULL;
    ctx->nacc = 0;
    free(ctx->files_of);
    ctx->files_of = NULL;
    ctx->nfiles_of = 0;
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
static int add_dims(tf_store *s, ingest_ctx *ctx, int kind, int64_t run_id, int64_t *ids, tf_err *err)
{
    size_t n = ctx->nused[kind], m = 0;
    const char *used = ctx->used[kind];
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
 * The partitions' files are written by a pool of threads working through
 * one list of tasks: first every partition is put in spatial order
 * (prepare), then its files are written — a big partition as several files
 * of about equal size, so that the threads stay busy to the end.  Each file
 * task aggregates its rows while writing them (tripagg.h).  This thread
 * puts a region's groups into the transaction in steps as they become final
 * (add_region), and its facts once every file of the region is written,
 * after merging the pieces exactly, so the stored values never depend on
 * timing or on how the files were cut.  Regions go largest first, so the
 * work left after the writers finish is the smallest region's last cells. */
#define MIN_SPLIT_ROWS (INT64_C(1) << 20) /* files are split for balance only down to this size */

typedef struct wtask {
    int part;   /* index into the partitions */
    int file;   /* -1: prepare the partition; else the file to write */
    int64_t from, to;
    int done;   /* written (under the lock) */
    /* results of a file task */
    tf_fact *facts;
    tf_group *groups;
    size_t nfacts, ngroups;
} wtask;

typedef struct wpart {
    tf_lake_part *lp;
    int prepared; /* under the lock */
    int region;   /* run region id */
} wpart;

typedef struct writers {
    ingest_ctx *ctx;
    units *u;
    tf_lake_run *lr;
    const tf_grid *grid;
    wpart *parts;
    wtask *tasks;
    int ntasks;
    atomic_int next;
    tf_err_once err;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int *tasks_left;     /* by run region id: file tasks not yet done */
    int running;         /* writer threads still working */
} writers;

static void visit_row(void *ud, const tf_trip *t, uint64_t origin_bits) { tf_tripagg_add(ud, t, origin_bits); }

static int prepare_part(writers *w, int p, tf_lake_scratch *sc)
{
    /* the partition's rows: one run in each chunk, chunks in input order */
    int nch = w->u->nch;
    const tf_trip **segs = tf_xmalloc(((size_t)nch + 1) * sizeof *segs);
    int64_t *rows = tf_xmalloc(((size_t)nch + 1) * sizeof *rows);
    for (int c = 0; c < nch; c++)
        segs[c] = units_run(w->u, c, (size_t)p * KEY_BUCKETS, (size_t)(p + 1) * KEY_BUCKETS, &rows[c]);
    part_key pk = w->u->keys[p];
    tf_lake_part *lp;
    int rc = tf_lake_part_prepare(w->lr, pk.region, w->ctx->canon[TF_DIM_REGION][pk.region], pk.month, segs, rows,
                                  nch, (const char *const *)w->ctx->canon[TF_DIM_DATASOURCE], sc, &lp);
    free(segs);
    free(rows);
    pthread_mutex_lock(&w->lock);
    w->parts[p].lp = lp;
    w->parts[p].prepared = 1;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    return rc;
}

static int write_part_file(writers *w, wtask *t, tf_tripagg *agg, tf_lake_scratch *sc, tf_err *err)
{
    wpart *wp = &w->parts[t->part];
    pthread_mutex_lock(&w->lock);
    while (!wp->prepared) pthread_cond_wait(&w->changed, &w->lock);
    pthread_mutex_unlock(&w->lock);
    tf_tripagg_reset(agg);
    int rc = tf_lake_part_write(wp->lp, t->file, t->from, t->to, visit_row, agg, sc, err);
    if (rc) return rc;
    tf_tripagg_finish(agg);
    t->nfacts = agg->fact_list.n;
    t->ngroups = agg->groups.n;
    t->facts = tf_xmalloc((t->nfacts + 1) * sizeof *t->facts);
    t->groups = tf_xmalloc((t->ngroups + 1) * sizeof *t->groups);
    if (t->nfacts) memcpy(t->facts, agg->fact_list.v, t->nfacts * sizeof *t->facts);
    if (t->ngroups) memcpy(t->groups, agg->groups.v, t->ngroups * sizeof *t->groups);
    pthread_mutex_lock(&w->lock);
    t->done = 1;
    w->tasks_left[wp->region]--;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    return TF_OK;
}

static void *writer_thread(void *ud)
{
    writers *w = ud;
    tf_tripagg agg;
    tf_tripagg_init(&agg, w->grid);
    tf_lake_scratch *sc = tf_lake_scratch_new();
    for (;;) {
        int i = atomic_fetch_add(&w->next, 1);
        if (i >= w->ntasks || w->err.failed || tf_sig_interrupted()) break;
        wtask *t = &w->tasks[i];
        tf_err e = {0};
        int rc = t->file < 0 ? prepare_part(w, t->part, sc) : write_part_file(w, t, &agg, sc, &e);
        if (rc) {
            tf_err_once_set(&w->err, &e);
            break;
        }
    }
    tf_tripagg_free(&agg);
    tf_lake_scratch_free(sc);
    pthread_mutex_lock(&w->lock);
    w->running--;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* The task list: partitions by region (largest region first), each
 * region's partitions largest first; the prepare tasks, then the files. */
typedef struct sized {
    int64_t region_rows, rows;
    const char *region;
    int32_t month;
    int part;
} sized;

static int by_size(const void *a, const void *b)
{
    const sized *x = a, *y = b;
    if (x->region_rows != y->region_rows) return x->region_rows < y->region_rows ? 1 : -1;
    int c = strcmp(x->region, y->region);
    if (c) return c;
    if (x->rows != y->rows) return x->rows < y->rows ? 1 : -1;
    return (x->month > y->month) - (x->month < y->month);
}

static void plan_tasks(writers *w, int nthreads, int **region_order, int *nregions)
{
    units *u = w->u;
    ingest_ctx *ctx = w->ctx;
    if ((size_t)u->nparts > ctx->nfiles_of) {
        ctx->files_of = tf_xrealloc(ctx->files_of, ((size_t)u->nparts + 1) * sizeof *ctx->files_of);
        memset(ctx->files_of + ctx->nfiles_of, 0, ((size_t)u->nparts - ctx->nfiles_of) * sizeof *ctx->files_of);
        ctx->nfiles_of = (size_t)u->nparts;
    }
    size_t nr = w->ctx->names[TF_DIM_REGION].names.n;
    int64_t *region_rows = tf_xcalloc(nr + 1, sizeof *region_rows), total = 0;
    for (int p = 0; p < u->nparts; p++) {
        region_rows[u->keys[p].region] += u->unique[p];
        total += u->unique[p];
    }
    sized *v = tf_xmalloc(((size_t)u->nparts + 1) * sizeof *v);
    int nv = 0;
    for (int p = 0; p < u->nparts; p++)
        if (u->unique[p])
            v[nv++] = (sized){region_rows[u->keys[p].region], u->unique[p],
                              w->ctx->canon[TF_DIM_REGION][u->keys[p].region], u->keys[p].month, p};
    qsort(v, (size_t)nv, sizeof *v, by_size);
    /* file size: the user's limit, and small enough that the threads share
     * the work evenly (4 files per thread), but not below MIN_SPLIT_ROWS */
    int64_t per_file = tf_lake_run_file_rows(w->lr), even = (total + 4 * nthreads - 1) / (4 * nthreads);
    if (even < MIN_SPLIT_ROWS) even = MIN_SPLIT_ROWS;
    if (even < per_file) per_file = even;
    int ntasks = nv;
    for (int i = 0; i < nv; i++) ntasks += (int)((v[i].rows + per_file - 1) / per_file);
    w->tasks = tf_xcalloc((size_t)ntasks + 1, sizeof *w->tasks);
    w->ntasks = 0;
    for (int i = 0; i < nv; i++) w->tasks[w->ntasks++] = (wtask){.part = v[i].part, .file = -1};
    *region_order = tf_xmalloc(((size_t)nv + 1) * sizeof **region_order);
    *nregions = 0;
    /* a region's files by number (the first of each month, then the
     * second, ...): files of one number cover about the same origin cells,
     * so the cells below the files still being written fill up early
     * (add_region) */
    for (int i0 = 0, i1; i0 < nv; i0 = i1) {
        for (i1 = i0 + 1; i1 < nv && !strcmp(v[i1].region, v[i0].region); i1++) {}
        int region = (int)u->keys[v[i0].part].region;
        (*region_order)[(*nregions)++] = region;
        int64_t most = 0;
        for (int i = i0; i < i1; i++) {
            int64_t k = (v[i].rows + per_file - 1) / per_file;
            if (k > most) most = k;
            w->tasks_left[region] += (int)k;
            w->parts[v[i].part].region = region;
        }
        for (int64_t f = 0; f < most; f++)
            for (int i = i0; i < i1; i++) {
                int64_t n = v[i].rows, k = (n + per_file - 1) / per_file;
                if (f < k)
                    w->tasks[w->ntasks++] = (wtask){.part = v[i].part, .file = w->ctx->files_of[v[i].part] + (int)f,
                                                    .from = n * f / k, .to = n * (f + 1) / k};
            }
        for (int i = i0; i < i1; i++) w->ctx->files_of[v[i].part] += (int)((v[i].rows + per_file - 1) / per_file);
    }
    free(v);
    free(region_rows);
}

/* The file tasks of a region (indexes into w->tasks); *n of them. */
static int *region_tasks(const writers *w, int region, int *n)
{
    int *ti = tf_xmalloc(((size_t)w->ntasks + 1) * sizeof *ti), k = 0;
    for (int i = 0; i < w->ntasks; i++)
        if (w->tasks[i].file >= 0 && w->parts[w->tasks[i].part].region == region) ti[k++] = i;
    *n = k;
    return ti;
}

/* What earlier segments left for the region, taken out of ctx->acc. */
static region_aggs take_acc(writers *w, int region)
{
    region_aggs prev;
    memset(&prev, 0, sizeof prev);
    if ((size_t)region < w->ctx->nacc) {
        prev = w->ctx->acc[region];
        memset(&w->ctx->acc[region], 0, sizeof w->ctx->acc[region]);
    }
    return prev;
}

/* facts (holding earlier segments' facts) with the tasks' facts added and
 * merged; room for all at once: growing by doubling copies and faults in
 * twice the memory */
static void add_task_facts(const writers *w, const int *ti, int nt, region_aggs *facts)
{
    size_t nf = facts->facts.n;
    for (int j = 0; j < nt; j++) nf += w->tasks[ti[j]].nfacts;
    tf_vec_grow(&facts->facts, nf);
    for (int j = 0; j < nt; j++) {
        const wtask *t = &w->tasks[ti[j]];
        if (t->nfacts) memcpy(facts->facts.v + facts->facts.n, t->facts, t->nfacts * sizeof *t->facts);
        facts->facts.n += t->nfacts;
    }
    facts->facts.n = tf_facts_merge(facts->facts.v, facts->facts.n);
}

static void free_task_results(writers *w, const int *ti, int nt)
{
    for (int j = 0; j < nt; j++) {
        wtask *t = &w->tasks[ti[j]];
        free(t->facts);
        free(t->groups);
        t->facts = NULL;
        t->groups = NULL;
        t->nfacts = t->ngroups = 0;
    }
}

/* A region's facts and groups once its files are written: the pieces of
 * its files (and months), and what earlier segments left in ctx->acc,
 * merged exactly; the pieces are freed and the region's acc emptied.  The
 * facts (a few per hour) land in out->facts; the groups, sorted in every
 * piece, are merged as a stream and handed to emit in key order, so the
 * region's groups are never gathered in one array only to be copied. */
static void collect_region(writers *w, int region, region_aggs *out, tf_group_emit emit, void *ud)
{
    int nt;
    int *ti = region_tasks(w, region, &nt);
    region_aggs prev = take_acc(w, region);
    memset(out, 0, sizeof *out);
    out->facts = prev.facts;
    add_task_facts(w, ti, nt, out);
    const tf_group **piece = tf_xmalloc(((size_t)nt + 2) * sizeof *piece);
    size_t *len = tf_xmalloc(((size_t)nt + 2) * sizeof *len);
    int k = 0;
    if (prev.groups.n) piece[k] = prev.groups.v, len[k++] = prev.groups.n;
    for (int j = 0; j < nt; j++) {
        const wtask *t = &w->tasks[ti[j]];
        if (t->ngroups) piece[k] = t->groups, len[k++] = t->ngroups;
    }
    tf_groups_merge_pieces(piece, len, k, emit, ud);
    free_task_results(w, ti, nt);
    tf_vec_free(&prev.groups);
    free(piece);
    free(len);
    free(ti);
}

/* emit for a region kept for a later segment: into a vector with room */
static void keep_group(void *ud, const tf_group *g)
{
    region_aggs *ra = ud;
    ra->groups.v[ra->groups.n++] = *g;
}

/* emit for the commit: into the store a batch at a time (large: each
 * batch prepares its statements again) */
#define GROUP_BATCH 65536
typedef struct group_sink {
    tf_store *s;
    const int64_t *rid;
    tf_err *err;
    int rc;
    tf_group *buf;
    size_t n;
} group_sink;

static void sink_flush(group_sink *k)
{
    if (!k->rc && k->n) k->rc = tf_trips_add_groups(k->s, k->buf, k->n, k->rid, k->err);
    k->n = 0;
}

static void sink_group(void *ud, const tf_group *g)
{
    group_sink *k = ud;
    k->buf[k->n++] = *g;
    if (k->n == GROUP_BATCH) sink_flush(k);
}

/* first group of g[0..n) (sorted, one region) whose origin cell is >= cell */
static size_t first_at_cell(const tf_group *g, size_t n, uint64_t cell)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g[mid].ocell < cell) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* A region's trip groups go into the store in steps while its files are
 * still being written.  A file covers a range of its month's spatial order,
 * so no file still being written can add to a group whose origin cell lies
 * below the floor of every such file (tf_lake_part_floor: at precisions
 * above 8 a file's first trip need not have its smallest cell, as the
 * order leaves the low bits in input order): after each file, the groups
 * below that frontier are merged from the finished pieces (and what earlier
 * segments left) and upserted — each group once, exactly as a merge of all
 * pieces would give it.  Then the region's facts.  Returns TF_ECANCELED
 * when the writers stopped before the region was written. */
static int add_region(group_sink *sink, writers *w, int region, const int64_t *did)
{
    int shift = 5 * (12 - w->grid->precision); /* as tf_tripagg: bits >> shift = origin cell */
    int nt;
    int *ti = region_tasks(w, region, &nt);
    const tf_group **piece = tf_xcalloc((size_t)nt + 2, sizeof *piece), **head = tf_xcalloc((size_t)nt + 2, sizeof *head);
    size_t *len = tf_xcalloc((size_t)nt + 2, sizeof *len), *at = tf_xcalloc((size_t)nt + 2, sizeof *at),
           *take = tf_xcalloc((size_t)nt + 2, sizeof *take);
    region_aggs prev = take_acc(w, region);
    /* piece nt: the earlier segments' groups */
    piece[nt] = prev.groups.v;
    len[nt] = prev.groups.n;
    int rc = TF_OK, left = nt;
    while (!rc) {
        /* wait for another file of the region; then the frontier */
        uint64_t frontier = UINT64_MAX;
        pthread_mutex_lock(&w->lock);
        for (;;) {
            int fresh = 0;
            left = 0;
            for (int j = 0; j < nt; j++) {
                const wtask *t = &w->tasks[ti[j]];
                if (t->done && !piece[j]) fresh = 1;
                left += !t->done;
            }
            if (fresh || !left || !w->running) break;
            pthread_cond_wait(&w->changed, &w->lock);
        }
        for (int j = 0; j < nt; j++) {
            const wtask *t = &w->tasks[ti[j]];
            if (t->done && !piece[j]) {
                piece[j] = t->groups;
                len[j] = t->ngroups;
            } else if (!t->done) {
                const wpart *wp = &w->parts[t->part];
                uint64_t c = wp->prepared && wp->lp ? tf_lake_part_floor(wp->lp, t->from) >> shift : 0;
                if (c < frontier) frontier = c;
            }
        }
        int stopped = left && !w->running;
        pthread_mutex_unlock(&w->lock);
        if (stopped) {
            rc = TF_ECANCELED;
            break;
        }
        /* every finished piece's groups below the frontier, merged */
        int k = 0;
        for (int j = 0; j <= nt; j++) {
            if (!piece[j]) continue;
            size_t end = left ? first_at_cell(piece[j], len[j], frontier) : len[j];
            if (end < at[j]) end = at[j];
            head[k] = piece[j] + at[j];
            take[k++] = end - at[j];
            at[j] = end;
        }
        tf_groups_merge_pieces(head, take, k, sink_group, sink);
        sink_flush(sink); /* into SQLite now, while the writers go on */
        rc = sink->rc;
        if (!left) break;
    }
    /* the facts, once every file is written */
    region_aggs ra;
    memset(&ra, 0, sizeof ra);
    ra.facts = prev.facts;
    if (!rc) {
        add_task_facts(w, ti, nt, &ra);
        rc = tf_trips_add_facts(sink->s, ra.facts.v, ra.facts.n, sink->rid, did, sink->err);
    }
    if (!rc) free_task_results(w, ti, nt);
    tf_vec_free(&ra.facts);
    tf_vec_free(&prev.groups);
    free(ti);
    free(piece);
    free(head);
    free(len);
    free(at);
    free(take);
    return rc;
}

static int add_region_aggs(tf_store *s, region_aggs *ra, const int64_t *rid, const int64_t *did, tf_err *err)
{
    int rc = tf_trips_add_facts(s, ra->facts.v, ra->facts.n, rid, did, err);
    if (!rc) rc = tf_trips_add_groups(s, ra->groups.v, ra->groups.n, rid, err);
    tf_vec_free(&ra->facts);
    tf_vec_free(&ra->groups);
    return rc;
}

/* Wait until every file of the region is written (1), or the writers
 * stopped before that (0). */
static int wait_region(writers *w, int region)
{
    pthread_mutex_lock(&w->lock);
    while (w->tasks_left[region] && w->running) pthread_cond_wait(&w->changed, &w->lock);
    int complete = !w->tasks_left[region];
    pthread_mutex_unlock(&w->lock);
    return complete;
}

/* Add the regions only earlier segments wrote, then each region of this
 * segment in steps as its groups become final (add_region), until every
 * writer is done (after a failure: only wait for them). */
static int add_aggregates(tf_store *s, writers *w, const int *region_order, int nregions, const int64_t *rid,
                          const int64_t *did, int rc, tf_err *err)
{
    ingest_ctx *ctx = w->ctx;
    group_sink sink = {.s = s, .rid = rid, .err = err, .buf = tf_xmalloc(GROUP_BATCH * sizeof(tf_group))};
    for (size_t r = 0; r < ctx->nacc && !rc; r++) {
        int here = 0;
        for (int k = 0; k < nregions; k++) here |= region_order[k] == (int)r;
        if (!here && (ctx->acc[r].facts.n || ctx->acc[r].groups.n)) rc = add_region_aggs(s, &ctx->acc[r], rid, did, err);
    }
    for (int r = 0; r < nregions && !rc; r++) {
        int region = region_order[r];
        rc = add_region(&sink, w, region, did);
        if (rc == TF_ECANCELED && sink.rc == TF_OK) {
            rc = TF_OK; /* the writers stopped early: their error is the run's */
            break;
        }
        /* while writers still run, write these pages out: less for the
         * commit to write at the end, when one thread works alone */
        if (!rc && r + 1 < nregions) tf_store_spill(s);
    }
    free(sink.buf);
    if (rc) w->err.failed = 1; /* the writers stop early */
    pthread_mutex_lock(&w->lock);
    while (w->running) pthread_cond_wait(&w->changed, &w->lock);
    pthread_mutex_unlock(&w->lock);
    return rc;
}

static void writers_free(writers *w)
{
    for (int i = 0; i < w->ntasks; i++) {
        free(w->tasks[i].facts);
        free(w->tasks[i].groups);
    }
    for (int p = 0; p < w->u->nparts; p++) tf_lake_part_free(w->parts[p].lp);
    free(w->tasks);
    free(w->parts);
    free(w->tasks_left);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->changed);
    tf_err_once_destroy(&w->err);
}

/* Start the writer threads on a segment's partitions. */
static void writers_start(writers *w, ingest_ctx *ctx, units *u, tf_lake_run *lr, const tf_grid *grid,
                          int **region_order, int *nregions, pthread_t **tids)
{
    size_t nr = ctx->names[TF_DIM_REGION].names.n;
    memset(w, 0, sizeof *w);
    w->ctx = ctx;
    w->u = u;
    w->lr = lr;
    w->grid = grid;
    w->parts = tf_xcalloc((size_t)u->nparts + 1, sizeof *w->parts);
    w->tasks_left = tf_xcalloc(nr + 1, sizeof *w->tasks_left);
    tf_err_once_init(&w->err);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->changed, NULL);
    int nt = ctx->threads > 0 ? ctx->threads : 1;
    plan_tasks(w, nt, region_order, nregions);
    w->running = nt;
    *tids = tf_xcalloc((size_t)nt, sizeof **tids);
    for (int t = 0; t < nt; t++) pthread_create(&(*tids)[t], NULL, writer_thread, w);
}

static void writers_join(writers *w, pthread_t *tids)
{
    int nt = w->ctx->threads > 0 ? w->ctx->threads : 1;
    for (int t = 0; t < nt; t++) pthread_join(tids[t], NULL);
    free(tids);
}

int ingest_write_segment(ingest_ctx *ctx, units *u, tf_lake_run *lr, const tf_grid *grid, tf_err *err)
{
    writers w;
    int *region_order, nregions;
    pthread_t *tids;
    size_t nr = ctx->names[TF_DIM_REGION].names.n;
    if (nr > ctx->nacc) {
        ctx->acc = tf_xrealloc(ctx->acc, (nr + 1) * sizeof *ctx->acc);
        memset(ctx->acc + ctx->nacc, 0, (nr - ctx->nacc) * sizeof *ctx->acc);
        ctx->nacc = nr;
    }
    writers_start(&w, ctx, u, lr, grid, &region_order, &nregions, &tids);
    /* each region's pieces are merged into what earlier segments left as
     * soon as its files are written, while the writers go on */
    for (int r = 0; r < nregions; r++) {
        int region = region_order[r];
        if (!wait_region(&w, region)) break; /* the writers stopped early */
        region_aggs *ra = &ctx->acc[region];
        size_t ng = ra->groups.n;
        for (int i = 0; i < w.ntasks; i++)
            if (w.tasks[i].file >= 0 && w.parts[w.tasks[i].part].region == region) ng += w.tasks[i].ngroups;
        region_aggs out;
        tf_group *room = tf_xmalloc((ng + 1) * sizeof *room);
        region_aggs kept = {.groups = {.v = room, .n = 0, .cap = ng + 1}};
        collect_region(&w, region, &out, keep_group, &kept);
        out.groups = kept.groups;
        *ra = out;
    }
    writers_join(&w, tids);
    int rc = tf_err_once_take(&w.err, err);
    if (!rc && tf_sig_interrupted()) rc = tf_errf(err, TF_ECANCELED, "interrupted; nothing of this run was kept");
    writers_free(&w);
    free(region_order);
    return rc;
}

int ingest_commit(tf_store *s, tf_events *bus, json_t *finished, double t0, tf_event **done, ingest_ctx *ctx,
                  units *u, tf_lake_run *lr, int64_t run_id, const char *hash, int64_t *same_as, const tf_grid *grid,
                  int grid_found, const tf_run_counts *counts, const char *reject_file, tf_err *err)
{
    size_t nr = ctx->names[TF_DIM_REGION].names.n, nd = ctx->names[TF_DIM_DATASOURCE].names.n;
    int64_t *rid = tf_xcalloc(nr + 1, sizeof *rid), *did = tf_xcalloc(nd + 1, sizeof *did);
    writers w;
    int *region_order, nregions;
    pthread_t *tids;
    writers_start(&w, ctx, u, lr, grid, &region_order, &nregions, &tids);

    int rc = tf_store_begin(s, err);
    /* the same bytes may have been loaded by a run that committed since this
     * one started: then this run changes nothing */
    *same_as = 0;
    if (!rc && !(rc = tf_runs_find_loaded(s, hash, same_as, err)) && *same_as)
        rc = tf_errf(err, TF_EEXIST, "already loaded by run %lld", (long long)*same_as);
    if (!rc) rc = tf_runs_set_hash(s, run_id, hash, err); /* when the parse hashed it */
    if (!rc && !grid_found) rc = tf_trips_set_grid(s, grid, err);
    if (!rc) rc = add_dims(s, ctx, TF_DIM_REGION, run_id, rid, err);
    if (!rc) rc = add_dims(s, ctx, TF_DIM_DATASOURCE, run_id, did, err);
    if (rc) w.err.failed = 1;
    rc = add_aggregates(s, &w, region_order, nregions, rid, did, rc, err);
    writers_join(&w, tids);
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
        rc = tf_store_commit_bulk(s, err);
    } else if (tf_store_in_tx(s)) {
        tf_store_rollback(s);
    }
    json_decref(finished);
    writers_free(&w);
    free(region_order);
    free(rid);
    free(did);
    return rc;
}
