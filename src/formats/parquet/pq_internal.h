/* pq_internal.h — what the Parquet modules share inside src/formats/parquet:
 * the Thrift compact protocol, the footer structs, encodings and codecs. */
#ifndef TF_PQ_INTERNAL_H
#define TF_PQ_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/err.h"
#include "tripflow/mem.h"
#include "tripflow/parquet.h"

/* ---- enum values of parquet.thrift ---- */
enum { PQ_ENC_PLAIN = 0, PQ_ENC_PLAIN_DICT = 2, PQ_ENC_RLE = 3, PQ_ENC_BIT_PACKED = 4, PQ_ENC_DELTA_BP = 5,
       PQ_ENC_DELTA_LBA = 6, PQ_ENC_DELTA_BA = 7, PQ_ENC_RLE_DICT = 8, PQ_ENC_BSS = 9 };
enum { PQ_PAGE_DATA = 0, PQ_PAGE_INDEX = 1, PQ_PAGE_DICT = 2, PQ_PAGE_DATA_V2 = 3 };
enum { PQ_CT_UTF8 = 0, PQ_CT_MAP = 1, PQ_CT_MAP_KV = 2, PQ_CT_LIST = 3, PQ_CT_ENUM = 4, PQ_CT_DECIMAL = 5,
       PQ_CT_DATE = 6, PQ_CT_TIME_MILLIS = 7, PQ_CT_TIME_MICROS = 8, PQ_CT_TS_MILLIS = 9, PQ_CT_TS_MICROS = 10,
       PQ_CT_UINT_8 = 11, PQ_CT_UINT_64 = 14, PQ_CT_INT_8 = 15, PQ_CT_INT_64 = 18, PQ_CT_JSON = 19,
       PQ_CT_BSON = 20, PQ_CT_INTERVAL = 21 };

/* ---- Thrift compact protocol: reader (bounded) ---- */
enum { THR_TRUE = 1, THR_FALSE = 2, THR_I8 = 3, THR_I16 = 4, THR_I32 = 5, THR_I64 = 6, THR_DOUBLE = 7,
       THR_BINARY = 8, THR_LIST = 9, THR_SET = 10, THR_MAP = 11, THR_STRUCT = 12 };

typedef struct thr_r {
    const uint8_t *p, *end, *base; /* base: offsets in messages are p - base + base_off */
    int64_t base_off;
    int depth;
    tf_err *err;
    const char *what; /* "footer", "page header" */
} thr_r;

int thr_fail(thr_r *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* next field of the current struct: 1 = field (id, ctype set), 0 = end, <0 error */
int thr_field(thr_r *r, int *last_id, int *id, int *ctype);
int thr_uvarint(thr_r *r, uint64_t *v);
int thr_i64(thr_r *r, int64_t *v);
int thr_i32(thr_r *r, int32_t *v);
int thr_binary(thr_r *r, const uint8_t **p, uint32_t *n);
int thr_double(thr_r *r, double *v);
/* list header: element type and count (count bounded by the bytes left) */
int thr_list(thr_r *r, int *etype, uint32_t *n);
int thr_skip(thr_r *r, int ctype);
/* a field that must be of ctype: -> error naming it otherwise */
int thr_expect(thr_r *r, int ctype, int want, const char *field);

/* ---- Thrift compact protocol: writer ---- */
typedef struct thr_w {
    tf_buf *b;
    int last[32];
    int depth;
} thr_w;
void thrw_field(thr_w *w, int id, int ctype);
void thrw_i32(thr_w *w, int id, int32_t v);
void thrw_i64(thr_w *w, int id, int64_t v);
void thrw_bool(thr_w *w, int id, int v);
void thrw_binary(thr_w *w, int id, const void *p, size_t n);
void thrw_struct_begin(thr_w *w, int id); /* id 0: a list element */
void thrw_struct_end(thr_w *w);
void thrw_list(thr_w *w, int id, int etype, uint32_t n); /* id 0: no field header */
void thrw_raw_i32(thr_w *w, int32_t v); /* a list element */
void thrw_raw_binary(thr_w *w, const void *p, size_t n);
void thrw_i16(thr_w *w, int id, int16_t v);
void thrw_stop(thr_w *w); /* the end of the outermost struct */
/* ULEB128 */
void pq_put_uvarint(tf_buf *b, uint64_t v);
/* grow an array to hold need elements (at least one; doubling) */
void *pq_grow(void *p, size_t *cap, size_t need, size_t elem);

/* ---- footer structs (parsed into the file's arena) ---- */
typedef struct pq_stats_raw {
    int has_null_count;
    int64_t null_count;
    const uint8_t *min, *max;        /* min_value / max_value (5, 6) */
    uint32_t min_len, max_len;
    const uint8_t *old_min, *old_max; /* deprecated min / max (2, 1) */
    uint32_t old_min_len, old_max_len;
} pq_stats_raw;

typedef struct pq_colmeta {
    int type;
    int nenc;
    int enc[12];
    int codec;
    int64_t num_values, total_uncompressed, total_compressed;
    int64_t data_page_offset, dictionary_page_offset, index_page_offset;
    int has_stats;
    pq_stats_raw stats;
} pq_colmeta;

typedef struct pq_chunk {
    int64_t file_offset;
    int has_meta, encrypted, external;
    pq_colmeta md;
} pq_chunk;

typedef struct pq_rowgroup {
    int ncols;
    pq_chunk *cols;
    int64_t total_byte_size, num_rows;
} pq_rowgroup;

typedef struct pq_schema_el {
    int has_type, type;
    int32_t type_length;
    int has_rep, rep;
    const char *name;
    int num_children;
    int converted; /* -1 absent */
    int32_t scale, precision;
    int has_field_id;
    int32_t field_id;
    int lt;       /* LogicalType union field id, 0 absent */
    int lt_utc, lt_unit, lt_scale, lt_precision, lt_bits, lt_signed;
} pq_schema_el;

typedef struct pq_footer {
    int32_t version;
    int nschema;
    pq_schema_el *schema;
    int64_t num_rows;
    int nrg;
    pq_rowgroup *rgs;
    int nkv;
    const char **kv_key, **kv_val;
    const char *created_by;
    int has_column_orders;
} pq_footer;

int pq_parse_footer(thr_r *r, tf_arena *a, pq_footer *out);

typedef struct pq_page_header {
    int type;
    int32_t uncompressed, compressed;
    int has_crc;
    int32_t crc;
    int32_t num_values, encoding, def_enc, rep_enc; /* v1, v2 and dictionary */
    int32_t num_nulls, num_rows, def_len, rep_len;  /* v2 */
    int is_compressed;                              /* v2, default 1 */
} pq_page_header;
int pq_parse_page_header(thr_r *r, pq_page_header *h);

/* ---- codecs ---- */
typedef struct pq_codec_ctx {
    void *zc, *zd; /* ZSTD_CCtx, ZSTD_DCtx */
} pq_codec_ctx;
void pq_codec_free(pq_codec_ctx *c);
/* decompress exactly `want` bytes into out; a message (without context) on error */
int pq_decompress(pq_codec_ctx *c, int codec, const uint8_t *in, size_t n, uint8_t *out, size_t want, tf_err *err);
/* append the compressed form of in to out */
int pq_compress(pq_codec_ctx *c, int codec, int level, const uint8_t *in, size_t n, tf_buf *out, tf_err *err);
const char *pq_codec_name(int codec);
const char *pq_encoding_name(int enc);
const char *pq_type_name(int type);

/* ---- decoding (bounded; messages without context) ---- */
/* RLE/bit-packed hybrid: exactly count values of bit_width into out */
int pq_rle_decode_u32(const uint8_t *p, size_t n, int bit_width, uint32_t *out, int64_t count, tf_err *err);
int pq_rle_decode_i16(const uint8_t *p, size_t n, int bit_width, int16_t *out, int64_t count, tf_err *err);
/* DELTA_BINARY_PACKED: count values; *used = bytes consumed */
int pq_delta_decode(const uint8_t *p, size_t n, int64_t *out, int64_t count, size_t *used, tf_err *err);
/* total value count announced in a DELTA_BINARY_PACKED header */
int pq_delta_count(const uint8_t *p, size_t n, int64_t *count, tf_err *err);
static inline int pq_bit_width(uint64_t v)
{
    return v ? 64 - __builtin_clzll(v) : 0;
}

/* ---- encoding (writer) ---- */
/* RLE/bit-packed hybrid of n values of bit_width (no length prefix) */
void pq_rle_encode_u32(const uint32_t *v, int64_t n, int bit_width, tf_buf *out);
void pq_rle_encode_u8(const uint8_t *v, int64_t n, int bit_width, tf_buf *out);
/* PLAIN booleans: n values (0/1 bytes) bit-packed LSB first */
void pq_plain_bools(const uint8_t *v, int64_t n, tf_buf *out);

#endif
