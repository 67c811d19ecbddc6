/* extgroup.c — grouping records by key within a memory budget: in-memory
 * hash table and record chunks, sorted runs in an unlinked spill file,
 * multi-pass k-way merge (see extgroup.h).
 *
 * Run format, one entry per key in ascending key order:
 *   uvarint key length, key bytes, uvarint record count, records. */
#include "tripflow/extgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tripflow/hash.h"
#include "tripflow/mem.h"
#include "tripflow/sig.h"

#define KCH_SHIFT 12 /* key entries per key chunk: 4096 */
#define KCH ((size_t)1 << KCH_SHIFT)
#define MIN_MEMORY (64 * 1024)
#define MIN_RBUF (64u * 1024)
#define MAX_RBUF (1u << 20)

typedef struct key_ent {
    uint64_t hash;
    const char *p;
    uint32_t len;
    uint32_t count; /* records; during a sort pass, the next output position */
} key_ent;

typedef struct run {
    int64_t off, len;
} run;

struct tf_xgroup {
    size_t rec_size;
    int64_t memory;
    char *tmp_dir;
    /* records: chunk i holds ch records, then their key indexes (uint32) */
    unsigned ch_shift;
    size_t ch, chunk_bytes;
    char **chunks;
    size_t nchunks, chunks_used;
    size_t nrec;
    /* keys */
    key_ent **kchunks;
    size_t nkchunks;
    size_t nkeys;
    uint64_t *slots; /* (hash >> 32) << 32 | (index + 1); 0 = empty */
    size_t nslots;
    tf_arena kbytes;
    /* spill */
    int fd;
    int64_t fsize;
    TF_VEC(run) runs;
    size_t wbuf_size; /* spill writes go out in pieces of this size */
    tf_buf wbuf;
    tf_xgroup_stats st;
};

/* ---- memory accounting ----
 * Held: record chunks, key entries, slots and key bytes, plus what sorting
 * them for a run will take (4 bytes a record, 36 a key) and the write buffer. */
static int64_t held(const tf_xgroup *g)
{
    return (int64_t)(g->nchunks * g->chunk_bytes + g->nkchunks * KCH * sizeof(key_ent) + g->nslots * 8 +
                     g->kbytes.total + g->nrec * 4 + g->nkeys * 36 + g->wbuf_size);
}

static void note_peak(tf_xgroup *g, int64_t extra)
{
    int64_t h = held(g) + extra;
    if (h > g->st.peak_bytes) g->st.peak_bytes = h;
}

tf_xgroup *tf_xgroup_new(size_t rec_size, int64_t memory, const char *tmp_dir)
{
    tf_xgroup *g = tf_xcalloc(1, sizeof *g);
    g->rec_size = rec_size;
    g->memory = memory < MIN_MEMORY ? MIN_MEMORY : memory;
    g->tmp_dir = tf_xstrdup(tmp_dir && *tmp_dir ? tmp_dir : "/tmp");
    /* chunks of at most 1/16 of the budget, 256 to 65536 records */
    g->ch_shift = 8;
    while (g->ch_shift < 16 && ((size_t)2 << g->ch_shift) * (rec_size + 4) <= (size_t)(g->memory / 16)) g->ch_shift++;
    g->ch = (size_t)1 << g->ch_shift;
    g->chunk_bytes = g->ch * (rec_size + 4);
    /* the write buffer: a power of two up to 1 MiB, an eighth of the budget */
    g->wbuf_size = 8192;
    while (g->wbuf_size < (1u << 20) && (int64_t)g->wbuf_size * 16 <= g->memory) g->wbuf_size *= 2;
    tf_arena_init(&g->kbytes, 64 * 1024);
    g->fd = -1;
    return g;
}

static inline char *rec_at(const tf_xgroup *g, size_t i)
{
    return g->chunks[i >> g->ch_shift] + (i & (g->ch - 1)) * g->rec_size;
}
static inline uint32_t *kidx_at(const tf_xgroup *g, size_t i)
{
    return (uint32_t *)(g->chunks[i >> g->ch_shift] + g->ch * g->rec_size) + (i & (g->ch - 1));
}
static inline key_ent *key_at(const tf_xgroup *g, size_t k) { return &g->kchunks[k >> KCH_SHIFT][k & (KCH - 1)]; }

/* ---- hash table ---- */
static size_t find_slot(const tf_xgroup *g, uint64_t h, const char *key, size_t klen, uint32_t *idx)
{
    *idx = UINT32_MAX;
    if (!g->nslots) return 0;
    size_t mask = g->nslots - 1, s = (size_t)h & mask;
    uint64_t tag = h >> 32 << 32;
    for (;;) {
        uint64_t v = g->slots[s];
        if (!v) return s;
        if ((v >> 32 << 32) == tag) {
            uint32_t k = (uint32_t)v - 1;
            const key_ent *e = key_at(g, k);
            if (e->hash == h && e->len == klen && !memcmp(e->p, key, klen)) {
                *idx = k;
                return s;
            }
        }
        s = (s + 1) & mask;
    }
}

static void grow_table(tf_xgroup *g)
{
    size_t n = g->nslots ? g->nslots * 2 : 1024;
    uint64_t *ns = tf_xcalloc(n, 8);
    for (size_t k = 0; k < g->nkeys; k++) {
        const key_ent *e = key_at(g, k);
        size_t s = (size_t)e->hash & (n - 1);
        while (ns[s]) s = (s + 1) & (n - 1);
        ns[s] = (e->hash >> 32 << 32) | (k + 1);
    }
    free(g->slots);
    g->slots = ns;
    g->nslots = n;
}

/* ---- sorting the keys held in memory ---- */
typedef struct sort_item {
    uint64_t pfx;
    uint32_t idx;
    uint32_t pad;
} sort_item;

static int key_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    if (c) return c;
    return la < lb ? -1 : la > lb;
}

static int item_cmp(const void *pa, const void *pb, void *ug)
{
    const sort_item *a = pa, *b = pb;
    const tf_xgroup *g = ug;
    if (a->pfx != b->pfx) return a->pfx < b->pfx ? -1 : 1;
    const key_ent *ka = key_at(g, a->idx), *kb = key_at(g, b->idx);
    return key_cmp(ka->p, ka->len, kb->p, kb->len);
}

static uint64_t prefix_be(const char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++) v = v << 8 | (i < n ? (unsigned char)p[i] : 0);
    return v;
}

/* The key indexes in ascending key order (heap array of nkeys). */
static uint32_t *sorted_keys(tf_xgroup *g)
{
    size_t n = g->nkeys;
    sort_item *a = tf_xmalloc((n ? n : 1) * sizeof *a);
    for (size_t k = 0; k < n; k++) {
        const key_ent *e = key_at(g, k);
        a[k].pfx = prefix_be(e->p, e->len);
        a[k].idx = (uint32_t)k;
        a[k].pad = 0;
    }
    if (n < 2048) {
        qsort_r(a, n, sizeof *a, item_cmp, g);
    } else {
        /* LSD radix sort on the 8-byte prefix, skipping bytes all keys share */
        sort_item *b = tf_xmalloc(n * sizeof *b);
        size_t cnt[256];
        for (int pass = 0; pass < 8; pass++) {
            int sh = pass * 8;
            memset(cnt, 0, sizeof cnt);
            for (size_t i = 0; i < n; i++) cnt[(a[i].pfx >> sh) & 255]++;
            if (cnt[(a[0].pfx >> sh) & 255] == n) continue;
            size_t sum = 0;
            for (int v = 0; v < 256; v++) {
                size_t c = cnt[v];
                cnt[v] = sum;
                sum += c;
            }
            for (size_t i = 0; i < n; i++) b[cnt[(a[i].pfx >> sh) & 255]++] = a[i];
            sort_item *t = a;
            a = b;
            b = t;
        }
        free(b);
        /* equal prefixes: order by the whole key */
        for (size_t i = 0; i < n;) {
            size_t j = i + 1;
            while (j < n && a[j].pfx == a[i].pfx) j++;
            if (j - i > 1) qsort_r(a + i, j - i, sizeof *a, item_cmp, g);
            i = j;
        }
    }
    uint32_t *order = tf_xmalloc((n ? n : 1) * sizeof *order);
    for (size_t r = 0; r < n; r++) order[r] = a[r].idx;
    free(a);
    return order;
}

/* The record indexes grouped by key in key order (insertion order within a
 * key); afterwards key count fields hold each group's end in perm. */
static uint32_t *group_perm(tf_xgroup *g, const uint32_t *order)
{
    size_t pos = 0;
    for (size_t r = 0; r < g->nkeys; r++) {
        key_ent *e = key_at(g, order[r]);
        size_t c = e->count;
        e->count = (uint32_t)pos;
        pos += c;
    }
    uint32_t *perm = tf_xmalloc((g->nrec ? g->nrec : 1) * sizeof *perm);
    for (size_t i = 0; i < g->nrec; i++) perm[key_at(g, *kidx_at(g, i))->count++] = (uint32_t)i;
    return perm;
}

/* ---- spill file ---- */
static int spill_open(const tf_xgroup *g, int *fd, tf_err *err)
{
    *fd = open(g->tmp_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (*fd < 0 && errno != ENOENT && errno != ENOTDIR && errno != EACCES) {
        /* file systems without O_TMPFILE: create, then unlink at once */
        char *p = tf_xasprintf("%s/.tripflow-spill-XXXXXX", g->tmp_dir);
        *fd = mkostemp(p, O_CLOEXEC);
        if (*fd >= 0) unlink(p);
        free(p);
    }
    if (*fd < 0) return tf_errno(err, TF_EIO, "%s: cannot create a spill file (--tmp-dir)", g->tmp_dir);
    return TF_OK;
}

static int wflush(tf_xgroup *g, int fd, int64_t *fsize, tf_err *err)
{
    const char *p = g->wbuf.data;
    size_t n = g->wbuf.len;
    while (n) {
        ssize_t w = pwrite(fd, p, n, *fsize);
        if (w < 0) {
            if (errno == EINTR) continue;
            return tf_errno(err, TF_EIO, "spill file in %s: write", g->tmp_dir);
        }
        p += w;
        n -= (size_t)w;
        *fsize += w;
        g->st.spill_bytes += w;
    }
    g->wbuf.len = 0;
    return TF_OK;
}

static void put_uvarint(tf_buf *b, uint64_t v)
{
    char t[10];
    int n = 0;
    while (v >= 0x80) {
        t[n++] = (char)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (char)v;
    tf_buf_append(b, t, (size_t)n);
}

/* Write the records held as one sorted run and empty the table. */
static int spill(tf_xgroup *g, tf_err *err)
{
    if (g->fd < 0 && spill_open(g, &g->fd, err)) return err->code;
    tf_buf_reserve(&g->wbuf, g->wbuf_size - 1);
    uint32_t *order = sorted_keys(g);
    uint32_t *perm = group_perm(g, order);
    note_peak(g, 0);
    run r = {g->fsize, 0};
    int rc = TF_OK;
    size_t at = 0;
    for (size_t k = 0; k < g->nkeys && rc == TF_OK; k++) {
        const key_ent *e = key_at(g, order[k]);
        size_t end = e->count;
        put_uvarint(&g->wbuf, e->len);
        tf_buf_append(&g->wbuf, e->p, e->len);
        put_uvarint(&g->wbuf, end - at);
        for (; at < end && rc == TF_OK; at++) {
            tf_buf_append(&g->wbuf, rec_at(g, perm[at]), g->rec_size);
            if (g->wbuf.len + 4096 >= g->wbuf_size) rc = wflush(g, g->fd, &g->fsize, err);
        }
    }
    if (rc == TF_OK) rc = wflush(g, g->fd, &g->fsize, err);
    free(order);
    free(perm);
    if (rc) return rc;
    r.len = g->fsize - r.off;
    tf_vec_push(&g->runs, r);
    g->st.runs++;
    /* start over, keeping the chunks */
    g->nrec = 0;
    g->chunks_used = 0;
    g->nkeys = 0;
    memset(g->slots, 0, g->nslots * 8);
    tf_arena_free(&g->kbytes);
    return TF_OK;
}

static int add_hashed(tf_xgroup *g, uint64_t h, const char *key, size_t klen, const void *rec, tf_err *err)
{
    uint32_t idx;
    size_t slot = find_slot(g, h, key, klen, &idx);
    /* what this record adds, growth of the structures included */
    int64_t extra = (int64_t)g->rec_size + 8;
    if ((g->nrec & (g->ch - 1)) == 0 && g->chunks_used == g->nchunks) extra += (int64_t)g->chunk_bytes;
    if (idx == UINT32_MAX) {
        extra += (int64_t)(klen + 16 + 20);
        if ((g->nkeys & (KCH - 1)) == 0 && (g->nkeys >> KCH_SHIFT) == g->nkchunks)
            extra += (int64_t)(KCH * sizeof(key_ent));
        if ((g->nkeys + 1) * 2 > g->nslots) extra += (int64_t)(g->nslots ? g->nslots : 512) * 16;
    }
    if (g->nrec > 0 && (held(g) + extra > g->memory || g->nrec >= UINT32_MAX - 1)) {
        if (spill(g, err)) return err->code;
        slot = find_slot(g, h, key, klen, &idx);
    }
    if (idx == UINT32_MAX) {
        if ((g->nkeys + 1) * 2 > g->nslots) {
            grow_table(g);
            slot = find_slot(g, h, key, klen, &idx);
        }
        if ((g->nkeys >> KCH_SHIFT) == g->nkchunks) {
            g->kchunks = tf_xrealloc(g->kchunks, (g->nkchunks + 1) * sizeof *g->kchunks);
            g->kchunks[g->nkchunks++] = tf_xmalloc(KCH * sizeof(key_ent));
        }
        idx = (uint32_t)g->nkeys++;
        key_ent *e = key_at(g, idx);
        e->hash = h;
        e->p = tf_arena_strndup(&g->kbytes, key, klen);
        e->len = (uint32_t)klen;
        e->count = 0;
        g->slots[slot] = (h >> 32 << 32) | ((uint64_t)idx + 1);
    }
    if ((g->nrec & (g->ch - 1)) == 0) {
        if (g->chunks_used == g->nchunks) {
            g->chunks = tf_xrealloc(g->chunks, (g->nchunks + 1) * sizeof *g->chunks);
            g->chunks[g->nchunks++] = tf_xmalloc(g->chunk_bytes);
        }
        g->chunks_used++;
    }
    memcpy(rec_at(g, g->nrec), rec, g->rec_size);
    *kidx_at(g, g->nrec) = idx;
    g->nrec++;
    key_at(g, idx)->count++;
    g->st.records++;
    if ((g->nrec & 4095) == 0) note_peak(g, 0);
    return TF_OK;
}

int tf_xgroup_add(tf_xgroup *g, const char *key, size_t klen, const void *rec, tf_err *err)
{
    return add_hashed(g, tf_hash64(key, klen), key, klen, rec, err);
}

/* Rows ahead of the one being inserted: its slot is fetched at D1, the key
 * entry the slot names at D2, the key bytes at D3, so that the probe finds
 * them in cache. */
#define D1 24
#define D2 16
#define D3 8

int tf_xgroup_add_batch(tf_xgroup *g, const char *const *keys, const uint32_t *klens, const void *recs, size_t n,
                        tf_err *err)
{
    uint64_t hs[256];
    for (size_t base = 0; base < n; base += 256) {
        size_t m = n - base < 256 ? n - base : 256;
        for (size_t i = 0; i < m; i++) hs[i] = tf_hash64(keys[base + i], klens[base + i]);
        for (size_t i = 0; i < m; i++) {
            if (g->nslots) {
                size_t mask = g->nslots - 1;
                if (i + D1 < m) __builtin_prefetch(&g->slots[hs[i + D1] & mask]);
                if (i + D2 < m) {
                    uint64_t v = g->slots[hs[i + D2] & mask];
                    if (v && (uint32_t)v - 1 < g->nkeys) __builtin_prefetch(key_at(g, (uint32_t)v - 1));
                }
                if (i + D3 < m) {
                    uint64_t v = g->slots[hs[i + D3] & mask];
                    if (v && (uint32_t)v - 1 < g->nkeys) __builtin_prefetch(key_at(g, (uint32_t)v - 1)->p);
                }
            }
            const char *rec = (const char *)recs + (base + i) * g->rec_size;
            if (add_hashed(g, hs[i], keys[base + i], klens[base + i], rec, err)) return err->code;
        }
    }
    return TF_OK;
}

static int interrupted(tf_err *err)
{
    int s = tf_sig_interrupted();
    return s ? tf_errf(err, TF_ECANCELED, "interrupted by signal %d", s) : TF_OK;
}

/* Everything in memory: deliver straight from the chunks. */
static int finish_in_memory(tf_xgroup *g, tf_xgroup_fn fn, void *ud, tf_err *err)
{
    uint32_t *order = sorted_keys(g);
    uint32_t *perm = group_perm(g, order);
    tf_buf gb = {0};
    int rc = TF_OK;
    size_t at = 0;
    for (size_t k = 0; k < g->nkeys && rc == TF_OK; k++) {
        /* keys in sorted order and their records are scattered in memory:
         * fetch the entries, key bytes and records of the next ones ahead */
        if (k + 16 < g->nkeys) __builtin_prefetch(key_at(g, order[k + 16]));
        if (k + 8 < g->nkeys) __builtin_prefetch(key_at(g, order[k + 8])->p);
        const key_ent *e = key_at(g, order[k]);
        size_t end = e->count, n = end - at;
        tf_buf_clear(&gb);
        tf_buf_reserve(&gb, n * g->rec_size);
        for (size_t i = at; i < end; i++) {
            if (i + 16 < g->nrec) __builtin_prefetch(rec_at(g, perm[i + 16]));
            memcpy(gb.data + (i - at) * g->rec_size, rec_at(g, perm[i]), g->rec_size);
        }
        at = end;
        rc = fn(ud, e->p, e->len, gb.data, n, err);
        if (rc == TF_OK && (k & 1023) == 1023) rc = interrupted(err);
        if (k == 0) note_peak(g, (int64_t)(g->nkeys * 4 + gb.cap));
    }
    g->st.keys = (int64_t)g->nkeys;
    tf_buf_free(&gb);
    free(order);
    free(perm);
    return rc;
}

/* ---- merging runs ---- */
typedef struct cursor {
    int fd;
    int64_t pos, end; /* file bytes not yet buffered */
    char *buf;
    size_t cap, lo, hi;
    tf_buf key;
    uint64_t count; /* records of the current key */
    int run_idx, done;
} cursor;

static int cur_fill(cursor *c, size_t need, tf_err *err)
{
    if (c->hi - c->lo >= need || c->pos >= c->end) return TF_OK;
    memmove(c->buf, c->buf + c->lo, c->hi - c->lo);
    c->hi -= c->lo;
    c->lo = 0;
    while (c->hi < c->cap && c->pos < c->end) {
        size_t want = c->cap - c->hi;
        if ((int64_t)want > c->end - c->pos) want = (size_t)(c->end - c->pos);
        ssize_t r = pread(c->fd, c->buf + c->hi, want, c->pos);
        if (r < 0) {
            if (errno == EINTR) continue;
            return tf_errno(err, TF_EIO, "spill file: read");
        }
        if (r == 0) return tf_errf(err, TF_EIO, "spill file: unexpected end");
        c->hi += (size_t)r;
        c->pos += r;
    }
    return TF_OK;
}

/* append n bytes of the run to b */
static int cur_read(cursor *c, tf_buf *b, size_t n, tf_err *err)
{
    while (n) {
        if (c->lo == c->hi && cur_fill(c, 1, err)) return err->code;
        if (c->lo == c->hi) return tf_errf(err, TF_EIO, "spill file: truncated run");
        size_t k = c->hi - c->lo < n ? c->hi - c->lo : n;
        tf_buf_append(b, c->buf + c->lo, k);
        c->lo += k;
        n -= k;
    }
    return TF_OK;
}

static int cur_uvarint(cursor *c, uint64_t *v, tf_err *err)
{
    if (cur_fill(c, 10, err)) return err->code;
    uint64_t x = 0;
    for (int sh = 0; sh < 64; sh += 7) {
        if (c->lo == c->hi) break;
        unsigned char b = (unsigned char)c->buf[c->lo++];
        x |= (uint64_t)(b & 0x7f) << sh;
        if (!(b & 0x80)) {
            *v = x;
            return TF_OK;
        }
    }
    return tf_errf(err, TF_EIO, "spill file: bad length");
}

/* move to the next key of the run (done at its end) */
static int cur_next(cursor *c, tf_err *err)
{
    if (c->lo == c->hi && c->pos >= c->end) {
        c->done = 1;
        return TF_OK;
    }
    uint64_t klen;
    if (cur_uvarint(c, &klen, err)) return err->code;
    tf_buf_clear(&c->key);
    if (cur_read(c, &c->key, (size_t)klen, err)) return err->code;
    return cur_uvarint(c, &c->count, err);
}

static int cur_less(const cursor *a, const cursor *b)
{
    int k = key_cmp(a->key.data, a->key.len, b->key.data, b->key.len);
    return k ? k < 0 : a->run_idx < b->run_idx;
}

static void heap_down(cursor **h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && cur_less(h[l], h[m])) m = l;
        if (l + 1 < n && cur_less(h[l + 1], h[m])) m = l + 1;
        if (m == i) return;
        cursor *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void heap_up(cursor **h, size_t i)
{
    while (i) {
        size_t p = (i - 1) / 2;
        if (!cur_less(h[i], h[p])) return;
        cursor *t = h[i];
        h[i] = h[p];
        h[p] = t;
        i = p;
    }
}

/* Merge runs[0..n) of file fd.  With fn, deliver each key; else append one
 * merged run to (ofd, *ofsize) and record it in *out. */
static int merge(tf_xgroup *g, int fd, const run *runs, size_t n, size_t rbuf, tf_xgroup_fn fn, void *ud, int ofd,
                 int64_t *ofsize, run *out, tf_err *err)
{
    cursor *cs = tf_xcalloc(n, sizeof *cs);
    cursor **heap = tf_xcalloc(n, sizeof *heap), **same = tf_xcalloc(n, sizeof *same);
    tf_buf gb = {0};
    size_t nh = 0;
    int rc = TF_OK;
    int64_t start = ofsize ? *ofsize : 0;
    for (size_t i = 0; i < n && rc == TF_OK; i++) {
        cs[i].fd = fd;
        cs[i].pos = runs[i].off;
        cs[i].end = runs[i].off + runs[i].len;
        cs[i].cap = rbuf;
        cs[i].buf = tf_xmalloc(rbuf);
        cs[i].run_idx = (int)i;
        rc = cur_next(&cs[i], err);
        if (rc == TF_OK && !cs[i].done) {
            heap[nh] = &cs[i];
            heap_up(heap, nh++);
        }
    }
    int64_t nkeys = 0;
    while (rc == TF_OK && nh) {
        /* every run positioned on the smallest key, in run order */
        size_t ns = 0;
        uint64_t total = 0;
        do {
            same[ns] = heap[0];
            total += same[ns++]->count;
            heap[0] = heap[--nh];
            heap_down(heap, nh, 0);
        } while (nh && !key_cmp(heap[0]->key.data, heap[0]->key.len, same[0]->key.data, same[0]->key.len));
        if (fn) {
            tf_buf_clear(&gb);
            for (size_t i = 0; i < ns && rc == TF_OK; i++) rc = cur_read(same[i], &gb, same[i]->count * g->rec_size, err);
            if (rc == TF_OK) rc = fn(ud, same[0]->key.data, same[0]->key.len, gb.data, (size_t)total, err);
        } else {
            put_uvarint(&g->wbuf, same[0]->key.len);
            tf_buf_append(&g->wbuf, same[0]->key.data, same[0]->key.len);
            put_uvarint(&g->wbuf, total);
            for (size_t i = 0; i < ns && rc == TF_OK; i++) {
                size_t left = same[i]->count * g->rec_size;
                while (left && rc == TF_OK) {
                    size_t k = left < 4096 ? left : 4096;
                    rc = cur_read(same[i], &g->wbuf, k, err);
                    left -= k;
                    if (rc == TF_OK && g->wbuf.len + 4096 >= g->wbuf_size) rc = wflush(g, ofd, ofsize, err);
                }
            }
        }
        for (size_t i = 0; i < ns && rc == TF_OK; i++) {
            rc = cur_next(same[i], err);
            if (rc == TF_OK && !same[i]->done) {
                heap[nh] = same[i];
                heap_up(heap, nh++);
            }
        }
        if (rc == TF_OK && (++nkeys & 1023) == 0) rc = interrupted(err);
    }
    if (rc == TF_OK && !fn) {
        rc = wflush(g, ofd, ofsize, err);
        out->off = start;
        out->len = *ofsize - start;
    }
    if (fn) g->st.keys = nkeys;
    if (rc == TF_OK) {
        int64_t used = (int64_t)(n * rbuf + gb.cap + g->wbuf.cap);
        if (used > g->st.peak_bytes) g->st.peak_bytes = used;
    }
    for (size_t i = 0; i < n; i++) {
        free(cs[i].buf);
        tf_buf_free(&cs[i].key);
    }
    tf_buf_free(&gb);
    free(cs);
    free(heap);
    free(same);
    return rc;
}

static void release_memory_side(tf_xgroup *g)
{
    for (size_t i = 0; i < g->nchunks; i++) free(g->chunks[i]);
    free(g->chunks);
    g->chunks = NULL;
    g->nchunks = g->chunks_used = 0;
    for (size_t i = 0; i < g->nkchunks; i++) free(g->kchunks[i]);
    free(g->kchunks);
    g->kchunks = NULL;
    g->nkchunks = 0;
    free(g->slots);
    g->slots = NULL;
    g->nslots = 0;
    g->nkeys = g->nrec = 0;
    tf_arena_free(&g->kbytes);
}

int tf_xgroup_finish(tf_xgroup *g, tf_xgroup_fn fn, void *ud, tf_err *err)
{
    if (g->runs.n == 0) return finish_in_memory(g, fn, ud, err);
    if (g->nrec && spill(g, err)) return err->code;
    release_memory_side(g);
    tf_buf_free(&g->wbuf);
    /* read buffers: as large as the budget allows for every run, within
     * [64 KiB, 1 MiB]; fan-in: as many runs as the budget can buffer */
    int64_t usable = g->memory - g->wbuf_size;
    if (usable < (int64_t)(3 * MIN_RBUF)) usable = 3 * MIN_RBUF;
    size_t fan = (size_t)(usable / MIN_RBUF);
    while (g->runs.n > fan) {
        int ofd;
        if (spill_open(g, &ofd, err)) return err->code;
        int64_t ofsize = 0;
        TF_VEC(run) next = {0};
        int rc = TF_OK;
        for (size_t i = 0; i < g->runs.n && rc == TF_OK; i += fan) {
            size_t n = g->runs.n - i < fan ? g->runs.n - i : fan;
            run r;
            rc = merge(g, g->fd, g->runs.v + i, n, MIN_RBUF, NULL, NULL, ofd, &ofsize, &r, err);
            if (rc == TF_OK) tf_vec_push(&next, r);
        }
        close(g->fd);
        g->fd = ofd;
        tf_vec_free(&g->runs);
        g->runs.v = next.v;
        g->runs.n = next.n;
        g->runs.cap = next.cap;
        g->st.merge_passes++;
        if (rc) return rc;
    }
    size_t rbuf = (size_t)(usable / (int64_t)g->runs.n);
    if (rbuf > MAX_RBUF) rbuf = MAX_RBUF;
    if (rbuf < MIN_RBUF) rbuf = MIN_RBUF;
    return merge(g, g->fd, g->runs.v, g->runs.n, rbuf, fn, ud, -1, NULL, NULL, err);
}

const tf_xgroup_stats *tf_xgroup_get_stats(const tf_xgroup *g) { return &g->st; }

void tf_xgroup_free(tf_xgroup *g)
{
    if (!g) return;
    release_memory_side(g);
    if (g->fd >= 0) close(g->fd);
    tf_vec_free(&g->runs);
    tf_buf_free(&g->wbuf);
    free(g->tmp_dir);
    free(g);
}
