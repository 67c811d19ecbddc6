/* timeutil.h — calendar arithmetic, timestamp parsing and formatting,
 * durations, sizes and distances as typed on the command line.
 *
 * Timestamps are int64 microseconds since 1970-01-01 00:00:00 UTC. */
#ifndef TF_TIMEUTIL_H
#define TF_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/err.h"

#define TF_US_PER_SEC INT64_C(1000000)
#define TF_US_PER_HOUR (INT64_C(3600) * TF_US_PER_SEC)
#define TF_US_PER_DAY (INT64_C(86400) * TF_US_PER_SEC)
#define TF_US_PER_WEEK (7 * TF_US_PER_DAY)

int64_t tf_days_from_civil(int y, int m, int d);
void tf_civil_from_days(int64_t days, int *y, int *m, int *d);
int tf_days_in_month(int y, int m);
/* floor division helpers for negative times */
static inline int64_t tf_floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
/* the remainder that goes with tf_floordiv, in [0, b) for b > 0; unlike
 * a - tf_floordiv(a, b) * b it cannot overflow near INT64_MIN */
static inline int64_t tf_floormod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}
/* Monday 00:00 UTC of the ISO week containing t */
int64_t tf_week_start(int64_t t_us);
/* months since 1970-01 (for monthly partitions) */
int tf_month_index(int64_t t_us);

/* A time zone for naive timestamps; NULL means UTC. */
typedef struct tf_tz tf_tz;
int tf_tz_open(const char *name, tf_tz **out, tf_err *err);
void tf_tz_close(tf_tz *tz);
/* a naive (wall-clock) time in tz, as µs since the epoch read as if UTC, to
 * UTC µs; tz NULL: unchanged */
int64_t tf_tz_local_to_utc(const tf_tz *tz, int64_t local_us);

/* Parse "YYYY-MM-DD HH:MM:SS[.f]" and ISO 8601 forms with 'T', 'Z' or a
 * numeric offset (+HH:MM, +HHMM, +HH).  Up to 9 fraction digits (truncated to
 * microseconds).  Naive times are read in tz (UTC when tz is NULL).  On error
 * returns TF_EFORMAT with a reason (without field context) in err. */
int tf_parse_timestamp(const char *s, size_t n, const tf_tz *tz, int64_t *out_us, tf_err *err);
/* Parse a date "YYYY-MM-DD" into days since the epoch. */
int tf_parse_date(const char *s, size_t n, int64_t *out_days, tf_err *err);

enum tf_ts_style {
    TF_TS_AUTO,   /* "YYYY-MM-DD HH:MM:SS", plus ".ffffff" only when non-zero */
    TF_TS_MILLIS, /* always ".mmm" (staypoint text output) */
    TF_TS_ISO_Z   /* "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" */
};
/* Writes at most 32 bytes including the NUL; returns the length. */
int tf_format_timestamp(int64_t us, enum tf_ts_style style, char out[32]);
int tf_format_date(int64_t days, char out[16]);

/* "90s", "5m", "12h", "1d", "250ms", "100us"; a bare number means seconds. */
int tf_parse_duration(const char *s, int64_t *out_us, tf_err *err);
/* "512M", "1G", "64k", "100" (bytes); binary multiples. */
int tf_parse_size(const char *s, int64_t *out_bytes, tf_err *err);
/* "500m", "2km", "1.5km"; a bare number means metres. */
int tf_parse_distance(const char *s, double *out_m, tf_err *err);

/* wall clock and monotonic clock in microseconds / seconds */
int64_t tf_now_us(void);
double tf_mono_s(void);
/* CPU seconds (user + system) the process has used */
double tf_cpu_s(void);

#endif
