/* event.c — reading the key and the event time of one streamed event (see
 * stream.h): the --time specification and the fast extraction of two
 * top-level members from a large JSON object. */
#include <string.h>

#include "tripflow/jsonscan.h"
#include "tripflow/num.h"
#include "tripflow/stream.h"
#include "tripflow/timeutil.h"

/* event times outside the years 1 to 9999 are bad messages */
#define MIN_TIME_US INT64_C(-62135596800000000)
#define MAX_TIME_US INT64_C(253402300799999999)

int tf_time_spec_parse(const char *s, tf_time_spec *out, tf_err *err)
{
    memset(out, 0, sizeof *out);
    if (!s || !*s) return tf_errf(err, TF_EINVAL, "--time: empty (expected FIELD:us|ms|s|iso or processing)");
    if (!strcmp(s, "processing")) {
        out->unit = TF_TU_PROCESSING;
        return TF_OK;
    }
    const char *colon = strrchr(s, ':');
    const char *unit = colon ? colon + 1 : "us";
    size_t flen = colon ? (size_t)(colon - s) : strlen(s);
    if (!flen || flen >= sizeof out->field)
        return tf_errf(err, TF_EINVAL, "--time '%s': expected FIELD:us|ms|s|iso or processing", s);
    memcpy(out->field, s, flen);
    if (!strcmp(unit, "us")) out->unit = TF_TU_US;
    else if (!strcmp(unit, "ms")) out->unit = TF_TU_MS;
    else if (!strcmp(unit, "s")) out->unit = TF_TU_S;
    else if (!strcmp(unit, "iso")) out->unit = TF_TU_ISO;
    else return tf_errf(err, TF_EINVAL, "--time '%s': unknown unit '%s' (us, ms, s or iso)", s, unit);
    return TF_OK;
}

/* a decimal number of units to microseconds, truncating below a
 * microsecond toward -inf: 1 done, 0 not a number, 2 out of range */
static int number_to_us(const char *p, size_t n, int64_t per_unit, int64_t *out)
{
    int64_t iv;
    if (tf_parse_i64(p, n, &iv)) {
        if (iv > INT64_MAX / per_unit || iv < INT64_MIN / per_unit) return 2;
        *out = iv * per_unit;
        return 1;
    }
    double d;
    if (!tf_parse_double(p, n, &d)) return 0;
    double us = d * (double)per_unit;
    if (!(us > -9.2e18 && us < 9.2e18)) return 2;
    int64_t r = (int64_t)us;
    if ((double)r > us) r--;
    *out = r;
    return 1;
}

static const char *unit_name(tf_time_unit u)
{
    switch (u) {
    case TF_TU_US: return "microseconds";
    case TF_TU_MS: return "milliseconds";
    case TF_TU_S: return "seconds";
    default: return "an ISO 8601 time";
    }
}

static int time_value(const tf_jv *t, const tf_time_spec *ts, int64_t *t_us, tf_err *err)
{
    if (t->type == TF_JV_ABSENT) return tf_errf(err, TF_EFORMAT, "%s: missing", ts->field);
    if (ts->unit == TF_TU_ISO) {
        if (t->type != TF_JV_STRING)
            return tf_errf(err, TF_EFORMAT, "%s: expected an ISO 8601 time string, got %s", ts->field,
                           tf_jv_type_name(t->type));
        tf_buf tmp = {0};
        tf_json_unescape(t, &tmp);
        int rc = tf_parse_timestamp(tmp.data ? tmp.data : "", tmp.len, NULL, t_us, err);
        tf_buf_free(&tmp);
        if (rc) return tf_err_prefix(err, "%s: ", ts->field);
        return TF_OK;
    }
    int64_t per = ts->unit == TF_TU_US ? 1 : ts->unit == TF_TU_MS ? 1000 : TF_US_PER_SEC;
    if ((t->type == TF_JV_STRING && !t->escaped) || t->type == TF_JV_NUMBER) {
        int ok = number_to_us(t->p, t->n, per, t_us);
        if (ok) {
            if (ok == 2 || *t_us < MIN_TIME_US || *t_us > MAX_TIME_US)
                return tf_errf(err, TF_EFORMAT, "%s: %.*s is outside the years 1 to 9999", ts->field,
                               (int)(t->n > 40 ? 40 : t->n), t->p);
            return TF_OK;
        }
        return tf_errf(err, TF_EFORMAT, "%s: expected a number of %s, got %s%.*s%s", ts->field, unit_name(ts->unit),
                       t->type == TF_JV_STRING ? "\"" : "", (int)(t->n > 40 ? 40 : t->n), t->p,
                       t->type == TF_JV_STRING ? "\"" : "");
    }
    return tf_errf(err, TF_EFORMAT, "%s: expected a number of %s, got %s", ts->field, unit_name(ts->unit),
                   tf_jv_type_name(t->type));
}

int tf_event_extract(const char *msg, size_t n, const char *key_field, const tf_time_spec *ts, int64_t now_us,
                     tf_buf *key, int64_t *t_us, tf_err *err)
{
    const char *names[2] = {key_field, ts->field};
    tf_jv v[2];
    int nn = ts->unit == TF_TU_PROCESSING ? 1 : 2;
    if (tf_json_fields(msg, n, names, nn, v, err)) return tf_err_prefix(err, "not a JSON object: ");
    /* the key */
    if (v[0].type == TF_JV_ABSENT) return tf_errf(err, TF_EFORMAT, "%s: missing", key_field);
    if (v[0].type == TF_JV_STRING) {
        size_t before = key->len;
        tf_json_unescape(&v[0], key);
        if (key->len == before) return tf_errf(err, TF_EFORMAT, "%s: empty string", key_field);
        if (memchr(key->data + before, 0, key->len - before))
            return tf_errf(err, TF_EFORMAT, "%s: contains a NUL character", key_field);
    } else if (v[0].type == TF_JV_NUMBER) {
        int64_t iv;
        if (!tf_parse_i64(v[0].p, v[0].n, &iv))
            return tf_errf(err, TF_EFORMAT, "%s: expected a string or an integer, got %.*s", key_field,
                           (int)(v[0].n > 40 ? 40 : v[0].n), v[0].p);
        tf_buf_append(key, v[0].p, v[0].n);
    } else {
        return tf_errf(err, TF_EFORMAT, "%s: expected a string or an integer, got %s", key_field,
                       tf_jv_type_name(v[0].type));
    }
    /* the time */
    if (ts->unit == TF_TU_PROCESSING) {
        *t_us = now_us;
        return TF_OK;
    }
    return time_value(&v[1], ts, t_us, err);
}

int tf_event_time(const char *msg, size_t n, const tf_time_spec *ts, int64_t *t_us, tf_err *err)
{
    const char *names[1] = {ts->field};
    tf_jv v;
    if (tf_json_fields(msg, n, names, 1, &v, err)) return tf_err_prefix(err, "not a JSON object: ");
    return time_value(&v, ts, t_us, err);
}
