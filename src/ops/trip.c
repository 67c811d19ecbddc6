/* trip.c — trip rows: header contract, field parsing and validation, the
 * identity key (see trip.h).  Called once per CSV record on the ingest hot
 * path, so it parses in place and allocates nothing in the common case. */
#include "tripflow/trip.h"

#include <string.h>

#include "tripflow/geo.h"

const char *const tf_trip_field_names[TF_TRIP_NFIELDS] = {"region", "origin_coord", "destination_coord", "datetime",
                                                          "datasource"};

static inline char fold(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

int tf_name_eq(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn) return 0;
    for (size_t i = 0; i < an; i++)
        if (fold(a[i]) != fold(b[i])) return 0;
    return 1;
}

/* FNV-1a over the folded bytes, finished with a multiply-xorshift: names are
 * short and hashed once per row */
uint64_t tf_name_hash(const char *s, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ n;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)fold(s[i])) * UINT64_C(0x100000001b3);
    h ^= h >> 32;
    h *= UINT64_C(0xd6e8feb86659fd93);
    return h ^ (h >> 32);
}

int tf_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    /* ASCII, eight bytes at a time */
    while (e - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        if (w & UINT64_C(0x8080808080808080)) break;
        p += 8;
    }
    while (p < e) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        int len;
        unsigned min;
        if ((c & 0xE0) == 0xC0) len = 2, min = 0x80, c &= 0x1F;
        else if ((c & 0xF0) == 0xE0) len = 3, min = 0x800, c &= 0x0F;
        else if ((c & 0xF8) == 0xF0) len = 4, min = 0x10000, c &= 0x07;
        else return 0;
        if (e - p < len) return 0;
        for (int k = 1; k < len; k++) {
            if ((p[k] & 0xC0) != 0x80) return 0;
            c = (c << 6) | (p[k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
        p += len;
    }
    return 1;
}

static void trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\t')) (*p)++, (*n)--;
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t')) (*n)--;
}

int tf_trip_header(const tf_csv_record *rec, tf_trip_layout *lay, tf_err *err)
{
    for (int i = 0; i < TF_TRIP_NFIELDS; i++) lay->col[i] = -1;
    if (rec->err) return tf_errf(err, TF_EFORMAT, "header: %s", rec->err);
    int n = rec->nfields < TF_CSV_MAX_FIELDS ? rec->nfields : TF_CSV_MAX_FIELDS;
    int known = 0;
    for (int c = 0; c < n; c++) {
        const char *p = rec->f[c].p;
        size_t len = rec->f[c].len;
        trim(&p, &len);
        int match = -1;
        for (int i = 0; i < TF_TRIP_NFIELDS; i++)
            if (tf_name_eq(p, len, tf_trip_field_names[i], strlen(tf_trip_field_names[i]))) match = i;
        if (match < 0) {
            if (c == 0 && known == 0)
                return tf_errf(err, TF_EFORMAT,
                               "line 1 is not the header (expected " TF_TRIP_HEADER "; got '%.*s')",
                               (int)(rec->len > 80 ? 80 : rec->len), rec->start);
            return tf_errf(err, TF_EFORMAT, "header: unknown column '%.*s' (expected " TF_TRIP_HEADER ")",
                           (int)(len > 60 ? 60 : len), p);
        }
        if (lay->col[match] >= 0)
            return tf_errf(err, TF_EFORMAT, "header: column '%s' appears twice", tf_trip_field_names[match]);
        lay->col[match] = c;
        known++;
    }
    for (int i = 0; i < TF_TRIP_NFIELDS; i++)
        if (lay->col[i] < 0)
            return tf_errf(err, TF_EFORMAT, "header: missing column '%s' (expected " TF_TRIP_HEADER ")",
                           tf_trip_field_names[i]);
    return TF_OK;
}

static int name_field(const tf_csv_field *f, tf_buf *scratch, const char **out, size_t *outn, const char *what,
                      tf_err *err)
{
    const char *p = f->p;
    size_t n = f->len;
    if (f->escaped) {
        tf_buf_clear(scratch);
        p = tf_csv_unescape(f, scratch);
        n = scratch->len;
    }
    trim(&p, &n);
    if (n == 0) return tf_errf(err, TF_EFORMAT, "empty %s", what);
    if (n > TF_NAME_MAX) return tf_errf(err, TF_EFORMAT, "%s longer than %d bytes", what, TF_NAME_MAX);
    if (!tf_utf8_valid(p, n)) return tf_errf(err, TF_EFORMAT, "%s is not valid UTF-8", what);
    *out = p;
    *outn = n;
    return TF_OK;
}

int tf_trip_check(const tf_csv_record *rec, const tf_trip_layout *lay, int *bad_field, tf_err *err)
{
    *bad_field = -1;
    if (rec->err) {
        if (rec->err_field > 0 && rec->err_field <= TF_CSV_MAX_FIELDS) {
            for (int i = 0; i < TF_TRIP_NFIELDS; i++)
                if (lay->col[i] == rec->err_field - 1) *bad_field = i;
        }
        return tf_errf(err, TF_EFORMAT, "%s at column %d", rec->err, rec->err_col);
    }
    if (rec->nfields != TF_TRIP_NFIELDS)
        return tf_errf(err, TF_EFORMAT, "expected %d fields, found %d", TF_TRIP_NFIELDS, rec->nfields);
    return TF_OK;
}

int tf_trip_name(const tf_csv_record *rec, const tf_trip_layout *lay, int which, tf_buf *scratch, const char **out,
                 size_t *n, tf_err *err)
{
    return name_field(&rec->f[lay->col[which]], scratch, out, n, which == TF_TRIP_REGION ? "region" : "datasource",
                      err);
}

int tf_trip_points_time(const tf_csv_record *rec, const tf_trip_layout *lay, const tf_tz *tz, tf_trip *t,
                        int *bad_field, tf_err *err)
{
    const tf_csv_field *f = rec->f;
    *bad_field = TF_TRIP_ORIGIN;
    const tf_csv_field *fo = &f[lay->col[TF_TRIP_ORIGIN]];
    int rc = tf_parse_wkt_point(fo->p, fo->len, &t->olon, &t->olat, err);
    if (rc) return rc;
    *bad_field = TF_TRIP_DESTINATION;
    const tf_csv_field *fde = &f[lay->col[TF_TRIP_DESTINATION]];
    rc = tf_parse_wkt_point(fde->p, fde->len, &t->dlon, &t->dlat, err);
    if (rc) return rc;
    *bad_field = TF_TRIP_DATETIME;
    const tf_csv_field *ft = &f[lay->col[TF_TRIP_DATETIME]];
    const char *tp = ft->p;
    size_t tn = ft->len;
    trim(&tp, &tn);
    rc = tf_parse_timestamp(tp, tn, tz, &t->ts, err);
    if (rc) return rc;
    *bad_field = -1;
    return TF_OK;
}

int tf_trip_parse(const tf_csv_record *rec, const tf_trip_layout *lay, const tf_tz *tz, tf_buf scratch[2], tf_trip *t,
                  tf_trip_names *names, int *bad_field, tf_err *err)
{
    int rc = tf_trip_check(rec, lay, bad_field, err);
    if (rc) return rc;
    *bad_field = TF_TRIP_REGION;
    if ((rc = tf_trip_name(rec, lay, TF_TRIP_REGION, &scratch[0], &names->region, &names->region_len, err))) return rc;
    *bad_field = TF_TRIP_DATASOURCE;
    if ((rc = tf_trip_name(rec, lay, TF_TRIP_DATASOURCE, &scratch[1], &names->datasource, &names->datasource_len, err)))
        return rc;
    if ((rc = tf_trip_points_time(rec, lay, tz, t, bad_field, err))) return rc;
    t->key = tf_trip_key(t, names);
    return TF_OK;
}

void tf_name_fold(const char *s, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) out[i] = fold(s[i]);
}

tf_key128 tf_trip_key_folded(const tf_trip *t, const char *region, size_t rn, const char *datasource, size_t dn)
{
    /* folded region \0 folded datasource \0 then 5 x 8 bytes */
    unsigned char buf[2 * (TF_NAME_MAX + 1) + 40];
    size_t k = 0;
    memcpy(buf, region, rn);
    k += rn;
    buf[k++] = 0;
    memcpy(buf + k, datasource, dn);
    k += dn;
    buf[k++] = 0;
    double c[4] = {t->olon, t->olat, t->dlon, t->dlat};
    for (int i = 0; i < 4; i++) {
        if (c[i] == 0) c[i] = 0.0;
        memcpy(buf + k, &c[i], 8);
        k += 8;
    }
    memcpy(buf + k, &t->ts, 8);
    k += 8;
    return tf_hash128(buf, k);
}

tf_key128 tf_trip_key(const tf_trip *t, const tf_trip_names *names)
{
    char r[TF_NAME_MAX], d[TF_NAME_MAX];
    tf_name_fold(names->region, names->region_len, r);
    tf_name_fold(names->datasource, names->datasource_len, d);
    return tf_trip_key_folded(t, r, names->region_len, d, names->datasource_len);
}
