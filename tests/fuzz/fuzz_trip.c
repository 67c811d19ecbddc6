/* fuzz_trip.c — libFuzzer target for the trip row parser that every ingested
 * CSV line goes through: the header, names, WKT points and timestamps, with
 * and without a time zone.  Any bytes, in an allocation of exactly their
 * size.  Checks what the data model relies on: an accepted row has points in
 * range, names that are non-empty valid UTF-8 of at most TF_NAME_MAX bytes, a
 * time that prints and parses back to itself, and a key that ignores the
 * case of the names; a refused row has a reason and names a field in range. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/csv.h"
#include "tripflow/geo.h"
#include "tripflow/timeutil.h"
#include "tripflow/trip.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tf_tz *prague;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    tf_err e = {0};
    if (tf_tz_open("Europe/Prague", &prague, &e)) prague = NULL; /* no tzdata: UTC only */
    return 0;
}

static void check_row(const tf_trip *t, const tf_trip_names *nm, const tf_tz *tz)
{
    if (!(t->olon >= -180 && t->olon <= 180 && t->dlon >= -180 && t->dlon <= 180)) abort();
    if (!(t->olat >= -90 && t->olat <= 90 && t->dlat >= -90 && t->dlat <= 90)) abort();
    if (signbit(t->olon) && t->olon == 0) abort(); /* -0.0 is folded to 0.0 */
    if (!nm->region_len || nm->region_len > TF_NAME_MAX || !tf_utf8_valid(nm->region, nm->region_len)) abort();
    if (!nm->datasource_len || nm->datasource_len > TF_NAME_MAX) abort();
    /* the time prints and reads back (an offset can carry it past 0001-9999) */
    int y, m, d;
    tf_civil_from_days(tf_floordiv(t->ts, TF_US_PER_DAY), &y, &m, &d);
    if (y >= 1 && y <= 9999) {
        char s[32];
        int n = tf_format_timestamp(t->ts, TF_TS_ISO_Z, s);
        int64_t back;
        tf_err e = {0};
        if (tf_parse_timestamp(s, (size_t)n, tz, &back, &e) || back != t->ts) abort();
    }
    /* names are matched without ASCII case */
    char r[TF_NAME_MAX], ds[TF_NAME_MAX];
    for (size_t i = 0; i < nm->region_len; i++)
        r[i] = (char)((nm->region[i] >= 'a' && nm->region[i] <= 'z') ? nm->region[i] - 32 : nm->region[i]);
    for (size_t i = 0; i < nm->datasource_len; i++)
        ds[i] = (char)((nm->datasource[i] >= 'a' && nm->datasource[i] <= 'z') ? nm->datasource[i] - 32
                                                                                : nm->datasource[i]);
    tf_trip_names up = {.region = r, .region_len = nm->region_len, .datasource = ds, .datasource_len = nm->datasource_len};
    if (!tf_key_eq(tf_trip_key(t, &up), t->key)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int own_header = data[0] & 1, zoned = (data[0] & 2) && prague;
    const tf_tz *tz = zoned ? prague : NULL;
    size--, data++;
    char *buf = tf_xmalloc(size ? size : 1);
    memcpy(buf, data, size);
    const char *end = buf + size;
    tf_csv_reader rd;
    tf_csv_init(&rd, buf, end, end, 1);
    tf_csv_skip_bom(&rd);
    tf_csv_record rec;
    tf_trip_layout lay;
    tf_err err = {0};
    for (int i = 0; i < TF_TRIP_NFIELDS; i++) lay.col[i] = i;
    if (own_header && tf_csv_next(&rd, &rec) && tf_trip_header(&rec, &lay, &err)) {
        if (!err.msg[0]) abort();
        free(buf);
        return 0;
    }
    tf_buf scratch[2] = {{0}, {0}};
    while (tf_csv_next(&rd, &rec)) {
        tf_trip t;
        tf_trip_names nm;
        int bad = -2;
        err.msg[0] = '\0';
        if (tf_trip_parse(&rec, &lay, tz, scratch, &t, &nm, &bad, &err) == TF_OK) {
            if (bad != -1) abort();
            check_row(&t, &nm, tz);
        } else if (!err.msg[0] || bad < -1 || bad >= TF_TRIP_NFIELDS) {
            abort();
        }
    }
    tf_buf_free(&scratch[0]);
    tf_buf_free(&scratch[1]);
    free(buf);
    return 0;
}
