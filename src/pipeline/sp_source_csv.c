/* sp_source_csv.c — trips from CSV (a file or standard input): the header
 * names the columns, each row is parsed and checked, and a row that fails
 * goes to the reject file with its line, field and reason (see sp_io.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tripflow/csvstream.h"
#include "tripflow/num.h"
#include "tripflow/sp_io.h"
#include "tripflow/trip.h" /* tf_utf8_valid */

enum { C_USER, C_START, C_END, C_SLAT, C_SLNG, C_ELAT, C_ELNG, NCOLS };
static const char *const col_names[NCOLS] = {"user_id", "trip_start_time", "trip_end_time", "start_lat",
                                             "start_lng", "end_lat",         "end_lng"};
#define COL_LIST "user_id, trip_start_time, trip_end_time, start_lat, start_lng, end_lat, end_lng"

typedef struct csv_src {
    tf_trip_source base;
    tf_csv_stream st;
    const tf_tz *tz;
    tf_rejects *rej;
    size_t batch_rows;
    int col[NCOLS];   /* field index of each column */
    int nfields;      /* fields in the header */
    char **names;     /* header names, for reject messages */
    tf_buf val, uid;  /* unescaped field text */
    char reason[TF_ERR_MSG + 64];
} csv_src;

static const char *field_name(const csv_src *s, int idx) /* 1-based */
{
    return idx >= 1 && idx <= s->nfields ? s->names[idx - 1] : NULL;
}

static int reject(csv_src *s, const tf_csv_record *rec, const char *field, const char *reason, tf_err *err)
{
    s->base.rejected++;
    if (tf_rejects_add(s->rej, rec->line, field, reason, rec->start, rec->len, err))
        return tf_err_prefix(err, "reject file: ");
    return TF_OK;
}

/* the field's text, trimmed of spaces and tabs when trim is set */
static void field_text(const tf_csv_field *f, tf_buf *b, int trim, const char **p, size_t *n)
{
    const char *t = f->p;
    size_t len = f->len;
    if (f->escaped) {
        tf_buf_clear(b);
        tf_csv_unescape(f, b);
        t = b->data;
        len = b->len;
    }
    if (trim) {
        while (len && (*t == ' ' || *t == '\t')) t++, len--;
        while (len && (t[len - 1] == ' ' || t[len - 1] == '\t')) len--;
    }
    *p = t;
    *n = len;
}

/* 0: parsed; else the reason is in s->reason */
static int parse_time(csv_src *s, const tf_csv_field *f, int64_t *out)
{
    const char *p;
    size_t n;
    field_text(f, &s->val, 1, &p, &n);
    if (!n) return -1;
    tf_err e = {0};
    if (tf_parse_timestamp(p, n, s->tz, out, &e) == TF_OK) return 0;
    snprintf(s->reason, sizeof s->reason, "%s", e.msg);
    return 1;
}

static int parse_coord(csv_src *s, const tf_csv_field *f, double *out)
{
    const char *p;
    size_t n;
    field_text(f, &s->val, 1, &p, &n);
    if (!n) return -1;
    if (tf_parse_double(p, n, out)) return 0;
    snprintf(s->reason, sizeof s->reason, "expected a decimal number, got '%.*s'", n > 40 ? 40 : (int)n, p);
    return 1;
}

/* Parse one data row into the batch, or reject it. */
static int row(csv_src *s, const tf_csv_record *rec, tf_trip_batch *b, tf_err *err)
{
    s->base.rows++;
    if (rec->err) {
        tf_csv_stream_resync(&s->st, rec);
        return reject(s, rec, field_name(s, rec->err_field), rec->err, err);
    }
    if (rec->nfields != s->nfields) {
        snprintf(s->reason, sizeof s->reason, "expected %d fields, got %d", s->nfields, rec->nfields);
        return reject(s, rec, NULL, s->reason, err);
    }
    const char *uid;
    size_t ulen;
    field_text(&rec->f[s->col[C_USER]], &s->uid, 0, &uid, &ulen);
    size_t lead = 0;
    while (lead < ulen && (uid[lead] == ' ' || uid[lead] == '\t')) lead++;
    if (lead == ulen) return reject(s, rec, "user_id", "missing user_id", err);
    if (!tf_utf8_valid(uid, ulen)) return reject(s, rec, "user_id", "user_id is not valid UTF-8", err);

    tf_sp_trip t;
    int64_t *times[2] = {&t.start, &t.end};
    for (int c = C_START; c <= C_END; c++) {
        int r = parse_time(s, &rec->f[s->col[c]], times[c - C_START]);
        if (r < 0) snprintf(s->reason, sizeof s->reason, "missing %s", col_names[c]);
        if (r) return reject(s, rec, col_names[c], s->reason, err);
    }
    double *coords[4] = {&t.start_lat, &t.start_lng, &t.end_lat, &t.end_lng};
    for (int c = C_SLAT; c <= C_ELNG; c++) {
        int r = parse_coord(s, &rec->f[s->col[c]], coords[c - C_SLAT]);
        if (r < 0) snprintf(s->reason, sizeof s->reason, "missing %s", col_names[c]);
        if (r) return reject(s, rec, col_names[c], s->reason, err);
    }
    const char *bad;
    if (!tf_sp_trip_check(&t, &bad, s->reason, sizeof s->reason)) return reject(s, rec, bad, s->reason, err);
    tf_trip_batch_push(b, uid, ulen, &t, rec->line);
    return TF_OK;
}

static int csv_next(tf_trip_source *base, tf_trip_batch *b, tf_err *err)
{
    csv_src *s = (csv_src *)base;
    tf_trip_batch_clear(b);
    tf_csv_record rec;
    /* a batch ends after batch_rows input rows, good or not, so that the job
     * can stop early when rejects pass --max-rejects */
    int64_t first = s->base.rows, stop = first + (int64_t)s->batch_rows;
    while (s->base.rows < stop) {
        int r = tf_csv_stream_next(&s->st, &rec, err);
        if (r < 0) return r;
        if (r == 0) break;
        if (row(s, &rec, b, err)) return err->code;
    }
    return s->base.rows > first;
}

static void csv_close(tf_trip_source *base)
{
    csv_src *s = (csv_src *)base;
    if (!s) return;
    tf_csv_stream_close(&s->st);
    for (int i = 0; i < s->nfields; i++) free(s->names[i]);
    free(s->names);
    tf_buf_free(&s->val);
    tf_buf_free(&s->uid);
    free(s);
}

static int read_header(csv_src *s, tf_err *err)
{
    tf_csv_record rec;
    int r = tf_csv_stream_next(&s->st, &rec, err);
    if (r < 0) return r;
    if (r == 0) return tf_errf(err, TF_EFORMAT, "%s: empty input (expected a header line: %s)", s->st.name, COL_LIST);
    if (rec.err) return tf_errf(err, TF_EFORMAT, "%s:%lld: header: %s", s->st.name, (long long)rec.line, rec.err);
    if (rec.nfields > TF_CSV_MAX_FIELDS)
        return tf_errf(err, TF_EFORMAT, "%s:%lld: header: %d columns (at most %d are supported)", s->st.name,
                       (long long)rec.line, rec.nfields, TF_CSV_MAX_FIELDS);
    s->nfields = rec.nfields;
    s->names = tf_xcalloc((size_t)rec.nfields, sizeof *s->names);
    for (int c = 0; c < NCOLS; c++) s->col[c] = -1;
    for (int i = 0; i < rec.nfields; i++) {
        const char *p;
        size_t n;
        field_text(&rec.f[i], &s->val, 1, &p, &n);
        s->names[i] = tf_xstrndup(p, n);
        for (int c = 0; c < NCOLS; c++) {
            if (strcasecmp(s->names[i], col_names[c])) continue;
            if (s->col[c] >= 0)
                return tf_errf(err, TF_EFORMAT, "%s:%lld: header: column %s appears twice", s->st.name,
                               (long long)rec.line, col_names[c]);
            s->col[c] = i;
        }
    }
    for (int c = 0; c < NCOLS; c++)
        if (s->col[c] < 0)
            return tf_errf(err, TF_EFORMAT, "%s:%lld: header: missing column %s (the header needs %s)", s->st.name,
                           (long long)rec.line, col_names[c], COL_LIST);
    return TF_OK;
}

int tf_trip_source_csv(const char *path, const tf_trip_source_opts *o, tf_trip_source **out, tf_err *err)
{
    *out = NULL;
    csv_src *s = tf_xcalloc(1, sizeof *s);
    s->base.kind = "csv";
    s->base.next = csv_next;
    s->base.close = csv_close;
    s->tz = o->tz;
    s->rej = o->rejects;
    s->batch_rows = o->batch_rows ? o->batch_rows : 4096;
    if (tf_csv_stream_open(&s->st, path, err) || read_header(s, err)) {
        csv_close(&s->base);
        return err->code;
    }
    *out = &s->base;
    return TF_OK;
}
