/* test_staypoints.c — the staypoint operation: pairing, ordering and ties,
 * the dwell/gap/distance filters, partition keys on characters, trip value
 * checks, and the UTF-8 check user ids go through. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tripflow/geo.h"
#include "tripflow/lake.h"
#include "tripflow/staypoints.h"
#include "tripflow/timeutil.h"
#include "tripflow/trip.h"

#define MIN (60 * TF_US_PER_SEC)

static tf_sp_trip trip(int64_t start_min, int64_t end_min, double end_lat)
{
    tf_sp_trip t = {start_min * MIN, end_min * MIN, end_lat, -end_lat, 0, 0};
    return t;
}

TF_TEST(staypoints_pair_consecutive_trips)
{
    /* the seed's sample, user-001, given out of order */
    tf_sp_trip t[3] = {trip(150, 195, 3), trip(0, 30, 1), trip(60, 105, 2)};
    tf_sp_opts o;
    tf_sp_opts_init(&o);
    tf_sp_work w = {0};
    CHECK_INT(tf_sp_compute(&o, t, 3, &w), 2);
    CHECK_INT(w.sp.v[0].enter, 30 * MIN);
    CHECK_INT(w.sp.v[0].exit, 60 * MIN);
    CHECK_DBL(w.sp.v[0].lat, 1);
    CHECK_DBL(w.sp.v[0].lng, -1);
    CHECK_INT(w.sp.v[1].enter, 105 * MIN);
    CHECK_INT(w.sp.v[1].exit, 150 * MIN);
    CHECK_DBL(w.sp.v[1].lat, 2);
    /* one trip or none: no staypoint */
    CHECK_INT(tf_sp_compute(&o, t, 1, &w), 0);
    CHECK_INT(tf_sp_compute(&o, t, 0, &w), 0);
    tf_sp_work_free(&w);
}

TF_TEST(staypoints_ties_order_by_end_then_input_order)
{
    /* equal starts: the earlier end first; equal start and end: input order */
    tf_sp_trip t[4] = {trip(10, 50, 1), trip(10, 20, 2), trip(10, 20, 3), trip(100, 110, 4)};
    tf_sp_opts o;
    tf_sp_opts_init(&o);
    tf_sp_work w = {0};
    CHECK_INT(tf_sp_compute(&o, t, 4, &w), 3);
    CHECK_DBL(t[0].end_lat, 2);
    CHECK_DBL(t[1].end_lat, 3);
    CHECK_DBL(t[2].end_lat, 1);
    /* staypoints by enter time; the two entered at minute 20 keep trip order */
    CHECK_INT(w.sp.v[0].enter, 20 * MIN);
    CHECK_INT(w.sp.v[0].exit, 10 * MIN);
    CHECK_DBL(w.sp.v[0].lat, 2);
    CHECK_INT(w.sp.v[1].enter, 20 * MIN);
    CHECK_INT(w.sp.v[1].exit, 10 * MIN);
    CHECK_DBL(w.sp.v[1].lat, 3);
    CHECK_INT(w.sp.v[2].enter, 50 * MIN);
    CHECK_INT(w.sp.v[2].exit, 100 * MIN);
    CHECK_DBL(w.sp.v[2].lat, 1);
    tf_sp_work_free(&w);
}

TF_TEST(staypoints_overlapping_trips_sorted_by_enter)
{
    /* trip A (0-100) then B (10-20) then C (30-40): A's staypoint enters at
     * 100, after B's at 20 — output is by enter time, not trip order */
    tf_sp_trip t[3] = {trip(0, 100, 1), trip(10, 20, 2), trip(30, 40, 3)};
    tf_sp_opts o;
    tf_sp_opts_init(&o);
    tf_sp_work w = {0};
    CHECK_INT(tf_sp_compute(&o, t, 3, &w), 2);
    CHECK_INT(w.sp.v[0].enter, 20 * MIN);
    CHECK_INT(w.sp.v[0].exit, 30 * MIN);
    CHECK_INT(w.sp.v[1].enter, 100 * MIN);
    CHECK_INT(w.sp.v[1].exit, 10 * MIN); /* negative dwell, kept as the seed keeps it */
    /* --min-dwell 0 drops it */
    o.min_dwell = 0;
    CHECK_INT(tf_sp_compute(&o, t, 3, &w), 1);
    CHECK_INT(w.sp.v[0].enter, 20 * MIN);
    tf_sp_work_free(&w);
}

TF_TEST(staypoints_long_sequences_sort_stably)
{
    /* 300 trips in reverse, every pair of trips sharing start and end: the
     * merge sort path must keep input order inside each pair */
    enum { N = 300 };
    static tf_sp_trip t[N];
    for (int i = 0; i < N; i++) t[i] = trip((N - 1 - i) / 2 * 60, (N - 1 - i) / 2 * 60 + 30, i);
    tf_sp_opts o;
    tf_sp_opts_init(&o);
    tf_sp_work w = {0};
    CHECK_INT(tf_sp_compute(&o, t, N, &w), N - 1);
    for (int i = 0; i < N; i += 2) {
        /* pair k = i/2 holds input rows N-2-i and N-1-i, in that order */
        CHECK_DBL(t[i].end_lat, N - 2 - i);
        CHECK_DBL(t[i + 1].end_lat, N - 1 - i);
    }
    for (int i = 1; i < N - 1; i++) CHECK(w.sp.v[i].enter >= w.sp.v[i - 1].enter);
    tf_sp_work_free(&w);
}

TF_TEST(staypoints_filters_at_their_bounds)
{
    /* dwell of 5, 10 and 15 minutes */
    tf_sp_trip base[4] = {trip(0, 10, 1), trip(15, 20, 2), trip(30, 40, 3), trip(55, 60, 4)};
    tf_sp_trip t[4];
    tf_sp_opts o;
    tf_sp_work w = {0};
    tf_sp_opts_init(&o);
    o.min_dwell = 10 * MIN; /* >= 10 min */
    memcpy(t, base, sizeof t);
    CHECK_INT(tf_sp_compute(&o, t, 4, &w), 2);
    CHECK_INT(w.sp.v[0].enter, 20 * MIN);
    CHECK_INT(w.sp.v[1].enter, 40 * MIN);
    tf_sp_opts_init(&o);
    o.max_gap = 10 * MIN; /* <= 10 min */
    memcpy(t, base, sizeof t);
    CHECK_INT(tf_sp_compute(&o, t, 4, &w), 2);
    CHECK_INT(w.sp.v[0].enter, 10 * MIN);
    CHECK_INT(w.sp.v[1].enter, 20 * MIN);
    tf_sp_opts_init(&o);
    o.min_dwell = 6 * MIN;
    o.max_gap = 14 * MIN;
    memcpy(t, base, sizeof t);
    CHECK_INT(tf_sp_compute(&o, t, 4, &w), 1);
    CHECK_INT(w.sp.v[0].exit, 30 * MIN);
    tf_sp_work_free(&w);
}

TF_TEST(staypoints_max_distance_between_end_and_next_start)
{
    tf_sp_trip t[3] = {{0, 10 * MIN, 50.0, 14.0, 50.0, 13.0},
                       {20 * MIN, 30 * MIN, 51.0, 14.0, 50.001, 14.0}, /* starts ~111 m from the last end */
                       {40 * MIN, 50 * MIN, 52.0, 14.0, 50.0, 14.0}};  /* starts ~111 km away */
    double d1 = tf_haversine_m(50.0, 14.0, 50.001, 14.0);
    CHECK(d1 > 111 && d1 < 112);
    tf_sp_opts o;
    tf_sp_work w = {0};
    tf_sp_opts_init(&o);
    o.max_distance = d1; /* the bound itself is allowed */
    CHECK_INT(tf_sp_compute(&o, t, 3, &w), 1);
    CHECK_INT(w.sp.v[0].enter, 10 * MIN);
    CHECK_DBL(w.sp.v[0].lat, 50.0);
    o.max_distance = 100;
    CHECK_INT(tf_sp_compute(&o, t, 3, &w), 0);
    o.max_distance = 200000;
    CHECK_INT(tf_sp_compute(&o, t, 3, &w), 2);
    tf_sp_work_free(&w);
}

static void keys(const char *id, const char *p1, const char *p2)
{
    size_t n = strlen(id), l1, o2, l2;
    tf_sp_partition_keys(id, n, &l1, &o2, &l2);
    char a[64], b[64];
    memcpy(a, id, l1);
    a[l1] = 0;
    memcpy(b, id + o2, l2);
    b[l2] = 0;
    CHECK_STR(a, p1);
    CHECK_STR(b, p2);
}

TF_TEST(staypoints_partition_keys_are_characters)
{
    keys("user-001", "us", "er");
    keys("abc", "ab", "c");
    keys("ab", "ab", "");
    keys("a", "a", "");
    keys("", "", "");
    keys("\xc3\xbc" "0", "\xc3\xbc" "0", "");                                    /* ü0 */
    keys("\xe6\x9d\xb1\xe4\xba\xac" "12", "\xe6\x9d\xb1\xe4\xba\xac", "12");     /* 東京12 */
    keys("jos\xc3\xa9-7", "jo", "s\xc3\xa9");                                    /* josé-7 */
    keys("\xf0\x9f\x9a\xb2" "5x\xce\xa9z", "\xf0\x9f\x9a\xb2" "5", "x\xce\xa9"); /* 🚲5xΩz */
}

TF_TEST(staypoints_trip_check_reasons)
{
    const char *field = NULL;
    char why[256];
    tf_sp_trip t = {0, MIN, 40.7614, -73.9776, 40.7589, -73.9851};
    CHECK(tf_sp_trip_check(&t, &field, why, sizeof why));
    t.start_lat = 90.5;
    CHECK(!tf_sp_trip_check(&t, &field, why, sizeof why));
    CHECK_STR(field, "start_lat");
    CHECK_STR(why, "latitude 90.5 out of range [-90, 90]");
    t.start_lat = -90;
    t.end_lng = -180.000001;
    CHECK(!tf_sp_trip_check(&t, &field, why, sizeof why));
    CHECK_STR(field, "end_lng");
    CHECK_STR(why, "longitude -180.000001 out of range [-180, 180]");
    t.end_lng = 180;
    t.end_lat = NAN;
    CHECK(!tf_sp_trip_check(&t, &field, why, sizeof why));
    CHECK_STR(field, "end_lat");
    CHECK_STR(why, "latitude NaN is not a finite number");
    t.end_lat = 0;
    t.start = 10 * MIN + 500;
    t.end = 10 * MIN;
    CHECK(!tf_sp_trip_check(&t, &field, why, sizeof why));
    CHECK_STR(field, "trip_end_time");
    CHECK_STR(why, "trip ends before it starts (1970-01-01 00:10:00 < 1970-01-01 00:10:00.000500)");
    t.end = t.start; /* a trip of no duration is fine */
    CHECK(tf_sp_trip_check(&t, &field, why, sizeof why));
}

TF_TEST(staypoints_user_ids_utf8_checks)
{
    CHECK(tf_utf8_valid("plain", 5));
    CHECK(tf_utf8_valid("\xe6\x9d\xb1\xe4\xba\xac", 6));
    CHECK(tf_utf8_valid("\xf0\x9f\x9a\xb2", 4));
    CHECK(!tf_utf8_valid("u\xff\xfe", 3));
    CHECK(!tf_utf8_valid("\xc3", 1));             /* truncated */
    CHECK(!tf_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    CHECK(!tf_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!tf_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    CHECK(!tf_utf8_valid("\xe6\x9d" "a", 3));     /* bad continuation */
    /* past the 8-byte ASCII fast path */
    CHECK(tf_utf8_valid("abcdefghijklmnop" "\xe6\x9d\xb1" "qrstuvwxyz0123456", 36));
    CHECK(!tf_utf8_valid("abcdefghijklmnop" "\xff" "qrstuvwxyz01234567", 35));
    CHECK(!tf_utf8_valid("abcdefghijklmnopqrstuvw" "\xc3", 24));
}

/* Parquet sources: naive Parquet times in --timezone, and Hive partition values
 * unescaped (the reverse of the lake's escape) */
TF_TEST(staypoints_naive_times_and_hive_values)
{
    tf_tz *tz = NULL;
    tf_err e = {0};
    CHECK_INT(tf_tz_open("Europe/Prague", &tz, &e), TF_OK);
    int64_t winter = tf_days_from_civil(2025, 1, 1) * TF_US_PER_DAY + 8 * TF_US_PER_HOUR + 123456;
    int64_t summer = tf_days_from_civil(2025, 7, 1) * TF_US_PER_DAY + 8 * TF_US_PER_HOUR;
    CHECK_INT(tf_tz_local_to_utc(tz, winter), winter - TF_US_PER_HOUR);
    CHECK_INT(tf_tz_local_to_utc(tz, summer), summer - 2 * TF_US_PER_HOUR);
    CHECK_INT(tf_tz_local_to_utc(NULL, summer), summer);
    /* the same as parsing the text in the zone */
    int64_t parsed;
    CHECK_INT(tf_parse_timestamp("2025-01-01 08:00:00.123456", 26, tz, &parsed, &e), TF_OK);
    CHECK_INT(tf_tz_local_to_utc(tz, winter), parsed);
    tf_tz_close(tz);
    unsetenv("TZ");

    const char *raw = "a/b=c%d:e\x01\xc3\xa9";
    char *esc = tf_lake_escape(raw, strlen(raw));
    CHECK_STR(esc, "a%2Fb%3Dc%25d%3Ae%01\xc3\xa9");
    size_t n;
    char *back = tf_lake_unescape(esc, strlen(esc), &n);
    CHECK_INT((int64_t)n, (int64_t)strlen(raw));
    CHECK_STR(back, raw);
    free(back);
    free(esc);
    /* a % not followed by two hex digits is kept */
    back = tf_lake_unescape("50%_%4", 6, &n);
    CHECK_STR(back, "50%_%4");
    free(back);
    back = tf_lake_unescape("", 0, &n);
    CHECK_INT((int64_t)n, 0);
    CHECK_STR(back, "");
    free(back);
}
