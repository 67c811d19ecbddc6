/* assemble.c — record assembly: rebuilding nested rows (structs, 3-level and
 * legacy 2-level lists, bare repeated fields, maps) from the repetition and
 * definition levels of the projected leaves, one row at a time, as JSON text
 * or CSV records; and the text form of each value by its logical type. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pq_reader.h"
#include "tripflow/csv.h"
#include "tripflow/jsonw.h"
#include "tripflow/num.h"
#include "tripflow/timeutil.h"

typedef struct leaf_cur {
    tf_pq_batch b;
    int64_t li, vi; /* level and value positions */
    const tf_pq_node *leaf;
} leaf_cur;

struct tf_pq_rows {
    const tf_pq_file *f;
    int *fields;
    int nfields;
    leaf_cur *cur; /* per column; only projected ones are loaded */
    uint8_t *proj;
    int rg;
    int64_t row, rg_rows;
    int bad;
    const char *bad_col;
};

/* ---------------- values ---------------- */

static void put_float_shortest(tf_buf *out, float v)
{
    char t[40];
    for (int p = 1; p <= 9; p++) {
        snprintf(t, sizeof t, "%.*g", p, (double)v);
        if (strtof(t, NULL) == v) break;
    }
    double d;
    /* keep the style of tf_format_double: integral values get ".0" */
    if (tf_parse_double(t, strlen(t), &d) && strchr(t, 'e') == NULL && strchr(t, '.') == NULL) strcat(t, ".0");
    tf_buf_puts(out, t);
}

static void put_u64(tf_buf *out, uint64_t v)
{
    char t[24];
    snprintf(t, sizeof t, "%llu", (unsigned long long)v);
    tf_buf_puts(out, t);
}

static void put_decimal(tf_buf *out, __int128 v, int scale)
{
    char t[64];
    int n = 0, neg = v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
    do {
        t[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u && n < 60);
    while (n <= scale && n < 60) t[n++] = '0';
    if (neg) tf_buf_putc(out, '-');
    for (int i = n - 1; i >= 0; i--) {
        tf_buf_putc(out, t[i]);
        if (i == scale && scale > 0) tf_buf_putc(out, '.');
    }
}

static void put_hex(tf_buf *out, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        tf_buf_putc(out, hx[p[i] >> 4]);
        tf_buf_putc(out, hx[p[i] & 15]);
    }
}

static int utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        if (c >= 0xc2 && c <= 0xdf) k = 1;
        else if (c >= 0xe0 && c <= 0xef) k = 2;
        else if (c >= 0xf0 && c <= 0xf4) k = 3;
        else return 0;
        if (n - i <= k) return 0;
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xc0) != 0x80) return 0;
        i += k + 1;
    }
    return 1;
}

static void put_text(tf_buf *out, const char *s, size_t n, int quote)
{
    if (!utf8_valid((const uint8_t *)s, n)) {
        /* binary: bytes >= 0x80 as \xHH (the way DuckDB prints a BLOB) */
        tf_buf t = {0};
        for (size_t i = 0; i < n; i++) {
            uint8_t c = (uint8_t)s[i];
            if (c >= 0x80) tf_buf_printf(&t, "\\x%02X", c);
            else tf_buf_putc(&t, (char)c);
        }
        if (quote) tf_jsonw_str(out, t.data ? t.data : "", t.len);
        else tf_buf_append(out, t.data ? t.data : "", t.len);
        tf_buf_free(&t);
        return;
    }
    if (quote) tf_jsonw_str(out, s, n);
    else tf_buf_append(out, s, n);
}

static void put_quoted_text(tf_buf *out, const char *s, int quote)
{
    if (quote) tf_buf_putc(out, '"');
    tf_buf_puts(out, s);
    if (quote) tf_buf_putc(out, '"');
}

/* a double as JSON (non-finite: null) or as text */
static void put_double(tf_buf *out, double x, int quote)
{
    if (quote) {
        tf_jsonw_double(out, x);
    } else {
        char t[32];
        tf_buf_append(out, t, (size_t)tf_format_double(x, t));
    }
}

static int64_t to_micros(int64_t v, int unit)
{
    if (unit == TF_PQ_MILLIS) return (int64_t)((uint64_t)v * 1000u);
    if (unit == TF_PQ_NANOS) return tf_floordiv(v, 1000);
    return v;
}

static void put_time(tf_buf *out, int64_t us, int quote)
{
    char t[40];
    int64_t s = tf_floordiv(us, TF_US_PER_SEC);
    int frac = (int)tf_floormod(us, TF_US_PER_SEC);
    int n = snprintf(t, sizeof t, "%02lld:%02d:%02d", (long long)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    if (frac) snprintf(t + n, sizeof t - (size_t)n, ".%06d", frac);
    put_quoted_text(out, t, quote);
}

static double half_to_double(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
    return (h & 0x8000) ? -v : v;
}

static __int128 be_int(const uint8_t *p, size_t n)
{
    unsigned __int128 u = (n && (p[0] & 0x80)) ? ~(unsigned __int128)0 : 0;
    for (size_t i = 0; i < n; i++) u = (u << 8) | p[i];
    return (__int128)u;
}

void tf_pq_format_value(const tf_pq_file *f, const tf_pq_batch *b, int64_t i, int quote, tf_buf *out)
{
    const tf_pq_node *n = tf_pq_leaf(f, b->col);
    const uint8_t *v = b->values;
    char t[40];
    if (n->logical == TF_PQL_NULL) {
        tf_buf_puts(out, quote ? "null" : "");
        return;
    }
    switch (n->physical) {
    case TF_PQ_BOOLEAN: tf_buf_puts(out, v[i] ? "true" : "false"); return;
    case TF_PQ_INT32:
    case TF_PQ_INT64:
    case TF_PQ_INT96: {
        int64_t x;
        if (n->physical == TF_PQ_INT32) {
            int32_t x32;
            memcpy(&x32, v + 4 * i, 4);
            x = x32;
        } else {
            memcpy(&x, v + 8 * i, 8);
        }
        if (n->logical == TF_PQL_DATE) {
            tf_format_date(x, t);
            put_quoted_text(out, t, quote);
        } else if (n->logical == TF_PQL_TIMESTAMP) {
            int64_t us = to_micros(x, n->ts_unit);
            int len = tf_format_timestamp(us, TF_TS_AUTO, t);
            int64_t ns = n->ts_unit == TF_PQ_NANOS ? (int64_t)((uint64_t)x - (uint64_t)us * 1000u) : 0;
            if (ns) /* nanoseconds: nine fraction digits */
                snprintf(t + len, sizeof t - (size_t)len, "%s%03d", strchr(t, '.') ? "" : ".000000", (int)ns);
            put_quoted_text(out, t, quote);
        } else if (n->logical == TF_PQL_DECIMAL) {
            put_decimal(out, x, n->dec_scale);
        } else if (n->logical == TF_PQL_TIME) {
            put_time(out, to_micros(x, n->ts_unit), quote);
        } else if (n->logical == TF_PQL_INT && !n->int_signed) {
            put_u64(out, n->physical == TF_PQ_INT32 ? (uint32_t)x : (uint64_t)x);
        } else {
            tf_jsonw_i64(out, x);
        }
        return;
    }
    case TF_PQ_FLOAT: {
        float x;
        memcpy(&x, v + 4 * i, 4);
        if (quote && !isfinite(x)) tf_buf_puts(out, "null");
        else if (!isfinite(x)) tf_buf_puts(out, isnan(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity");
        else put_float_shortest(out, x);
        return;
    }
    case TF_PQ_DOUBLE: {
        double x;
        memcpy(&x, v + 8 * i, 8);
        put_double(out, x, quote);
        return;
    }
    case TF_PQ_BYTE_ARRAY: {
        const tf_pq_str *s = &b->strs[i];
        if (n->logical == TF_PQL_DECIMAL && s->len <= 16) put_decimal(out, be_int((const uint8_t *)s->ptr, s->len), n->dec_scale);
        else put_text(out, s->ptr, s->len, quote);
        return;
    }
    case TF_PQ_FIXED: {
        const uint8_t *p = v + (size_t)n->type_length * (size_t)i;
        size_t len = (size_t)n->type_length;
        if (n->logical == TF_PQL_DECIMAL && len <= 16) {
            put_decimal(out, be_int(p, len), n->dec_scale);
        } else if (n->logical == TF_PQL_FLOAT16 && len == 2) {
            put_double(out, half_to_double((uint16_t)(p[0] | (p[1] << 8))), quote);
        } else if (n->logical == TF_PQL_UUID && len == 16) {
            if (quote) tf_buf_putc(out, '"');
            put_hex(out, p, 4);
            tf_buf_putc(out, '-');
            put_hex(out, p + 4, 2);
            tf_buf_putc(out, '-');
            put_hex(out, p + 6, 2);
            tf_buf_putc(out, '-');
            put_hex(out, p + 8, 2);
            tf_buf_putc(out, '-');
            put_hex(out, p + 10, 6);
            if (quote) tf_buf_putc(out, '"');
        } else {
            if (quote) tf_buf_putc(out, '"');
            put_hex(out, p, len);
            if (quote) tf_buf_putc(out, '"');
        }
        return;
    }
    }
}

/* ---------------- assembly ---------------- */

static leaf_cur *first_cur(tf_pq_rows *r, const tf_pq_node *n)
{
    return &r->cur[n->first_leaf];
}

static int cur_def(tf_pq_rows *r, leaf_cur *c)
{
    if (c->li >= c->b.num_levels) {
        r->bad = 1;
        r->bad_col = c->leaf->path;
        return -1;
    }
    return c->b.def ? c->b.def[c->li] : c->leaf->max_def;
}

/* every leaf under n has exactly one entry for an undefined n */
static void skip_entries(tf_pq_rows *r, const tf_pq_node *n)
{
    for (int k = 0; k < n->nleaves; k++) {
        leaf_cur *c = &r->cur[n->first_leaf + k];
        int d = cur_def(r, c);
        if (d < 0) return;
        if (d == c->leaf->max_def) c->vi++;
        c->li++;
    }
}

static void emit_node(tf_pq_rows *r, int ni, tf_buf *out);

static void emit_leaf(tf_pq_rows *r, const tf_pq_node *n, tf_buf *out)
{
    leaf_cur *c = &r->cur[n->leaf];
    int d = cur_def(r, c);
    if (d < 0) return;
    if (d == n->max_def) {
        if (c->vi >= c->b.num_values) {
            r->bad = 1;
            r->bad_col = n->path;
            return;
        }
        tf_pq_format_value(r->f, &c->b, c->vi++, 1, out);
    } else {
        tf_buf_puts(out, "null");
    }
    c->li++;
}

static void emit_value(tf_pq_rows *r, int ni, tf_buf *out);

/* the elements of repeated node rn; elem is rn itself (2-level lists, bare
 * repeated fields) or its single child (3-level lists) */
static void emit_repeated(tf_pq_rows *r, int rn, int elem, int as_map, tf_buf *out)
{
    const tf_pq_node *R = &r->f->nodes[rn];
    if (R->nleaves == 0) {
        tf_buf_puts(out, as_map ? "{}" : "[]");
        return;
    }
    leaf_cur *c = first_cur(r, R);
    int d = cur_def(r, c);
    if (d < 0) return;
    if (d < R->max_def) {
        skip_entries(r, R);
        tf_buf_puts(out, as_map ? "{}" : "[]");
        return;
    }
    tf_buf_putc(out, as_map ? '{' : '[');
    for (int first = 1;; first = 0) {
        if (!first) tf_buf_putc(out, ',');
        if (as_map) {
            /* key: the first child, rendered then forced into a JSON string */
            tf_buf kb = {0};
            emit_node(r, R->children[0], &kb);
            if (kb.len && kb.data[0] == '"') tf_buf_append(out, kb.data, kb.len);
            else tf_jsonw_str(out, kb.data ? kb.data : "", kb.len);
            tf_buf_free(&kb);
            tf_buf_putc(out, ':');
            if (R->nchildren > 1) emit_node(r, R->children[1], out);
            else tf_buf_puts(out, "null");
        } else if (elem == rn) {
            emit_value(r, rn, out);
        } else {
            emit_node(r, elem, out);
        }
        if (r->bad) return;
        if (c->li >= c->b.num_levels || !c->b.rep || c->b.rep[c->li] != R->max_rep) break;
    }
    tf_buf_putc(out, as_map ? '}' : ']');
}

/* the element node of a LIST-annotated group (backward-compatibility rules) */
static int list_element(const tf_pq_file *f, const tf_pq_node *g, const tf_pq_node *R)
{
    int rn = (int)(R - f->nodes);
    if (R->is_leaf || R->nchildren != 1) return rn;
    if (!strcmp(R->name, "array")) return rn;
    size_t gl = strlen(g->name);
    if (!strncmp(R->name, g->name, gl) && !strcmp(R->name + gl, "_tuple")) return rn;
    return R->children[0];
}

static void emit_struct(tf_pq_rows *r, const tf_pq_node *n, tf_buf *out)
{
    tf_buf_putc(out, '{');
    for (int k = 0; k < n->nchildren; k++) {
        if (k) tf_buf_putc(out, ',');
        tf_jsonw_key(out, r->f->nodes[n->children[k]].name);
        emit_node(r, n->children[k], out);
        if (r->bad) return;
    }
    tf_buf_putc(out, '}');
}

/* a present node's value (its own optionality already handled) */
static void emit_value(tf_pq_rows *r, int ni, tf_buf *out)
{
    const tf_pq_node *n = &r->f->nodes[ni];
    if (n->is_leaf) {
        emit_leaf(r, n, out);
        return;
    }
    if (n->nleaves == 0) {
        tf_buf_puts(out, "null");
        return;
    }
    if ((n->logical == TF_PQL_LIST || n->logical == TF_PQL_MAP) && n->nchildren == 1 &&
        r->f->nodes[n->children[0]].repetition == TF_PQ_REPEATED) {
        const tf_pq_node *R = &r->f->nodes[n->children[0]];
        if (n->logical == TF_PQL_MAP && !R->is_leaf && R->nchildren >= 1 && R->nchildren <= 2)
            emit_repeated(r, n->children[0], n->children[0], 1, out);
        else
            emit_repeated(r, n->children[0], list_element(r->f, n, R), 0, out);
        return;
    }
    emit_struct(r, n, out);
}

static void emit_node(tf_pq_rows *r, int ni, tf_buf *out)
{
    const tf_pq_node *n = &r->f->nodes[ni];
    if (n->nleaves == 0) {
        tf_buf_puts(out, "null");
        return;
    }
    if (n->repetition == TF_PQ_REPEATED) {
        emit_repeated(r, ni, ni, 0, out);
        return;
    }
    if (n->repetition == TF_PQ_OPTIONAL) {
        int d = cur_def(r, first_cur(r, n));
        if (d < 0) return;
        if (d < n->max_def) {
            skip_entries(r, n);
            tf_buf_puts(out, "null");
            return;
        }
    }
    emit_value(r, ni, out);
}

int tf_pq_rows_open(const tf_pq_file *f, const int *fields, int nfields, tf_pq_rows **out, tf_err *err)
{
    const tf_pq_node *root = &f->nodes[0];
    tf_pq_rows *r = tf_xcalloc(1, sizeof *r);
    r->f = f;
    if (!fields) {
        fields = root->children;
        nfields = root->nchildren;
    }
    r->fields = tf_xmalloc(sizeof(int) * (size_t)(nfields ? nfields : 1));
    r->nfields = nfields;
    r->cur = tf_xcalloc((size_t)(f->ncols ? f->ncols : 1), sizeof *r->cur);
    r->proj = tf_xcalloc((size_t)(f->ncols ? f->ncols : 1), 1);
    for (int i = 0; i < nfields; i++) {
        int ni = fields[i];
        if (ni <= 0 || ni >= f->ft.nschema || f->nodes[ni].parent != 0) {
            tf_pq_rows_close(r);
            return tf_errf(err, TF_EINVAL, "%s: node %d is not a top-level field", f->name, ni);
        }
        r->fields[i] = ni;
        const tf_pq_node *n = &f->nodes[ni];
        for (int j = 0; j < i; j++)
            if (r->fields[j] == ni) {
                tf_pq_rows_close(r);
                return tf_errf(err, TF_EINVAL, "%s: column '%s' is named twice", f->name, n->name);
            }
        for (int k = 0; k < n->nleaves; k++) r->proj[n->first_leaf + k] = 1;
    }
    for (int c = 0; c < f->ncols; c++) r->cur[c].leaf = tf_pq_leaf(f, c);
    r->rg = -1;
    *out = r;
    return TF_OK;
}

static int check_consumed(tf_pq_rows *r, tf_err *err)
{
    for (int c = 0; c < r->f->ncols; c++) {
        if (!r->proj[c]) continue;
        leaf_cur *lc = &r->cur[c];
        if (lc->li != lc->b.num_levels)
            return tf_errf(err, TF_EFORMAT, "%s: row group %d: column '%s' has %lld level entries left after %lld rows",
                           r->f->name, r->rg, lc->leaf->path, (long long)(lc->b.num_levels - lc->li),
                           (long long)r->rg_rows);
    }
    return TF_OK;
}

static int load_group(tf_pq_rows *r, tf_err *err)
{
    for (int c = 0; c < r->f->ncols; c++) {
        if (!r->proj[c]) continue;
        leaf_cur *lc = &r->cur[c];
        if (tf_pq_read_chunk(r->f, r->rg, c, &lc->b, err)) return err->code;
        lc->li = lc->vi = 0;
    }
    r->row = 0;
    r->rg_rows = r->f->ft.rgs[r->rg].num_rows;
    return TF_OK;
}

int tf_pq_rows_next(tf_pq_rows *r, int format, tf_buf *out, tf_err *err)
{
    const tf_pq_file *f = r->f;
    while (r->rg < 0 || r->row >= r->rg_rows) {
        if (r->rg >= 0 && check_consumed(r, err)) return err->code;
        if (r->rg + 1 >= f->ft.nrg) return 0;
        r->rg++;
        if (load_group(r, err)) return err->code;
    }
    /* each projected leaf must start a new record here */
    for (int c = 0; c < f->ncols; c++) {
        leaf_cur *lc = &r->cur[c];
        if (!r->proj[c]) continue;
        if (lc->li >= lc->b.num_levels || (lc->b.rep && lc->b.rep[lc->li] != 0))
            return tf_errf(err, TF_EFORMAT, "%s: row group %d: column '%s' does not start row %lld (levels are corrupt)",
                           f->name, r->rg, lc->leaf->path, (long long)r->row);
    }
    tf_buf cell = {0};
    if (format == TF_PQ_JSON) tf_buf_putc(out, '{');
    for (int i = 0; i < r->nfields; i++) {
        const tf_pq_node *n = &f->nodes[r->fields[i]];
        if (i) tf_buf_putc(out, ',');
        if (format == TF_PQ_JSON) {
            tf_jsonw_key(out, n->name);
            emit_node(r, r->fields[i], out);
        } else if (n->is_leaf && n->repetition != TF_PQ_REPEATED) {
            leaf_cur *c = &r->cur[n->leaf];
            int d = cur_def(r, c);
            if (d >= 0) {
                if (d == n->max_def) {
                    if (c->vi < c->b.num_values) {
                        cell.len = 0;
                        tf_pq_format_value(f, &c->b, c->vi++, 0, &cell);
                        tf_csv_write_field(out, cell.data, cell.len, ',');
                    } else {
                        r->bad = 1;
                        r->bad_col = n->path;
                    }
                }
                c->li++;
            }
        } else {
            cell.len = 0;
            emit_node(r, r->fields[i], &cell);
            if (!(cell.len == 4 && !memcmp(cell.data, "null", 4))) /* a null value is an empty field */
                tf_csv_write_field(out, cell.data ? cell.data : "", cell.len, ',');
        }
        if (r->bad) break;
    }
    tf_buf_free(&cell);
    if (r->bad) {
        r->bad = 0;
        return tf_errf(err, TF_EFORMAT, "%s: row group %d: column '%s' runs out of values at row %lld", f->name, r->rg,
                       r->bad_col, (long long)r->row);
    }
    if (format == TF_PQ_JSON) tf_buf_putc(out, '}');
    r->row++;
    return 1;
}

void tf_pq_rows_close(tf_pq_rows *r)
{
    if (!r) return;
    for (int c = 0; c < r->f->ncols; c++) tf_pq_batch_free(&r->cur[c].b);
    free(r->cur);
    free(r->proj);
    free(r->fields);
    free(r);
}
