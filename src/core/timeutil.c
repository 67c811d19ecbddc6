/* timeutil.c — calendar arithmetic and parsers for times, durations, sizes
 * and distances (see timeutil.h).  Hot path: tf_parse_timestamp is called
 * once per trip row, so it parses digits by hand and never calls libc. */
#include "tripflow/timeutil.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "tripflow/mem.h"

/* Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms). */
int64_t tf_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void tf_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

int tf_days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2) return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : 28;
    return dm[m - 1];
}

int64_t tf_week_start(int64_t t)
{
    int64_t days = tf_floordiv(t, TF_US_PER_DAY);
    /* 1970-01-01 was a Thursday: (days + 3) mod 7 == 0 on Mondays */
    int64_t dow = ((days + 3) % 7 + 7) % 7;
    return (days - dow) * TF_US_PER_DAY;
}

int tf_month_index(int64_t t)
{
    int y, m, d;
    tf_civil_from_days(tf_floordiv(t, TF_US_PER_DAY), &y, &m, &d);
    return (y - 1970) * 12 + (m - 1);
}

/* ---- time zones: naive local time -> UTC through the C library ----
 * tripflow prints and stores UTC only, so the process-wide TZ is set once,
 * while the command line is read (single-threaded); mktime is thread-safe
 * afterwards.  Offsets are cached per hour and thread. */
struct tf_tz {
    char *name;
};

int tf_tz_open(const char *name, tf_tz **out, tf_err *err)
{
    *out = NULL;
    if (!name || !*name || !strcmp(name, "UTC") || !strcmp(name, "Z")) return TF_OK;
    if (name[0] == '/' || strstr(name, ".."))
        return tf_errf(err, TF_EINVAL, "time zone '%s': expected an IANA name such as Europe/Prague", name);
    char path[512];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return tf_errf(err, TF_EINVAL, "time zone '%s': unknown (no %s; install tzdata)", name, path);
    tf_tz *tz = tf_xcalloc(1, sizeof *tz);
    tz->name = tf_xstrdup(name);
    setenv("TZ", name, 1);
    tzset();
    *out = tz;
    return TF_OK;
}

void tf_tz_close(tf_tz *tz)
{
    if (!tz) return;
    free(tz->name);
    free(tz);
}

/* offset (local - UTC, seconds) for a naive local time given as seconds since
 * the epoch read as if it were UTC.  Times in a DST gap or overlap resolve as
 * the C library's mktime resolves them. */
static int64_t tz_offset(const tf_tz *tz, int64_t local_s)
{
    enum { SLOTS = 256 };
    static __thread struct { int64_t hour; int64_t off; const tf_tz *tz; } cache[SLOTS];
    int64_t hour = tf_floordiv(local_s, 3600);
    unsigned slot = (unsigned)((uint64_t)hour % SLOTS);
    if (cache[slot].tz == tz && cache[slot].hour == hour) return cache[slot].off;
    struct tm tm;
    time_t t = (time_t)(hour * 3600);
    gmtime_r(&t, &tm);
    tm.tm_isdst = -1;
    time_t utc = mktime(&tm);
    int64_t off = hour * 3600 - (int64_t)utc;
    cache[slot].hour = hour;
    cache[slot].off = off;
    cache[slot].tz = tz;
    return off;
}

int64_t tf_tz_local_to_utc(const tf_tz *tz, int64_t local_us)
{
    if (!tz) return local_us;
    return local_us - tz_offset(tz, tf_floordiv(local_us, TF_US_PER_SEC)) * TF_US_PER_SEC;
}

/* ---- timestamp parsing ---- */
static inline int dig2(const char *p, int *v)
{
    unsigned a = (unsigned char)p[0] - '0', b = (unsigned char)p[1] - '0';
    if (a > 9 || b > 9) return 0;
    *v = (int)(a * 10 + b);
    return 1;
}

static void show(const char *s, size_t n, char *buf, size_t cap) { tf_snippet(s, n, 40, buf, cap); }

int tf_parse_date(const char *s, size_t n, int64_t *out_days, tf_err *err)
{
    int y1, y2, m, d;
    char shown[48];
    if (n < 10 || !dig2(s, &y1) || !dig2(s + 2, &y2) || s[4] != '-' || !dig2(s + 5, &m) ||
        s[7] != '-' || !dig2(s + 8, &d)) {
        show(s, n, shown, sizeof shown);
        return tf_errf(err, TF_EFORMAT, "expected a date YYYY-MM-DD, got '%s'", shown);
    }
    int y = y1 * 100 + y2;
    if (y < 1) return tf_errf(err, TF_EFORMAT, "year %04d out of range 0001-9999", y);
    if (m < 1 || m > 12) return tf_errf(err, TF_EFORMAT, "month %02d out of range 01-12", m);
    if (d < 1 || d > tf_days_in_month(y, m))
        return tf_errf(err, TF_EFORMAT, "day %02d out of range for %04d-%02d", d, y, m);
    if (n != 10) {
        show(s, n, shown, sizeof shown);
        return tf_errf(err, TF_EFORMAT, "expected a date YYYY-MM-DD, got '%s'", shown);
    }
    *out_days = tf_days_from_civil(y, m, d);
    return TF_OK;
}

int tf_parse_timestamp(const char *s, size_t n, const tf_tz *tz, int64_t *out, tf_err *err)
{
    int y1, y2, mo, d, h, mi, se;
    char shown[48];
    if (n < 19 || !dig2(s, &y1) || !dig2(s + 2, &y2) || s[4] != '-' || !dig2(s + 5, &mo) ||
        s[7] != '-' || !dig2(s + 8, &d) || (s[10] != ' ' && s[10] != 'T' && s[10] != 't') ||
        !dig2(s + 11, &h) || s[13] != ':' || !dig2(s + 14, &mi) || s[16] != ':' ||
        !dig2(s + 17, &se)) {
        show(s, n, shown, sizeof shown);
        return tf_errf(err, TF_EFORMAT, "expected YYYY-MM-DD HH:MM:SS, got '%s'", shown);
    }
    int y = y1 * 100 + y2;
    if (y < 1) return tf_errf(err, TF_EFORMAT, "year %04d out of range 0001-9999", y);
    if (mo < 1 || mo > 12) return tf_errf(err, TF_EFORMAT, "month %02d out of range 01-12", mo);
    if (d < 1 || d > tf_days_in_month(y, mo))
        return tf_errf(err, TF_EFORMAT, "day %02d out of range for %04d-%02d", d, y, mo);
    if (h > 23) return tf_errf(err, TF_EFORMAT, "hour %02d out of range 00-23", h);
    if (mi > 59) return tf_errf(err, TF_EFORMAT, "minute %02d out of range 00-59", mi);
    if (se > 59) return tf_errf(err, TF_EFORMAT, "second %02d out of range 00-59", se);

    size_t i = 19;
    int64_t frac = 0;
    if (i < n && (s[i] == '.' || s[i] == ',')) {
        i++;
        int digits = 0;
        while (i < n && (unsigned char)(s[i] - '0') <= 9) {
            if (digits < 6) frac = frac * 10 + (s[i] - '0');
            digits++;
            i++;
        }
        if (digits == 0) return tf_errf(err, TF_EFORMAT, "expected digits after the decimal point");
        if (digits > 9) return tf_errf(err, TF_EFORMAT, "more than 9 fraction digits");
        for (int k = digits; k < 6; k++) frac *= 10;
    }
    int64_t secs = tf_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    if (i == n) {
        if (tz) secs -= tz_offset(tz, secs);
        *out = secs * TF_US_PER_SEC + frac;
        return TF_OK;
    }
    if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
        *out = secs * TF_US_PER_SEC + frac;
        return TF_OK;
    }
    if (s[i] == '+' || s[i] == '-') {
        int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
        size_t rest = n - i - 1;
        const char *p = s + i + 1;
        int ok = 0;
        if (rest == 2) ok = dig2(p, &oh);
        else if (rest == 4) ok = dig2(p, &oh) && dig2(p + 2, &om);
        else if (rest == 5) ok = dig2(p, &oh) && p[2] == ':' && dig2(p + 3, &om);
        if (!ok || oh > 23 || om > 59) {
            show(s + i, n - i, shown, sizeof shown);
            return tf_errf(err, TF_EFORMAT, "bad UTC offset '%s' (expected +HH:MM)", shown);
        }
        secs -= sign * (oh * 3600 + om * 60);
        *out = secs * TF_US_PER_SEC + frac;
        return TF_OK;
    }
    show(s + i, n - i, shown, sizeof shown);
    return tf_errf(err, TF_EFORMAT, "unexpected '%s' after the time", shown);
}

int tf_format_date(int64_t days, char out[16])
{
    int y, m, d;
    tf_civil_from_days(days, &y, &m, &d);
    return snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

static inline char *two(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* hand-written: output paths format millions of timestamps */
int tf_format_timestamp(int64_t us, enum tf_ts_style style, char out[32])
{
    int64_t days = tf_floordiv(us, TF_US_PER_DAY);
    int64_t rem = tf_floormod(us, TF_US_PER_DAY);
    int y, m, d;
    tf_civil_from_days(days, &y, &m, &d);
    int secs = (int)(rem / TF_US_PER_SEC);
    int frac = (int)(rem % TF_US_PER_SEC);
    char *p = out;
    if (y < 0 || y > 9999) { /* years outside 0000-9999 (fuzzed Parquet): as many digits as needed */
        p += snprintf(out, 16, "%d", y);
    } else {
        p = two(p, y / 100);
        p = two(p, y % 100);
    }
    *p++ = '-';
    p = two(p, m);
    *p++ = '-';
    p = two(p, d);
    *p++ = style == TF_TS_ISO_Z ? 'T' : ' ';
    p = two(p, secs / 3600);
    *p++ = ':';
    p = two(p, secs / 60 % 60);
    *p++ = ':';
    p = two(p, secs % 60);
    if (style == TF_TS_MILLIS) {
        int ms = frac / 1000;
        *p++ = '.';
        *p++ = (char)('0' + ms / 100);
        p = two(p, ms % 100);
    } else if (frac) {
        *p++ = '.';
        for (int k = 5, f = frac; k >= 0; k--, f /= 10) p[k] = (char)('0' + f % 10);
        p += 6;
    }
    if (style == TF_TS_ISO_Z) *p++ = 'Z';
    *p = '\0';
    return (int)(p - out);
}

/* ---- command-line quantities ---- */
static int parse_number_unit(const char *s, double *num, const char **unit)
{
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !isfinite(v) || v < 0) return 0;
    *num = v;
    *unit = end;
    return 1;
}

int tf_parse_duration(const char *s, int64_t *out, tf_err *err)
{
    double v;
    const char *u;
    if (!parse_number_unit(s, &v, &u))
        return tf_errf(err, TF_EINVAL, "bad duration '%s' (expected e.g. 90s, 5m, 12h)", s ? s : "");
    double mul;
    if (!*u || !strcmp(u, "s")) mul = 1e6;
    else if (!strcmp(u, "ms")) mul = 1e3;
    else if (!strcmp(u, "us")) mul = 1;
    else if (!strcmp(u, "m") || !strcmp(u, "min")) mul = 60e6;
    else if (!strcmp(u, "h")) mul = 3600e6;
    else if (!strcmp(u, "d")) mul = 86400e6;
    else return tf_errf(err, TF_EINVAL, "bad duration '%s': unknown unit '%s' (us, ms, s, m, h, d)", s, u);
    double r = v * mul;
    if (r > 9.2e18) return tf_errf(err, TF_EINVAL, "duration '%s' is too large", s);
    *out = (int64_t)llround(r);
    return TF_OK;
}

int tf_parse_size(const char *s, int64_t *out, tf_err *err)
{
    double v;
    const char *u;
    if (!parse_number_unit(s, &v, &u))
        return tf_errf(err, TF_EINVAL, "bad size '%s' (expected e.g. 512M, 2G)", s ? s : "");
    double mul = 1;
    switch (*u) {
    case '\0': break;
    case 'k': case 'K': mul = 1024.0; u++; break;
    case 'm': case 'M': mul = 1024.0 * 1024; u++; break;
    case 'g': case 'G': mul = 1024.0 * 1024 * 1024; u++; break;
    case 't': case 'T': mul = 1024.0 * 1024 * 1024 * 1024; u++; break;
    case 'b': case 'B': break;
    default: return tf_errf(err, TF_EINVAL, "bad size '%s': unknown unit (K, M, G, T)", s);
    }
    if (*u == 'i') u++;
    if (*u == 'B' || *u == 'b') u++;
    if (*u) return tf_errf(err, TF_EINVAL, "bad size '%s': unknown unit (K, M, G, T)", s);
    *out = (int64_t)(v * mul);
    return TF_OK;
}

int tf_parse_distance(const char *s, double *out, tf_err *err)
{
    double v;
    const char *u;
    if (!parse_number_unit(s, &v, &u))
        return tf_errf(err, TF_EINVAL, "bad distance '%s' (expected e.g. 500m, 2km)", s ? s : "");
    if (!*u || !strcmp(u, "m")) *out = v;
    else if (!strcmp(u, "km")) *out = v * 1000;
    else return tf_errf(err, TF_EINVAL, "bad distance '%s': unknown unit '%s' (m, km)", s, u);
    return TF_OK;
}

int64_t tf_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * TF_US_PER_SEC + ts.tv_nsec / 1000;
}

double tf_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec * 1e-6;
}

double tf_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
