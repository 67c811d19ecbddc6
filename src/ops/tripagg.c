/* tripagg.c — hourly facts and trip groups (see tripagg.h). */
#include "tripflow/tripagg.h"

#include <stdlib.h>
#include <string.h>

#include "tripflow/mem.h"

#include "tripflow/geo.h"
#include "tripflow/timeutil.h"

#define FACT_KSIZE offsetof(tf_fact, count)
#define GROUP_KSIZE offsetof(tf_group, count)

void tf_tripagg_init(tf_tripagg *a, const tf_grid *grid, int nshards)
{
    a->grid = *grid;
    a->nshards = nshards < 1 ? 1 : nshards;
    a->facts = tf_xcalloc((size_t)a->nshards, sizeof *a->facts);
    a->groups = tf_xcalloc((size_t)a->nshards, sizeof *a->groups);
    for (int k = 0; k < a->nshards; k++) {
        tf_fmap_init(&a->facts[k], sizeof(tf_fact), FACT_KSIZE, 1024);
        tf_fmap_init(&a->groups[k], sizeof(tf_group), GROUP_KSIZE, 16384);
    }
}

void tf_tripagg_free(tf_tripagg *a)
{
    for (int k = 0; k < a->nshards; k++) {
        tf_fmap_free(&a->facts[k]);
        tf_fmap_free(&a->groups[k]);
    }
    free(a->facts);
    free(a->groups);
    a->facts = a->groups = NULL;
    a->nshards = 0;
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
    uint64_t h = a * UINT64_C(0x9E3779B97F4A7C15) ^ (b + UINT64_C(0x632BE59BD9B4E019));
    h ^= h >> 29;
    h *= UINT64_C(0xBF58476D1CE4E5B9);
    h ^= h >> 32;
    return h;
}

static inline int shard_of(uint64_t h, int n) { return (int)((h >> 32) % (uint64_t)n); }

static inline tf_i128 fixed(double deg) { return (tf_i128)(int64_t)(deg * 0x1p52); }

/* Shards are chosen from cheap parts of the keys, so a thread skips the rows
 * it does not own without computing their cells: facts by hour, groups by
 * region and time-of-day bucket. */
typedef struct pending {
    const tf_trip *t;
    int fact, group; /* owned parts */
    tf_fact fk;
    tf_group gk;
    uint64_t fh, gh;
} pending;

static inline int prepare(const tf_tripagg *a, int k, const tf_trip *t, pending *p)
{
    int64_t hour = tf_floordiv(t->ts, TF_US_PER_HOUR);
    uint32_t region = t->region, ds = t->datasource & ~TF_TRIP_DUP;
    int64_t tod = t->ts - tf_floordiv(t->ts, TF_US_PER_DAY) * TF_US_PER_DAY;
    uint32_t bucket = (uint32_t)(tod / a->grid.bucket_us);
    p->t = t;
    p->fact = shard_of(mix((uint64_t)hour, region), a->nshards) == k;
    p->group = shard_of(mix(bucket, region), a->nshards) == k;
    if (p->fact) {
        memset(&p->fk, 0, sizeof p->fk);
        p->fk.region = region;
        p->fk.datasource = ds;
        p->fk.hour = hour * TF_US_PER_HOUR;
        p->fh = mix(((uint64_t)region << 32) | ds, (uint64_t)hour);
        tf_fmap_prefetch(&a->facts[k], p->fh);
    }
    if (p->group) {
        memset(&p->gk, 0, sizeof p->gk);
        p->gk.region = region;
        p->gk.bucket = bucket;
        p->gk.ocell = tf_geohash_bits(t->olat, t->olon, a->grid.precision);
        p->gk.dcell = tf_geohash_bits(t->dlat, t->dlon, a->grid.precision);
        p->gh = mix(p->gk.ocell ^ ((uint64_t)region << 40), p->gk.dcell ^ ((uint64_t)bucket << 48));
        tf_fmap_prefetch(&a->groups[k], p->gh);
    }
    return p->fact || p->group;
}

static inline void apply(tf_tripagg *a, int k, const pending *p)
{
    const tf_trip *t = p->t;
    if (p->fact) {
        tf_fact *f = tf_fmap_upsert(&a->facts[k], &p->fk, p->fh, NULL);
        if (f->count == 0 || t->ts > f->latest) f->latest = t->ts;
        f->count++;
    }
    if (p->group) {
        tf_group *g = tf_fmap_upsert(&a->groups[k], &p->gk, p->gh, NULL);
        if (g->count == 0 || t->ts < g->first) g->first = t->ts;
        if (g->count == 0 || t->ts > g->last) g->last = t->ts;
        g->count++;
        g->sum[0] += fixed(t->olon);
        g->sum[1] += fixed(t->olat);
        g->sum[2] += fixed(t->dlon);
        g->sum[3] += fixed(t->dlat);
    }
}

void tf_tripagg_add(tf_tripagg *a, int k, const tf_trip *t)
{
    pending p;
    if (prepare(a, k, t, &p)) apply(a, k, &p);
}

void tf_tripagg_add_many(tf_tripagg *a, int k, const tf_trip *t, int64_t n)
{
    enum { BATCH = 16 };
    pending p[BATCH];
    int np = 0;
    for (int64_t i = 0; i < n; i++) {
        if (t[i].datasource & TF_TRIP_DUP) continue;
        if (prepare(a, k, &t[i], &p[np]) && ++np == BATCH) {
            for (int j = 0; j < np; j++) apply(a, k, &p[j]);
            np = 0;
        }
    }
    for (int j = 0; j < np; j++) apply(a, k, &p[j]);
}

/* pos counts through the shards: shard index in the top 8 bits */
static const void *next_in(const tf_fmap *maps, int n, size_t *pos)
{
    for (;;) {
        size_t k = *pos >> 56, i = *pos & ((((size_t)1) << 56) - 1);
        if ((int)k >= n) return NULL;
        const void *e = tf_fmap_next(&maps[k], &i);
        if (e) {
            *pos = (k << 56) | i;
            return e;
        }
        *pos = (k + 1) << 56;
    }
}

const tf_fact *tf_tripagg_next_fact(const tf_tripagg *a, size_t *pos) { return next_in(a->facts, a->nshards, pos); }
const tf_group *tf_tripagg_next_group(const tf_tripagg *a, size_t *pos) { return next_in(a->groups, a->nshards, pos); }

size_t tf_tripagg_nfacts(const tf_tripagg *a)
{
    size_t n = 0;
    for (int k = 0; k < a->nshards; k++) n += a->facts[k].n;
    return n;
}

size_t tf_tripagg_ngroups(const tf_tripagg *a)
{
    size_t n = 0;
    for (int k = 0; k < a->nshards; k++) n += a->groups[k].n;
    return n;
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
