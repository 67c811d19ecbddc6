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
#define MIN_LAST_ROWS (INT64_C(1) << 18)  /* ... and the last region's down to this size */
#define HANDOVER_ROWS 65536               /* a file hands over its settled groups this often, */
#define HANDOVERS 8                       /* ... or this many times when that is fewer rows */

typedef struct group_piece {
    tf_group *v;
    size_t n;
} group_piece;

typedef struct wtask {
    int part;   /* index into the partitions */
    int file;   /* -1: prepare the partition; else the file to write */
    int64_t from, to;
    int done;   /* written (under the lock) */
    /* results of a file task: the facts once done; the groups in pieces,
     * each sorted and all in key order, handed over as they settle while
     * the file is written (writers.progressive) and the rest once done
     * (under the lock) */
    tf_fact *facts;
    size_t nfacts;
    TF_VEC(group_piece) pieces;
    int settled;    /* floor holds: no group still to come has an origin cell below it */
    uint64_t floor;
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
    int progressive;     /* files hand over settled groups as they go (add_region takes them) */
    long handovers;      /* under the lock: pieces handed over, done tasks included */
} writers;

/* a file task's rows into its aggregator; every `every` rows the groups
 * settled since the last handover go to the task as a piece, with the floor
 * of the rest, so that add_region can store them while the file is still
 * being written */
typedef struct file_visit {
    writers *w;
    wtask *t;
    tf_tripagg *agg;
    size_t handed; /* leading agg->groups handed over */
    int64_t rows, every;
} file_visit;

/* a copy of agg->groups[from, to) */
static group_piece piece_of(const tf_tripagg *agg, size_t from, size_t to)
{
    group_piece pc = {NULL, to > from ? to - from : 0};
    if (pc.n) {
        pc.v = tf_xmalloc(pc.n * sizeof *pc.v);
        memcpy(pc.v, agg->groups.v + from, pc.n * sizeof *pc.v);
    }
    return pc;
}

static void hand_over(file_visit *fv)
{
    size_t n;
    uint64_t floor;
    if (!tf_tripagg_settled(fv->agg, &n, &floor)) return;
    writers *w = fv->w;
    group_piece pc = piece_of(fv->agg, fv->handed, n);
    pthread_mutex_lock(&w->lock);
    if (pc.n) tf_vec_push(&fv->t->pieces, pc);
    fv->t->settled = 1;
    fv->t->floor = floor;
    w->handovers++;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    fv->handed = n;
}

static void visit_row(void *ud, const tf_trip *t, uint64_t origin_bits)
{
    file_visit *fv = ud;
    tf_tripagg_add(fv->agg, t, origin_bits);
    if (++fv->rows % fv->every == 0 && fv->w->progressive) hand_over(fv);
}

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
    file_visit fv = {.w = w, .t = t, .agg = agg, .every = (t->to - t->from) / HANDOVERS};
    if (fv.every > HANDOVER_ROWS) fv.every = HANDOVER_ROWS;
    if (fv.every < 1024) fv.every = 1024;
    int rc = tf_lake_part_write(wp->lp, t->file, t->from, t->to, visit_row, &fv, sc, err);
    if (rc) return rc;
    tf_tripagg_finish(agg); /* leaves the handed-over groups as they are: they came in cell order */
    t->nfacts = agg->fact_list.n;
    t->facts = tf_xmalloc((t->nfacts + 1) * sizeof *t->facts);
    if (t->nfacts) memcpy(t->facts, agg->fact_list.v, t->nfacts * sizeof *t->facts);
    group_piece pc = piece_of(agg, fv.handed, agg->groups.n);
    pthread_mutex_lock(&w->lock);
    if (pc.n) tf_vec_push(&t->pieces, pc);
    w->handovers++;
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

static int64_t files_for(int64_t rows, int64_t per_file) { return (rows + per_file - 1) / per_file; }

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
    /* the last region's files a quarter of that (not below MIN_LAST_ROWS):
     * the threads run out of work about together, and the cells of its
     * groups settle in small steps */
    int64_t last_file = per_file / 4 < MIN_LAST_ROWS ? MIN_LAST_ROWS : per_file / 4;
    if (last_file > per_file) last_file = per_file;
    int last0 = nv;
    while (last0 > 0 && (last0 == nv || !strcmp(v[last0 - 1].region, v[nv - 1].region))) last0--;
    int ntasks = nv;
    for (int i = 0; i < nv; i++) ntasks += (int)files_for(v[i].rows, i < last0 ? per_file : last_file);
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
        int64_t most = 0, pf = i0 < last0 ? per_file : last_file;
        for (int i = i0; i < i1; i++) {
            int64_t k = files_for(v[i].rows, pf);
            if (k > most) most = k;
            w->tasks_left[region] += (int)k;
            w->parts[v[i].part].region = region;
        }
        for (int64_t f = 0; f < most; f++)
            for (int i = i0; i < i1; i++) {
                int64_t n = v[i].rows, k = files_for(n, pf);
                if (f < k)
                    w->tasks[w->ntasks++] = (wtask){.part = v[i].part, .file = w->ctx->files_of[v[i].part] + (int)f,
                                                    .from = n * f / k, .to = n * (f + 1) / k};
            }
        for (int i = i0; i < i1; i++) w->ctx->files_of[v[i].part] += (int)files_for(v[i].rows, pf);
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

static void task_results_free(wtask *t)
{
    free(t->facts);
    t->facts = NULL;
    t->nfacts = 0;
    for (size_t i = 0; i < t->pieces.n; i++) free(t->pieces.v[i].v);
    tf_vec_free(&t->pieces);
}

static void free_task_results(writers *w, const int *ti, int nt)
{
    for (int j = 0; j < nt; j++) task_results_free(&w->tasks[ti[j]]);
}

static size_t task_groups(const wtask *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->pieces.n; i++) n += t->pieces.v[i].n;
    return n;
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
    size_t np = 1;
    for (int j = 0; j < nt; j++) np += w->tasks[ti[j]].pieces.n;
    const tf_group **piece = tf_xmalloc((np + 1) * sizeof *piece);
    size_t *len = tf_xmalloc((np + 1) * sizeof *len);
    int k = 0;
    if (prev.groups.n) piece[k] = prev.groups.v, len[k++] = prev.groups.n;
    for (int j = 0; j < nt; j++) {
        const wtask *t = &w->tasks[ti[j]];
        for (size_t i = 0; i < t->pieces.n; i++)
            if (t->pieces.v[i].n) piece[k] = t->pieces.v[i].v, len[k++] = t->pieces.v[i].n;
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
 * below its floor: before it starts, tf_lake_part_floor of its first trip
 * (at precisions above 8 a file's first trip need not have its smallest
 * cell, as the order leaves the low bits in input order); once it hands
 * over settled groups (writers.progressive), the cell it is in.  After each
 * handover, the groups below every unfinished file's floor (the frontier)
 * are merged from the pieces handed over (and what earlier segments left)
 * and upserted — each group once, exactly as a merge of all pieces would
 * give it.  Then the region's facts.  Returns TF_ECANCELED when the
 * writers stopped before the region was written. */
typedef struct source {
    TF_VEC(group_piece) seen; /* the pieces taken over so far (the writer only appends) */
    size_t pi, at;            /* the merge stands at group at of piece pi */
} source;

static int add_region(group_sink *sink, writers *w, int region, const int64_t *did)
{
    int shift = 5 * (12 - w->grid->precision); /* as tf_tripagg: bits >> shift = origin cell */
    int nt;
    int *ti = region_tasks(w, region, &nt);
    source *src = tf_xcalloc((size_t)nt + 1, sizeof *src);
    region_aggs prev = take_acc(w, region);
    if (prev.groups.n) /* source nt: the earlier segments' groups */
        tf_vec_push(&src[nt].seen, ((group_piece){prev.groups.v, prev.groups.n}));
    TF_VEC(const tf_group *) head = {0};
    TF_VEC(size_t) take = {0};
    long handovers = -1;
    int rc = TF_OK, left = nt;
    while (!rc) {
        /* wait for a handover since the last round; then the frontier */
        uint64_t frontier = UINT64_MAX;
        pthread_mutex_lock(&w->lock);
        for (;;) {
            left = 0;
            for (int j = 0; j < nt; j++) left += !w->tasks[ti[j]].done;
            if (w->handovers != handovers || !left || !w->running) break;
            pthread_cond_wait(&w->changed, &w->lock);
        }
        handovers = w->handovers;
        for (int j = 0; j < nt; j++) {
            const wtask *t = &w->tasks[ti[j]];
            for (size_t i = src[j].seen.n; i < t->pieces.n; i++) tf_vec_push(&src[j].seen, t->pieces.v[i]);
            if (t->done) continue;
            const wpart *wp = &w->parts[t->part];
            uint64_t c = t->settled ? t->floor : wp->prepared && wp->lp ? tf_lake_part_floor(wp->lp, t->from) >> shift : 0;
            if (c < frontier) frontier = c;
        }
        int stopped = left && !w->running;
        pthread_mutex_unlock(&w->lock);
        if (stopped) {
            rc = TF_ECANCELED;
            break;
        }
        /* every source's groups below the frontier (all of them once every
         * file is written), merged */
        head.n = take.n = 0;
        for (int j = 0; j <= nt; j++) {
            source *sr = &src[j];
            while (sr->pi < sr->seen.n) {
                group_piece pc = sr->seen.v[sr->pi];
                size_t end = left ? first_at_cell(pc.v, pc.n, frontier) : pc.n;
                if (end > sr->at) {
                    tf_vec_push(&head, pc.v + sr->at);
                    tf_vec_push(&take, end - sr->at);
                    sr->at = end;
                }
                if (sr->at < pc.n) break; /* the rest of this source is at or above the frontier */
                sr->pi++;
                sr->at = 0;
            }
        }
        tf_groups_merge_pieces(head.v, take.v, (int)head.n, sink_group, sink);
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
    for (int j = 0; j <= nt; j++) tf_vec_free(&src[j].seen);
    free(src);
    free(ti);
    tf_vec_free(&head);
    tf_vec_free(&take);
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
    for (int i = 0; i < w->ntasks; i++) task_results_free(&w->tasks[i]);
    for (int p = 0; p < w->u->nparts; p++) tf_lake_part_free(w->parts[p].lp);
    free(w->tasks);
    free(w->parts);
    free(w->tasks_left);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->changed);
    tf_err_once_destroy(&w->err);
}

/* Start the writer threads on a segment's partitions. */
static void writers_start(writers *w, ingest_ctx *ctx, units *u, tf_lake_run *lr, const tf_grid *grid, int progressive,
                          int **region_order, int *nregions, pthread_t **tids)
{
    size_t nr = ctx->names[TF_DIM_REGION].names.n;
    memset(w, 0, sizeof *w);
    w->ctx = ctx;
    w->u = u;
    w->lr = lr;
    w->grid = grid;
    w->progressive = progressive;
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
    writers_start(&w, ctx, u, lr, grid, 0, &region_order, &nregions, &tids);
    /* each region's pieces are merged into what earlier segments left as
     * soon as its files are written, while the writers go on */
    for (int r = 0; r < nregions; r++) {
        int region = region_order[r];
        if (!wait_region(&w, region)) break; /* the writers stopped early */
        region_aggs *ra = &ctx->acc[region];
        size_t ng = ra->groups.n;
        for (int i = 0; i < w.ntasks; i++)
            if (w.tasks[i].file >= 0 && w.parts[w.tasks[i].part].region == region) ng += task_groups(&w.tasks[i]);
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
    /* the files hand over their groups as they settle, which they do in
     * cell order when the spatial order sorts whole cells */
    int progressive = 5 * (12 - grid->precision) >= TF_LAKE_ORDER_LOW_BITS;
    writers_start(&w, ctx, u, lr, grid, progressive, &region_order, &nregions, &tids);

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
