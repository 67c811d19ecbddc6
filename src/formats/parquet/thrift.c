/* thrift.c — the Thrift compact protocol as Parquet uses it: a reader in
 * which every length and count is bounded by the bytes left (hostile files),
 * and a writer into a tf_buf. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pq_internal.h"

#define THR_MAX_DEPTH 64

int thr_fail(thr_r *r, const char *fmt, ...)
{
    char m[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    return tf_errf(r->err, TF_EFORMAT, "%s at offset %lld: %s", r->what, (long long)(r->base_off + (r->p - r->base)),
                   m);
}

int thr_uvarint(thr_r *r, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->p >= r->end) return thr_fail(r, "truncated varint");
        uint8_t c = *r->p++;
        if (shift == 63 && (c & 0x7e)) return thr_fail(r, "varint overflows 64 bits");
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return TF_OK;
        }
    }
    return thr_fail(r, "bad varint (more than 10 bytes)");
}

int thr_i64(thr_r *r, int64_t *v)
{
    uint64_t u;
    if (thr_uvarint(r, &u)) return TF_EFORMAT;
    *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return TF_OK;
}

int thr_i32(thr_r *r, int32_t *v)
{
    int64_t x;
    if (thr_i64(r, &x)) return TF_EFORMAT;
    if (x < INT32_MIN || x > INT32_MAX) return thr_fail(r, "i32 value %lld out of range", (long long)x);
    *v = (int32_t)x;
    return TF_OK;
}

int thr_binary(thr_r *r, const uint8_t **p, uint32_t *n)
{
    uint64_t len;
    if (thr_uvarint(r, &len)) return TF_EFORMAT;
    if (len > (uint64_t)(r->end - r->p))
        return thr_fail(r, "binary length %llu exceeds the %lld bytes left", (unsigned long long)len,
                        (long long)(r->end - r->p));
    *p = r->p;
    *n = (uint32_t)len;
    r->p += len;
    return TF_OK;
}

int thr_double(thr_r *r, double *v)
{
    if (r->end - r->p < 8) return thr_fail(r, "truncated double");
    memcpy(v, r->p, 8);
    r->p += 8;
    return TF_OK;
}

int thr_field(thr_r *r, int *last_id, int *id, int *ctype)
{
    if (r->p >= r->end) return thr_fail(r, "truncated struct (no stop byte)");
    uint8_t h = *r->p++;
    if (h == 0) return 0;
    *ctype = h & 0x0f;
    int delta = h >> 4;
    if (delta) {
        *id = *last_id + delta;
    } else {
        int64_t x;
        if (thr_i64(r, &x)) return TF_EFORMAT;
        if (x < INT16_MIN || x > INT16_MAX) return thr_fail(r, "field id %lld out of range", (long long)x);
        *id = (int)x;
    }
    if (*ctype < THR_TRUE || *ctype > THR_STRUCT) return thr_fail(r, "unknown field type %d", *ctype);
    *last_id = *id;
    return 1;
}

int thr_list(thr_r *r, int *etype, uint32_t *n)
{
    if (r->p >= r->end) return thr_fail(r, "truncated list header");
    uint8_t h = *r->p++;
    *etype = h & 0x0f;
    uint64_t cnt = h >> 4;
    if (cnt == 15 && thr_uvarint(r, &cnt)) return TF_EFORMAT;
    if (*etype < THR_TRUE || *etype > THR_STRUCT) return thr_fail(r, "unknown list element type %d", *etype);
    /* every element takes at least one byte, except bools packed as... no: a byte each too */
    if (cnt > (uint64_t)(r->end - r->p))
        return thr_fail(r, "list of %llu elements exceeds the %lld bytes left", (unsigned long long)cnt,
                        (long long)(r->end - r->p));
    *n = (uint32_t)cnt;
    return TF_OK;
}

static int skip_depth(thr_r *r, int ctype, int depth)
{
    if (depth > THR_MAX_DEPTH) return thr_fail(r, "nesting deeper than %d", THR_MAX_DEPTH);
    uint64_t u;
    switch (ctype) {
    case THR_TRUE:
    case THR_FALSE: return TF_OK; /* in a struct the value is the type; in a list see below */
    case THR_I8:
        if (r->p >= r->end) return thr_fail(r, "truncated i8");
        r->p++;
        return TF_OK;
    case THR_I16:
    case THR_I32:
    case THR_I64: return thr_uvarint(r, &u);
    case THR_DOUBLE:
        if (r->end - r->p < 8) return thr_fail(r, "truncated double");
        r->p += 8;
        return TF_OK;
    case THR_BINARY: {
        const uint8_t *p;
        uint32_t n;
        return thr_binary(r, &p, &n);
    }
    case THR_LIST:
    case THR_SET: {
        int et;
        uint32_t n;
        if (thr_list(r, &et, &n)) return TF_EFORMAT;
        for (uint32_t i = 0; i < n; i++) {
            if (et == THR_TRUE || et == THR_FALSE) {
                if (r->p >= r->end) return thr_fail(r, "truncated bool");
                r->p++;
            } else if (skip_depth(r, et, depth + 1)) {
                return TF_EFORMAT;
            }
        }
        return TF_OK;
    }
    case THR_MAP: {
        if (thr_uvarint(r, &u)) return TF_EFORMAT;
        if (u == 0) return TF_OK;
        if (r->p >= r->end) return thr_fail(r, "truncated map header");
        uint8_t kv = *r->p++;
        if (u > (uint64_t)(r->end - r->p)) return thr_fail(r, "map of %llu entries exceeds the bytes left",
                                                           (unsigned long long)u);
        for (uint64_t i = 0; i < u; i++) {
            for (int k = 0; k < 2; k++) {
                int t = k ? (kv & 0x0f) : (kv >> 4);
                if (t == THR_TRUE || t == THR_FALSE) {
                    if (r->p >= r->end) return thr_fail(r, "truncated bool");
                    r->p++;
                } else if (skip_depth(r, t, depth + 1)) {
                    return TF_EFORMAT;
                }
            }
        }
        return TF_OK;
    }
    case THR_STRUCT: {
        int last = 0, id, ct, rc;
        while ((rc = thr_field(r, &last, &id, &ct)) == 1)
            if (skip_depth(r, ct, depth + 1)) return TF_EFORMAT;
        return rc;
    }
    }
    return thr_fail(r, "unknown type %d", ctype);
}

int thr_skip(thr_r *r, int ctype)
{
    return skip_depth(r, ctype, r->depth);
}

int thr_expect(thr_r *r, int ctype, int want, const char *field)
{
    if (ctype == want) return TF_OK;
    if ((want == THR_TRUE || want == THR_FALSE) && (ctype == THR_TRUE || ctype == THR_FALSE)) return TF_OK;
    return thr_fail(r, "%s has wire type %d, expected %d", field, ctype, want);
}

/* ---------------- writer ---------------- */

void pq_put_uvarint(tf_buf *b, uint64_t v)
{
    uint8_t t[10];
    int n = 0;
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        t[n++] = c | (v ? 0x80 : 0);
    } while (v);
    tf_buf_append(b, t, (size_t)n);
}

static void put_zigzag(tf_buf *b, int64_t v)
{
    pq_put_uvarint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void thrw_field(thr_w *w, int id, int ctype)
{
    int delta = id - w->last[w->depth];
    if (delta > 0 && delta <= 15) {
        tf_buf_putc(w->b, (char)((delta << 4) | ctype));
    } else {
        tf_buf_putc(w->b, (char)ctype);
        put_zigzag(w->b, id);
    }
    w->last[w->depth] = id;
}

void thrw_i32(thr_w *w, int id, int32_t v)
{
    thrw_field(w, id, THR_I32);
    put_zigzag(w->b, v);
}

void thrw_i64(thr_w *w, int id, int64_t v)
{
    thrw_field(w, id, THR_I64);
    put_zigzag(w->b, v);
}

void thrw_bool(thr_w *w, int id, int v)
{
    thrw_field(w, id, v ? THR_TRUE : THR_FALSE);
}

void thrw_binary(thr_w *w, int id, const void *p, size_t n)
{
    thrw_field(w, id, THR_BINARY);
    pq_put_uvarint(w->b, n);
    tf_buf_append(w->b, p, n);
}

void thrw_struct_begin(thr_w *w, int id)
{
    if (id) thrw_field(w, id, THR_STRUCT);
    w->depth++;
    w->last[w->depth] = 0;
}

void thrw_struct_end(thr_w *w)
{
    tf_buf_putc(w->b, 0);
    w->depth--;
}

void thrw_list(thr_w *w, int id, int etype, uint32_t n)
{
    if (id) thrw_field(w, id, THR_LIST);
    if (n < 15) {
        tf_buf_putc(w->b, (char)((n << 4) | (uint32_t)etype));
    } else {
        tf_buf_putc(w->b, (char)(0xf0 | etype));
        pq_put_uvarint(w->b, n);
    }
}

void thrw_raw_i32(thr_w *w, int32_t v)
{
    put_zigzag(w->b, v);
}

void thrw_raw_binary(thr_w *w, const void *p, size_t n)
{
    pq_put_uvarint(w->b, n);
    tf_buf_append(w->b, p, n);
}

void thrw_i16(thr_w *w, int id, int16_t v)
{
    thrw_field(w, id, THR_I16);
    put_zigzag(w->b, v);
}

void *pq_grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need == 0) need = 1; /* never hand out NULL */
    if (need <= *cap && p) return p;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) nc *= 2;
    *cap = nc;
    return tf_xrealloc(p, nc * elem);
}

void thrw_stop(thr_w *w)
{
    tf_buf_putc(w->b, 0);
}
