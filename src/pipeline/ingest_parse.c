/* ingest_parse.c — the parse stage of ingest: line-aligned chunks parsed by
 * worker threads into trip rows, plus rejected records with their reasons.
 * A chunk's rows go to the thread's buffer first, then to the chunk's slot
 * grouped by dedupe unit (partition (region, month) and key bucket), in
 * input order within a unit: later stages read a unit or a partition as
 * one run per chunk, and no row is copied again.  Parsed input pages are released as soon as a chunk is done, so
 * memory holds rows, not the file.  A chunk border that fell
 * inside a quoted field (a quoted newline) is detected afterwards and the
 * chunk re-parsed from the right place, so results never depend on where the
 * borders fell. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ingest_int.h"
#include "tripflow/hash.h"
#include "tripflow/sig.h"

/* ---- interning ---- */
typedef struct {
    uint64_t hash;
    uint32_t id;
    uint32_t pad;
} intern_slot;

void intern_init(intern *in)
{
    pthread_mutex_init(&in->lock, NULL);
    tf_arena_init(&in->arena, 16 * 1024);
    memset(&in->names, 0, sizeof in->names);
    tf_fmap_init(&in->index, sizeof(intern_slot), sizeof(uint64_t), 64);
}

void intern_free(intern *in)
{
    pthread_mutex_destroy(&in->lock);
    tf_arena_free(&in->arena);
    tf_vec_free(&in->names);
    tf_fmap_free(&in->index);
}

uint32_t intern_id(intern *in, const char *name, size_t len, uint64_t hash)
{
    pthread_mutex_lock(&in->lock);
    /* open chaining on hash collisions: probe hash, hash+1, ... */
    uint64_t h = hash;
    uint32_t id;
    for (;;) {
        int added;
        intern_slot *s = tf_fmap_upsert(&in->index, &h, h, &added);
        if (added) {
            id = (uint32_t)in->names.n;
            s->id = id;
            intern_entry e = {tf_arena_strndup(&in->arena, name, len), len};
            tf_vec_push(&in->names, e);
            break;
        }
        intern_entry *e = &in->names.v[s->id];
        if (tf_name_eq(e->name, e->len, name, len)) {
            id = s->id;
            break;
        }
        h++;
    }
    pthread_mutex_unlock(&in->lock);
    return id;
}

/* per-thread cache in front of the locked table */
typedef struct {
    uint64_t hash;
    uint32_t id;
    uint32_t len;
    const char *name;
} cache_slot;

typedef struct worker {
    ingest_ctx *ctx;
    tf_fmap cache[2];
    tf_fmap parts; /* {part_key, uint32 pid} in front of ctx->parts */
    tf_buf scratch[2];
    tf_trip *rows;               /* the chunk's rows in input order, before grouping */
    TF_VEC(uint32_t) unit;       /* each row's dedupe unit (pid * KEY_BUCKETS + bucket) */
    TF_VEC(int64_t) cursor;      /* grouping: where each unit's next row goes */
    tf_piece_hasher *hasher;     /* the content hash's piece of the chunk, fed as it is read */
    struct {
        int64_t day;
        int32_t month;
    } months[64]; /* day -> month index, direct-mapped */
} worker;

static inline int32_t month_of(worker *w, int64_t ts)
{
    int64_t day = tf_floordiv(ts, TF_US_PER_DAY);
    unsigned slot = (unsigned)((uint64_t)day & 63);
    if (w->months[slot].day != day) {
        w->months[slot].day = day;
        w->months[slot].month = tf_month_index(ts);
    }
    return w->months[slot].month;
}

static uint32_t name_id(worker *w, int kind, const char *name, size_t len)
{
    uint64_t h = tf_name_hash(name, len);
    cache_slot *c = tf_fmap_find(&w->cache[kind], &h, h);
    if (c && tf_name_eq(c->name, c->len, name, len)) return c->id;
    uint32_t id = intern_id(&w->ctx->names[kind], name, len, h);
    if (!c) {
        c = tf_fmap_upsert(&w->cache[kind], &h, h, NULL);
        intern *in = &w->ctx->names[kind];
        pthread_mutex_lock(&in->lock);
        c->name = in->names.v[id].name;
        c->len = (uint32_t)in->names.v[id].len;
        pthread_mutex_unlock(&in->lock);
        c->id = id;
    }
    return id;
}

/* ---- chunk storage ---- */
static void note_spelling(chunk *c, int kind, uint32_t id, const char *name, size_t len)
{
    uint32_t k = ((uint32_t)kind << 31) | id;
    int added;
    spelling_slot *s = tf_fmap_upsert(&c->spelling, &k, SPELLING_HASH(k), &added);
    if (added) {
        s->name = tf_arena_strndup(&c->arena, name, len);
        s->len = (uint32_t)len;
    }
}

/* ---- partitions ---- */
typedef struct {
    part_key k;
    uint32_t pid;
    uint32_t pad;
} part_slot;

static uint64_t part_hash(uint32_t region, int32_t month)
{
    return ((uint64_t)region * UINT64_C(0x9E3779B97F4A7C15)) ^ ((uint64_t)(uint32_t)month * UINT64_C(0xC2B2AE3D27D4EB4F));
}

uint32_t partmap_id(partmap *pm, uint32_t region, int32_t month)
{
    part_key k = {region, month};
    pthread_mutex_lock(&pm->lock);
    int added;
    part_slot *s = tf_fmap_upsert(&pm->index, &k, part_hash(region, month), &added);
    if (added) {
        s->pid = (uint32_t)pm->keys.n;
        tf_vec_push(&pm->keys, k);
    }
    uint32_t pid = s->pid;
    pthread_mutex_unlock(&pm->lock);
    return pid;
}

static inline void row_push(worker *w, chunk *c, const tf_trip *t, uint32_t unit)
{
    w->rows[c->nrows++] = *t;
    tf_vec_push(&w->unit, unit);
}

/* The chunk's rows from the thread's buffer into the chunk's slot, grouped
 * by unit (a counting sort: stable, so input order within a unit).  The
 * buffer is reused chunk after chunk and stays in memory; the slot is
 * written once. */
static void group_rows(worker *w, chunk *c)
{
    size_t nu = c->unit_rows.n;
    tf_vec_grow(&c->unit_at, nu + 1);
    c->unit_at.n = nu + 1;
    tf_vec_grow(&w->cursor, nu + 1);
    int64_t at = 0;
    for (size_t k = 0; k < nu; k++) {
        c->unit_at.v[k] = w->cursor.v[k] = at;
        at += c->unit_rows.v[k];
    }
    c->unit_at.v[nu] = at;
    int64_t *cur = w->cursor.v;
    const uint32_t *unit = w->unit.v;
    for (int64_t i = 0; i < c->nrows; i++) c->rows[cur[unit[i]]++] = w->rows[i];
}

typedef struct {
    part_key k;
    uint32_t pid;
    uint32_t pad;
} part_slot_w;

static uint32_t part_id(worker *w, uint32_t region, int32_t month)
{
    part_key k = {region, month};
    uint64_t h = ((uint64_t)region * UINT64_C(0x9E3779B97F4A7C15)) ^ ((uint64_t)(uint32_t)month * UINT64_C(0xC2B2AE3D27D4EB4F));
    int added;
    part_slot_w *s = tf_fmap_upsert(&w->parts, &k, h, &added);
    if (added) s->pid = partmap_id(&w->ctx->parts, region, month);
    return s->pid;
}

static inline void count_unit(chunk *c, size_t unit)
{
    if (unit >= c->unit_rows.n) {
        tf_vec_grow(&c->unit_rows, unit + 1);
        memset(c->unit_rows.v + c->unit_rows.n, 0, (unit + 1 - c->unit_rows.n) * sizeof *c->unit_rows.v);
        c->unit_rows.n = unit + 1;
    }
    c->unit_rows.v[unit]++;
}

static void chunk_reset(chunk *c)
{
    tf_arena_free(&c->arena);
    c->nrows = 0;
    tf_vec_free(&c->unit_rows);
    tf_vec_free(&c->unit_at);
    tf_vec_free(&c->rejects);
    tf_fmap_free(&c->spelling);
    tf_arena_init(&c->arena, 256 * 1024);
    tf_fmap_init(&c->spelling, sizeof(spelling_slot), sizeof(uint32_t), 16);
    c->rows_read = 0;
    c->lines = 0;
}

void chunk_free(chunk *c)
{
    tf_arena_free(&c->arena);
    c->nrows = 0;
    tf_vec_free(&c->unit_rows);
    tf_vec_free(&c->unit_at);
    tf_vec_free(&c->rejects);
    tf_fmap_free(&c->spelling);
}

static void release_input(ingest_ctx *ctx, const char *from, const char *to)
{
    if (!ctx->mapped) return;
    uintptr_t a = ((uintptr_t)from + 4095) & ~(uintptr_t)4095, b = (uintptr_t)to & ~(uintptr_t)4095;
    if (b > a) madvise((void *)a, b - a, MADV_DONTNEED);
}

/* Chunks the parse asks the kernel to read ahead of the one it takes: the
 * threads fault in the mapped file at two places at once, which defeats the
 * kernel's sequential read-ahead, so a file that is not (or not all) in the
 * page cache would be read 4 KiB page by page, each fault a wait on the disk.
 * For pages that are in the cache the advice costs a lookup each. */
#define READ_AHEAD_CHUNKS 4

static void advise_input(ingest_ctx *ctx, const char *from, size_t n)
{
    if (!ctx->mapped || from >= ctx->end) return;
    if (n > (size_t)(ctx->end - from)) n = (size_t)(ctx->end - from);
    uintptr_t a = (uintptr_t)from & ~(uintptr_t)4095, b = (uintptr_t)from + n;
    if (b > a) madvise((void *)a, b - a, MADV_WILLNEED);
}

static void read_ahead(ingest_ctx *ctx, int i)
{
    if (i < ctx->nchunks)
        advise_input(ctx, ctx->chunks[i].begin, (size_t)(ctx->chunks[i].limit - ctx->chunks[i].begin));
}

/* Names met in this chunk: the raw field bytes of a region or datasource
 * map to its id and folded text, so a name is validated, interned and
 * folded once per chunk instead of once per row.  The first meeting in a
 * chunk also records the spelling. */
#define MEMO 8
typedef struct memo_ent {
    const char *raw, *folded;
    uint32_t rawlen, flen, id;
} memo_ent;
typedef struct memo {
    memo_ent e[2][MEMO];
    int n[2], next[2];
} memo;

/* a == b for n bytes, w <= n <= 2w: the first and the last w bytes */
static inline int ends_equal(const char *a, const char *b, size_t n, size_t w)
{
    uint64_t a0 = 0, a1 = 0, b0 = 0, b1 = 0;
    memcpy(&a0, a, w);
    memcpy(&b0, b, w);
    memcpy(&a1, a + n - w, w);
    memcpy(&b1, b + n - w, w);
    return a0 == b0 && a1 == b1;
}

/* a == b for n bytes; names are short: two overlapping words, no call */
static inline int same_bytes(const char *a, const char *b, size_t n)
{
    if (n >= 8 && n <= 16) return ends_equal(a, b, n, 8);
    if (n >= 4 && n < 8) return ends_equal(a, b, n, 4);
    return !memcmp(a, b, n);
}

static const memo_ent *name_of(worker *w, chunk *c, memo *mm, const tf_csv_record *rec, int kind, int which,
                               tf_err *err)
{
    const tf_csv_field *f = &rec->f[w->ctx->layout.col[which]];
    if (!f->escaped)
        for (int i = 0; i < mm->n[kind]; i++) {
            const memo_ent *m = &mm->e[kind][i];
            if (m->rawlen == f->len && same_bytes(m->raw, f->p, f->len)) return m;
        }
    const char *name;
    size_t len;
    if (tf_trip_name(rec, &w->ctx->layout, which, &w->scratch[kind], &name, &len, err)) return NULL;
    uint32_t id = name_id(w, kind, name, len);
    note_spelling(c, kind, id, name, len);
    int slot = mm->n[kind] < MEMO ? mm->n[kind]++ : mm->next[kind]++ % MEMO;
    memo_ent *m = &mm->e[kind][slot];
    char *folded = tf_arena_alloc(&c->arena, len + 1);
    tf_name_fold(name, len, folded);
    m->folded = folded;
    m->flen = (uint32_t)len;
    m->id = id;
    /* an escaped field never matches raw bytes: keep it out of the memo */
    m->raw = f->escaped ? "" : tf_arena_strndup(&c->arena, f->p, f->len);
    m->rawlen = f->escaped ? UINT32_MAX : f->len;
    return m;
}

/* Feed the piece's bytes up to `to` (those the parse has just read, still in
 * cache) to the hasher. */
static inline void feed_piece(worker *w, const char **at, const char *end, const char *to)
{
    if (to > end) to = end;
    if (to > *at) {
        tf_piece_update(w->hasher, *at, (size_t)(to - *at));
        *at = to;
    }
}

/* Parse records starting in [start, c->limit); piece >= 0: also hash the
 * content hash's piece of that number as the bytes go by. */
static void parse_chunk(worker *w, chunk *c, const char *start, int piece)
{
    ingest_ctx *ctx = w->ctx;
    chunk_reset(c);
    c->begin = start;
    if (!w->rows) w->rows = tf_xmalloc((size_t)c->cap * sizeof *w->rows); /* pages are backed as rows come */
    w->unit.n = 0;
    tf_csv_reader r;
    tf_csv_init(&r, start, c->limit, ctx->end, 0);
    tf_csv_record rec;
    tf_trip t;
    tf_err err;
    memo mm;
    memset(&mm, 0, sizeof mm);
    uint32_t last_region = UINT32_MAX, last_pid = 0;
    int32_t last_month = 0;
    const char *reported = start;
    int64_t since_check = 0;
    const char *hat = NULL, *hend = NULL; /* the piece: next byte to hash, end */
    if (piece >= 0) {
        size_t off = (size_t)piece * TF_CONTENT_PIECE, n = (size_t)(ctx->end - ctx->data);
        hat = ctx->data + off;
        hend = hat + (n - off < TF_CONTENT_PIECE ? n - off : TF_CONTENT_PIECE);
        if (!w->hasher) w->hasher = tf_piece_hasher_new();
        tf_piece_begin(w->hasher);
        feed_piece(w, &hat, hend, start); /* its bytes before the chunk (the header, a line) */
    }
    while (tf_csv_next(&r, &rec)) {
        /* tf_trip_parse's steps, in its order, with names from the memo */
        int bad;
        const memo_ent *rn = NULL, *dn = NULL;
        int ok = tf_trip_check(&rec, &ctx->layout, &bad, &err) == TF_OK;
        if (ok) {
            bad = TF_TRIP_REGION;
            ok = (rn = name_of(w, c, &mm, &rec, TF_DIM_REGION, TF_TRIP_REGION, &err)) != NULL;
        }
        if (ok) {
            bad = TF_TRIP_DATASOURCE;
            ok = (dn = name_of(w, c, &mm, &rec, TF_DIM_DATASOURCE, TF_TRIP_DATASOURCE, &err)) != NULL;
        }
        if (ok) ok = tf_trip_points_time(&rec, &ctx->layout, ctx->o->tz, &t, &bad, &err) == TF_OK;
        if (ok) {
            t.key = tf_trip_key_folded(&t, rn->folded, rn->flen, dn->folded, dn->flen);
            t.region = rn->id;
            t.datasource = dn->id;
            int32_t month = month_of(w, t.ts);
            if (t.region != last_region || month != last_month) {
                last_pid = part_id(w, t.region, month);
                last_region = t.region;
                last_month = month;
            }
            uint32_t unit = last_pid * KEY_BUCKETS + key_bucket(t.key);
            if (c->nrows == c->cap) { /* cannot happen: MIN_ROW_BYTES bounds the rows */
                atomic_store(&ctx->abort, 3);
                break;
            }
            row_push(w, c, &t, unit);
            count_unit(c, unit);
        } else {
            if (rec.nlines > 1 && !rec.err) {
                /* a multi-line record that is not a trip: reject its first line
                 * only and read the following lines as records of their own */
                tf_csv_resync(&r, &rec);
                const char *nl = memchr(rec.start, '\n', rec.len);
                size_t first = nl ? (size_t)(nl - rec.start) : rec.len;
                if (first && rec.start[first - 1] == '\r') first--;
                rec.len = first;
            }
            /* the record's text is copied: input pages are released after parsing */
            reject_rec rj = {rec.line, bad, tf_arena_strdup(&c->arena, err.msg),
                             tf_arena_strndup(&c->arena, rec.start, rec.len), rec.len};
            tf_vec_push(&c->rejects, rj);
            long long seen = atomic_fetch_add(&ctx->rejects_seen, 1) + 1;
            if (ctx->o->max_rejects.rows >= 0 && seen > ctx->o->max_rejects.rows) atomic_store(&ctx->abort, 1);
        }
        c->rows_read++;
        if (hat && !(since_check & 255)) feed_piece(w, &hat, hend, r.cur);
        if (++since_check == 4096) {
            since_check = 0;
            atomic_fetch_add(&ctx->bytes_done, (long long)(r.cur - reported));
            atomic_fetch_add(&ctx->rows_done, 4096);
            reported = r.cur;
            if (tf_sig_interrupted()) atomic_store(&ctx->abort, 2);
            if (atomic_load(&ctx->abort)) break;
        }
    }
    atomic_fetch_add(&ctx->bytes_done, (long long)(r.cur - reported));
    atomic_fetch_add(&ctx->rows_done, since_check);
    c->stop = r.cur;
    c->lines = r.line;
    group_rows(w, c);
    if (hat) {
        feed_piece(w, &hat, hend, hend); /* what the parse did not reach */
        tf_piece_end(w->hasher, ctx->pieces + 16 * (size_t)piece);
        ctx->piece_done[piece] = 1;
    }
    /* the rows and rejects no longer point into the input: let its pages go */
    release_input(ctx, start, c->stop);
}

static void *parse_worker(void *ud)
{
    worker *w = ud;
    ingest_ctx *ctx = w->ctx;
    for (;;) {
        int i = atomic_fetch_add(&ctx->next_chunk, 1);
        if (i >= ctx->seg_c1 || atomic_load(&ctx->abort)) break;
        read_ahead(ctx, i + READ_AHEAD_CHUNKS);
        /* and the content hash's piece at the chunk's place */
        parse_chunk(w, &ctx->chunks[i], ctx->chunks[i].begin, ctx->pieces && (size_t)i < ctx->npieces ? i : -1);
    }
    return NULL;
}

static void worker_init(worker *w, ingest_ctx *ctx)
{
    memset(w, 0, sizeof *w);
    w->ctx = ctx;
    for (int k = 0; k < 64; k++) w->months[k].day = INT64_MIN;
    tf_fmap_init(&w->parts, sizeof(part_slot_w), sizeof(part_key), 16);
    for (int k = 0; k < 2; k++) tf_fmap_init(&w->cache[k], sizeof(cache_slot), sizeof(uint64_t), 64);
}

static void worker_free(worker *w)
{
    tf_fmap_free(&w->parts);
    for (int k = 0; k < 2; k++) {
        tf_fmap_free(&w->cache[k]);
        tf_buf_free(&w->scratch[k]);
    }
    free(w->rows);
    tf_piece_hasher_free(w->hasher);
    tf_vec_free(&w->unit);
    tf_vec_free(&w->cursor);
}

/* Bytes of memory a parsed row takes while its segment is processed (its
 * place in its chunk's slot and in the spatial order, aggregates): segments
 * are sized with it. */
#define ROW_MEMORY 112

int64_t ingest_chunk_bytes(const tf_ingest_opts *o) { return o->chunk_bytes > 0 ? o->chunk_bytes : 8 << 20; }

int ingest_plan(ingest_ctx *ctx, int64_t memory, tf_err *err)
{
    int64_t cb = ingest_chunk_bytes(ctx->o);
    size_t body = (size_t)(ctx->end - ctx->body);
    ctx->nchunks = (int)(body / (size_t)cb) + 1;
    ctx->chunks = tf_xcalloc((size_t)ctx->nchunks, sizeof(chunk));
    /* the borders' pages are read at once, not one wait on the disk after
     * the other when the file is not in the page cache */
    for (int i = 1; i < ctx->nchunks; i++) {
        const char *nominal = ctx->body + (size_t)i * (size_t)cb - 1;
        advise_input(ctx, nominal, 8192);
    }
    for (int i = 0; i < ctx->nchunks; i++) {
        const char *b = ctx->body;
        if (i > 0) {
            const char *nominal = ctx->body + (size_t)i * (size_t)cb - 1;
            const char *nl = nominal < ctx->end ? memchr(nominal, '\n', (size_t)(ctx->end - nominal)) : NULL;
            b = nl ? nl + 1 : ctx->end;
            if (b < ctx->chunks[i - 1].begin) b = ctx->chunks[i - 1].begin;
        }
        ctx->chunks[i].begin = b;
        tf_arena_init(&ctx->chunks[i].arena, 256 * 1024);
        tf_fmap_init(&ctx->chunks[i].spelling, sizeof(spelling_slot), sizeof(uint32_t), 16);
    }
    for (int i = 0; i < ctx->nchunks; i++)
        ctx->chunks[i].limit = i + 1 < ctx->nchunks ? ctx->chunks[i + 1].begin : ctx->end;
    /* finding the borders mapped a page (with large folios, up to 2 MiB) at
     * each of them: let them go until their chunk is parsed */
    release_input(ctx, ctx->body, ctx->end);

    /* segments: as many chunks as the rows they hold (estimated from the
     * lines of the first 4 MiB) fit the memory budget */
    size_t probe = body < ((size_t)4 << 20) ? body : (size_t)4 << 20;
    int64_t lines = 1;
    for (const char *q = ctx->body; (q = memchr(q, '\n', (size_t)(ctx->body + probe - q))) != NULL; q++) lines++;
    double rows_per_chunk = (double)lines * (double)cb / (double)(probe ? probe : 1);
    double fit = (double)memory / ROW_MEMORY / rows_per_chunk;
    ctx->seg_chunks = fit < 1 ? 1 : fit > ctx->nchunks ? ctx->nchunks : (int)fit;

    /* a slot of address space per chunk of a segment for every row it can
     * hold; only what is written is ever backed by memory */
    int64_t most = 0;
    for (int i = 0; i < ctx->nchunks; i++) {
        int64_t bytes = ctx->chunks[i].limit - ctx->chunks[i].begin;
        if (bytes > most) most = bytes;
    }
    int64_t cap = most / MIN_ROW_BYTES + 2;
    const size_t page = 4096;
    ctx->slot_bytes = ((size_t)cap * sizeof(tf_trip) + page - 1) & ~(page - 1);
    /* the dedupe numbers a segment's rows (slots included) in 32 bits */
    size_t fit32 = ((size_t)UINT32_MAX - 1) / (ctx->slot_bytes / sizeof(tf_trip));
    if ((size_t)ctx->seg_chunks > fit32) ctx->seg_chunks = (int)fit32;
    if (tf_span_reserve(&ctx->rows, ctx->slot_bytes * (size_t)ctx->seg_chunks) != 0)
        return tf_errno(err, TF_EIO, "cannot reserve address space for %d chunks of rows", ctx->seg_chunks);
    for (int i = 0; i < ctx->nchunks; i++) {
        chunk *c = &ctx->chunks[i];
        c->cap = cap;
        c->rows = (tf_trip *)(ctx->rows.base + ctx->slot_bytes * (size_t)(i % ctx->seg_chunks));
    }
    ctx->chunks[0].first_line = ctx->body_line;
    return TF_OK;
}

int ingest_parse_segment(ingest_ctx *ctx, int c0, int c1)
{
    ctx->seg_c0 = c0;
    ctx->seg_c1 = c1;
    /* the segment before is parsed in full: its last chunk's end is where
     * this one starts */
    if (c0 > 0 && ctx->chunks[c0 - 1].stop > ctx->chunks[c0].begin) {
        ctx->chunks[c0].begin = ctx->chunks[c0 - 1].stop;
        if (ctx->chunks[c0].begin > ctx->chunks[c0].limit) ctx->chunks[c0].limit = ctx->chunks[c0].begin;
    }
    atomic_store(&ctx->next_chunk, c0);
    for (int i = c0; i < c0 + READ_AHEAD_CHUNKS; i++) read_ahead(ctx, i);
    int nt = ctx->threads < c1 - c0 ? ctx->threads : c1 - c0;
    if (nt < 1) nt = 1;
    worker *ws = tf_xcalloc((size_t)nt, sizeof *ws);
    pthread_t *tids = tf_xcalloc((size_t)nt, sizeof *tids);
    for (int t = 0; t < nt; t++) worker_init(&ws[t], ctx);
    for (int t = 1; t < nt; t++) pthread_create(&tids[t], NULL, parse_worker, &ws[t]);
    parse_worker(&ws[0]);
    for (int t = 1; t < nt; t++) pthread_join(tids[t], NULL);

    int rc = TF_OK;
    if (atomic_load(&ctx->abort)) {
        /* the run fails; keep the rejects of the chunks that were parsed in
         * full from a verified start, so every reported line is right */
        rc = TF_ECANCELED;
        int ok = 1;
        for (int i = c0; i < c1; i++) {
            chunk *c = &ctx->chunks[i];
            if (i > 0) {
                chunk *prev = &ctx->chunks[i - 1];
                c->first_line = prev->first_line + prev->lines;
                ok = ok && prev->stop == c->begin && prev->stop >= prev->limit;
            }
            if (!ok) c->rejects.n = 0;
        }
    } else {
        /* borders: chunk i must start where chunk i-1 stopped */
        for (int i = c0; i < c1; i++) {
            if (i == 0) continue;
            chunk *prev = &ctx->chunks[i - 1], *c = &ctx->chunks[i];
            if (i > c0 && prev->stop > c->begin) {
                atomic_fetch_sub(&ctx->rejects_seen, (long long)c->rejects.n);
                if (prev->stop >= c->limit) {
                    chunk_reset(c);
                    c->begin = c->stop = prev->stop;
                } else {
                    parse_chunk(&ws[0], c, prev->stop, -1);
                }
            }
            c->first_line = prev->first_line + prev->lines;
        }
        if (atomic_load(&ctx->abort)) rc = TF_ECANCELED;
    }
    for (int i = c0; i < c1; i++)
        for (size_t k = 0; k < ctx->chunks[i].rejects.n; k++)
            ctx->chunks[i].rejects.v[k].line += ctx->chunks[i].first_line;
    for (int t = 0; t < nt; t++) worker_free(&ws[t]);
    free(ws);
    free(tids);
    return rc;
}
