/* test_tripagg.c — the partition aggregator: facts and groups equal a
 * brute-force computation whether rows come in the lake's spatial order or
 * shuffled, and geohash cells are prefixes of the precision-12 bits the
 * lake sorts by. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tripflow/geo.h"
#include "tripflow/timeutil.h"
#include "tripflow/tripagg.h"

TF_TEST(geohash_cells_are_prefixes_of_precision_12)
{
    srand(5);
    for (int i = 0; i < 20000; i++) {
        double lat = ((double)rand() / RAND_MAX - 0.5) * 180, lon = ((double)rand() / RAND_MAX - 0.5) * 360;
        if (i % 7 == 0) lon = 180; /* the top edge */
        if (i % 11 == 0) lat = -90;
        uint64_t full = tf_geohash_bits(lat, lon, 12);
        for (int p = 1; p <= 12; p++)
            if (tf_geohash_bits(lat, lon, p) != full >> (5 * (12 - p))) {
                tf_test_fail(__FILE__, __LINE__, "(%.17g, %.17g) precision %d is not a prefix", lat, lon, p);
                return;
            }
    }
}

/* a few cells and buckets, so that groups collect many trips */
static void make_trips(tf_trip *t, int n)
{
    const double city[2][2] = {{45.07, 7.68}, {50.08, 14.42}};
    for (int i = 0; i < n; i++) {
        int c = rand() % 2;
        t[i] = (tf_trip){0};
        t[i].region = (uint32_t)c;
        t[i].datasource = (uint32_t)(rand() % 3);
        t[i].olat = city[c][0] + (rand() % 8) * 0.01;
        t[i].olon = city[c][1] + (rand() % 8) * 0.01;
        t[i].dlat = city[c][0] + (rand() % 8) * 0.01;
        t[i].dlon = city[c][1] + (rand() % 8) * 0.01;
        t[i].ts = INT64_C(1525132800000000) + (int64_t)(rand() % (14 * 24 * 3600)) * TF_US_PER_SEC;
    }
}

static uint64_t bits_of(const tf_trip *t) { return tf_geohash_bits(t->olat, t->olon, 12); }

static int by_origin(const void *a, const void *b)
{
    uint64_t x = bits_of(a), y = bits_of(b);
    return (x > y) - (x < y);
}

static void check_against_brute(const tf_tripagg *a, const tf_trip *t, int n, const tf_grid *g)
{
    int64_t total = 0;
    for (size_t k = 0; k < a->groups.n; k++) {
        const tf_group *gr = &a->groups.v[k];
        if (k) CHECK(gr[-1].region < gr->region || (gr[-1].region == gr->region && gr[-1].ocell < gr->ocell) ||
                     (gr[-1].region == gr->region && gr[-1].ocell == gr->ocell &&
                      (gr[-1].dcell < gr->dcell || (gr[-1].dcell == gr->dcell && gr[-1].bucket < gr->bucket))));
        tf_group b;
        memset(&b, 0, sizeof b);
        for (int i = 0; i < n; i++) {
            int64_t tod = t[i].ts - tf_floordiv(t[i].ts, TF_US_PER_DAY) * TF_US_PER_DAY;
            if (t[i].region != gr->region || tf_geohash_bits(t[i].olat, t[i].olon, g->precision) != gr->ocell ||
                tf_geohash_bits(t[i].dlat, t[i].dlon, g->precision) != gr->dcell ||
                (uint32_t)(tod / g->bucket_us) != gr->bucket)
                continue;
            if (!b.count || t[i].ts < b.first) b.first = t[i].ts;
            if (!b.count || t[i].ts > b.last) b.last = t[i].ts;
            b.count++;
            b.sum[0] += (tf_i128)(int64_t)(t[i].olon * 0x1p52);
            b.sum[3] += (tf_i128)(int64_t)(t[i].dlat * 0x1p52);
        }
        CHECK_INT(gr->count, b.count);
        CHECK_INT(gr->first, b.first);
        CHECK_INT(gr->last, b.last);
        CHECK(gr->sum[0] == b.sum[0]);
        CHECK(gr->sum[3] == b.sum[3]);
        total += gr->count;
    }
    CHECK_INT(total, n);
    int64_t facts = 0;
    for (size_t k = 0; k < a->fact_list.n; k++) {
        const tf_fact *f = &a->fact_list.v[k];
        int64_t c = 0, latest = 0;
        for (int i = 0; i < n; i++)
            if (t[i].region == f->region && t[i].datasource == f->datasource &&
                tf_floordiv(t[i].ts, TF_US_PER_HOUR) * TF_US_PER_HOUR == f->hour) {
                if (!c || t[i].ts > latest) latest = t[i].ts;
                c++;
            }
        CHECK_INT(f->count, c);
        CHECK_INT(f->latest, latest);
        facts += f->count;
    }
    CHECK_INT(facts, n);
}

TF_TEST(tripagg_equals_brute_force_in_any_order)
{
    srand(11);
    enum { N = 3000 };
    tf_trip *t = malloc(N * sizeof *t);
    make_trips(t, N);
    tf_grid g = {5, 12 * TF_US_PER_HOUR};
    tf_tripagg a;
    tf_tripagg_init(&a, &g);

    /* shuffled: cells come back, and finish sorts and merges */
    for (int i = 0; i < N; i++) tf_tripagg_add(&a, &t[i], bits_of(&t[i]));
    tf_tripagg_finish(&a);
    check_against_brute(&a, t, N, &g);
    size_t shuffled_groups = a.groups.n, shuffled_facts = a.fact_list.n;

    /* spatial order, reusing the aggregator: the same aggregates */
    tf_tripagg_reset(&a);
    qsort(t, N, sizeof *t, by_origin);
    for (int i = 0; i < N; i++) tf_tripagg_add(&a, &t[i], bits_of(&t[i]));
    tf_tripagg_finish(&a);
    check_against_brute(&a, t, N, &g);
    CHECK_INT(a.groups.n, shuffled_groups);
    CHECK_INT(a.fact_list.n, shuffled_facts);
    CHECK(a.groups.n > 20 && a.groups.n < N / 5); /* groups really collect trips */
    tf_tripagg_free(&a);
    free(t);
}

/* Hourly facts: those in the dense table (the first region, datasources
 * below 16, the weeks around the first trip) and those beside it (another
 * region, datasource ids from 16 up, hours months away) add up alike. */
TF_TEST(tripagg_facts_in_and_beside_the_dense_table)
{
    srand(23);
    enum { N = 4000 };
    tf_trip *t = malloc(N * sizeof *t);
    make_trips(t, N);
    for (int i = 0; i < N; i++) {
        if (i % 5 == 0) t[i].datasource = 16 + (uint32_t)(rand() % 30);
        if (i % 7 == 0) t[i].ts += (int64_t)(rand() % 400 - 200) * TF_US_PER_DAY;
    }
    tf_grid g = {5, 12 * TF_US_PER_HOUR};
    tf_tripagg a;
    tf_tripagg_init(&a, &g);
    for (int round = 0; round < 2; round++) { /* the second after a reset: the table is emptied */
        tf_tripagg_reset(&a);
        for (int i = 0; i < N; i++) tf_tripagg_add(&a, &t[i], bits_of(&t[i]));
        tf_tripagg_finish(&a);
        check_against_brute(&a, t, N, &g);
        for (size_t k = 1; k < a.fact_list.n; k++) {
            const tf_fact *x = &a.fact_list.v[k - 1], *y = &a.fact_list.v[k];
            CHECK(x->region < y->region || (x->region == y->region && (x->datasource < y->datasource ||
                                                                       (x->datasource == y->datasource &&
                                                                        x->hour < y->hour))));
        }
    }
    tf_tripagg_free(&a);
    free(t);
}

static int ref_order(const void *x, const void *y)
{
    const tf_group *a = x, *b = y;
    if (a->region != b->region) return a->region < b->region ? -1 : 1;
    if (a->ocell != b->ocell) return a->ocell < b->ocell ? -1 : 1;
    if (a->dcell != b->dcell) return a->dcell < b->dcell ? -1 : 1;
    return (a->bucket > b->bucket) - (a->bucket < b->bucket);
}

static void check_groups(const tf_group *g, size_t got, const tf_group *want, size_t m)
{
    for (size_t i = 0; i < m && i < got; i++) {
        CHECK(!ref_order(&g[i], &want[i]));
        CHECK_INT(g[i].count, want[i].count);
        CHECK_INT(g[i].first, want[i].first);
        CHECK_INT(g[i].last, want[i].last);
        for (int c = 0; c < 4; c++) CHECK(g[i].sum[c] == want[i].sum[c]);
    }
}

typedef struct {
    tf_group *g;
    size_t n;
} emitted;

static void keep_group(void *ud, const tf_group *g)
{
    emitted *e = ud;
    e->g[e->n++] = *g;
}

/* Merging pieces (each sorted, as a file's groups come; or none sorted):
 * every key once, in order, with the counts, times and exact sums of all
 * its pieces — for any number of pieces and sizes around the sort's
 * insertion-sort threshold; and the same from the streaming k-way merge of
 * the sorted pieces. */
TF_TEST(groups_merge_combines_sorted_pieces)
{
    srand(17);
    const size_t sizes[] = {0, 1, 2, 15, 16, 17, 33, 1000, 5000};
    const int pieces[] = {1, 2, 3, 7, 0 /* 0: no order at all */};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
        for (size_t pi = 0; pi < sizeof pieces / sizeof *pieces; pi++) {
            size_t n = sizes[si];
            int k = pieces[pi];
            tf_group *g = calloc(n + 1, sizeof *g), *want = calloc(n + 1, sizeof *want);
            int *piece = calloc(n + 1, sizeof *piece);
            for (size_t i = 0; i < n; i++) {
                g[i].region = (uint32_t)(rand() % 2);
                g[i].ocell = (uint64_t)(rand() % 6);
                g[i].dcell = (uint64_t)(rand() % 6);
                g[i].bucket = (uint32_t)(rand() % 3);
                g[i].count = 1 + rand() % 5;
                g[i].first = rand() % 1000;
                g[i].last = g[i].first + rand() % 1000;
                for (int c = 0; c < 4; c++) g[i].sum[c] = (tf_i128)(rand() - RAND_MAX / 2) * ((tf_i128)1 << 40);
                piece[i] = k ? rand() % k : 0;
            }
            /* the pieces one after the other, each sorted */
            size_t at = 0, from[8] = {0}, len[8] = {0};
            for (int p = 0; p < (k ? k : 1); p++) {
                from[p] = at;
                for (size_t i = 0; i < n; i++)
                    if (piece[i] == p) want[at++] = g[i];
                if (k) qsort(want + from[p], at - from[p], sizeof *want, ref_order);
                len[p] = at - from[p];
            }
            memcpy(g, want, n * sizeof *g);
            /* the same pieces merged as a stream (sorted pieces only) */
            emitted em = {calloc(n + 1, sizeof(tf_group)), 0};
            if (k) {
                const tf_group *heads[8];
                for (int p = 0; p < k; p++) heads[p] = g + from[p];
                tf_groups_merge_pieces(heads, len, k, keep_group, &em);
            }
            /* the reference: one sort, then combine equal keys */
            qsort(want, n, sizeof *want, ref_order);
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                if (m && !ref_order(&want[m - 1], &want[i])) {
                    tf_group *w = &want[m - 1];
                    w->count += want[i].count;
                    if (want[i].first < w->first) w->first = want[i].first;
                    if (want[i].last > w->last) w->last = want[i].last;
                    for (int c = 0; c < 4; c++) w->sum[c] += want[i].sum[c];
                } else {
                    want[m++] = want[i];
                }
            }
            size_t got = tf_groups_merge(g, n);
            CHECK_INT(got, m);
            check_groups(g, got, want, m);
            if (k) {
                CHECK_INT(em.n, m);
                check_groups(em.g, em.n, want, m);
            }
            free(em.g);
            free(g);
            free(want);
            free(piece);
        }
}
