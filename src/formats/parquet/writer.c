/* writer.c — the Parquet writer: flat columns and LIST<primitive> /
 * LIST<STRUCT<primitives>> columns from plain C arrays, v1 data pages near
 * the page size, PLAIN or RLE_DICTIONARY (falling back to PLAIN when the
 * dictionary outgrows its limit), ZSTD/SNAPPY/GZIP/LZ4_RAW/none, statistics with
 * column orders, and a footer with both LogicalType and ConvertedType. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pq_internal.h"
#include "tripflow/fsutil.h"
#include "tripflow/hash.h"
#include "tripflow/version.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct wleaf {
    const char *name;      /* schema name of the leaf */
    const char *top;       /* top-level field name */
    int type;              /* tf_pq_type */
    int physical;
    int32_t fixed_len;
    int width;             /* bytes per fixed-width value, 0 for strings */
    int max_def, max_rep;
    int in_list, list_opt, elem_struct, elem_opt, leaf_opt;
    int dict;
    int codec; /* tf_pq_codec of this leaf's chunks */
    int bss;   /* values as BYTE_STREAM_SPLIT instead of PLAIN */
    int npath;
    const char *path[4];
} wleaf;

typedef struct wchunk {
    int written;
    int64_t start, data_off, dict_off, num_values, usize, csize;
    int used_dict;
    tf_pq_stats st;
    uint8_t min_raw[16], max_raw[16]; /* fixed-width min/max in PLAIN form */
    uint8_t *min_b, *max_b;           /* byte arrays (heap copies) */
    uint32_t min_len, max_len;
} wchunk;

typedef struct wgroup {
    int64_t rows, start, usize, csize;
    wchunk *chunks;
} wgroup;

struct tf_pq_writer {
    char *path;
    FILE *fp;
    int64_t off;
    tf_pq_write_opts o;
    tf_pq_field *fields; /* deep copy of names: see open */
    int nfields;
    wleaf *leaves;
    int nleaves;
    TF_VEC(wgroup) groups;
    int in_group;
    int64_t group_rows;
    tf_arena arena;
    pq_codec_ctx codec;
    TF_VEC(char *) kv;
    /* scratch reused across chunks */
    uint8_t *def, *rep;
    size_t lvl_cap;
    int64_t *slots;
    size_t slots_cap;
    int64_t iota_r0, iota_n; /* slots[0..iota_n) hold iota_r0, iota_r0 + 1, ... */
    uint32_t *idx;
    size_t idx_cap;
    uint32_t *tab;
    uint64_t *tab_hash;
    size_t tab_cap;
    uint32_t *code_entry; /* coded strings: a code's dictionary entry + 1, 0 = none yet */
    size_t code_cap;
    TF_VEC(int64_t) dict_slots;
    tf_buf body, cbody, hdr;
};

/* ---------------- open ---------------- */

static int phys_of(int type)
{
    switch (type) {
    case TF_PQT_STRING: return TF_PQ_BYTE_ARRAY;
    case TF_PQT_INT32:
    case TF_PQT_DATE: return TF_PQ_INT32;
    case TF_PQT_INT64:
    case TF_PQT_TIMESTAMP: return TF_PQ_INT64;
    case TF_PQT_FLOAT: return TF_PQ_FLOAT;
    case TF_PQT_DOUBLE: return TF_PQ_DOUBLE;
    case TF_PQT_BOOLEAN: return TF_PQ_BOOLEAN;
    case TF_PQT_FIXED: return TF_PQ_FIXED;
    default: return -1;
    }
}

static int width_of(int phys, int32_t fixed_len)
{
    switch (phys) {
    case TF_PQ_BOOLEAN: return 1;
    case TF_PQ_INT32:
    case TF_PQ_FLOAT: return 4;
    case TF_PQ_INT64:
    case TF_PQ_DOUBLE: return 8;
    case TF_PQ_FIXED: return fixed_len;
    default: return 0;
    }
}

static int add_leaf(tf_pq_writer *w, const tf_pq_field *top, const tf_pq_field *f, int in_list, int list_opt,
                    int elem_struct, int elem_opt, tf_err *err)
{
    int ph = phys_of(f->type);
    if (ph < 0) return tf_errf(err, TF_EINVAL, "field '%s': type %d is not a primitive type here", f->name, f->type);
    if (f->type == TF_PQT_FIXED && (f->fixed_len <= 0 || f->fixed_len > 65536))
        return tf_errf(err, TF_EINVAL, "field '%s': FIXED needs fixed_len in 1..65536", f->name);
    w->leaves = tf_xrealloc(w->leaves, sizeof(wleaf) * (size_t)(w->nleaves + 1));
    wleaf *l = &w->leaves[w->nleaves++];
    memset(l, 0, sizeof *l);
    l->name = tf_arena_strdup(&w->arena, f->name);
    l->top = tf_arena_strdup(&w->arena, top->name);
    l->type = f->type;
    l->physical = ph;
    l->fixed_len = f->type == TF_PQT_FIXED ? f->fixed_len : 0;
    l->width = width_of(ph, l->fixed_len);
    l->dict = f->dict;
    l->codec = w->o.codec;
    l->in_list = in_list;
    l->list_opt = list_opt;
    l->elem_struct = elem_struct;
    l->elem_opt = elem_opt;
    l->leaf_opt = f->optional != 0;
    if (!in_list) {
        l->max_def = l->leaf_opt;
        l->npath = 1;
        l->path[0] = l->top;
    } else {
        l->max_rep = 1;
        l->max_def = list_opt + 1 + (elem_struct ? elem_opt : 0) + l->leaf_opt;
        l->path[0] = l->top;
        l->path[1] = "list";
        l->path[2] = "element";
        l->npath = 3;
        if (elem_struct) l->path[l->npath++] = l->name;
    }
    return TF_OK;
}

static int check_name(const char *n, tf_err *err)
{
    if (!n || !*n) return tf_errf(err, TF_EINVAL, "a field has no name");
    return TF_OK;
}

static int writable_codec(int c)
{
    return c == TF_PQ_UNCOMPRESSED || c == TF_PQ_SNAPPY || c == TF_PQ_GZIP || c == TF_PQ_ZSTD || c == TF_PQ_LZ4_RAW;
}

int tf_pq_writer_open(const char *path, const tf_pq_field *fields, int nfields, const tf_pq_write_opts *opts,
                      tf_pq_writer **out, tf_err *err)
{
    *out = NULL;
    tf_pq_write_opts d = tf_pq_write_defaults();
    tf_pq_write_opts o = opts ? *opts : d;
    if (o.row_group_rows <= 0) o.row_group_rows = d.row_group_rows;
    if (o.page_size <= 0) o.page_size = d.page_size;
    if (o.dict_limit <= 0) o.dict_limit = d.dict_limit;
    if (!writable_codec(o.codec))
        return tf_errf(err, TF_EINVAL, "%s: unsupported codec %d for writing", path, o.codec);
    if (nfields <= 0) return tf_errf(err, TF_EINVAL, "%s: a Parquet file needs at least one field", path);
    tf_pq_writer *w = tf_xcalloc(1, sizeof *w);
    w->o = o;
    tf_arena_init(&w->arena, 16 * 1024);
    w->path = tf_xstrdup(path);
    int rc = TF_OK;
    /* keep a copy of the schema for the footer */
    w->fields = tf_arena_zalloc(&w->arena, sizeof(tf_pq_field) * (size_t)nfields);
    w->nfields = nfields;
    for (int i = 0; i < nfields && !rc; i++) {
        const tf_pq_field *f = &fields[i];
        if ((rc = check_name(f->name, err))) break;
        for (int j = 0; j < i; j++)
            if (!strcmp(fields[j].name, f->name)) rc = tf_errf(err, TF_EINVAL, "field '%s' appears twice", f->name);
        if (rc) break;
        w->fields[i] = *f;
        w->fields[i].name = tf_arena_strdup(&w->arena, f->name);
        if (f->type == TF_PQT_LIST) {
            if (f->nchildren != 1 || !f->children)
                rc = tf_errf(err, TF_EINVAL, "field '%s': a LIST has exactly one child (the element)", f->name);
            else if (f->children[0].type == TF_PQT_STRUCT) {
                const tf_pq_field *e = &f->children[0];
                if (e->nchildren < 1 || !e->children)
                    rc = tf_errf(err, TF_EINVAL, "field '%s': the STRUCT element has no fields", f->name);
                tf_pq_field *ec = tf_arena_zalloc(&w->arena, sizeof *ec);
                *ec = *e;
                tf_pq_field *fc = tf_arena_zalloc(&w->arena, sizeof *fc * (size_t)(e->nchildren > 0 ? e->nchildren : 1));
                for (int k = 0; k < e->nchildren && !rc; k++) {
                    if ((rc = check_name(e->children[k].name, err))) break;
                    fc[k] = e->children[k];
                    fc[k].name = tf_arena_strdup(&w->arena, e->children[k].name);
                    rc = add_leaf(w, f, &e->children[k], 1, f->optional != 0, 1, e->optional != 0, err);
                }
                ec->children = fc;
                w->fields[i].children = ec;
            } else {
                tf_pq_field *ec = tf_arena_zalloc(&w->arena, sizeof *ec);
                *ec = f->children[0];
                ec->name = "element";
                w->fields[i].children = ec;
                rc = add_leaf(w, f, &f->children[0], 1, f->optional != 0, 0, 0, err);
            }
        } else if (f->type == TF_PQT_STRUCT) {
            rc = tf_errf(err, TF_EINVAL, "field '%s': STRUCT is only supported as a LIST element", f->name);
        } else {
            rc = add_leaf(w, f, f, 0, 0, 0, 0, err);
        }
    }
    if (rc) {
        tf_err_prefix(err, "%s: ", path);
        goto fail;
    }
    w->fp = fopen(path, "wb");
    if (!w->fp) {
        rc = tf_errno(err, TF_EIO, "%s", path);
        goto fail;
    }
    setvbuf(w->fp, NULL, _IOFBF, 1 << 20);
    if (fwrite("PAR1", 1, 4, w->fp) != 4) {
        rc = tf_errno(err, TF_EIO, "%s: write", path);
        fclose(w->fp);
        unlink(path);
        goto fail;
    }
    w->off = 4;
    *out = w;
    return TF_OK;
fail:
    free(w->leaves);
    tf_arena_free(&w->arena);
    free(w->path);
    free(w);
    return rc;
}

tf_pq_write_opts tf_pq_write_defaults(void)
{
    tf_pq_write_opts o = {.codec = TF_PQ_ZSTD,
                          .level = 0,
                          .row_group_rows = 1 << 20,
                          .page_size = 1 << 20,
                          .dict_limit = 1 << 20};
    return o;
}

int tf_pq_writer_num_leaves(const tf_pq_writer *w) { return w->nleaves; }

void tf_pq_writer_add_kv(tf_pq_writer *w, const char *key, const char *value)
{
    tf_vec_push(&w->kv, tf_arena_strdup(&w->arena, key));
    tf_vec_push(&w->kv, value ? tf_arena_strdup(&w->arena, value) : NULL);
}

int tf_pq_writer_column_codec(tf_pq_writer *w, const char *column, int codec, tf_err *err)
{
    if (!writable_codec(codec)) return tf_errf(err, TF_EINVAL, "%s: unsupported codec %d for writing", w->path, codec);
    if (w->groups.n) return tf_errf(err, TF_EINVAL, "%s: codecs are set before the first row group", w->path);
    int found = 0;
    for (int i = 0; i < w->nleaves; i++)
        if (!strcmp(w->leaves[i].top, column)) {
            w->leaves[i].codec = codec;
            found = 1;
        }
    return found ? TF_OK : tf_errf(err, TF_EINVAL, "%s: no column '%s'", w->path, column);
}

int tf_pq_writer_column_encoding(tf_pq_writer *w, const char *column, int encoding, tf_err *err)
{
    if (encoding != TF_PQ_ENC_PLAIN && encoding != TF_PQ_ENC_BYTE_STREAM_SPLIT)
        return tf_errf(err, TF_EINVAL, "%s: unsupported encoding %d for writing", w->path, encoding);
    if (w->groups.n) return tf_errf(err, TF_EINVAL, "%s: encodings are set before the first row group", w->path);
    int found = 0;
    for (int i = 0; i < w->nleaves; i++) {
        wleaf *l = &w->leaves[i];
        if (strcmp(l->top, column)) continue;
        if (l->physical != TF_PQ_FLOAT && l->physical != TF_PQ_DOUBLE)
            return tf_errf(err, TF_EINVAL, "%s: column '%s': BYTE_STREAM_SPLIT is for FLOAT and DOUBLE values",
                           w->path, column);
        l->bss = encoding == TF_PQ_ENC_BYTE_STREAM_SPLIT;
        found = 1;
    }
    return found ? TF_OK : tf_errf(err, TF_EINVAL, "%s: no column '%s'", w->path, column);
}

static int put_bytes(tf_pq_writer *w, const void *p, size_t n, tf_err *err)
{
    if (n && fwrite(p, 1, n, w->fp) != n) return tf_errno(err, TF_EIO, "%s: write", w->path);
    w->off += (int64_t)n;
    return TF_OK;
}

/* ---------------- levels ---------------- */

/* Fill def/rep levels and the slots of the non-null values for rows
 * [r0, r1); returns the number of level entries (or < 0 with err). */
static int64_t make_levels(tf_pq_writer *w, const wleaf *l, const tf_pq_col *c, int64_t r0, int64_t r1,
                           int64_t *nvals, tf_err *err)
{
    int64_t nl = 0, nv = 0;
    if (!l->in_list) {
        int64_t n = r1 - r0;
        w->slots = pq_grow(w->slots, &w->slots_cap, (size_t)n + 1, sizeof *w->slots);
        if (!c->valid && !l->max_def) {
            /* a flat column without nulls: slot k is row r0 + k, written
             * once for every such column of the row group (and the next) */
            if (w->iota_r0 != r0 || w->iota_n < n) {
                for (int64_t k = 0; k < n; k++) w->slots[k] = r0 + k;
                w->iota_r0 = r0;
                w->iota_n = n;
            }
            *nvals = n;
            return n;
        }
        w->iota_n = 0;
        if (l->max_def) {
            w->def = pq_grow(w->def, &w->lvl_cap, (size_t)n + 1, 1);
            w->rep = tf_xrealloc(w->rep, w->lvl_cap);
        }
        for (int64_t i = r0; i < r1; i++) {
            int ok = !c->valid || c->valid[i];
            if (!ok && !l->leaf_opt) {
                tf_errf(err, TF_EINVAL, "column '%s' is REQUIRED but row %lld is null", l->top, (long long)i);
                return -1;
            }
            if (l->max_def) w->def[nl] = (uint8_t)ok;
            nl++;
            if (ok) w->slots[nv++] = i;
        }
        *nvals = nv;
        return nl;
    }
    const int64_t *off = c->list_offsets;
    if (!off) {
        tf_errf(err, TF_EINVAL, "column '%s' is a LIST but has no list_offsets", l->top);
        return -1;
    }
    int64_t est = off[r1] - off[r0] + (r1 - r0) + 1;
    if (est < 0) est = r1 - r0 + 1;
    w->iota_n = 0;
    w->def = pq_grow(w->def, &w->lvl_cap, (size_t)est, 1);
    w->rep = tf_xrealloc(w->rep, w->lvl_cap);
    w->slots = pq_grow(w->slots, &w->slots_cap, (size_t)est, sizeof *w->slots);
    int base = l->list_opt + 1;
    for (int64_t i = r0; i < r1; i++) {
        if (nl + 1 + (off[i + 1] > off[i] ? off[i + 1] - off[i] : 0) > (int64_t)w->lvl_cap) {
            size_t need = (size_t)(nl + 1 + off[i + 1] - off[i]);
            w->def = pq_grow(w->def, &w->lvl_cap, need, 1);
            w->rep = tf_xrealloc(w->rep, w->lvl_cap);
            w->slots = pq_grow(w->slots, &w->slots_cap, need, sizeof *w->slots);
        }
        if (c->list_valid && !c->list_valid[i]) {
            if (!l->list_opt) {
                tf_errf(err, TF_EINVAL, "column '%s' is a REQUIRED list but row %lld is null", l->top, (long long)i);
                return -1;
            }
            w->def[nl] = 0, w->rep[nl] = 0, nl++;
            continue;
        }
        if (off[i + 1] < off[i] || off[i] < 0) {
            tf_errf(err, TF_EINVAL, "column '%s': list_offsets decrease at row %lld", l->top, (long long)i);
            return -1;
        }
        if (off[i + 1] == off[i]) {
            w->def[nl] = (uint8_t)l->list_opt, w->rep[nl] = 0, nl++;
            continue;
        }
        for (int64_t e = off[i]; e < off[i + 1]; e++) {
            uint8_t d;
            int value = 0;
            if (l->elem_struct && c->elem_valid && !c->elem_valid[e]) {
                if (!l->elem_opt) {
                    tf_errf(err, TF_EINVAL, "column '%s': element %lld is null in a list of REQUIRED structs", l->top,
                            (long long)e);
                    return -1;
                }
                d = (uint8_t)base;
            } else {
                int lvl = base + (l->elem_struct ? l->elem_opt : 0);
                if (c->valid && !c->valid[e]) {
                    if (!l->leaf_opt) {
                        tf_errf(err, TF_EINVAL, "column '%s.%s': element %lld is null but REQUIRED", l->top, l->name,
                                (long long)e);
                        return -1;
                    }
                    d = (uint8_t)lvl;
                } else {
                    d = (uint8_t)(lvl + l->leaf_opt);
                    value = 1;
                }
            }
            w->def[nl] = d;
            w->rep[nl] = e == off[i] ? 0 : 1;
            nl++;
            if (value) w->slots[nv++] = e;
        }
    }
    *nvals = nv;
    return nl;
}

/* ---------------- values ---------------- */

static inline void str_at(const tf_pq_col *c, int64_t s, const char **p, uint32_t *n)
{
    if (c->strs) {
        *p = c->strs[s].ptr;
        *n = c->strs[s].len;
    } else if (c->codes && c->code_strs) {
        *p = c->code_strs[c->codes[s]].ptr;
        *n = c->code_strs[c->codes[s]].len;
    } else {
        *p = c->str_bytes + c->str_offsets[s];
        *n = (uint32_t)(c->str_offsets[s + 1] - c->str_offsets[s]);
    }
}

static inline uint64_t load_be64(const char *p) { return tf_be64_load((const uint8_t *)p); }

/* Unsigned byte order (Parquet's for BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY
 * statistics), shorter first on a tie; the same text (a dictionary's
 * strings) and 16-byte keys without a call. */
static inline int cmp_bytes(const char *a, uint32_t na, const char *b, uint32_t nb)
{
    if (a == b && na == nb) return 0;
    if (na == 16 && nb == 16) {
        for (int k = 0; k < 16; k += 8) {
            uint64_t x = load_be64(a + k), y = load_be64(b + k);
            if (x != y) return x < y ? -1 : 1;
        }
        return 0;
    }
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

static void update_stats(const wleaf *l, const tf_pq_col *c, const int64_t *slots, int64_t nv, wchunk *ch)
{
    tf_pq_stats *st = &ch->st;
    int have = 0;
    if (l->physical == TF_PQ_FIXED && l->width == 16 && nv > 0) {
        /* 16-byte keys: the running minimum and maximum as two big-endian
         * words in registers; the second word is read only on a tie of the
         * first (the same order as cmp_bytes, the first of equals kept) */
        const char *base = (const char *)c->values;
        int64_t imn = slots[0], imx = slots[0];
        uint64_t mnh = load_be64(base + 16 * slots[0]), mnl = load_be64(base + 16 * slots[0] + 8);
        uint64_t mxh = mnh, mxl = mnl;
        for (int64_t i = 1; i < nv; i++) {
            const char *p = base + 16 * slots[i];
            uint64_t h = load_be64(p);
            if (h <= mnh) {
                uint64_t lo = load_be64(p + 8);
                if (h < mnh || lo < mnl) mnh = h, mnl = lo, imn = slots[i];
            }
            if (h >= mxh) {
                uint64_t lo = load_be64(p + 8);
                if (h > mxh || lo > mxl) mxh = h, mxl = lo, imx = slots[i];
            }
        }
        ch->min_b = tf_xmalloc(16);
        ch->max_b = tf_xmalloc(16);
        memcpy(ch->min_b, base + 16 * imn, 16);
        memcpy(ch->max_b, base + 16 * imx, 16);
        ch->min_len = ch->max_len = 16;
        st->min_b = ch->min_b, st->max_b = ch->max_b, st->min_len = st->max_len = 16;
        have = 1;
    } else if (l->physical == TF_PQ_BYTE_ARRAY || l->physical == TF_PQ_FIXED) {
        const char *mn = NULL, *mx = NULL;
        uint32_t mnl = 0, mxl = 0;
        for (int64_t i = 0; i < nv; i++) {
            const char *p;
            uint32_t n;
            if (l->physical == TF_PQ_FIXED) {
                p = (const char *)c->values + (size_t)slots[i] * (size_t)l->width;
                n = (uint32_t)l->width;
            } else {
                str_at(c, slots[i], &p, &n);
            }
            if (!mn) {
                mn = mx = p, mnl = mxl = n;
                continue;
            }
            if (cmp_bytes(p, n, mn, mnl) < 0) mn = p, mnl = n;
            if (cmp_bytes(p, n, mx, mxl) > 0) mx = p, mxl = n;
        }
        if (mn) {
            ch->min_b = tf_xmalloc(mnl ? mnl : 1);
            ch->max_b = tf_xmalloc(mxl ? mxl : 1);
            memcpy(ch->min_b, mn, mnl);
            memcpy(ch->max_b, mx, mxl);
            ch->min_len = mnl, ch->max_len = mxl;
            st->min_b = ch->min_b, st->max_b = ch->max_b, st->min_len = mnl, st->max_len = mxl;
            have = 1;
        }
    } else if (l->physical == TF_PQ_DOUBLE && nv > 0 && slots[nv - 1] - slots[0] == nv - 1) {
        /* contiguous doubles: a comparison never true for NaN skips it, so
         * the loop has no branch; some value was not NaN iff mn <= mx */
        const double *v = (const double *)c->values + slots[0];
        double mn = INFINITY, mx = -INFINITY;
        for (int64_t i = 0; i < nv; i++) {
            mn = v[i] < mn ? v[i] : mn;
            mx = v[i] > mx ? v[i] : mx;
        }
        if (mn <= mx) {
            if (mn == 0) mn = -0.0;
            if (mx == 0) mx = 0.0;
            st->min_d = mn, st->max_d = mx;
            memcpy(ch->min_raw, &mn, 8);
            memcpy(ch->max_raw, &mx, 8);
            ch->min_len = ch->max_len = 8;
            have = 1;
        }
    } else if (l->physical == TF_PQ_FLOAT || l->physical == TF_PQ_DOUBLE) {
        double mn = INFINITY, mx = -INFINITY;
        for (int64_t i = 0; i < nv; i++) {
            double v;
            if (l->physical == TF_PQ_DOUBLE) {
                memcpy(&v, (const char *)c->values + 8 * slots[i], 8);
            } else {
                float fv;
                memcpy(&fv, (const char *)c->values + 4 * slots[i], 4);
                v = fv;
            }
            if (v != v) continue;
            have = 1;
            if (v < mn) mn = v;
            if (v > mx) mx = v;
        }
        if (have) {
            if (mn == 0) mn = -0.0;
            if (mx == 0) mx = 0.0;
            st->min_d = mn, st->max_d = mx;
            if (l->physical == TF_PQ_DOUBLE) {
                memcpy(ch->min_raw, &mn, 8);
                memcpy(ch->max_raw, &mx, 8);
                ch->min_len = ch->max_len = 8;
            } else {
                float a = (float)mn, b = (float)mx;
                memcpy(ch->min_raw, &a, 4);
                memcpy(ch->max_raw, &b, 4);
                ch->min_len = ch->max_len = 4;
            }
        }
    } else {
        int64_t mn = INT64_MAX, mx = INT64_MIN;
        for (int64_t i = 0; i < nv; i++) {
            int64_t v;
            if (l->physical == TF_PQ_INT64) {
                memcpy(&v, (const char *)c->values + 8 * slots[i], 8);
            } else if (l->physical == TF_PQ_INT32) {
                int32_t x;
                memcpy(&x, (const char *)c->values + 4 * slots[i], 4);
                v = x;
            } else {
                v = ((const uint8_t *)c->values)[slots[i]] != 0;
            }
            if (v < mn) mn = v;
            if (v > mx) mx = v;
        }
        if (nv) {
            have = 1;
            st->min_i = mn, st->max_i = mx;
            if (l->physical == TF_PQ_INT64) {
                memcpy(ch->min_raw, &mn, 8);
                memcpy(ch->max_raw, &mx, 8);
                ch->min_len = ch->max_len = 8;
            } else if (l->physical == TF_PQ_INT32) {
                int32_t a = (int32_t)mn, b = (int32_t)mx;
                memcpy(ch->min_raw, &a, 4);
                memcpy(ch->max_raw, &b, 4);
                ch->min_len = ch->max_len = 4;
            } else {
                ch->min_raw[0] = (uint8_t)mn;
                ch->max_raw[0] = (uint8_t)mx;
                ch->min_len = ch->max_len = 1;
            }
        }
    }
    st->has_min_max = have;
}

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

/* build_dict for coded strings: the code is the key, no hashing.  Entries
 * come in the order of first use, as build_dict's do. */
static int build_dict_codes(tf_pq_writer *w, const tf_pq_col *c, int64_t nv)
{
    if (w->code_cap < c->ncodes) {
        free(w->code_entry);
        w->code_entry = tf_xcalloc(c->ncodes, sizeof *w->code_entry);
        w->code_cap = c->ncodes;
    }
    int64_t bytes = 0;
    int ok = 1;
    for (int64_t i = 0; i < nv; i++) {
        uint32_t code = c->codes[w->slots[i]];
        uint32_t e = w->code_entry[code];
        if (!e) {
            tf_vec_push(&w->dict_slots, w->slots[i]);
            e = w->code_entry[code] = (uint32_t)w->dict_slots.n;
            bytes += 4 + c->code_strs[code].len;
            if (bytes > w->o.dict_limit) {
                ok = 0;
                break;
            }
        }
        w->idx[i] = e - 1;
    }
    for (size_t k = 0; k < w->dict_slots.n; k++) w->code_entry[c->codes[w->dict_slots.v[k]]] = 0;
    return ok;
}

/* Build the dictionary of the chunk's values: w->idx per value, w->dict_slots
 * per entry.  Returns 0 when it outgrew the limit (write PLAIN instead). */
static int build_dict(tf_pq_writer *w, const wleaf *l, const tf_pq_col *c, int64_t nv)
{
    w->idx = pq_grow(w->idx, &w->idx_cap, (size_t)nv + 1, sizeof *w->idx);
    if (c->codes && c->code_strs && !c->strs) {
        w->dict_slots.n = 0;
        return build_dict_codes(w, c, nv);
    }
    size_t cap = 1024;
    while (cap < (size_t)nv * 2 && cap < ((size_t)1 << 30)) cap *= 2;
    if (w->tab_cap < cap) {
        free(w->tab);
        free(w->tab_hash);
        w->tab = tf_xmalloc(cap * sizeof *w->tab);
        w->tab_hash = tf_xmalloc(cap * sizeof *w->tab_hash);
        w->tab_cap = cap;
    }
    cap = w->tab_cap;
    memset(w->tab, 0, cap * sizeof *w->tab);
    w->dict_slots.n = 0;
    int64_t bytes = 0;
    size_t mask = cap - 1;
    int width = l->width;
    for (int64_t i = 0; i < nv; i++) {
        int64_t s = w->slots[i];
        const char *p;
        uint32_t n;
        uint64_t h;
        if (l->physical == TF_PQ_BYTE_ARRAY) {
            str_at(c, s, &p, &n);
            h = tf_hash64(p, n);
        } else {
            p = (const char *)c->values + (size_t)s * (size_t)width;
            n = (uint32_t)width;
            if (width == 8) {
                uint64_t x;
                memcpy(&x, p, 8);
                h = mix64(x);
            } else if (width == 4) {
                uint32_t x;
                memcpy(&x, p, 4);
                h = mix64(x);
            } else {
                h = tf_hash64(p, n);
            }
        }
        size_t pos = (size_t)h & mask;
        for (;;) {
            uint32_t e = w->tab[pos];
            if (!e) {
                if (w->dict_slots.n + 1 > cap / 2) return 0;
                tf_vec_push(&w->dict_slots, s);
                w->tab[pos] = (uint32_t)w->dict_slots.n;
                w->tab_hash[pos] = h;
                w->idx[i] = (uint32_t)(w->dict_slots.n - 1);
                bytes += (l->physical == TF_PQ_BYTE_ARRAY ? 4 : 0) + n;
                if (bytes > w->o.dict_limit) return 0;
                break;
            }
            if (w->tab_hash[pos] == h) {
                int64_t s2 = w->dict_slots.v[e - 1];
                const char *p2;
                uint32_t n2;
                if (l->physical == TF_PQ_BYTE_ARRAY) str_at(c, s2, &p2, &n2);
                else p2 = (const char *)c->values + (size_t)s2 * (size_t)width, n2 = (uint32_t)width;
                if (n2 == n && !memcmp(p, p2, n)) {
                    w->idx[i] = e - 1;
                    break;
                }
            }
            pos = (pos + 1) & mask;
        }
    }
    return 1;
}

/* PLAIN bytes of values slots[a..b) */
static void plain_values(const wleaf *l, const tf_pq_col *c, const int64_t *slots, int64_t a, int64_t b, tf_buf *out)
{
    int64_t n = b - a;
    if (n <= 0) return;
    if (l->physical == TF_PQ_BOOLEAN) {
        uint8_t *tmp = tf_xmalloc((size_t)n);
        for (int64_t i = 0; i < n; i++) tmp[i] = ((const uint8_t *)c->values)[slots[a + i]] != 0;
        pq_plain_bools(tmp, n, out);
        free(tmp);
        return;
    }
    if (l->physical == TF_PQ_BYTE_ARRAY) {
        for (int64_t i = a; i < b; i++) {
            const char *p;
            uint32_t len;
            str_at(c, slots[i], &p, &len);
            tf_buf_reserve(out, 4 + len);
            memcpy(out->data + out->len, &len, 4);
            memcpy(out->data + out->len + 4, p, len);
            out->len += 4 + len;
        }
        return;
    }
    size_t wd = (size_t)l->width;
    tf_buf_reserve(out, (size_t)n * wd);
    const char *v = c->values;
    if (slots[b - 1] - slots[a] == n - 1) { /* contiguous: one copy */
        memcpy(out->data + out->len, v + (size_t)slots[a] * wd, (size_t)n * wd);
    } else if (wd == 8) {
        char *o = out->data + out->len;
        for (int64_t i = 0; i < n; i++) memcpy(o + 8 * i, v + 8 * slots[a + i], 8);
    } else {
        char *o = out->data + out->len;
        for (int64_t i = 0; i < n; i++) memcpy(o + (size_t)i * wd, v + (size_t)slots[a + i] * wd, wd);
    }
    out->len += (size_t)n * wd;
}

/* BYTE_STREAM_SPLIT bytes of fixed-width values slots[a..b): stream k holds
 * byte k of each value, in order */
static void bss_values(const wleaf *l, const tf_pq_col *c, const int64_t *slots, int64_t a, int64_t b, tf_buf *out)
{
    int64_t n = b - a;
    if (n <= 0) return;
    size_t wd = (size_t)l->width;
    tf_buf_reserve(out, (size_t)n * wd);
    uint8_t *o = (uint8_t *)out->data + out->len;
    const uint8_t *v = c->values;
    int64_t i = 0;
#ifdef __SSE2__
    if (wd == 8 && slots[b - 1] - slots[a] == n - 1) {
        /* 16 contiguous values (8 registers of 2) at a time: four rounds of
         * interleaving register i with register i+4 transpose the 16x8 byte
         * matrix, leaving register k = byte k of the 16 values, in order */
        const uint8_t *src = v + (size_t)slots[a] * 8;
        for (; i + 16 <= n; i += 16) {
            const __m128i *in = (const __m128i *)(src + (size_t)i * 8);
            __m128i r0 = _mm_loadu_si128(in), r1 = _mm_loadu_si128(in + 1), r2 = _mm_loadu_si128(in + 2),
                    r3 = _mm_loadu_si128(in + 3), r4 = _mm_loadu_si128(in + 4), r5 = _mm_loadu_si128(in + 5),
                    r6 = _mm_loadu_si128(in + 6), r7 = _mm_loadu_si128(in + 7);
            for (int round = 0; round < 4; round++) {
                __m128i t0 = _mm_unpacklo_epi8(r0, r4), t1 = _mm_unpackhi_epi8(r0, r4);
                __m128i t2 = _mm_unpacklo_epi8(r1, r5), t3 = _mm_unpackhi_epi8(r1, r5);
                __m128i t4 = _mm_unpacklo_epi8(r2, r6), t5 = _mm_unpackhi_epi8(r2, r6);
                __m128i t6 = _mm_unpacklo_epi8(r3, r7), t7 = _mm_unpackhi_epi8(r3, r7);
                r0 = t0, r1 = t1, r2 = t2, r3 = t3, r4 = t4, r5 = t5, r6 = t6, r7 = t7;
            }
            uint8_t *dst = o + (size_t)i;
            _mm_storeu_si128((__m128i *)dst, r0);
            _mm_storeu_si128((__m128i *)(dst + (size_t)n), r1);
            _mm_storeu_si128((__m128i *)(dst + 2 * (size_t)n), r2);
            _mm_storeu_si128((__m128i *)(dst + 3 * (size_t)n), r3);
            _mm_storeu_si128((__m128i *)(dst + 4 * (size_t)n), r4);
            _mm_storeu_si128((__m128i *)(dst + 5 * (size_t)n), r5);
            _mm_storeu_si128((__m128i *)(dst + 6 * (size_t)n), r6);
            _mm_storeu_si128((__m128i *)(dst + 7 * (size_t)n), r7);
        }
    }
#endif
    for (; i < n; i++) {
        const uint8_t *x = v + (size_t)slots[a + i] * wd;
        for (size_t k = 0; k < wd; k++) o[k * (size_t)n + (size_t)i] = x[k];
    }
    out->len += (size_t)n * wd;
}

static void put_u32(tf_buf *b, size_t at, uint32_t v)
{
    memcpy(b->data + at, &v, 4);
}

static int write_page(tf_pq_writer *w, const wleaf *l, wchunk *ch, int type, int32_t nvalues, int enc, tf_err *err)
{
    w->cbody.len = 0;
    if (pq_compress(&w->codec, l->codec, w->o.level, (const uint8_t *)w->body.data, w->body.len, &w->cbody, err))
        return tf_err_prefix(err, "%s: ", w->path);
    if (w->body.len > INT32_MAX || w->cbody.len > INT32_MAX)
        return tf_errf(err, TF_ELIMIT, "%s: page larger than 2 GiB", w->path);
    w->hdr.len = 0;
    thr_w t = {.b = &w->hdr};
    thrw_i32(&t, 1, type);
    thrw_i32(&t, 2, (int32_t)w->body.len);
    thrw_i32(&t, 3, (int32_t)w->cbody.len);
    if (type == PQ_PAGE_DICT) {
        thrw_struct_begin(&t, 7);
        thrw_i32(&t, 1, nvalues);
        thrw_i32(&t, 2, PQ_ENC_PLAIN);
        thrw_struct_end(&t);
    } else {
        thrw_struct_begin(&t, 5);
        thrw_i32(&t, 1, nvalues);
        thrw_i32(&t, 2, enc);
        thrw_i32(&t, 3, PQ_ENC_RLE);
        thrw_i32(&t, 4, PQ_ENC_RLE);
        thrw_struct_end(&t);
    }
    thrw_stop(&t);
    if (type == PQ_PAGE_DICT) ch->dict_off = w->off;
    else if (ch->data_off < 0) ch->data_off = w->off;
    if (put_bytes(w, w->hdr.data, w->hdr.len, err) || put_bytes(w, w->cbody.data, w->cbody.len, err)) return TF_EIO;
    ch->usize += (int64_t)(w->hdr.len + w->body.len);
    ch->csize += (int64_t)(w->hdr.len + w->cbody.len);
    return TF_OK;
}

static int write_chunk(tf_pq_writer *w, int li, const tf_pq_col *c, int64_t r0, int64_t r1, tf_err *err)
{
    const wleaf *l = &w->leaves[li];
    wgroup *g = &w->groups.v[w->groups.n - 1];
    wchunk *ch = &g->chunks[li];
    int coded = c->codes && c->code_strs;
    if (!c->values && !c->strs && !(c->str_offsets && c->str_bytes) && !coded)
        return tf_errf(err, TF_EINVAL, "%s: column '%s' has no values", w->path, l->top);
    if (l->physical == TF_PQ_BYTE_ARRAY && !c->strs && !(c->str_offsets && c->str_bytes) && !coded)
        return tf_errf(err, TF_EINVAL, "%s: column '%s' is a string column without strs, str_offsets or codes",
                       w->path, l->top);
    if (l->physical != TF_PQ_BYTE_ARRAY && !c->values)
        return tf_errf(err, TF_EINVAL, "%s: column '%s' has no values array", w->path, l->top);
    int64_t nv;
    int64_t nl = make_levels(w, l, c, r0, r1, &nv, err);
    if (nl < 0) return tf_err_prefix(err, "%s: ", w->path);
    if (coded && !c->strs)
        for (int64_t i = 0; i < nv; i++)
            if (c->codes[w->slots[i]] >= c->ncodes)
                return tf_errf(err, TF_EINVAL, "%s: column '%s': code %u at slot %lld is not below ncodes (%u)",
                               w->path, l->top, c->codes[w->slots[i]], (long long)w->slots[i], c->ncodes);
    memset(ch, 0, sizeof *ch);
    ch->written = 1;
    ch->start = w->off;
    ch->data_off = -1;
    ch->num_values = nl;
    ch->st.num_values = nl;
    ch->st.has_null_count = 1;
    ch->st.null_count = nl - nv;
    int use_dict = l->dict == TF_PQ_DICT_ON || (l->dict == TF_PQ_DICT_AUTO && l->physical == TF_PQ_BYTE_ARRAY);
    if (use_dict && nv > 0 && l->physical != TF_PQ_BOOLEAN) use_dict = build_dict(w, l, c, nv);
    else use_dict = 0;
    /* a dictionary holds every distinct value once: the same min and max */
    if (use_dict) update_stats(l, c, w->dict_slots.v, (int64_t)w->dict_slots.n, ch);
    else update_stats(l, c, w->slots, nv, ch);
    int bw = 0;
    if (use_dict) {
        ch->used_dict = 1;
        bw = pq_bit_width(w->dict_slots.n > 1 ? (uint64_t)(w->dict_slots.n - 1) : 0);
        if (bw == 0) bw = 1;
        w->body.len = 0;
        plain_values(l, c, w->dict_slots.v, 0, (int64_t)w->dict_slots.n, &w->body);
        if (write_page(w, l, ch, PQ_PAGE_DICT, (int32_t)w->dict_slots.n, 0, err)) return TF_EIO;
    }
    /* pages: cut at row starts once the estimated value bytes reach page_size */
    int64_t page_size = w->o.page_size;
    int64_t k = 0, v = 0;
    int dbw = pq_bit_width((uint64_t)l->max_def), rbw = pq_bit_width((uint64_t)l->max_rep);
    do {
        int64_t k0 = k, v0 = v, bytes = 0;
        if (!l->max_def && !l->max_rep) {
            int64_t per = use_dict ? (bw + 7) / 8 : (l->width ? l->width : 0);
            if (per > 0) {
                int64_t cnt = page_size / per + 1;
                if (cnt > nl - k) cnt = nl - k;
                k += cnt;
                v += cnt;
            } else {
                while (k < nl && bytes < page_size) {
                    const char *p;
                    uint32_t n;
                    str_at(c, w->slots[v], &p, &n);
                    bytes += 4 + n;
                    k++, v++;
                }
            }
        } else {
            int16_t md = (int16_t)l->max_def;
            while (k < nl) {
                if (w->def && w->def[k] == md) {
                    if (use_dict) bytes += bw;
                    else if (l->width) bytes += 8 * l->width;
                    else {
                        const char *p;
                        uint32_t n;
                        str_at(c, w->slots[v], &p, &n);
                        bytes += 8 * (4 + (int64_t)n);
                    }
                    v++;
                } else if (!w->def) {
                    v++;
                }
                k++;
                if (bytes >= page_size * 8 && (k == nl || !l->max_rep || w->rep[k] == 0)) break;
            }
        }
        if (k - k0 > INT32_MAX) return tf_errf(err, TF_ELIMIT, "%s: a page of more than 2^31 values", w->path);
        w->body.len = 0;
        if (l->max_rep) {
            size_t at = w->body.len;
            tf_buf_append(&w->body, "\0\0\0\0", 4);
            pq_rle_encode_u8(w->rep + k0, k - k0, rbw, &w->body);
            put_u32(&w->body, at, (uint32_t)(w->body.len - at - 4));
        }
        if (l->max_def) {
            size_t at = w->body.len;
            tf_buf_append(&w->body, "\0\0\0\0", 4);
            pq_rle_encode_u8(w->def + k0, k - k0, dbw, &w->body);
            put_u32(&w->body, at, (uint32_t)(w->body.len - at - 4));
        }
        if (use_dict) {
            tf_buf_putc(&w->body, (char)bw);
            pq_rle_encode_u32(w->idx + v0, v - v0, bw, &w->body);
        } else if (l->bss) {
            bss_values(l, c, w->slots, v0, v, &w->body);
        } else {
            plain_values(l, c, w->slots, v0, v, &w->body);
        }
        int enc = use_dict ? PQ_ENC_RLE_DICT : l->bss ? PQ_ENC_BSS : PQ_ENC_PLAIN;
        if (write_page(w, l, ch, PQ_PAGE_DATA, (int32_t)(k - k0), enc, err)) return TF_EIO;
    } while (k < nl);
    g->usize += ch->usize;
    g->csize += ch->csize;
    return TF_OK;
}

/* ---------------- row groups ---------------- */

int tf_pq_writer_begin_group(tf_pq_writer *w, int64_t nrows, tf_err *err)
{
    if (w->in_group) return tf_errf(err, TF_EINVAL, "%s: a row group is already open", w->path);
    if (nrows < 0) return tf_errf(err, TF_EINVAL, "%s: negative row count", w->path);
    wgroup g = {.rows = nrows, .start = w->off};
    g.chunks = tf_xcalloc((size_t)w->nleaves, sizeof *g.chunks);
    tf_vec_push(&w->groups, g);
    w->in_group = 1;
    w->group_rows = nrows;
    return TF_OK;
}

static int put_range(tf_pq_writer *w, int leaf, const tf_pq_col *col, int64_t r0, int64_t r1, tf_err *err)
{
    if (!w->in_group) return tf_errf(err, TF_EINVAL, "%s: no row group is open", w->path);
    if (leaf < 0 || leaf >= w->nleaves) return tf_errf(err, TF_EINVAL, "%s: no leaf column %d", w->path, leaf);
    if (w->groups.v[w->groups.n - 1].chunks[leaf].written)
        return tf_errf(err, TF_EINVAL, "%s: column '%s' was already written in this row group", w->path,
                       w->leaves[leaf].top);
    return write_chunk(w, leaf, col, r0, r1, err);
}

int tf_pq_writer_put(tf_pq_writer *w, int leaf, const tf_pq_col *col, tf_err *err)
{
    return put_range(w, leaf, col, 0, w->group_rows, err);
}

int tf_pq_writer_end_group(tf_pq_writer *w, tf_err *err)
{
    if (!w->in_group) return tf_errf(err, TF_EINVAL, "%s: no row group is open", w->path);
    wgroup *g = &w->groups.v[w->groups.n - 1];
    for (int i = 0; i < w->nleaves; i++)
        if (!g->chunks[i].written)
            return tf_errf(err, TF_EINVAL, "%s: column %d ('%s') was not written in row group %zu", w->path, i,
                           w->leaves[i].top, w->groups.n - 1);
    w->in_group = 0;
    return TF_OK;
}

int tf_pq_writer_write(tf_pq_writer *w, int64_t nrows, const tf_pq_col *cols, tf_err *err)
{
    for (int64_t s = 0; s < nrows; s += w->o.row_group_rows) {
        int64_t e = s + w->o.row_group_rows < nrows ? s + w->o.row_group_rows : nrows;
        if (tf_pq_writer_begin_group(w, e - s, err)) return err->code;
        for (int i = 0; i < w->nleaves; i++)
            if (put_range(w, i, &cols[i], s, e, err)) return err->code;
        if (tf_pq_writer_end_group(w, err)) return err->code;
    }
    return TF_OK;
}

/* ---------------- footer ---------------- */

static void schema_leaf(thr_w *t, const tf_pq_field *f, const char *name, int rep)
{
    thrw_struct_begin(t, 0);
    int ph = phys_of(f->type);
    thrw_i32(t, 1, ph);
    if (f->type == TF_PQT_FIXED) thrw_i32(t, 2, f->fixed_len);
    thrw_i32(t, 3, rep);
    thrw_binary(t, 4, name, strlen(name));
    switch (f->type) {
    case TF_PQT_STRING:
        thrw_i32(t, 6, PQ_CT_UTF8);
        thrw_struct_begin(t, 10);
        thrw_struct_begin(t, 1);
        thrw_struct_end(t);
        thrw_struct_end(t);
        break;
    case TF_PQT_DATE:
        thrw_i32(t, 6, PQ_CT_DATE);
        thrw_struct_begin(t, 10);
        thrw_struct_begin(t, 6);
        thrw_struct_end(t);
        thrw_struct_end(t);
        break;
    case TF_PQT_TIMESTAMP:
        thrw_i32(t, 6, PQ_CT_TS_MICROS);
        thrw_struct_begin(t, 10);
        thrw_struct_begin(t, 8);
        thrw_bool(t, 1, 1);
        thrw_struct_begin(t, 2);
        thrw_struct_begin(t, 2);
        thrw_struct_end(t);
        thrw_struct_end(t);
        thrw_struct_end(t);
        thrw_struct_end(t);
        break;
    default: break;
    }
    thrw_struct_end(t);
}

static void schema_group(thr_w *t, const char *name, int rep, int nchildren, int is_list)
{
    thrw_struct_begin(t, 0);
    thrw_i32(t, 3, rep);
    thrw_binary(t, 4, name, strlen(name));
    thrw_i32(t, 5, nchildren);
    if (is_list) {
        thrw_i32(t, 6, PQ_CT_LIST);
        thrw_struct_begin(t, 10);
        thrw_struct_begin(t, 3);
        thrw_struct_end(t);
        thrw_struct_end(t);
    }
    thrw_struct_end(t);
}

static int count_schema(const tf_pq_writer *w)
{
    int n = 1;
    for (int i = 0; i < w->nfields; i++) {
        const tf_pq_field *f = &w->fields[i];
        if (f->type != TF_PQT_LIST) n++;
        else if (f->children[0].type == TF_PQT_STRUCT) n += 3 + f->children[0].nchildren;
        else n += 3;
    }
    return n;
}

static void write_stats(thr_w *t, const wleaf *l, const wchunk *ch)
{
    thrw_struct_begin(t, 12);
    thrw_i64(t, 3, ch->st.null_count);
    if (ch->st.has_min_max) {
        const void *mx = l->physical == TF_PQ_BYTE_ARRAY || l->physical == TF_PQ_FIXED ? (const void *)ch->max_b
                                                                                       : ch->max_raw;
        const void *mn = l->physical == TF_PQ_BYTE_ARRAY || l->physical == TF_PQ_FIXED ? (const void *)ch->min_b
                                                                                       : ch->min_raw;
        thrw_binary(t, 5, mx, ch->max_len);
        thrw_binary(t, 6, mn, ch->min_len);
    }
    thrw_struct_end(t);
}

static void write_footer(tf_pq_writer *w, tf_buf *b)
{
    thr_w t = {.b = b};
    int64_t rows = 0;
    for (size_t g = 0; g < w->groups.n; g++) rows += w->groups.v[g].rows;
    thrw_i32(&t, 1, 1);
    thrw_list(&t, 2, THR_STRUCT, (uint32_t)count_schema(w));
    thrw_struct_begin(&t, 0);
    thrw_binary(&t, 4, "schema", 6);
    thrw_i32(&t, 5, w->nfields);
    thrw_struct_end(&t);
    for (int i = 0; i < w->nfields; i++) {
        const tf_pq_field *f = &w->fields[i];
        int rep = f->optional ? TF_PQ_OPTIONAL : TF_PQ_REQUIRED;
        if (f->type != TF_PQT_LIST) {
            schema_leaf(&t, f, f->name, rep);
            continue;
        }
        const tf_pq_field *e = &f->children[0];
        schema_group(&t, f->name, rep, 1, 1);
        schema_group(&t, "list", TF_PQ_REPEATED, 1, 0);
        if (e->type == TF_PQT_STRUCT) {
            schema_group(&t, "element", e->optional ? TF_PQ_OPTIONAL : TF_PQ_REQUIRED, e->nchildren, 0);
            for (int k = 0; k < e->nchildren; k++)
                schema_leaf(&t, &e->children[k], e->children[k].name,
                            e->children[k].optional ? TF_PQ_OPTIONAL : TF_PQ_REQUIRED);
        } else {
            schema_leaf(&t, e, "element", e->optional ? TF_PQ_OPTIONAL : TF_PQ_REQUIRED);
        }
    }
    thrw_i64(&t, 3, rows);
    thrw_list(&t, 4, THR_STRUCT, (uint32_t)w->groups.n);
    for (size_t gi = 0; gi < w->groups.n; gi++) {
        const wgroup *g = &w->groups.v[gi];
        thrw_struct_begin(&t, 0);
        thrw_list(&t, 1, THR_STRUCT, (uint32_t)w->nleaves);
        for (int i = 0; i < w->nleaves; i++) {
            const wleaf *l = &w->leaves[i];
            const wchunk *ch = &g->chunks[i];
            thrw_struct_begin(&t, 0);
            thrw_i64(&t, 2, ch->start);
            thrw_struct_begin(&t, 3);
            thrw_i32(&t, 1, l->physical);
            if (ch->used_dict) {
                thrw_list(&t, 2, THR_I32, 3);
                thrw_raw_i32(&t, PQ_ENC_PLAIN);
                thrw_raw_i32(&t, PQ_ENC_RLE);
                thrw_raw_i32(&t, PQ_ENC_RLE_DICT);
            } else {
                thrw_list(&t, 2, THR_I32, 2);
                thrw_raw_i32(&t, l->bss ? PQ_ENC_BSS : PQ_ENC_PLAIN);
                thrw_raw_i32(&t, PQ_ENC_RLE);
            }
            thrw_list(&t, 3, THR_BINARY, (uint32_t)l->npath);
            for (int k = 0; k < l->npath; k++) thrw_raw_binary(&t, l->path[k], strlen(l->path[k]));
            thrw_i32(&t, 4, l->codec);
            thrw_i64(&t, 5, ch->num_values);
            thrw_i64(&t, 6, ch->usize);
            thrw_i64(&t, 7, ch->csize);
            thrw_i64(&t, 9, ch->data_off);
            if (ch->used_dict) thrw_i64(&t, 11, ch->dict_off);
            write_stats(&t, l, ch);
            thrw_struct_end(&t);
            thrw_struct_end(&t);
        }
        thrw_i64(&t, 2, g->usize);
        thrw_i64(&t, 3, g->rows);
        thrw_i64(&t, 5, g->start);
        thrw_i64(&t, 6, g->csize);
        thrw_i16(&t, 7, (int16_t)gi);
        thrw_struct_end(&t);
    }
    if (w->kv.n) {
        thrw_list(&t, 5, THR_STRUCT, (uint32_t)(w->kv.n / 2));
        for (size_t i = 0; i + 1 < w->kv.n; i += 2) {
            thrw_struct_begin(&t, 0);
            thrw_binary(&t, 1, w->kv.v[i], strlen(w->kv.v[i]));
            if (w->kv.v[i + 1]) thrw_binary(&t, 2, w->kv.v[i + 1], strlen(w->kv.v[i + 1]));
            thrw_struct_end(&t);
        }
    }
    char cb[128];
    snprintf(cb, sizeof cb, "tripflow version %s (build %s)", TF_VERSION, TF_BUILD_ID);
    thrw_binary(&t, 6, cb, strlen(cb));
    thrw_list(&t, 7, THR_STRUCT, (uint32_t)w->nleaves);
    for (int i = 0; i < w->nleaves; i++) {
        thrw_struct_begin(&t, 0);
        thrw_struct_begin(&t, 1);
        thrw_struct_end(&t);
        thrw_struct_end(&t);
    }
    thrw_stop(&t);
}

static void free_writer(tf_pq_writer *w)
{
    for (size_t g = 0; g < w->groups.n; g++) {
        for (int i = 0; i < w->nleaves; i++) {
            free(w->groups.v[g].chunks[i].min_b);
            free(w->groups.v[g].chunks[i].max_b);
        }
        free(w->groups.v[g].chunks);
    }
    tf_vec_free(&w->groups);
    tf_vec_free(&w->kv);
    tf_vec_free(&w->dict_slots);
    free(w->code_entry);
    pq_codec_free(&w->codec);
    free(w->leaves);
    free(w->def);
    free(w->rep);
    free(w->slots);
    free(w->idx);
    free(w->tab);
    free(w->tab_hash);
    tf_buf_free(&w->body);
    tf_buf_free(&w->cbody);
    tf_buf_free(&w->hdr);
    tf_arena_free(&w->arena);
    free(w->path);
    free(w);
}

int tf_pq_writer_close(tf_pq_writer *w, tf_pq_write_result *res, tf_err *err)
{
    int rc = TF_OK;
    if (w->in_group) {
        rc = tf_errf(err, TF_EINVAL, "%s: closed with a row group still open", w->path);
        tf_pq_writer_abort(w);
        return rc;
    }
    tf_buf f = {0};
    write_footer(w, &f);
    uint32_t flen = (uint32_t)f.len;
    tf_buf_append(&f, &flen, 4);
    tf_buf_append(&f, "PAR1", 4);
    rc = put_bytes(w, f.data, f.len, err);
    tf_buf_free(&f);
    if (!rc && fflush(w->fp) != 0) rc = tf_errno(err, TF_EIO, "%s: write", w->path);
    if (!rc && w->o.no_sync == TF_PQ_SYNC && fsync(fileno(w->fp)) != 0)
        rc = tf_errno(err, TF_EIO, "%s: fsync", w->path);
    if (!rc && w->o.no_sync == TF_PQ_START_SYNC) tf_start_writeback(fileno(w->fp));
    if (fclose(w->fp) != 0 && !rc) rc = tf_errno(err, TF_EIO, "%s: close", w->path);
    w->fp = NULL;
    if (rc) {
        unlink(w->path);
        free_writer(w);
        return rc;
    }
    if (res) {
        memset(res, 0, sizeof *res);
        tf_arena_init(&res->arena, 4096);
        res->file_size = w->off;
        res->num_row_groups = (int)w->groups.n;
        res->num_leaves = w->nleaves;
        res->rg_rows = tf_xcalloc(w->groups.n + 1, sizeof *res->rg_rows);
        res->rg_stats = tf_xcalloc(w->groups.n * (size_t)w->nleaves + 1, sizeof *res->rg_stats);
        for (size_t g = 0; g < w->groups.n; g++) {
            res->rg_rows[g] = w->groups.v[g].rows;
            res->num_rows += w->groups.v[g].rows;
            for (int i = 0; i < w->nleaves; i++) {
                const wchunk *ch = &w->groups.v[g].chunks[i];
                tf_pq_stats *s = &res->rg_stats[g * (size_t)w->nleaves + (size_t)i];
                *s = ch->st;
                if (ch->min_b) {
                    uint8_t *a = tf_arena_alloc(&res->arena, ch->min_len + 1);
                    uint8_t *b = tf_arena_alloc(&res->arena, ch->max_len + 1);
                    memcpy(a, ch->min_b, ch->min_len);
                    memcpy(b, ch->max_b, ch->max_len);
                    s->min_b = a, s->max_b = b;
                } else {
                    s->min_b = s->max_b = NULL;
                }
            }
        }
    }
    free_writer(w);
    return TF_OK;
}

void tf_pq_writer_abort(tf_pq_writer *w)
{
    if (!w) return;
    if (w->fp) fclose(w->fp);
    unlink(w->path);
    free_writer(w);
}

void tf_pq_write_result_free(tf_pq_write_result *res)
{
    if (!res) return;
    free(res->rg_rows);
    free(res->rg_stats);
    tf_arena_free(&res->arena);
    memset(res, 0, sizeof *res);
}
