/* tripagg.c — hourly facts and trip groups of one partition (see tripagg.h). */
#include "tripflow/tripagg.h"

#include <stdlib.h>
#include <string.h>

#include "tripflow/geo.h"
#include "tripflow/timeutil.h"

#define FACT_KSIZE offsetof(tf_fact, count)
#define DENSE_DS 16        /* datasources 0..15 */
#define DENSE_HOURS (24 * 64) /* hours around the first one seen */
#define EMPTY UINT32_MAX

void tf_tripagg_init(tf_tripagg *a, const tf_grid *grid)
{
    memset(a, 0, sizeof *a);
    a->grid = *grid;
    a->shift = 5 * (12 - grid->precision);
    tf_fmap_init(&a->facts, sizeof(tf_fact), FACT_KSIZE, 1024);
    a->index_cap = 256;
    a->index = tf_xmalloc(a->index_cap * sizeof *a->index);
    memset(a->index, 0xFF, a->index_cap * sizeof *a->index);
}

void tf_tripagg_free(tf_tripagg *a)
{
    tf_fmap_free(&a->facts);
    tf_vec_free(&a->cell);
    tf_vec_free(&a->groups);
    tf_vec_free(&a->fact_list);
    free(a->dense);
    free(a->index);
    free(a->slot_of);
    memset(a, 0, sizeof *a);
}

void tf_tripagg_reset(tf_tripagg *a)
{
    tf_fmap_free(&a->facts);
    tf_fmap_init(&a->facts, sizeof(tf_fact), FACT_KSIZE, 1024);
    for (size_t i = 0; i < a->cell.n; i++) a->index[a->slot_of[i]] = EMPTY;
    a->cell.n = 0;
    a->groups.n = 0;
    a->fact_list.n = 0;
    a->open = 0;
    a->unsorted = 0;
    if (a->dense_on) memset(a->dense, 0, DENSE_DS * DENSE_HOURS * sizeof *a->dense);
    a->dense_on = 0;
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
    uint64_t h = a * UINT64_C(0x9E3779B97F4A7C15) ^ (b + UINT64_C(0x632BE59BD9B4E019));
    h ^= h >> 29;
    h *= UINT64_C(0xBF58476D1CE4E5B9);
    h ^= h >> 32;
    return h;
}

static tf_fact *fact_of(tf_tripagg *a, uint32_t region, uint32_t ds, int64_t hour)
{
    if (!a->dense_on) {
        if (!a->dense) a->dense = tf_xcalloc(DENSE_DS * DENSE_HOURS, sizeof *a->dense);
        a->dense_on = 1;
        a->dense_region = region;
        a->dense_hour0 = hour - DENSE_HOURS / 2; /* the first hour seen may be any of the month's */
    }
    uint64_t col = (uint64_t)(hour - a->dense_hour0);
    if (region == a->dense_region && ds < DENSE_DS && col < DENSE_HOURS) {
        tf_fact *f = &a->dense[ds * DENSE_HOURS + col];
        if (!f->count) *f = (tf_fact){.region = region, .datasource = ds, .hour = hour * TF_US_PER_HOUR};
        return f;
    }
    tf_fact fk = {.region = region, .datasource = ds, .hour = hour * TF_US_PER_HOUR};
    return tf_fmap_upsert(&a->facts, &fk, mix(((uint64_t)region << 32) | ds, (uint64_t)hour), NULL);
}

static inline tf_i128 fixed(double deg) { return (tf_i128)(int64_t)(deg * 0x1p52); }

static inline int group_order(const tf_group *a, const tf_group *b)
{
    if (a->region != b->region) return a->region < b->region ? -1 : 1;
    if (a->ocell != b->ocell) return a->ocell < b->ocell ? -1 : 1;
    if (a->dcell != b->dcell) return a->dcell < b->dcell ? -1 : 1;
    return (a->bucket > b->bucket) - (a->bucket < b->bucket);
}

/* g[0..n) with g[0..done) in order already */
static void insertion_sort(tf_group *g, size_t done, size_t n)
{
    for (size_t i = done ? done : 1; i < n; i++) {
        if (group_order(&g[i - 1], &g[i]) <= 0) continue;
        tf_group x = g[i];
        size_t j = i;
        do {
            g[j] = g[j - 1];
            j--;
        } while (j > 0 && group_order(&g[j - 1], &x) > 0);
        g[j] = x;
    }
}

static void merge_two(const tf_group *a, size_t na, const tf_group *b, size_t nb, tf_group *out)
{
    size_t i = 0, j = 0;
    while (i < na && j < nb) *out++ = group_order(&b[j], &a[i]) < 0 ? b[j++] : a[i++];
    memcpy(out, a + i, (na - i) * sizeof *a);
    memcpy(out + (na - i), b + j, (nb - j) * sizeof *b);
}

/* Stable sort in group order.  Groups mostly come as a few sorted runs
 * (a cell's few groups; a region's pieces, one per file), so: runs as they
 * are (short ones made MIN_RUN long by insertion), merged pairwise. */
#define MIN_RUN 16
static void sort_groups(tf_group *g, size_t n)
{
    if (n <= MIN_RUN) {
        insertion_sort(g, 0, n);
        return;
    }
    size_t *bound = tf_xmalloc((n / MIN_RUN + 2) * sizeof *bound), nr = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && group_order(&g[j - 1], &g[j]) <= 0) j++;
        if (j - i < MIN_RUN) {
            size_t e = i + MIN_RUN < n ? i + MIN_RUN : n;
            insertion_sort(g + i, j - i, e - i);
            j = e;
        }
        bound[nr++] = i;
        i = j;
    }
    bound[nr] = n;
    if (nr > 1) {
        tf_group *tmp = tf_xmalloc(n * sizeof *tmp), *src = g, *dst = tmp;
        while (nr > 1) {
            size_t k = 0;
            for (size_t r = 0; r < nr; r += 2) {
                size_t a = bound[r], m = bound[r + 1], e = r + 2 <= nr ? bound[r + 2] : n;
                if (r + 1 < nr) merge_two(src + a, m - a, src + m, e - m, dst + a);
                else memcpy(dst + a, src + a, (n - a) * sizeof *src);
                bound[k++] = a;
            }
            bound[k] = n;
            nr = k;
            tf_group *t = src;
            src = dst;
            dst = t;
        }
        if (src != g) memcpy(g, src, n * sizeof *g);
        free(tmp);
    }
    free(bound);
}

static int fact_cmp(const void *x, const void *y)
{
    const tf_fact *a = x, *b = y;
    if (a->region != b->region) return a->region < b->region ? -1 : 1;
    if (a->datasource != b->datasource) return a->datasource < b->datasource ? -1 : 1;
    return (a->hour > b->hour) - (a->hour < b->hour);
}

/* The current cell's groups, sorted, go to the finished list. */
static void flush_cell(tf_tripagg *a)
{
    if (!a->cell.n) return;
    for (size_t i = 0; i < a->cell.n; i++) a->index[a->slot_of[i]] = EMPTY;
    sort_groups(a->cell.v, a->cell.n);
    if (a->groups.n && group_order(&a->groups.v[a->groups.n - 1], &a->cell.v[0]) >= 0) a->unsorted = 1;
    for (size_t i = 0; i < a->cell.n; i++) tf_vec_push(&a->groups, a->cell.v[i]);
    a->cell.n = 0;
}

static void grow_index(tf_tripagg *a)
{
    free(a->index);
    a->index_cap *= 2;
    a->index = tf_xmalloc(a->index_cap * sizeof *a->index);
    memset(a->index, 0xFF, a->index_cap * sizeof *a->index);
    size_t mask = a->index_cap - 1;
    for (size_t i = 0; i < a->cell.n; i++) {
        size_t j = mix(a->cell.v[i].dcell, a->cell.v[i].bucket) & mask;
        while (a->index[j] != EMPTY) j = (j + 1) & mask;
        a->index[j] = (uint32_t)i;
        a->slot_of[i] = (uint32_t)j;
    }
}

void tf_tripagg_add(tf_tripagg *a, const tf_trip *t, uint64_t origin_bits)
{
    uint32_t region = t->region, ds = t->datasource & ~TF_TRIP_DUP;
    int64_t ts = t->ts;

    tf_fact *f = fact_of(a, region, ds, tf_floordiv(ts, TF_US_PER_HOUR));
    if (f->count == 0 || ts > f->latest) f->latest = ts;
    f->count++;

    uint64_t ocell = origin_bits >> a->shift;
    if (!a->open || ocell != a->ocell || region != a->region) {
        flush_cell(a);
        a->open = 1;
        a->ocell = ocell;
        a->region = region;
    }
    int64_t tod = tf_floormod(ts, TF_US_PER_DAY);
    uint32_t bucket = (uint32_t)(tod / a->grid.bucket_us);
    uint64_t dcell = tf_geohash_bits(t->dlat, t->dlon, a->grid.precision);
    size_t mask = a->index_cap - 1, j = mix(dcell, bucket) & mask;
    tf_group *g = NULL;
    for (; a->index[j] != EMPTY; j = (j + 1) & mask) {
        tf_group *e = &a->cell.v[a->index[j]];
        if (e->dcell == dcell && e->bucket == bucket) {
            g = e;
            break;
        }
    }
    if (!g) {
        tf_group ng;
        memset(&ng, 0, sizeof ng);
        ng.region = region;
        ng.bucket = bucket;
        ng.ocell = ocell;
        ng.dcell = dcell;
        ng.first = ng.last = ts;
        size_t at = a->cell.n;
        tf_vec_push(&a->cell, ng);
        if (a->cell.cap != a->slot_cap) {
            a->slot_of = tf_xrealloc(a->slot_of, a->cell.cap * sizeof *a->slot_of);
            a->slot_cap = a->cell.cap;
        }
        a->index[j] = (uint32_t)at;
        a->slot_of[at] = (uint32_t)j;
        if (a->cell.n * 2 > a->index_cap) grow_index(a);
        g = &a->cell.v[at];
    }
    if (ts < g->first) g->first = ts;
    if (ts > g->last) g->last = ts;
    g->count++;
    g->sum[0] += fixed(t->olon);
    g->sum[1] += fixed(t->olat);
    g->sum[2] += fixed(t->dlon);
    g->sum[3] += fixed(t->dlat);
}

/* m and g are the same group: m takes g's trips */
static inline void group_add(tf_group *m, const tf_group *g)
{
    m->count += g->count;
    if (g->first < m->first) m->first = g->first;
    if (g->last > m->last) m->last = g->last;
    for (int k = 0; k < 4; k++) m->sum[k] += g->sum[k];
}

size_t tf_groups_merge(tf_group *g, size_t n)
{
    sort_groups(g, n);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w && !group_order(&g[w - 1], &g[i])) group_add(&g[w - 1], &g[i]);
        else g[w++] = g[i];
    }
    return w;
}

/* The pieces' heads in a binary min-heap of piece numbers (by head, then
 * piece number, so equal groups combine in piece order). */
typedef struct {
    const tf_group *const *piece;
    size_t *at;
    int *heap;
} pieces_heap;

static inline int head_less(const pieces_heap *h, int a, int b)
{
    int c = group_order(&h->piece[a][h->at[a]], &h->piece[b][h->at[b]]);
    return c < 0 || (c == 0 && a < b);
}

static void sift_down(pieces_heap *h, int i, int n)
{
    for (;;) {
        int l = 2 * i + 1, m = i;
        if (l < n && head_less(h, h->heap[l], h->heap[m])) m = l;
        if (l + 1 < n && head_less(h, h->heap[l + 1], h->heap[m])) m = l + 1;
        if (m == i) return;
        int t = h->heap[i];
        h->heap[i] = h->heap[m];
        h->heap[m] = t;
        i = m;
    }
}

void tf_groups_merge_pieces(const tf_group *const *piece, const size_t *n, int k, tf_group_emit emit, void *ud)
{
    pieces_heap h = {piece, tf_xcalloc((size_t)k + 1, sizeof *h.at), tf_xmalloc(((size_t)k + 1) * sizeof *h.heap)};
    int live = 0;
    for (int i = 0; i < k; i++)
        if (n[i]) h.heap[live++] = i;
    for (int i = live / 2 - 1; i >= 0; i--) sift_down(&h, i, live);
    tf_group cur;
    int have = 0;
    while (live) {
        int p = h.heap[0];
        const tf_group *g = &piece[p][h.at[p]];
        if (have && !group_order(&cur, g)) {
            group_add(&cur, g);
        } else {
            if (have) emit(ud, &cur);
            cur = *g;
            have = 1;
        }
        if (++h.at[p] == n[p]) h.heap[0] = h.heap[--live];
        sift_down(&h, 0, live);
    }
    if (have) emit(ud, &cur);
    free(h.at);
    free(h.heap);
}

size_t tf_facts_merge(tf_fact *f, size_t n)
{
    qsort(f, n, sizeof *f, fact_cmp);
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w && !fact_cmp(&f[w - 1], &f[i])) {
            tf_fact *m = &f[w - 1];
            m->count += f[i].count;
            if (f[i].latest > m->latest) m->latest = f[i].latest;
        } else {
            f[w++] = f[i];
        }
    }
    return w;
}

void tf_tripagg_finish(tf_tripagg *a)
{
    flush_cell(a);
    a->open = 0;
    /* a cell came back: sort, and merge the pieces of each group */
    if (a->unsorted) a->groups.n = tf_groups_merge(a->groups.v, a->groups.n);
    a->unsorted = 0;
    a->fact_list.n = 0;
    const tf_fact *f;
    for (size_t i = 0; (f = tf_fmap_next(&a->facts, &i));) tf_vec_push(&a->fact_list, *f);
    if (a->dense_on)
        for (size_t i = 0; i < DENSE_DS * DENSE_HOURS; i++)
            if (a->dense[i].count) tf_vec_push(&a->fact_list, a->dense[i]);
    qsort(a->fact_list.v, a->fact_list.n, sizeof *a->fact_list.v, fact_cmp);
}

double tf_group_sum(const tf_group *g, int i)
{
    /* split to keep full precision through the conversion */
    tf_i128 s = g->sum[i];
    int neg = s < 0;
    if (neg) s = -s;
    double hi = (double)(uint64_t)(s >> 52), lo = (double)(uint64_t)(s & ((((tf_i128)1) << 52) - 1)) * 0x1p-52;
    double v = hi + lo;
    return neg ? -v : v;
}
