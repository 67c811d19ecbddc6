/* reader.c — opening a Parquet file: the footer, the schema tree with
 * definition and repetition levels, chunk metadata and statistics, row-group
 * pruning and page walking.  Decoding lives in decode.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pq_reader.h"
#include "tripflow/fsutil.h"

#define MAX_SCHEMA_DEPTH 64

static int schema_err(tf_pq_file *f, tf_err *err, const char *fmt, const char *name)
{
    tf_errf(err, TF_EFORMAT, fmt, name);
    return tf_err_prefix(err, "%s: schema: ", f->name);
}

static void set_logical(tf_pq_node *n, const pq_schema_el *e)
{
    n->logical = TF_PQL_NONE;
    n->converted = e->converted;
    if (e->lt) {
        switch (e->lt) {
        case 1:
        case 4:
        case 12: n->logical = TF_PQL_STRING; break;
        case 2: n->logical = TF_PQL_MAP; break;
        case 3: n->logical = TF_PQL_LIST; break;
        case 5:
            n->logical = TF_PQL_DECIMAL;
            n->dec_scale = e->lt_scale;
            n->dec_precision = e->lt_precision;
            break;
        case 6: n->logical = TF_PQL_DATE; break;
        case 7:
        case 8:
            n->logical = e->lt == 7 ? TF_PQL_TIME : TF_PQL_TIMESTAMP;
            n->ts_unit = e->lt_unit ? e->lt_unit : TF_PQ_MICROS;
            n->ts_utc = e->lt_utc;
            break;
        case 10:
            n->logical = TF_PQL_INT;
            n->int_bits = e->lt_bits;
            n->int_signed = e->lt_signed;
            break;
        case 11: n->logical = TF_PQL_NULL; break;
        case 14: n->logical = TF_PQL_UUID; break;
        case 15: n->logical = TF_PQL_FLOAT16; break;
        default: n->logical = TF_PQL_OTHER;
        }
    } else if (e->converted >= 0) {
        int c = e->converted;
        if (c == PQ_CT_UTF8 || c == PQ_CT_ENUM || c == PQ_CT_JSON) n->logical = TF_PQL_STRING;
        else if (c == PQ_CT_MAP || c == PQ_CT_MAP_KV) n->logical = TF_PQL_MAP;
        else if (c == PQ_CT_LIST) n->logical = TF_PQL_LIST;
        else if (c == PQ_CT_DECIMAL) {
            n->logical = TF_PQL_DECIMAL;
            n->dec_scale = e->scale;
            n->dec_precision = e->precision;
        } else if (c == PQ_CT_DATE) n->logical = TF_PQL_DATE;
        else if (c == PQ_CT_TIME_MILLIS || c == PQ_CT_TIME_MICROS) {
            n->logical = TF_PQL_TIME;
            n->ts_unit = c == PQ_CT_TIME_MILLIS ? TF_PQ_MILLIS : TF_PQ_MICROS;
            n->ts_utc = 1;
        } else if (c == PQ_CT_TS_MILLIS || c == PQ_CT_TS_MICROS) {
            n->logical = TF_PQL_TIMESTAMP;
            n->ts_unit = c == PQ_CT_TS_MILLIS ? TF_PQ_MILLIS : TF_PQ_MICROS;
            n->ts_utc = 1;
        } else if (c >= PQ_CT_UINT_8 && c <= PQ_CT_INT_64) {
            n->logical = TF_PQL_INT;
            n->int_signed = c >= PQ_CT_INT_8;
            n->int_bits = 8 << ((c - PQ_CT_UINT_8) % 4);
        } else n->logical = TF_PQL_OTHER;
    }
    if (e->has_type && e->type == TF_PQ_INT96) {
        n->logical = TF_PQL_TIMESTAMP;
        n->ts_unit = TF_PQ_MICROS; /* decoded as microseconds */
        n->ts_utc = 0;
    }
}

static int build_node(tf_pq_file *f, int *idx, int parent, int depth, tf_err *err)
{
    const pq_footer *ft = &f->ft;
    if (*idx >= ft->nschema) return schema_err(f, err, "%s: num_children points past the schema list", "");
    if (depth > MAX_SCHEMA_DEPTH) return schema_err(f, err, "nested deeper than %s levels", "64");
    int me = (*idx)++;
    const pq_schema_el *e = &ft->schema[me];
    tf_pq_node *n = &f->nodes[me];
    n->name = e->name;
    n->parent = parent;
    n->leaf = -1;
    n->field_id = e->has_field_id ? e->field_id : -1;
    n->repetition = parent < 0 ? TF_PQ_REQUIRED : (e->has_rep ? e->rep : TF_PQ_REQUIRED);
    if (n->repetition < 0 || n->repetition > 2) return schema_err(f, err, "'%s': bad repetition_type", e->name);
    set_logical(n, e);
    const tf_pq_node *p = parent >= 0 ? &f->nodes[parent] : NULL;
    n->max_def = (p ? p->max_def : 0) + (n->repetition != TF_PQ_REQUIRED);
    n->max_rep = (p ? p->max_rep : 0) + (n->repetition == TF_PQ_REPEATED);
    if (!p || parent == 0) {
        n->path = parent < 0 ? "" : e->name;
    } else {
        size_t a = strlen(p->path), b = strlen(e->name);
        char *s = tf_arena_alloc(&f->arena, a + b + 2);
        memcpy(s, p->path, a);
        s[a] = '.';
        memcpy(s + a + 1, e->name, b + 1);
        n->path = s;
    }
    n->first_leaf = f->ncols;
    if (e->num_children > 0 || parent < 0) {
        if (e->num_children < 0 || e->num_children > ft->nschema - *idx)
            return schema_err(f, err, "'%s': num_children exceeds the schema list", e->name);
        n->nchildren = e->num_children;
        int *ch = tf_arena_alloc(&f->arena, sizeof(int) * (size_t)(n->nchildren ? n->nchildren : 1));
        for (int i = 0; i < n->nchildren; i++) {
            ch[i] = *idx;
            if (build_node(f, idx, me, depth + 1, err)) return TF_EFORMAT;
        }
        n->children = ch;
    } else {
        if (!e->has_type) return schema_err(f, err, "'%s' has neither a type nor children", e->name);
        if (e->type < 0 || e->type > 7) return schema_err(f, err, "'%s' has an unknown physical type", e->name);
        if (e->type == TF_PQ_FIXED && (e->type_length <= 0 || e->type_length > (1 << 20)))
            return schema_err(f, err, "'%s': FIXED_LEN_BYTE_ARRAY has a bad type_length", e->name);
        /* the spec puts DATE on INT32 only; days from an INT64 would not fit a calendar */
        if (n->logical == TF_PQL_DATE && e->type != TF_PQ_INT32)
            return schema_err(f, err, "'%s': DATE annotates a physical type other than INT32", e->name);
        n->is_leaf = 1;
        n->physical = e->type;
        n->type_length = e->type == TF_PQ_FIXED ? e->type_length : 0;
        n->leaf = f->ncols++;
    }
    n->nleaves = f->ncols - n->first_leaf;
    return TF_OK;
}

static int check_chunks(tf_pq_file *f, tf_err *err)
{
    int64_t total = 0;
    for (int g = 0; g < f->ft.nrg; g++) {
        pq_rowgroup *rg = &f->ft.rgs[g];
        if (rg->ncols != f->ncols)
            return tf_errf(err, TF_EFORMAT, "%s: row group %d has %d columns, the schema has %d", f->name, g, rg->ncols,
                           f->ncols);
        if (rg->num_rows > INT64_MAX - total) return tf_errf(err, TF_EFORMAT, "%s: row counts overflow", f->name);
        total += rg->num_rows;
        for (int c = 0; c < rg->ncols; c++) {
            pq_chunk *ch = &rg->cols[c];
            const tf_pq_node *leaf = &f->nodes[f->leaf_node[c]];
            if (ch->encrypted)
                return tf_errf(err, TF_EUNSUPPORTED, "%s: row group %d: column '%s' is encrypted (not supported)",
                               f->name, g, leaf->path);
            if (ch->external)
                return tf_errf(err, TF_EUNSUPPORTED,
                               "%s: row group %d: column '%s' lives in another file (ColumnChunk.file_path)", f->name,
                               g, leaf->path);
            if (!ch->has_meta)
                return tf_errf(err, TF_EFORMAT, "%s: row group %d: column '%s' has no ColumnMetaData", f->name, g,
                               leaf->path);
            if (ch->md.type != leaf->physical)
                return tf_errf(err, TF_EFORMAT, "%s: row group %d: column '%s' is %s in its chunk but %s in the schema",
                               f->name, g, leaf->path, pq_type_name(ch->md.type), pq_type_name(leaf->physical));
        }
    }
    f->num_rows = total;
    return TF_OK;
}

static int open_common(tf_pq_file *f, const tf_pq_open_opts *opts, tf_err *err)
{
    f->opts.max_levels = opts && opts->max_levels > 0 ? opts->max_levels : ((int64_t)1 << 28);
    f->opts.max_page_size = opts && opts->max_page_size > 0 ? opts->max_page_size : ((int64_t)256 << 20);
    tf_arena_init(&f->arena, 64 * 1024);
    const uint8_t *d = f->data;
    size_t n = f->size;
    if (n < 12) return tf_errf(err, TF_EFORMAT, "%s: not a Parquet file (%zu bytes, too short)", f->name, n);
    if (!memcmp(d + n - 4, "PARE", 4))
        return tf_errf(err, TF_EUNSUPPORTED, "%s: encrypted Parquet footer (PARE) is not supported", f->name);
    if (memcmp(d, "PAR1", 4) || memcmp(d + n - 4, "PAR1", 4))
        return tf_errf(err, TF_EFORMAT, "%s: not a Parquet file (no PAR1 magic at both ends)", f->name);
    uint32_t flen;
    memcpy(&flen, d + n - 8, 4);
    if ((uint64_t)flen > n - 12)
        return tf_errf(err, TF_EFORMAT, "%s: footer length %u exceeds the file size %zu", f->name, flen, n);
    f->footer_start = (int64_t)(n - 8 - flen);
    thr_r r = {.p = d + f->footer_start, .end = d + n - 8, .base = d + f->footer_start,
               .base_off = f->footer_start, .err = err, .what = "footer"};
    if (pq_parse_footer(&r, &f->arena, &f->ft)) return tf_err_prefix(err, "%s: ", f->name);
    f->nodes = tf_arena_zalloc(&f->arena, sizeof(tf_pq_node) * (size_t)f->ft.nschema);
    int idx = 0;
    if (build_node(f, &idx, -1, 0, err)) return TF_EFORMAT;
    if (idx != f->ft.nschema)
        return tf_errf(err, TF_EFORMAT, "%s: schema: %d elements are not reachable from the root", f->name,
                       f->ft.nschema - idx);
    f->leaf_node = tf_arena_alloc(&f->arena, sizeof(int) * (size_t)(f->ncols ? f->ncols : 1));
    for (int i = 0; i < f->ft.nschema; i++)
        if (f->nodes[i].leaf >= 0) f->leaf_node[f->nodes[i].leaf] = i;
    return check_chunks(f, err);
}

int tf_pq_open_mem(const void *data, size_t size, const char *name, const tf_pq_open_opts *opts, tf_pq_file **out,
                   tf_err *err)
{
    tf_pq_file *f = tf_xcalloc(1, sizeof *f);
    f->name = tf_xstrdup(name ? name : "(memory)");
    f->data = data;
    f->size = size;
    if (open_common(f, opts, err)) {
        tf_pq_close(f);
        *out = NULL;
        return err->code ? err->code : TF_EFORMAT;
    }
    *out = f;
    return TF_OK;
}

int tf_pq_open(const char *path, const tf_pq_open_opts *opts, tf_pq_file **out, tf_err *err)
{
    *out = NULL;
    tf_pq_file *f = tf_xcalloc(1, sizeof *f);
    f->name = tf_xstrdup(path);
    if (tf_map_open(path, &f->map, err)) {
        free(f->name);
        free(f);
        return TF_EIO;
    }
    f->mapped = 1;
    f->data = (const uint8_t *)f->map.data;
    f->size = f->map.size;
    if (open_common(f, opts, err)) {
        int rc = err->code ? err->code : TF_EFORMAT;
        tf_pq_close(f);
        return rc;
    }
    *out = f;
    return TF_OK;
}

void tf_pq_close(tf_pq_file *f)
{
    if (!f) return;
    if (f->mapped) tf_map_close(&f->map);
    tf_arena_free(&f->arena);
    free(f->name);
    free(f);
}

const char *tf_pq_name(const tf_pq_file *f) { return f->name; }
int64_t tf_pq_num_rows(const tf_pq_file *f) { return f->num_rows; }
int tf_pq_num_row_groups(const tf_pq_file *f) { return f->ft.nrg; }
int64_t tf_pq_row_group_rows(const tf_pq_file *f, int rg) { return f->ft.rgs[rg].num_rows; }
int tf_pq_num_columns(const tf_pq_file *f) { return f->ncols; }
const char *tf_pq_created_by(const tf_pq_file *f) { return f->ft.created_by; }
int tf_pq_num_kv(const tf_pq_file *f) { return f->ft.nkv; }
int tf_pq_format_version(const tf_pq_file *f) { return f->ft.version; }
int tf_pq_num_nodes(const tf_pq_file *f) { return f->ft.nschema; }
const tf_pq_node *tf_pq_node_at(const tf_pq_file *f, int node) { return &f->nodes[node]; }
const tf_pq_node *tf_pq_leaf(const tf_pq_file *f, int col) { return &f->nodes[f->leaf_node[col]]; }

void tf_pq_kv(const tf_pq_file *f, int i, const char **key, const char **value)
{
    *key = f->ft.kv_key[i];
    *value = f->ft.kv_val[i];
}

int tf_pq_find_column(const tf_pq_file *f, const char *path)
{
    for (int c = 0; c < f->ncols; c++)
        if (!strcmp(tf_pq_leaf(f, c)->path, path)) return c;
    return -1;
}

int tf_pq_find_field(const tf_pq_file *f, const char *name)
{
    const tf_pq_node *root = &f->nodes[0];
    for (int i = 0; i < root->nchildren; i++)
        if (!strcmp(f->nodes[root->children[i]].name, name)) return root->children[i];
    return -1;
}

/* ---- statistics ---- */

static int64_t le_int(const uint8_t *p, uint32_t n, int is_signed)
{
    uint64_t v = 0;
    for (uint32_t i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    if (is_signed && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~UINT64_C(0) << (8 * n);
    return (int64_t)v;
}

static int typed_stat(const tf_pq_node *leaf, const uint8_t *p, uint32_t n, int64_t *i, double *d)
{
    int uns = leaf->logical == TF_PQL_INT && !leaf->int_signed;
    switch (leaf->physical) {
    case TF_PQ_BOOLEAN:
        if (n < 1) return 0;
        *i = p[0] & 1;
        return 1;
    case TF_PQ_INT32:
        if (n != 4) return 0;
        *i = le_int(p, 4, !uns);
        return 1;
    case TF_PQ_INT64:
        if (n != 8) return 0;
        *i = le_int(p, 8, 1);
        return !uns; /* unsigned 64-bit does not fit the signed field */
    case TF_PQ_FLOAT: {
        if (n != 4) return 0;
        float x;
        memcpy(&x, p, 4);
        *d = x;
        return x == x;
    }
    case TF_PQ_DOUBLE:
        if (n != 8) return 0;
        memcpy(d, p, 8);
        return *d == *d;
    default: return 1;
    }
}

static void fill_stats(const tf_pq_file *f, const tf_pq_node *leaf, const pq_colmeta *md, tf_pq_stats *s)
{
    memset(s, 0, sizeof *s);
    s->num_values = md->num_values;
    if (!md->has_stats) return;
    const pq_stats_raw *r = &md->stats;
    s->has_null_count = r->has_null_count;
    s->null_count = r->null_count;
    const uint8_t *mn = NULL, *mx = NULL;
    uint32_t mnl = 0, mxl = 0;
    if (r->min && r->max && f->ft.has_column_orders) {
        mn = r->min, mx = r->max, mnl = r->min_len, mxl = r->max_len;
    } else if (r->old_min && r->old_max && leaf->physical != TF_PQ_BYTE_ARRAY && leaf->physical != TF_PQ_FIXED &&
               leaf->physical != TF_PQ_INT96 && leaf->logical != TF_PQL_DECIMAL &&
               !(leaf->logical == TF_PQL_INT && !leaf->int_signed)) {
        mn = r->old_min, mx = r->old_max, mnl = r->old_min_len, mxl = r->old_max_len; /* signed order is right */
    }
    if (!mn || leaf->physical == TF_PQ_INT96 || leaf->logical == TF_PQL_FLOAT16) return;
    if (!typed_stat(leaf, mn, mnl, &s->min_i, &s->min_d) || !typed_stat(leaf, mx, mxl, &s->max_i, &s->max_d)) return;
    if (leaf->physical == TF_PQ_FIXED && (mnl != (uint32_t)leaf->type_length || mxl != (uint32_t)leaf->type_length))
        return;
    s->min_b = mn, s->max_b = mx, s->min_len = mnl, s->max_len = mxl;
    s->has_min_max = 1;
}

int tf_pq_chunk_meta(const tf_pq_file *f, int rg, int col, tf_pq_chunk_info *out)
{
    if (rg < 0 || rg >= f->ft.nrg || col < 0 || col >= f->ncols) return TF_EINVAL;
    const pq_colmeta *md = &f->ft.rgs[rg].cols[col].md;
    memset(out, 0, sizeof *out);
    out->codec = md->codec;
    out->num_values = md->num_values;
    out->compressed_size = md->total_compressed;
    out->uncompressed_size = md->total_uncompressed;
    out->data_page_offset = md->data_page_offset;
    out->dictionary_page_offset = md->dictionary_page_offset;
    out->nencodings = md->nenc;
    memcpy(out->encodings, md->enc, sizeof out->encodings);
    fill_stats(f, tf_pq_leaf(f, col), md, &out->stats);
    return TF_OK;
}

int tf_pq_can_skip(const tf_pq_file *f, int rg, int col, double lo, double hi)
{
    tf_pq_chunk_info ci;
    if (tf_pq_chunk_meta(f, rg, col, &ci)) return 0;
    const tf_pq_stats *s = &ci.stats;
    if (s->has_null_count && s->null_count == s->num_values && s->num_values > 0) return 1; /* all null */
    if (!s->has_min_max) return 0;
    switch (tf_pq_leaf(f, col)->physical) {
    case TF_PQ_INT32:
    case TF_PQ_INT64: return (double)s->min_i > hi || (double)s->max_i < lo;
    case TF_PQ_FLOAT:
    case TF_PQ_DOUBLE: return s->min_d > hi || s->max_d < lo;
    default: return 0;
    }
}

/* ---- page walking ---- */

int pq_chunk_range(const tf_pq_file *f, int rg, int col, int64_t *start, int64_t *end, tf_err *err)
{
    const pq_colmeta *md = &f->ft.rgs[rg].cols[col].md;
    int64_t s = md->data_page_offset;
    if (md->dictionary_page_offset > 0 && md->dictionary_page_offset < s) s = md->dictionary_page_offset;
    if (s < 4 || s >= f->footer_start || md->total_compressed < 0 || md->total_compressed > f->footer_start - s)
        return tf_errf(err, TF_EFORMAT,
                       "%s: row group %d: column '%s': chunk at offset %lld with %lld bytes lies outside the data "
                       "(footer starts at %lld)",
                       f->name, rg, tf_pq_leaf(f, col)->path, (long long)s, (long long)md->total_compressed,
                       (long long)f->footer_start);
    *start = s;
    *end = s + md->total_compressed;
    return TF_OK;
}

int pq_read_page_header(const tf_pq_file *f, int64_t pos, int64_t end, pq_page_header *h, int64_t *body, tf_err *err)
{
    thr_r r = {.p = f->data + pos, .end = f->data + end, .base = f->data + pos, .base_off = pos, .err = err,
               .what = "page header"};
    if (pq_parse_page_header(&r, h)) return TF_EFORMAT;
    *body = pos + (r.p - r.base);
    if (h->compressed > end - *body)
        return tf_errf(err, TF_EFORMAT, "page at offset %lld: compressed size %d runs past the chunk end %lld",
                       (long long)pos, h->compressed, (long long)end);
    return TF_OK;
}

int tf_pq_count_pages(const tf_pq_file *f, int rg, int col, tf_pq_page_counts *out, tf_err *err)
{
    memset(out, 0, sizeof *out);
    int64_t pos, end;
    if (pq_chunk_range(f, rg, col, &pos, &end, err)) return TF_EFORMAT;
    while (pos < end) {
        pq_page_header h;
        int64_t body;
        if (pq_read_page_header(f, pos, end, &h, &body, err))
            return tf_err_prefix(err, "%s: row group %d: column '%s': ", f->name, rg, tf_pq_leaf(f, col)->path);
        if (h.type == PQ_PAGE_DICT) out->dict_pages++;
        else if (h.type == PQ_PAGE_DATA) out->data_pages_v1++;
        else if (h.type == PQ_PAGE_DATA_V2) out->data_pages_v2++;
        else out->index_pages++;
        pos = body + h.compressed;
    }
    return TF_OK;
}
