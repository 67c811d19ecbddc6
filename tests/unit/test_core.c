/* test_core.c — numbers, times, hashing and geohash cells. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "harness.h"
#include "tripflow/geo.h"
#include "tripflow/hash.h"
#include "tripflow/num.h"
#include "tripflow/timeutil.h"

static double pd(const char *s)
{
    double v = -12345;
    if (!tf_parse_double(s, strlen(s), &v)) return NAN;
    return v;
}

TF_TEST(parse_double_matches_strtod)
{
    const char *cases[] = {"0", "-0", "14.4973794438195", "50.00136875782316", "7.672837913286881",
                           "-73.9851", "1e-5", "123456789012345678901234", "0.1", "180", "-180.0",
                           "4.9e-324", "1.7976931348623157e308", "2.2250738585072014e-308",
                           "9007199254740993", "0.30000000000000004", "+5.5", ".5", "5."};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) CHECK_DBL(pd(cases[i]), strtod(cases[i], NULL));
    CHECK(isnan(pd("")));
    CHECK(isnan(pd("abc")));
    CHECK(isnan(pd("1.2.3")));
    CHECK(isnan(pd("nan")));
    CHECK(isnan(pd("inf")));
    CHECK(isnan(pd("1e")));
    CHECK(isnan(pd("-")));
    CHECK(isnan(pd("1e999"))); /* overflow is not finite */
    CHECK(isnan(pd("14.5 ")));
}

TF_TEST(format_double_shortest_roundtrip)
{
    char b[32];
    tf_format_double(40.7614, b);
    CHECK_STR(b, "40.7614");
    tf_format_double(-73.9776, b);
    CHECK_STR(b, "-73.9776");
    tf_format_double(14.4973794438195, b);
    CHECK_STR(b, "14.4973794438195");
    tf_format_double(50.00136875782316, b);
    CHECK_STR(b, "50.00136875782316");
    tf_format_double(0.1 + 0.2, b);
    CHECK_STR(b, "0.30000000000000004");
    tf_format_double(40.0, b);
    CHECK_STR(b, "40.0");
    tf_format_double(1e-5, b);
    CHECK_STR(b, "1e-05");
    tf_format_double(0.0001, b);
    CHECK_STR(b, "0.0001");
    tf_format_double(1e16, b);
    CHECK_STR(b, "1e+16");
    tf_format_double(123456.0, b);
    CHECK_STR(b, "123456.0");
    tf_format_double(0.0, b);
    CHECK_STR(b, "0.0");
    tf_format_double(5e-324, b);
    CHECK_STR(b, "5e-324");
    /* random doubles read back exactly */
    srand(7);
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v)) continue;
        tf_format_double(v, b);
        double back = strtod(b, NULL);
        if (back != v) {
            CHECK_DBL(back, v);
            break;
        }
        double w = (rand() % 36000) / 100.0 - 180 + (rand() % 1000000) * 1e-12;
        tf_format_double(w, b);
        if (strtod(b, NULL) != w) {
            CHECK_DBL(strtod(b, NULL), w);
            break;
        }
    }
}

TF_TEST(parse_i64_bounds)
{
    int64_t v;
    CHECK(tf_parse_i64("9223372036854775807", 19, &v) && v == INT64_MAX);
    CHECK(tf_parse_i64("-9223372036854775808", 20, &v) && v == INT64_MIN);
    CHECK(!tf_parse_i64("9223372036854775808", 19, &v));
    CHECK(!tf_parse_i64("12a", 3, &v));
    CHECK(!tf_parse_i64("", 0, &v));
}

static int64_t ts(const char *s)
{
    int64_t v = -1;
    tf_err e = {0};
    if (tf_parse_timestamp(s, strlen(s), NULL, &v, &e)) return INT64_MIN;
    return v;
}

static const char *ts_err(const char *s)
{
    static tf_err e;
    int64_t v;
    if (tf_parse_timestamp(s, strlen(s), NULL, &v, &e) == TF_OK) return "ok";
    return e.msg;
}

TF_TEST(timestamps_parse_iso_forms)
{
    CHECK_INT(ts("1970-01-01 00:00:00"), 0);
    CHECK_INT(ts("2018-05-28 09:03:40"), INT64_C(1527498220) * 1000000);
    CHECK_INT(ts("2018-05-28T09:03:40Z"), INT64_C(1527498220) * 1000000);
    CHECK_INT(ts("2018-05-28T11:03:40+02:00"), INT64_C(1527498220) * 1000000);
    CHECK_INT(ts("2018-05-28T11:03:40+0200"), INT64_C(1527498220) * 1000000);
    CHECK_INT(ts("2018-05-28T04:03:40-05"), INT64_C(1527498220) * 1000000);
    CHECK_INT(ts("2018-05-28 09:03:40.5"), INT64_C(1527498220) * 1000000 + 500000);
    CHECK_INT(ts("2018-05-28 09:03:40.123456789"), INT64_C(1527498220) * 1000000 + 123456);
    CHECK_INT(ts("1969-12-31 23:59:59"), -1000000);
    CHECK_INT(ts("2000-02-29 00:00:00"), INT64_C(951782400) * 1000000);
    CHECK_STR(ts_err("2018-13-01 00:00:00"), "month 13 out of range 01-12");
    CHECK_STR(ts_err("2019-02-29 00:00:00"), "day 29 out of range for 2019-02");
    CHECK_STR(ts_err("2018-05-28 24:00:00"), "hour 24 out of range 00-23");
    CHECK_STR(ts_err("2018-05-28 09:60:00"), "minute 60 out of range 00-59");
    CHECK_STR(ts_err("2018-05-28"), "expected YYYY-MM-DD HH:MM:SS, got '2018-05-28'");
    CHECK_STR(ts_err("not a time"), "expected YYYY-MM-DD HH:MM:SS, got 'not a time'");
    CHECK_STR(ts_err("2018-05-28 09:03:40 "), "unexpected ' ' after the time");
    CHECK_STR(ts_err("2018-05-28 09:03:40+25:00"), "bad UTC offset '+25:00' (expected +HH:MM)");
    CHECK_STR(ts_err("2018-05-28 09:03:40."), "expected digits after the decimal point");
}

TF_TEST(timestamps_in_a_time_zone)
{
    tf_tz *tz = NULL;
    tf_err e = {0};
    CHECK_INT(tf_tz_open("Europe/Prague", &tz, &e), TF_OK);
    int64_t v = 0;
    /* summer: UTC+2; winter: UTC+1 */
    CHECK_INT(tf_parse_timestamp("2018-05-28 11:03:40", 19, tz, &v, &e), TF_OK);
    CHECK_INT(v, INT64_C(1527498220) * 1000000);
    CHECK_INT(tf_parse_timestamp("2018-01-10 13:00:00", 19, tz, &v, &e), TF_OK);
    CHECK_INT(v, ts("2018-01-10 12:00:00"));
    /* an explicit offset wins over the zone */
    CHECK_INT(tf_parse_timestamp("2018-01-10T13:00:00Z", 20, tz, &v, &e), TF_OK);
    CHECK_INT(v, ts("2018-01-10 13:00:00"));
    tf_tz_close(tz);
    unsetenv("TZ");
    CHECK_INT(tf_tz_open("Mars/Olympus", &tz, &e), TF_EINVAL);
}

TF_TEST(timestamp_format_and_weeks)
{
    char b[32];
    tf_format_timestamp(ts("2018-05-28 09:03:40"), TF_TS_AUTO, b);
    CHECK_STR(b, "2018-05-28 09:03:40");
    tf_format_timestamp(ts("2018-05-28 09:03:40.25"), TF_TS_AUTO, b);
    CHECK_STR(b, "2018-05-28 09:03:40.250000");
    tf_format_timestamp(ts("2018-05-28 09:03:40.25"), TF_TS_MILLIS, b);
    CHECK_STR(b, "2018-05-28 09:03:40.250");
    tf_format_timestamp(ts("1969-12-31 23:59:59.5"), TF_TS_ISO_Z, b);
    CHECK_STR(b, "1969-12-31T23:59:59.500000Z");
    /* the int64 ends (a fuzzed Parquet timestamp found INT64_MIN overflowed
     * the day remainder): years beyond 9999 print all their digits */
    CHECK_INT(tf_format_timestamp(INT64_MIN, TF_TS_ISO_Z, b), 30);
    CHECK_STR(b, "-290308-12-21T19:59:05.224192Z");
    tf_format_timestamp(INT64_MAX, TF_TS_AUTO, b);
    CHECK_STR(b, "294247-01-10 04:00:54.775807");
    tf_format_timestamp(-1, TF_TS_MILLIS, b);
    CHECK_STR(b, "1969-12-31 23:59:59.999");
    CHECK_INT(tf_floormod(-1, 7), 6);
    CHECK_INT(tf_floormod(14, 7), 0);
    CHECK_INT(tf_floormod(INT64_MIN, TF_US_PER_DAY), INT64_C(71945224192));
    CHECK_INT(tf_floordiv(INT64_MIN, TF_US_PER_DAY), INT64_C(-106751992));
    /* 2018-05-28 is a Monday; 2018-06-03 a Sunday */
    CHECK_INT(tf_week_start(ts("2018-05-28 00:00:00")), ts("2018-05-28 00:00:00"));
    CHECK_INT(tf_week_start(ts("2018-06-03 23:59:59")), ts("2018-05-28 00:00:00"));
    CHECK_INT(tf_week_start(ts("2018-06-04 00:00:00")), ts("2018-06-04 00:00:00"));
    CHECK_INT(tf_week_start(ts("1970-01-01 00:00:00")), ts("1969-12-29 00:00:00"));
    CHECK_INT(tf_month_index(ts("2018-05-31 23:59:59")), (2018 - 1970) * 12 + 4);
}

TF_TEST(durations_sizes_distances)
{
    int64_t v;
    double d;
    tf_err e = {0};
    CHECK(tf_parse_duration("5m", &v, &e) == TF_OK && v == INT64_C(300000000));
    CHECK(tf_parse_duration("12h", &v, &e) == TF_OK && v == INT64_C(43200000000));
    CHECK(tf_parse_duration("250ms", &v, &e) == TF_OK && v == 250000);
    CHECK(tf_parse_duration("60", &v, &e) == TF_OK && v == 60000000);
    CHECK_INT(tf_parse_duration("5 parsecs", &v, &e), TF_EINVAL);
    CHECK(tf_parse_size("512M", &v, &e) == TF_OK && v == INT64_C(512) * 1024 * 1024);
    CHECK(tf_parse_size("1GiB", &v, &e) == TF_OK && v == INT64_C(1) << 30);
    CHECK_INT(tf_parse_size("12Q", &v, &e), TF_EINVAL);
    CHECK(tf_parse_distance("500m", &d, &e) == TF_OK && d == 500);
    CHECK(tf_parse_distance("1.5km", &d, &e) == TF_OK && d == 1500);
}

TF_TEST(hash_keys_hex_roundtrip)
{
    tf_key128 a = tf_hash128("abc", 3), b = tf_hash128("abd", 3);
    CHECK(!tf_key_eq(a, b));
    CHECK(tf_key_eq(a, tf_hash128("abc", 3)));
    char hex[33];
    tf_key_hex(a, hex);
    uint8_t by[16];
    tf_key_bytes(a, by);
    CHECK(tf_key_eq(tf_key_from_bytes(by), a));
    /* the stored layout: big-endian, hi first */
    tf_key128 k = {.lo = UINT64_C(0x090a0b0c0d0e0f10), .hi = UINT64_C(0x0102030405060708)};
    tf_key_bytes(k, by);
    for (int i = 0; i < 16; i++) CHECK_INT(by[i], i + 1);
    CHECK(tf_key_eq(tf_key_from_bytes(by), k));
    /* XXH3-128 of the empty input is a published constant */
    tf_key_hex(tf_hash128("", 0), hex);
    CHECK_STR(hex, "99aa06d3014798d86001c324468d497f");
}

static size_t after_bytes, after_calls;
static pthread_mutex_t after_lock = PTHREAD_MUTEX_INITIALIZER;
static void count_after(const void *p, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    pthread_mutex_lock(&after_lock);
    after_bytes += n;
    after_calls++;
    pthread_mutex_unlock(&after_lock);
}

/* the content hash by its definition, on 1 to 3 threads and piece by
 * piece, and sensitive to every byte */
TF_TEST(content_hash_is_a_hash_of_piece_hashes)
{
    /* 2.5 pieces: two whole ones and a half */
    size_t n = 2 * TF_CONTENT_PIECE + TF_CONTENT_PIECE / 2;
    unsigned char *buf = malloc(n);
    for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)(i * 2654435761u >> 13);
    /* the definition, computed here: XXH3-128 over the big-endian piece hashes */
    uint8_t pieces[3 * 16];
    for (int k = 0; k < 3; k++) {
        size_t at = (size_t)k * TF_CONTENT_PIECE, len = k < 2 ? TF_CONTENT_PIECE : TF_CONTENT_PIECE / 2;
        tf_key_bytes(tf_hash128(buf + at, len), pieces + 16 * k);
    }
    tf_key128 want = tf_hash128(pieces, sizeof pieces);
    for (int threads = 1; threads <= 3; threads++) {
        after_bytes = after_calls = 0;
        CHECK(tf_key_eq(tf_content_hash(buf, n, threads, count_after, NULL), want));
        CHECK_INT(after_calls, 3);
        CHECK(after_bytes == n);
    }
    /* piece by piece, in any order (as ingest's parse threads hash them) */
    uint8_t parts[3 * 16];
    CHECK_INT(tf_content_pieces(n), 3);
    for (int k = 2; k >= 0; k--) tf_content_piece(buf, n, (size_t)k, parts + 16 * k);
    CHECK(!memcmp(parts, pieces, sizeof pieces));
    CHECK(tf_key_eq(tf_content_combine(parts, 3), want));
    /* a piece fed in uneven steps (as the parse reads it) */
    tf_piece_hasher *ph = tf_piece_hasher_new();
    for (int k = 0; k < 3; k++) {
        size_t at = (size_t)k * TF_CONTENT_PIECE, end = k < 2 ? at + TF_CONTENT_PIECE : n, step = 1;
        tf_piece_begin(ph);
        while (at < end) {
            size_t len = end - at < step ? end - at : step;
            tf_piece_update(ph, buf + at, len);
            at += len;
            step = step * 7 + 3;
        }
        uint8_t one[16];
        tf_piece_end(ph, one);
        CHECK(!memcmp(one, pieces + 16 * k, 16));
    }
    tf_piece_hasher_free(ph);
    CHECK_INT(tf_content_pieces(0), 0);
    CHECK_INT(tf_content_pieces(1), 1);
    CHECK_INT(tf_content_pieces(TF_CONTENT_PIECE), 1);
    CHECK_INT(tf_content_pieces(TF_CONTENT_PIECE + 1), 2);
    /* one byte changed anywhere changes it */
    buf[TF_CONTENT_PIECE + 7] ^= 1;
    CHECK(!tf_key_eq(tf_content_hash(buf, n, 2, NULL, NULL), want));
    free(buf);
    /* empty input: the hash of no piece hashes */
    CHECK(tf_key_eq(tf_content_hash("", 0, 2, NULL, NULL), tf_hash128("", 0)));
}

/* the textbook bisection, as an oracle for the fast cell computation */
static uint64_t geohash_bisect(double lat, double lon, int precision)
{
    double lo_x = -180, hi_x = 180, lo_y = -90, hi_y = 90;
    uint64_t out = 0;
    for (int b = 0; b < precision * 5; b++) {
        double *lo = b % 2 ? &lo_y : &lo_x, *hi = b % 2 ? &hi_y : &hi_x, v = b % 2 ? lat : lon;
        double mid = (*lo + *hi) / 2;
        out <<= 1;
        if (v >= mid) {
            out |= 1;
            *lo = mid;
        } else {
            *hi = mid;
        }
    }
    return out;
}

TF_TEST(geohash_fast_equals_bisection)
{
    srand(11);
    for (int i = 0; i < 300000; i++) {
        int p = 1 + i % 12;
        double lat, lon;
        if (i % 3 == 0) { /* exactly on cell edges */
            int bits = (p * 5) / 2;
            lat = -90 + (double)(rand() % (1 << (bits > 20 ? 20 : bits))) * (180.0 / (1 << (bits > 20 ? 20 : bits)));
            lon = -180 + (double)(rand() % (1 << (bits > 20 ? 20 : bits))) * (360.0 / (1 << (bits > 20 ? 20 : bits)));
        } else {
            lat = ((double)rand() / RAND_MAX) * 180 - 90;
            lon = ((double)rand() / RAND_MAX) * 360 - 180;
        }
        if (tf_geohash_bits(lat, lon, p) != geohash_bisect(lat, lon, p)) {
            tf_test_fail(__FILE__, __LINE__, "cell of (%.17g, %.17g) at %d differs from bisection", lat, lon, p);
            break;
        }
    }
    CHECK(tf_geohash_bits(90, 180, 12) == geohash_bisect(90, 180, 12));
    CHECK(tf_geohash_bits(-90, -180, 12) == 0);
}

TF_TEST(geohash_cells)
{
    char t[13];
    tf_geohash_text(tf_geohash_bits(57.64911, 10.40744, 11), 11, t);
    CHECK_STR(t, "u4pruydqqvj");
    tf_geohash_text(tf_geohash_bits(42.6, -5.6, 5), 5, t);
    CHECK_STR(t, "ezs42");
    tf_geohash_text(tf_geohash_bits(-90, -180, 6), 6, t);
    CHECK_STR(t, "000000");
    tf_geohash_text(tf_geohash_bits(90, 180, 6), 6, t);
    CHECK_STR(t, "zzzzzz");
    double a, b, c, d;
    tf_geohash_bbox(tf_geohash_bits(57.64911, 10.40744, 6), 6, &a, &b, &c, &d);
    CHECK(a <= 57.64911 && 57.64911 < c && b <= 10.40744 && 10.40744 < d);
    CHECK(fabs((d - b) - 360.0 / (1 << 15)) < 1e-12);
}

TF_TEST(wkt_points)
{
    double lon, lat;
    tf_err e = {0};
    const char *ok[] = {"POINT (14.4973794438195 50.00136875782316)", "POINT(14.4973794438195 50.00136875782316)",
                        "point (  14.4973794438195   50.00136875782316 )", " POINT\t(14.4973794438195 50.00136875782316)"};
    for (size_t i = 0; i < 4; i++) {
        CHECK_INT(tf_parse_wkt_point(ok[i], strlen(ok[i]), &lon, &lat, &e), TF_OK);
        CHECK_DBL(lon, 14.4973794438195);
        CHECK_DBL(lat, 50.00136875782316);
    }
    CHECK_INT(tf_parse_wkt_point("POINT (200 50)", 14, &lon, &lat, &e), TF_EFORMAT);
    CHECK_STR(e.msg, "longitude 200 out of range [-180, 180]");
    CHECK_INT(tf_parse_wkt_point("POINT (10 -91)", 14, &lon, &lat, &e), TF_EFORMAT);
    CHECK_STR(e.msg, "latitude -91 out of range [-90, 90]");
    CHECK_INT(tf_parse_wkt_point("POINT (abc 50)", 14, &lon, &lat, &e), TF_EFORMAT);
    CHECK_STR(e.msg, "longitude 'abc' is not a number");
    CHECK_INT(tf_parse_wkt_point("POINT (14 50", 12, &lon, &lat, &e), TF_EFORMAT);
    CHECK_STR(e.msg, "expected 'POINT (lon lat)', got 'POINT (14 50'");
    CHECK_INT(tf_parse_wkt_point("POINT (14 50 3)", 15, &lon, &lat, &e), TF_EFORMAT);
    CHECK_INT(tf_parse_wkt_point("LINESTRING (1 2, 3 4)", 21, &lon, &lat, &e), TF_EFORMAT);
    CHECK_INT(tf_parse_wkt_point("POINT (nan 50)", 14, &lon, &lat, &e), TF_EFORMAT);
    CHECK_INT(tf_parse_wkt_point("POINT (-0.0 0)", 14, &lon, &lat, &e), TF_OK);
    CHECK(!signbit(lon));
    tf_bbox bb;
    CHECK_INT(tf_parse_bbox("14.40,50.05,14.45,50.10", &bb, &e), TF_OK);
    CHECK_DBL(bb.max_lat, 50.10);
    CHECK_INT(tf_parse_bbox("14.45,50.05,14.40,50.10", &bb, &e), TF_EINVAL);
    CHECK_INT(tf_parse_bbox("1,2,3", &bb, &e), TF_EINVAL);
}

TF_TEST(parse_double_random_texts_match_strtod)
{
    srand(99);
    char b[64];
    for (int i = 0; i < 300000; i++) {
        double v = ((double)rand() / RAND_MAX - 0.5) * (i % 3 == 0 ? 360 : i % 3 == 1 ? 1e-3 : 1e9);
        int prec = 1 + rand() % 17;
        if (i % 2) snprintf(b, sizeof b, "%.*f", prec, v);
        else snprintf(b, sizeof b, "%.*g", prec, v);
        double got;
        if (!tf_parse_double(b, strlen(b), &got) || got != strtod(b, NULL)) {
            tf_test_fail(__FILE__, __LINE__, "'%s' parsed as %.17g, strtod says %.17g", b, got, strtod(b, NULL));
            break;
        }
        /* as inside WKT: the number ends before other text, which the
         * word-at-a-time scan loads with it */
        size_t len = strlen(b);
        snprintf(b + len, sizeof b - len, "%s", i % 4 ? ")" : " 45.5)");
        if (tf_scan_double(b, strlen(b), &got) != len || got != strtod(b, NULL)) {
            tf_test_fail(__FILE__, __LINE__, "'%s' scanned as %.17g, strtod says %.17g", b, got, strtod(b, NULL));
            break;
        }
    }
}
