/* staypoints.c — one user's trips to staypoints: stable ordering, pairing,
 * the dwell/gap/distance filters, partition keys, trip value checks (see
 * staypoints.h). */
#include "tripflow/staypoints.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/geo.h"
#include "tripflow/num.h"
#include "tripflow/timeutil.h"

void tf_sp_opts_init(tf_sp_opts *o)
{
    o->min_dwell = INT64_MIN;
    o->max_gap = INT64_MAX;
    o->max_distance = -1;
}

/* STABLE_SORT(name, T, BEFORE): a stable sort of T[n] in place with a
 * scratch of n/2 elements — insertion sort for short runs, merge sort above;
 * BEFORE(a, b) (pointers) is true when *a must come before *b. */
#define STABLE_SORT(name, T, BEFORE)                                                             \
    static void name(T *t, size_t n, T *tmp)                                                     \
    {                                                                                            \
        if (n <= 24) {                                                                           \
            for (size_t i = 1; i < n; i++) {                                                     \
                if (!BEFORE(&t[i], &t[i - 1])) continue;                                         \
                T x = t[i];                                                                      \
                size_t j = i;                                                                    \
                while (j > 0 && BEFORE(&x, &t[j - 1])) {                                         \
                    t[j] = t[j - 1];                                                             \
                    j--;                                                                         \
                }                                                                                \
                t[j] = x;                                                                        \
            }                                                                                    \
            return;                                                                              \
        }                                                                                        \
        size_t h = n / 2;                                                                        \
        name(t, h, tmp);                                                                         \
        name(t + h, n - h, tmp);                                                                 \
        if (!BEFORE(&t[h], &t[h - 1])) return;                                                   \
        memcpy(tmp, t, h * sizeof *t);                                                           \
        size_t i = 0, j = h, k = 0;                                                              \
        while (i < h && j < n) t[k++] = BEFORE(&t[j], &tmp[i]) ? t[j++] : tmp[i++];              \
        while (i < h) t[k++] = tmp[i++];                                                         \
    }

static inline int trip_before(const tf_sp_trip *a, const tf_sp_trip *b)
{
    return a->start < b->start || (a->start == b->start && a->end < b->end);
}
static inline int entered_before(const tf_staypoint *a, const tf_staypoint *b) { return a->enter < b->enter; }

STABLE_SORT(sort_trips, tf_sp_trip, trip_before)
STABLE_SORT(sort_staypoints, tf_staypoint, entered_before)

size_t tf_sp_compute(const tf_sp_opts *o, tf_sp_trip *t, size_t n, tf_sp_work *w)
{
    w->sp.n = 0;
    if (n < 2) return 0;
    int sorted = 1;
    for (size_t i = 1; i < n && sorted; i++) sorted = !trip_before(&t[i], &t[i - 1]);
    if (!sorted) {
        tf_vec_grow(&w->tmp, n);
        sort_trips(t, n, w->tmp.v);
    }
    tf_vec_grow(&w->sp, n - 1);
    tf_staypoint *out = w->sp.v;
    size_t k = 0;
    int in_order = 1;
    for (size_t i = 0; i + 1 < n; i++) {
        int64_t dwell = t[i + 1].start - t[i].end;
        if (dwell < o->min_dwell || dwell > o->max_gap) continue;
        if (o->max_distance >= 0 &&
            !(tf_haversine_m(t[i].end_lat, t[i].end_lng, t[i + 1].start_lat, t[i + 1].start_lng) <= o->max_distance))
            continue;
        out[k].enter = t[i].end;
        out[k].exit = t[i + 1].start;
        out[k].lat = t[i].end_lat;
        out[k].lng = t[i].end_lng;
        if (k && entered_before(&out[k], &out[k - 1])) in_order = 0;
        k++;
    }
    if (!in_order) {
        tf_vec_grow(&w->sptmp, k);
        sort_staypoints(out, k, w->sptmp.v);
    }
    w->sp.n = k;
    return k;
}

void tf_sp_work_free(tf_sp_work *w)
{
    tf_vec_free(&w->tmp);
    tf_vec_free(&w->sp);
    tf_vec_free(&w->sptmp);
}

static int check_coord(double v, double lim, const char *what, char *reason, size_t cap)
{
    if (isfinite(v) && v >= -lim && v <= lim) return 1;
    char t[32];
    tf_format_double(v, t);
    if (!isfinite(v)) snprintf(reason, cap, "%s %s is not a finite number", what, t);
    else snprintf(reason, cap, "%s %s out of range [%g, %g]", what, t, -lim, lim);
    return 0;
}

int tf_sp_trip_check(const tf_sp_trip *t, const char **field, char *reason, size_t cap)
{
    const struct {
        const char *name;
        double v, lim;
        const char *what;
    } c[] = {{"start_lat", t->start_lat, 90, "latitude"},
             {"start_lng", t->start_lng, 180, "longitude"},
             {"end_lat", t->end_lat, 90, "latitude"},
             {"end_lng", t->end_lng, 180, "longitude"}};
    for (size_t i = 0; i < 4; i++) {
        if (!check_coord(c[i].v, c[i].lim, c[i].what, reason, cap)) {
            *field = c[i].name;
            return 0;
        }
    }
    if (t->end < t->start) {
        char a[32], b[32];
        tf_format_timestamp(t->end, TF_TS_AUTO, a);
        tf_format_timestamp(t->start, TF_TS_AUTO, b);
        *field = "trip_end_time";
        snprintf(reason, cap, "trip ends before it starts (%s < %s)", a, b);
        return 0;
    }
    return 1;
}

/* byte length of the first `chars` characters of UTF-8 s[0..n) (all of s
 * when shorter): a character starts at every byte that is not 10xxxxxx */
static size_t char_prefix(const char *str, size_t n, size_t chars)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n && chars) {
        i++;
        while (i < n && (s[i] & 0xC0) == 0x80) i++;
        chars--;
    }
    return i;
}

void tf_sp_partition_keys(const char *id, size_t n, size_t *p1_len, size_t *p2_off, size_t *p2_len)
{
    *p1_len = char_prefix(id, n, 2);
    *p2_off = *p1_len;
    *p2_len = char_prefix(id + *p1_len, n - *p1_len, 2);
}
