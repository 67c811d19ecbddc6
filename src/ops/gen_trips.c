/* gen_trips.c — synthetic trips (see gen_trips.h).
 *
 * Realism: the regions and datasources of the real sample with its mix;
 * origins and destinations clustered around 24 fixed hotspots per city
 * (stations, centres: Zipf-like popularity, 90-250 m spread, within ~8 km
 * of the centre), so similar trips really occur; a daily rhythm with commute peaks and quieter
 * weekends, over `days` days.  Coordinates carry 13 decimals like the sample.
 * Row i is a pure function of (seed, i), so duplicates re-generate an earlier
 * row and generation could be split across threads. */
#include "tripflow/gen_trips.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tripflow/mem.h"
#include "tripflow/timeutil.h"

typedef struct city {
    const char *name;
    double lon, lat, weight;
} city;

static const city cities[] = {
    {"Turin", 7.6869, 45.0703, 0.38},
    {"Prague", 14.4378, 50.0755, 0.34},
    {"Hamburg", 9.9937, 53.5511, 0.28},
};
#define NCITIES 3

static const struct {
    const char *name;
    double weight;
} sources[] = {
    {"cheap_mobile", 0.33}, {"pt_search_app", 0.20}, {"bad_diesel_vehicles", 0.18}, {"baba_car", 0.16},
    {"funny_car", 0.13},
};
#define NSOURCES 5
#define NHOT 24

/* relative trips per hour of day: night lull, morning and evening peaks */
static const double hour_w[24] = {0.3, 0.2, 0.15, 0.12, 0.15, 0.4, 1.0, 2.2, 2.8, 1.9, 1.3, 1.3,
                                  1.5, 1.4, 1.3, 1.5, 2.0, 2.7, 2.5, 1.8, 1.3, 1.0, 0.8, 0.5};

static inline uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline double unif(uint64_t *s) { return (double)(splitmix(s) >> 11) * 0x1p-53; }

/* approximately standard normal (Irwin-Hall of 4) */
static inline double gauss(uint64_t *s) { return (unif(s) + unif(s) + unif(s) + unif(s) - 2.0) * 1.7320508; }

typedef struct gen {
    const tf_gen_trips_opts *o;
    double hot_lon[NCITIES][NHOT], hot_lat[NCITIES][NHOT], hot_cdf[NCITIES][NHOT], hot_sigma[NCITIES][NHOT];
    double hour_cdf[24], day_cdf[400];
} gen;

static void gen_init(gen *g, const tf_gen_trips_opts *o)
{
    g->o = o;
    uint64_t s = o->seed ^ UINT64_C(0x5DEECE66D);
    for (int c = 0; c < NCITIES; c++) {
        double tot = 0;
        for (int h = 0; h < NHOT; h++) {
            /* hotspots within ~8 km of the centre, Zipf-like popularity */
            double r = 0.075 * sqrt(unif(&s)), a = 2 * M_PI * unif(&s);
            g->hot_lon[c][h] = cities[c].lon + r * cos(a) / cos(cities[c].lat * M_PI / 180);
            g->hot_lat[c][h] = cities[c].lat + r * sin(a);
            g->hot_sigma[c][h] = 0.0008 + 0.0014 * unif(&s); /* about 90-250 m */
            tot += 1.0 / (h + 1);
            g->hot_cdf[c][h] = tot;
        }
        for (int h = 0; h < NHOT; h++) g->hot_cdf[c][h] /= tot;
    }
    double tot = 0;
    for (int h = 0; h < 24; h++) {
        tot += hour_w[h];
        g->hour_cdf[h] = tot;
    }
    for (int h = 0; h < 24; h++) g->hour_cdf[h] /= tot;
    tot = 0;
    int days = o->days < 400 ? o->days : 400;
    for (int d = 0; d < days; d++) {
        int64_t day = tf_floordiv(o->start_us, TF_US_PER_DAY) + d;
        int dow = (int)(((day + 3) % 7 + 7) % 7); /* 0 = Monday */
        tot += dow == 5 ? 0.75 : dow == 6 ? 0.6 : 1.0;
        g->day_cdf[d] = tot;
    }
    for (int d = 0; d < days; d++) g->day_cdf[d] /= tot;
}

static int pick(const double *cdf, int n, double u)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (u < cdf[mid]) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

/* fixed-point coordinate with 13 decimals, trailing zeros trimmed */
static char *put_coord(char *p, double v)
{
    int64_t q = llround(v * 1e13);
    if (q < 0) {
        *p++ = '-';
        q = -q;
    }
    int64_t ip = q / INT64_C(10000000000000), fp = q % INT64_C(10000000000000);
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (n) *p++ = tmp[--n];
    if (fp) {
        *p++ = '.';
        char d[13];
        for (int i = 12; i >= 0; i--) {
            d[i] = (char)('0' + fp % 10);
            fp /= 10;
        }
        int k = 13;
        while (k > 1 && d[k - 1] == '0') k--;
        memcpy(p, d, (size_t)k);
        p += k;
    }
    return p;
}

static char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

static char *put_point(char *p, double lon, double lat)
{
    memcpy(p, "POINT (", 7);
    p = put_coord(p + 7, lon);
    *p++ = ' ';
    p = put_coord(p, lat);
    *p++ = ')';
    return p;
}

static char *put_time(char *p, int64_t us)
{
    int64_t days = tf_floordiv(us, TF_US_PER_DAY);
    int64_t secs = tf_floormod(us, TF_US_PER_DAY) / TF_US_PER_SEC;
    int y, m, d;
    tf_civil_from_days(days, &y, &m, &d);
    p = put2(p, y / 100);
    p = put2(p, y % 100);
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p++ = ' ';
    p = put2(p, (int)(secs / 3600));
    *p++ = ':';
    p = put2(p, (int)(secs / 60 % 60));
    *p++ = ':';
    return put2(p, (int)(secs % 60));
}

/* one good row, a function of (seed, i) */
static char *good_row(const gen *g, int64_t i, char *p)
{
    uint64_t s = g->o->seed * UINT64_C(0xD1B54A32D192ED03) ^ (uint64_t)i * UINT64_C(0x9E3779B97F4A7C15);
    splitmix(&s);
    double u = unif(&s), acc = 0;
    int c = 0;
    for (; c < NCITIES - 1; c++) {
        acc += cities[c].weight;
        if (u < acc) break;
    }
    u = unif(&s);
    acc = 0;
    int src = 0;
    for (; src < NSOURCES - 1; src++) {
        acc += sources[src].weight;
        if (u < acc) break;
    }
    int ho = pick(g->hot_cdf[c], NHOT, unif(&s)), hd = pick(g->hot_cdf[c], NHOT, unif(&s));
    if (hd == ho) hd = (hd + 1 + (int)(splitmix(&s) % (NHOT - 1))) % NHOT; /* trips go somewhere else */
    double olon = g->hot_lon[c][ho] + gauss(&s) * g->hot_sigma[c][ho] * 1.5;
    double olat = g->hot_lat[c][ho] + gauss(&s) * g->hot_sigma[c][ho];
    double dlon = g->hot_lon[c][hd] + gauss(&s) * g->hot_sigma[c][hd] * 1.5;
    double dlat = g->hot_lat[c][hd] + gauss(&s) * g->hot_sigma[c][hd];
    int days = g->o->days < 400 ? g->o->days : 400;
    int day = pick(g->day_cdf, days, unif(&s));
    int hour = pick(g->hour_cdf, 24, unif(&s));
    int64_t t = g->o->start_us + (int64_t)day * TF_US_PER_DAY + (int64_t)hour * TF_US_PER_HOUR +
                (int64_t)(unif(&s) * 3600) * TF_US_PER_SEC;
    size_t n = strlen(cities[c].name);
    memcpy(p, cities[c].name, n);
    p += n;
    *p++ = ',';
    p = put_point(p, olon, olat);
    *p++ = ',';
    p = put_point(p, dlon, dlat);
    *p++ = ',';
    p = put_time(p, t);
    *p++ = ',';
    n = strlen(sources[src].name);
    memcpy(p, sources[src].name, n);
    return p + n;
}

static const char *const bad_rows[TF_GEN_BAD_KINDS] = {
    "Prague,POINT (200.5 50.1),POINT (14.43 50.04),2018-05-28 09:03:40,funny_car",
    "Prague,POINT (14.49 95.5),POINT (14.43 50.04),2018-05-28 09:03:40,funny_car",
    "Prague,POINT (14.49 50.1),POINT (abc 50.04),2018-05-28 09:03:40,funny_car",
    "Prague,POINT (14.49 50.1),POINT 14.43 50.04,2018-05-28 09:03:40,funny_car",
    "Turin,POINT (7.67 45.0),POINT (7.72 45.07),2018-13-21 02:54:04,baba_car",
    "Turin,POINT (7.67 45.0),POINT (7.72 45.07),2018-02-30 02:54:04,baba_car",
    "Turin,POINT (7.67 45.0),POINT (7.72 45.07),2018-05-21 25:54:04,baba_car",
    "Turin,POINT (7.67 45.0),POINT (7.72 45.07),not a time,baba_car",
    "Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36",
    "Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car,extra",
    ",POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car",
    "Hamburg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,   ",
    "Hamburg,\"POINT (10.07 53.62)\"x,POINT (9.78 53.46),2018-05-15 09:13:36,funny_car",
    "Ham\xff" "burg,POINT (10.07 53.62),POINT (9.78 53.46),2018-05-15 09:13:36,funny_car",
};

static int write_all(int fd, const char *p, size_t n, tf_err *err)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return tf_errno(err, TF_EIO, "gen trips: write");
        }
        p += w;
        n -= (size_t)w;
    }
    return TF_OK;
}

/* what row i is: 0 good, 1 bad, 2 a repeat of row *orig (a good row) */
static int row_kind(const tf_gen_trips_opts *o, int64_t i, int64_t *orig)
{
    for (;;) {
        if (i == 0) {
            *orig = 0;
            return 0; /* the first row is always good, so every repeat finds one */
        }
        uint64_t s = o->seed ^ ((uint64_t)i * UINT64_C(0xA0761D6478BD642F));
        double u = unif(&s);
        if (u < o->bad) return 1;
        if (u < o->bad + o->duplicates) {
            int64_t back = 1 + (int64_t)(splitmix(&s) % (uint64_t)(i < 1000 ? i : 1000));
            int64_t j = i - back, k;
            /* the row repeated must itself be a good row that was written */
            while (row_kind(o, j, &k) == 1) j--;
            *orig = k;
            return 2;
        }
        *orig = i;
        return 0;
    }
}

int tf_gen_trips(const tf_gen_trips_opts *o, int fd, tf_err *err)
{
    if (o->rows < 0) return tf_errf(err, TF_EINVAL, "gen trips: --rows must not be negative");
    if (o->days < 1 || o->days > 400) return tf_errf(err, TF_EINVAL, "gen trips: --days must be 1 to 400");
    if (o->duplicates < 0 || o->duplicates >= 1 || o->bad < 0 || o->bad >= 1 || o->duplicates + o->bad >= 1)
        return tf_errf(err, TF_EINVAL, "gen trips: --duplicates and --bad are fractions in [0, 1) with a sum below 1");
    gen *g = tf_xmalloc(sizeof *g);
    gen_init(g, o);
    enum { CAP = 1 << 20 };
    char *buf = tf_xmalloc(CAP + 512);
    const char *eol = o->crlf ? "\r\n" : "\n";
    size_t eoln = o->crlf ? 2 : 1;
    char *p = buf;
    memcpy(p, "region,origin_coord,destination_coord,datetime,datasource", 57);
    p += 57;
    memcpy(p, eol, eoln);
    p += eoln;
    int rc = TF_OK;
    int64_t nbad = 0;
    for (int64_t i = 0; i < o->rows; i++) {
        int64_t orig;
        if (row_kind(o, i, &orig) == 1) {
            const char *b = bad_rows[nbad++ % TF_GEN_BAD_KINDS];
            size_t n = strlen(b);
            memcpy(p, b, n);
            p += n;
        } else {
            p = good_row(g, orig, p);
        }
        memcpy(p, eol, eoln);
        p += eoln;
        if (p - buf >= CAP) {
            if ((rc = write_all(fd, buf, (size_t)(p - buf), err))) break;
            p = buf;
        }
    }
    if (rc == TF_OK) rc = write_all(fd, buf, (size_t)(p - buf), err);
    free(buf);
    free(g);
    return rc;
}
