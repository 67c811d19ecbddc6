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
