/* meta.c — parsing the footer (FileMetaData and everything under it) and
 * page headers from the Thrift compact protocol, plus the names of the
 * Parquet enums.  Unknown fields are skipped; lengths are bounded. */
#include <string.h>

#include "pq_internal.h"

#define FIELDS(r) \
    int last_ = 0, id_, ct_, rc_; \
    while ((rc_ = thr_field((r), &last_, &id_, &ct_)) == 1)
#define END_FIELDS (rc_ < 0 ? TF_EFORMAT : TF_OK)

static int rd_i32(thr_r *r, int ct, const char *name, int32_t *v)
{
    if (thr_expect(r, ct, THR_I32, name)) return TF_EFORMAT;
    return thr_i32(r, v);
}

static int rd_i64(thr_r *r, int ct, const char *name, int64_t *v)
{
    if (ct == THR_I32 || ct == THR_I16) {
        int32_t x;
        if (thr_i32(r, &x)) return TF_EFORMAT;
        *v = x;
        return TF_OK;
    }
    if (thr_expect(r, ct, THR_I64, name)) return TF_EFORMAT;
    return thr_i64(r, v);
}

static int rd_str(thr_r *r, int ct, const char *name, tf_arena *a, const char **out)
{
    const uint8_t *p;
    uint32_t n;
    if (thr_expect(r, ct, THR_BINARY, name) || thr_binary(r, &p, &n)) return TF_EFORMAT;
    *out = tf_arena_strndup(a, (const char *)p, n);
    return TF_OK;
}

static int rd_stats(thr_r *r, pq_stats_raw *s)
{
    memset(s, 0, sizeof *s);
    FIELDS(r)
    {
        const uint8_t *p;
        uint32_t n;
        switch (id_) {
        case 1:
        case 2:
        case 5:
        case 6:
            if (thr_expect(r, ct_, THR_BINARY, "Statistics.min/max") || thr_binary(r, &p, &n)) return TF_EFORMAT;
            if (id_ == 1) s->old_max = p, s->old_max_len = n;
            if (id_ == 2) s->old_min = p, s->old_min_len = n;
            if (id_ == 5) s->max = p, s->max_len = n;
            if (id_ == 6) s->min = p, s->min_len = n;
            break;
        case 3:
            if (rd_i64(r, ct_, "Statistics.null_count", &s->null_count)) return TF_EFORMAT;
            s->has_null_count = 1;
            break;
        default:
            if (thr_skip(r, ct_)) return TF_EFORMAT;
        }
    }
    return END_FIELDS;
}

static int rd_i32_list(thr_r *r, int ct, const char *name, int *out, int cap, int *nout)
{
    int et;
    uint32_t n;
    if (thr_expect(r, ct, THR_LIST, name) || thr_list(r, &et, &n)) return TF_EFORMAT;
    if (et != THR_I32) return thr_fail(r, "%s: list of wire type %d, expected i32", name, et);
    *nout = 0;
    for (uint32_t i = 0; i < n; i++) {
        int32_t v;
        if (thr_i32(r, &v)) return TF_EFORMAT;
        if (*nout < cap) out[(*nout)++] = v;
    }
    return TF_OK;
}

static int rd_colmeta(thr_r *r, pq_colmeta *m)
{
    m->type = -1;
    m->codec = -1;
    m->num_values = m->total_compressed = m->total_uncompressed = m->data_page_offset = -1;
    FIELDS(r)
    {
        int32_t v;
        switch (id_) {
        case 1:
            if (rd_i32(r, ct_, "ColumnMetaData.type", &v)) return TF_EFORMAT;
            m->type = v;
            break;
        case 2:
            if (rd_i32_list(r, ct_, "ColumnMetaData.encodings", m->enc, 12, &m->nenc)) return TF_EFORMAT;
            break;
        case 4:
            if (rd_i32(r, ct_, "ColumnMetaData.codec", &v)) return TF_EFORMAT;
            m->codec = v;
            break;
        case 5:
            if (rd_i64(r, ct_, "ColumnMetaData.num_values", &m->num_values)) return TF_EFORMAT;
            break;
        case 6:
            if (rd_i64(r, ct_, "ColumnMetaData.total_uncompressed_size", &m->total_uncompressed)) return TF_EFORMAT;
            break;
        case 7:
            if (rd_i64(r, ct_, "ColumnMetaData.total_compressed_size", &m->total_compressed)) return TF_EFORMAT;
            break;
        case 9:
            if (rd_i64(r, ct_, "ColumnMetaData.data_page_offset", &m->data_page_offset)) return TF_EFORMAT;
            break;
        case 10:
            if (rd_i64(r, ct_, "ColumnMetaData.index_page_offset", &m->index_page_offset)) return TF_EFORMAT;
            break;
        case 11:
            if (rd_i64(r, ct_, "ColumnMetaData.dictionary_page_offset", &m->dictionary_page_offset)) return TF_EFORMAT;
            break;
        case 12:
            if (thr_expect(r, ct_, THR_STRUCT, "ColumnMetaData.statistics")) return TF_EFORMAT;
            r->depth++;
            if (rd_stats(r, &m->stats)) return TF_EFORMAT;
            r->depth--;
            m->has_stats = 1;
            break;
        default:
            if (thr_skip(r, ct_)) return TF_EFORMAT;
        }
    }
    if (rc_ < 0) return TF_EFORMAT;
    if (m->type < 0 || m->codec < 0 || m->num_values < 0 || m->total_compressed < 0 || m->data_page_offset < 0)
        return thr_fail(r, "ColumnMetaData lacks a required field (type, codec, num_values, sizes or data_page_offset)");
    return TF_OK;
}

static int rd_chunk(thr_r *r, pq_chunk *c)
{
    FIELDS(r)
    {
        switch (id_) {
        case 1: {
            const uint8_t *p;
            uint32_t n;
            if (thr_expect(r, ct_, THR_BINARY, "ColumnChunk.file_path") || thr_binary(r, &p, &n)) return TF_EFORMAT;
            c->external = n > 0;
            break;
        }
        case 2:
            if (rd_i64(r, ct_, "ColumnChunk.file_offset", &c->file_offset)) return TF_EFORMAT;
            break;
        case 3:
            if (thr_expect(r, ct_, THR_STRUCT, "ColumnChunk.meta_data")) return TF_EFORMAT;
            r->depth++;
            if (rd_colmeta(r, &c->md)) return TF_EFORMAT;
            r->depth--;
            c->has_meta = 1;
            break;
        case 8:
        case 9:
            c->encrypted = 1;
            if (thr_skip(r, ct_)) return TF_EFORMAT;
            break;
        default:
            if (thr_skip(r, ct_)) return TF_EFORMAT;
        }
    }
    return END_FIELDS;
}

static int rd_rowgroup(thr_r *r, tf_arena *a, pq_rowgroup *g)
{
    g->num_rows = -1;
    FIELDS(r)
    {
        switch (id_) {
        case 1: {
            int et;
            uint32_t n;
            if (thr_expect(r, ct_, THR_LIST, "RowGroup.columns") || thr_list(r, &et, &n)) return TF_EFORMAT;
            if (et != THR_STRUCT) return thr_fail(r, "RowGroup.columns is not a list of structs");
            g->cols = tf_arena_zalloc(a, (n ? n : 1) * sizeof *g->cols);
            g->ncols = (int)n;
            r->depth++;
            for (uint32_t i = 0; i < n; i++)
                if (rd_chunk(r, &g->cols[i])) return TF_EFORMAT;
            r->depth--;
            break;
        }
        case 2:
            if (rd_i64(r, ct_, "RowGroup.total_byte_size", &g->total_byte_size)) return TF_EFORMAT;
            break;
        case 3:
            if (rd_i64(r, ct_, "RowGroup.num_rows", &g->num_rows)) return TF_EFORMAT;
            break;
        default:
            if (thr_skip(r, ct_)) return TF_EFORMAT;
        }
    }
    if (rc_ < 0) return TF_EFORMAT;
    if (g->num_rows < 0) return thr_fail(r, "RowGroup.num_rows is missing or negative");
    return TF_OK;
}

static int rd_time_unit(thr_r *r, int *unit)
{
    FIELDS(r)
    {
        if (id_ >= 1 && id_ <= 3) *unit = id_;
        if (thr_skip(r, ct_)) return TF_EFORMAT;
    }
    return END_FIELDS;
}

static int rd_logical(thr_r *r, pq_schema_el *e)
{
    FIELDS(r)
    {
        if (ct_ != THR_STRUCT) {
            if (thr_skip(r, ct_)) return TF_EFORMAT;
            continue;
        }
        e->lt = id_;
        r->depth++;
        /* the union member's own struct */
        int l2 = 0, id2, ct2, rc2;
        while ((rc2 = thr_field(r, &l2, &id2, &ct2)) == 1) {
            int32_t v;
            if ((id_ == 7 || id_ == 8) && id2 == 1 && (ct2 == THR_TRUE || ct2 == THR_FALSE)) {
                e->lt_utc = ct2 == THR_TRUE;
            } else if ((id_ == 7 || id_ == 8) && id2 == 2 && ct2 == THR_STRUCT) {
                r->depth++;
                if (rd_time_unit(r, &e->lt_unit)) return TF_EFORMAT;
                r->depth--;
            } else if (id_ == 5 && (id2 == 1 || id2 == 2) && ct2 == THR_I32) {
                if (thr_i32(r, &v)) return TF_EFORMAT;
                if (id2 == 1) e->lt_scale = v;
                else e->lt_precision = v;
            } else if (id_ == 10 && id2 == 1 && ct2 == THR_I8) {
                if (r->p >= r->end) return thr_fail(r, "truncated i8");
                e->lt_bits = (int8_t)*r->p++;
            } else if (id_ == 10 && id2 == 2 && (ct2 == THR_TRUE || ct2 == THR_FALSE)) {
                e->lt_signed = ct2 == THR_TRUE;
            } else if (thr_skip(r, ct2)) {
                return TF_EFORMAT;
            }
        }
        if (rc2 < 0) return TF_EFORMAT;
        r->depth--;
    }
    return END_FIELDS;
}

static int rd_schema_el(thr_r *r, tf_arena *a, pq_schema_el *e)
{
    e->converted = -1;
    FIELDS(r)
    {
        int32_t v;
        switch (id_) {
        case 1:
            if (rd_i32(r, ct_, "SchemaElement.type", &v)) return TF_EFORMAT;
            e->has_type = 1, e->type = v;
            break;
        case 2:
            if (rd_i32(r, ct_, "SchemaElement.type_length", &e->type_length)) return TF_EFORMAT;
            break;
        case 3:
            if (rd_i32(r, ct_, "SchemaElement.repetition_type", &v)) return TF_EFORMAT;
            e->has_rep = 1, e->rep = v;
            break;
        case 4:
            if (rd_str(r, ct_, "SchemaElement.name", a, &e->name)) return TF_EFORMAT;
            break;
        case 5:
            if (rd_i32(r, ct_, "SchemaElement.num_children", &v)) return TF_EFORMAT;
            e->num_children = v;
            break;
        case 6:
            if (rd_i32(r, ct_, "SchemaElement.converted_type", &v)) return TF_EFORMAT;
            e->converted = v;
            break;
        case 7:
            if (rd_i32(r, ct_, "SchemaElement.scale", &e->scale)) return TF_EFORMAT;
            break;
        case 8:
            if (rd_i32(r, ct_, "SchemaElement.precision", &e->precision)) return TF_EFORMAT;
            break;
        case 9:
            if (rd_i32(r, ct_, "SchemaElement.field_id", &e->field_id)) return TF_EFORMAT;
            e->has_field_id = 1;
            break;
        case 10:
            if (thr_expect(r, ct_, THR_STRUCT, "SchemaElement.logicalType")) return TF_EFORMAT;
            r->depth++;
            if (rd_logical(r, e)) return TF_EFORMAT;
            r->depth--;
            break;
        default:
            if (thr_skip(r, ct_)) return TF_EFORMAT;
        }
    }
    if (rc_ < 0) return TF_EFORMAT;
    if (!e->name) return thr_fail(r, "SchemaElement without a name");
    return TF_OK;
}

static int rd_kv(thr_r *r, tf_arena *a, const char **k, const char **v)
{
    *k = NULL;
    *v = NULL;
    FIELDS(r)
    {
        if (id_ == 1) {
            if (rd_str(r, ct_, "KeyValue.key", a, k)) return TF_EFORMAT;
        } else if (id_ == 2) {
            if (rd_str(r, ct_, "KeyValue.value", a, v)) return TF_EFORMAT;
        } else if (thr_skip(r, ct_)) {
            return TF_EFORMAT;
        }
    }
    if (rc_ < 0) return TF_EFORMAT;
    if (!*k) *k = "";
    return TF_OK;
}

int pq_parse_footer(thr_r *r, tf_arena *a, pq_footer *f)
{
    memset(f, 0, sizeof *f);
    f->num_rows = -1;
    f->created_by = "";
    int have_schema = 0, have_rgs = 0;
    FIELDS(r)
    {
        int et;
        uint32_t n;
        switch (id_) {
        case 1:
            if (rd_i32(r, ct_, "FileMetaData.version", &f->version)) return TF_EFORMAT;
            break;
        case 2:
            if (thr_expect(r, ct_, THR_LIST, "FileMetaData.schema") || thr_list(r, &et, &n)) return TF_EFORMAT;
            if (et != THR_STRUCT) return thr_fail(r, "FileMetaData.schema is not a list of structs");
            f->schema = tf_arena_zalloc(a, (n ? n : 1) * sizeof *f->schema);
            f->nschema = (int)n;
            r->depth++;
            for (uint32_t i = 0; i < n; i++)
                if (rd_schema_el(r, a, &f->schema[i])) return TF_EFORMAT;
            r->depth--;
            have_schema = 1;
            break;
        case 3:
            if (rd_i64(r, ct_, "FileMetaData.num_rows", &f->num_rows)) return TF_EFORMAT;
            break;
        case 4:
            if (thr_expect(r, ct_, THR_LIST, "FileMetaData.row_groups") || thr_list(r, &et, &n)) return TF_EFORMAT;
            if (et != THR_STRUCT) return thr_fail(r, "FileMetaData.row_groups is not a list of structs");
            f->rgs = tf_arena_zalloc(a, (n ? n : 1) * sizeof *f->rgs);
            f->nrg = (int)n;
            r->depth++;
            for (uint32_t i = 0; i < n; i++)
                if (rd_rowgroup(r, a, &f->rgs[i])) return TF_EFORMAT;
            r->depth--;
            have_rgs = 1;
            break;
        case 5:
            if (thr_expect(r, ct_, THR_LIST, "FileMetaData.key_value_metadata") || thr_list(r, &et, &n))
                return TF_EFORMAT;
            if (et != THR_STRUCT) return thr_fail(r, "FileMetaData.key_value_metadata is not a list of structs");
            f->kv_key = tf_arena_zalloc(a, (n ? n : 1) * sizeof(char *));
            f->kv_val = tf_arena_zalloc(a, (n ? n : 1) * sizeof(char *));
            f->nkv = (int)n;
            r->depth++;
            for (uint32_t i = 0; i < n; i++)
                if (rd_kv(r, a, &f->kv_key[i], &f->kv_val[i])) return TF_EFORMAT;
            r->depth--;
            break;
        case 6:
            if (rd_str(r, ct_, "FileMetaData.created_by", a, &f->created_by)) return TF_EFORMAT;
            break;
        case 7:
            f->has_column_orders = 1;
            if (thr_skip(r, ct_)) return TF_EFORMAT;
            break;
        default:
            if (thr_skip(r, ct_)) return TF_EFORMAT;
        }
    }
    if (rc_ < 0) return TF_EFORMAT;
    if (!have_schema || f->nschema < 1) return thr_fail(r, "FileMetaData has no schema");
    if (!have_rgs) return thr_fail(r, "FileMetaData has no row_groups");
    return TF_OK;
}

static int rd_data_header(thr_r *r, pq_page_header *h, int v2)
{
    int32_t *dst_v1[] = {NULL, &h->num_values, &h->encoding, &h->def_enc, &h->rep_enc};
    int32_t *dst_v2[] = {NULL, &h->num_values, &h->num_nulls, &h->num_rows, &h->encoding, &h->def_len, &h->rep_len};
    FIELDS(r)
    {
        if (!v2 && id_ >= 1 && id_ <= 4) {
            if (rd_i32(r, ct_, "DataPageHeader field", dst_v1[id_])) return TF_EFORMAT;
        } else if (v2 && id_ >= 1 && id_ <= 6) {
            if (rd_i32(r, ct_, "DataPageHeaderV2 field", dst_v2[id_])) return TF_EFORMAT;
        } else if (v2 && id_ == 7 && (ct_ == THR_TRUE || ct_ == THR_FALSE)) {
            h->is_compressed = ct_ == THR_TRUE;
        } else if (thr_skip(r, ct_)) {
            return TF_EFORMAT;
        }
    }
    return END_FIELDS;
}

static int rd_dict_header(thr_r *r, pq_page_header *h)
{
    FIELDS(r)
    {
        if (id_ == 1) {
            if (rd_i32(r, ct_, "DictionaryPageHeader.num_values", &h->num_values)) return TF_EFORMAT;
        } else if (id_ == 2) {
            if (rd_i32(r, ct_, "DictionaryPageHeader.encoding", &h->encoding)) return TF_EFORMAT;
        } else if (thr_skip(r, ct_)) {
            return TF_EFORMAT;
        }
    }
    return END_FIELDS;
}

int pq_parse_page_header(thr_r *r, pq_page_header *h)
{
    memset(h, 0, sizeof *h);
    h->type = -1;
    h->uncompressed = h->compressed = -1;
    h->is_compressed = 1;
    h->num_values = -1;
    int have_sub = 0;
    FIELDS(r)
    {
        int32_t v;
        switch (id_) {
        case 1:
            if (rd_i32(r, ct_, "PageHeader.type", &v)) return TF_EFORMAT;
            h->type = v;
            break;
        case 2:
            if (rd_i32(r, ct_, "PageHeader.uncompressed_page_size", &h->uncompressed)) return TF_EFORMAT;
            break;
        case 3:
            if (rd_i32(r, ct_, "PageHeader.compressed_page_size", &h->compressed)) return TF_EFORMAT;
            break;
        case 4:
            if (rd_i32(r, ct_, "PageHeader.crc", &h->crc)) return TF_EFORMAT;
            h->has_crc = 1;
            break;
        case 5:
        case 7:
        case 8:
            if (thr_expect(r, ct_, THR_STRUCT, "PageHeader sub-header")) return TF_EFORMAT;
            r->depth++;
            if (id_ == 7 ? rd_dict_header(r, h) : rd_data_header(r, h, id_ == 8)) return TF_EFORMAT;
            r->depth--;
            if ((id_ == 5 && h->type == PQ_PAGE_DATA) || (id_ == 7 && h->type == PQ_PAGE_DICT) ||
                (id_ == 8 && h->type == PQ_PAGE_DATA_V2))
                have_sub = 1;
            break;
        default:
            if (thr_skip(r, ct_)) return TF_EFORMAT;
        }
    }
    if (rc_ < 0) return TF_EFORMAT;
    if (h->type < 0 || h->uncompressed < 0 || h->compressed < 0)
        return thr_fail(r, "PageHeader lacks type or sizes (or they are negative)");
    if (h->type != PQ_PAGE_INDEX && h->type <= PQ_PAGE_DATA_V2 && !have_sub)
        return thr_fail(r, "PageHeader of type %d lacks its sub-header", h->type);
    if (have_sub && h->num_values < 0) return thr_fail(r, "page num_values %d is negative", h->num_values);
    if (h->def_len < 0 || h->rep_len < 0) return thr_fail(r, "negative level lengths in DataPageHeaderV2");
    return TF_OK;
}

const char *pq_codec_name(int codec)
{
    static const char *n[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
    return codec >= 0 && codec < 8 ? n[codec] : "UNKNOWN";
}

const char *pq_encoding_name(int enc)
{
    static const char *n[] = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
                              "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
                              "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    return enc >= 0 && enc < 10 ? n[enc] : "UNKNOWN";
}

const char *pq_type_name(int type)
{
    static const char *n[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
                              "FIXED_LEN_BYTE_ARRAY"};
    return type >= 0 && type < 8 ? n[type] : "UNKNOWN";
}
