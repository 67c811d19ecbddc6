/* parquet.h — tripflow's own Parquet library: a writer for flat and
 * list-of-struct columns, a reader that decodes column chunks into typed
 * arrays, per-row-group statistics for pruning, and row-at-a-time record
 * assembly into JSON text.
 *
 * Threads: a tf_pq_file is immutable after tf_pq_open and may be shared by
 * threads; every decoding call takes a caller-owned tf_pq_batch that holds
 * the scratch buffers (one batch per thread).  A tf_pq_writer belongs to one
 * thread.  Nothing here has global mutable state.
 *
 * Errors follow err.h; reader messages name the file and, where it matters,
 * the row group, the column and the byte offset:
 *   "t.parquet: row group 0: column 'lat': page at offset 4: ..." */
#ifndef TF_PARQUET_H
#define TF_PARQUET_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/err.h"
#include "tripflow/mem.h"

/* ---- enums (values are those of parquet.thrift) ---- */
typedef enum tf_pq_physical {
    TF_PQ_BOOLEAN = 0,
    TF_PQ_INT32 = 1,
    TF_PQ_INT64 = 2,
    TF_PQ_INT96 = 3, /* read only; decoded as int64 microseconds */
    TF_PQ_FLOAT = 4,
    TF_PQ_DOUBLE = 5,
    TF_PQ_BYTE_ARRAY = 6,
    TF_PQ_FIXED = 7 /* FIXED_LEN_BYTE_ARRAY */
} tf_pq_physical;

typedef enum tf_pq_codec {
    TF_PQ_UNCOMPRESSED = 0,
    TF_PQ_SNAPPY = 1,
    TF_PQ_GZIP = 2,
    TF_PQ_ZSTD = 6,
    TF_PQ_LZ4_RAW = 7
} tf_pq_codec;

typedef enum tf_pq_repetition { TF_PQ_REQUIRED = 0, TF_PQ_OPTIONAL = 1, TF_PQ_REPEATED = 2 } tf_pq_repetition;

/* What a column means, from the LogicalType (or the ConvertedType). */
typedef enum tf_pq_logical {
    TF_PQL_NONE = 0,
    TF_PQL_STRING,    /* also ENUM, JSON */
    TF_PQL_DATE,      /* INT32 days */
    TF_PQL_TIMESTAMP, /* INT64 in unit (see tf_pq_node.ts_unit); INT96 columns too */
    TF_PQL_TIME,
    TF_PQL_DECIMAL,
    TF_PQL_INT,       /* INT(bits, signed) annotations: see int_bits, int_signed */
    TF_PQL_UUID,
    TF_PQL_FLOAT16,
    TF_PQL_LIST,
    TF_PQL_MAP,
    TF_PQL_NULL,      /* UNKNOWN: always null */
    TF_PQL_OTHER      /* an annotation tripflow does not interpret */
} tf_pq_logical;

enum { TF_PQ_MILLIS = 1, TF_PQ_MICROS = 2, TF_PQ_NANOS = 3 };

/* ---- strings ---- */
typedef struct tf_pq_str {
    const char *ptr;
    uint32_t len;
} tf_pq_str;

/* ---- statistics of one column chunk ---- */
typedef struct tf_pq_stats {
    int has_min_max;     /* min/max below are set (and trustworthy) */
    int has_null_count;
    int64_t null_count;  /* level entries without a leaf value */
    int64_t num_values;  /* level entries, nulls included */
    int64_t min_i, max_i; /* BOOLEAN, INT32, INT64 (DATE, TIMESTAMP, ...) */
    double min_d, max_d;  /* FLOAT, DOUBLE */
    const uint8_t *min_b, *max_b; /* BYTE_ARRAY, FIXED (unsigned byte order) */
    uint32_t min_len, max_len;
} tf_pq_stats;

/* =====================================================================
 * Reader
 * ===================================================================== */
typedef struct tf_pq_file tf_pq_file;

/* A node of the schema tree (the root is node 0, its fields follow). */
typedef struct tf_pq_node {
    const char *name;
    int repetition;        /* tf_pq_repetition; the root is REQUIRED */
    int is_leaf;
    int physical;          /* leaves: tf_pq_physical */
    int32_t type_length;   /* FIXED */
    int logical;           /* tf_pq_logical */
    int converted;         /* raw ConvertedType, -1 when absent */
    int ts_unit, ts_utc;   /* TIMESTAMP / TIME */
    int dec_scale, dec_precision;
    int int_bits, int_signed;
    int field_id;          /* -1 when absent */
    int parent;            /* node index, -1 for the root */
    int nchildren;
    const int *children;   /* node indexes */
    int max_def, max_rep;  /* levels of this node */
    int leaf;              /* leaves: column index; else -1 */
    int first_leaf, nleaves;
    const char *path;      /* dotted path from the root's children ("a.list.element") */
} tf_pq_node;

typedef struct tf_pq_open_opts {
    /* refuse column chunks with more level entries than this (default 1<<28):
     * bounds the memory a hostile footer can make the reader allocate */
    int64_t max_levels;
    /* refuse pages whose uncompressed size is larger (default 256 MiB) */
    int64_t max_page_size;
} tf_pq_open_opts;

/* Map the file and parse its footer (opts may be NULL). */
int tf_pq_open(const char *path, const tf_pq_open_opts *opts, tf_pq_file **out, tf_err *err);
/* The same over bytes in memory (not copied; they must outlive the file);
 * name is used in error messages. */
int tf_pq_open_mem(const void *data, size_t size, const char *name, const tf_pq_open_opts *opts, tf_pq_file **out,
                   tf_err *err);
void tf_pq_close(tf_pq_file *f);

const char *tf_pq_name(const tf_pq_file *f);
int64_t tf_pq_num_rows(const tf_pq_file *f); /* the sum over row groups */
int tf_pq_num_row_groups(const tf_pq_file *f);
int64_t tf_pq_row_group_rows(const tf_pq_file *f, int rg);
int tf_pq_num_columns(const tf_pq_file *f); /* leaves */
const char *tf_pq_created_by(const tf_pq_file *f); /* "" when absent */
int tf_pq_num_kv(const tf_pq_file *f);
void tf_pq_kv(const tf_pq_file *f, int i, const char **key, const char **value); /* value NULL when absent */
int tf_pq_format_version(const tf_pq_file *f);

int tf_pq_num_nodes(const tf_pq_file *f);
const tf_pq_node *tf_pq_node_at(const tf_pq_file *f, int node);
/* the node of leaf column `col` */
const tf_pq_node *tf_pq_leaf(const tf_pq_file *f, int col);
/* leaf column index by dotted path ("lat", "staypoints.list.element.lat"), or -1 */
int tf_pq_find_column(const tf_pq_file *f, const char *path);
/* top-level field node index by name, or -1 */
int tf_pq_find_field(const tf_pq_file *f, const char *name);

/* Chunk metadata of (row group, column). */
typedef struct tf_pq_chunk_info {
    int codec;               /* raw codec number */
    int64_t num_values;
    int64_t compressed_size, uncompressed_size;
    int64_t data_page_offset, dictionary_page_offset; /* 0 when absent */
    int nencodings;
    int encodings[12];       /* raw encoding numbers */
    tf_pq_stats stats;
} tf_pq_chunk_info;
int tf_pq_chunk_meta(const tf_pq_file *f, int rg, int col, tf_pq_chunk_info *out);

/* Row-group pruning: 1 when the statistics prove that no value of numeric
 * column col in row group rg lies in [lo, hi] (the row group can be skipped);
 * 0 when it may (or when there are no statistics). */
int tf_pq_can_skip(const tf_pq_file *f, int rg, int col, double lo, double hi);

/* Page counts of a chunk (walks the page headers). */
typedef struct tf_pq_page_counts {
    int dict_pages, data_pages_v1, data_pages_v2, index_pages;
} tf_pq_page_counts;
int tf_pq_count_pages(const tf_pq_file *f, int rg, int col, tf_pq_page_counts *out, tf_err *err);

/* ---- decoding ----
 * A batch holds one decoded column chunk and the buffers reused across
 * calls.  Zero-initialise it; free it with tf_pq_batch_free. */
typedef struct tf_pq_batch {
    int col;              /* the column decoded */
    int physical;
    int64_t num_rows;     /* of the row group */
    int64_t num_levels;   /* level entries (== num_rows for flat columns) */
    int64_t num_values;   /* non-null leaf values */
    const int16_t *def;   /* num_levels entries, NULL when max_def is 0 */
    const int16_t *rep;   /* num_levels entries, NULL when max_rep is 0 */
    /* the non-null values in order: int32_t (INT32), int64_t (INT64, INT96 as
     * microseconds), float, double, uint8_t 0/1 (BOOLEAN), type_length bytes
     * each (FIXED); BYTE_ARRAY values are in strs */
    const void *values;
    const tf_pq_str *strs;
    struct tf_pq_scratch *priv;
} tf_pq_batch;
void tf_pq_batch_free(tf_pq_batch *b);

/* Decode column col of row group rg into b (projection: only that chunk's
 * bytes are touched).  Pointers stay valid until the next call on b. */
int tf_pq_read_chunk(const tf_pq_file *f, int rg, int col, tf_pq_batch *b, tf_err *err);

/* Decode a flat (non-repeated) column into caller arrays with one slot per
 * row: dst holds num_rows values of the column's width (4 for INT32, FLOAT; 8
 * for INT64, DOUBLE, INT96; 1 for BOOLEAN; type_length for FIXED) or, for
 * BYTE_ARRAY, num_rows tf_pq_str pointing into scratch (valid until its next
 * use); null slots are zeroed and get valid[i] = 0 (valid may be NULL).
 * Required PLAIN and dictionary pages decode straight into dst. */
int tf_pq_read_flat(const tf_pq_file *f, int rg, int col, tf_pq_batch *scratch, void *dst, uint8_t *valid,
                    tf_err *err);

/* ---- records as JSON ----
 * A cursor over the rows of a file, assembling nested values from the
 * projected leaves.  fields: top-level field node indexes (NULL = all). */
typedef struct tf_pq_rows tf_pq_rows;
enum { TF_PQ_JSON = 0, TF_PQ_CSV = 1 };
int tf_pq_rows_open(const tf_pq_file *f, const int *fields, int nfields, tf_pq_rows **out, tf_err *err);
/* Append the next row to out: TF_PQ_JSON = one JSON object (no newline);
 * TF_PQ_CSV = one CSV record (no newline) with nested values as JSON text.
 * Returns 1 when a row was written, 0 at the end, or a negative tf_code. */
int tf_pq_rows_next(tf_pq_rows *r, int format, tf_buf *out, tf_err *err);
void tf_pq_rows_close(tf_pq_rows *r);
/* Render the value of leaf column `col` (non-null value index i of batch b)
 * as JSON (quote=1) or bare text (quote=0), by its logical type. */
void tf_pq_format_value(const tf_pq_file *f, const tf_pq_batch *b, int64_t i, int quote, tf_buf *out);

/* =====================================================================
 * Writer
 * ===================================================================== */
typedef enum tf_pq_type {
    TF_PQT_STRING = 1, /* BYTE_ARRAY + STRING */
    TF_PQT_INT32,
    TF_PQT_INT64,
    TF_PQT_FLOAT,
    TF_PQT_DOUBLE,
    TF_PQT_BOOLEAN,
    TF_PQT_TIMESTAMP, /* INT64 microseconds, UTC */
    TF_PQT_DATE,      /* INT32 days since 1970-01-01 */
    TF_PQT_FIXED,     /* FIXED_LEN_BYTE_ARRAY(fixed_len) */
    TF_PQT_LIST,      /* children[0] is the element: a primitive or a STRUCT */
    TF_PQT_STRUCT     /* only as a LIST element; children are primitives */
} tf_pq_type;

enum { TF_PQ_DICT_AUTO = 0, TF_PQ_DICT_ON = 1, TF_PQ_DICT_OFF = 2 };

typedef struct tf_pq_field {
    const char *name;
    int type;          /* tf_pq_type */
    int optional;      /* 1: nullable */
    int32_t fixed_len; /* TF_PQT_FIXED */
    int dict;          /* TF_PQ_DICT_AUTO (strings only), _ON, _OFF */
    const struct tf_pq_field *children;
    int nchildren;
} tf_pq_field;

typedef struct tf_pq_write_opts {
    int codec;              /* tf_pq_codec; default ZSTD */
    int level;              /* 0: the codec's default (ZSTD 3, GZIP 6) */
    int64_t row_group_rows; /* tf_pq_writer_write splits batches into row groups of this many rows (default 1048576) */
    int64_t page_size;      /* target uncompressed page size (default 1 MiB) */
    int64_t dict_limit;     /* dictionary larger than this falls back to PLAIN (default 1 MiB) */
    int no_sync;            /* TF_PQ_NO_SYNC: close does not fsync (the caller syncs many files at once, e.g.
                               syncfs); TF_PQ_START_SYNC: close only starts the writeback, the caller fsyncs later */
} tf_pq_write_opts;
enum { TF_PQ_SYNC = 0, TF_PQ_NO_SYNC = 1, TF_PQ_START_SYNC = 2 };
tf_pq_write_opts tf_pq_write_defaults(void);

/* Data of one leaf column for a batch of rows.  Slots: for a flat column one
 * per row; for a column inside a LIST one per element, rows i's elements
 * being slots list_offsets[i] .. list_offsets[i+1]-1. */
typedef struct tf_pq_col {
    const void *values;          /* fixed-width slots: int32_t, int64_t, float, double, uint8_t (BOOLEAN), fixed_len bytes */
    /* STRING values: the first of these that is set */
    const tf_pq_str *strs;       /* (ptr, len) per slot */
    const uint32_t *codes;       /* a code per slot into code_strs[0..ncodes), the caller's own */
    const tf_pq_str *code_strs;  /* dictionary: the writer's needs no hashing, and the file is */
    uint32_t ncodes;             /* the same as with strs (a code >= ncodes: TF_EINVAL) */
    const int64_t *str_offsets;  /* offsets (slots+1) into str_bytes */
    const char *str_bytes;
    const uint8_t *valid;        /* per slot, 0 = null; NULL = none null */
    const int64_t *list_offsets; /* LIST leaves: rows+1 offsets (absolute slot indexes) */
    const uint8_t *list_valid;   /* LIST leaves: per row, 0 = null list; NULL = none */
    const uint8_t *elem_valid;   /* LIST<STRUCT> leaves: per slot, 0 = null struct; NULL = none */
} tf_pq_col;

typedef struct tf_pq_writer tf_pq_writer;

/* Create path (the caller publishes it by rename).  The leaves, in schema
 * order, are the columns of tf_pq_writer_write. */
int tf_pq_writer_open(const char *path, const tf_pq_field *fields, int nfields, const tf_pq_write_opts *opts,
                      tf_pq_writer **out, tf_err *err);
int tf_pq_writer_num_leaves(const tf_pq_writer *w);
/* Write rows [0, nrows) of the batch as row groups of at most
 * opts.row_group_rows rows; cols has one entry per leaf. */
int tf_pq_writer_write(tf_pq_writer *w, int64_t nrows, const tf_pq_col *cols, tf_err *err);
/* Column by column: one row group of nrows rows; call put for every leaf in
 * order, then end.  The column's bytes go to the file at once. */
int tf_pq_writer_begin_group(tf_pq_writer *w, int64_t nrows, tf_err *err);
int tf_pq_writer_put(tf_pq_writer *w, int leaf, const tf_pq_col *col, tf_err *err);
int tf_pq_writer_end_group(tf_pq_writer *w, tf_err *err);
void tf_pq_writer_add_kv(tf_pq_writer *w, const char *key, const char *value);
/* Store the leaves of top-level column `column` with another codec than the
 * writer's (e.g. TF_PQ_UNCOMPRESSED for random bytes such as keys, which no
 * codec shrinks); before the first row group.  TF_EINVAL for an unknown
 * column or codec. */
int tf_pq_writer_column_codec(tf_pq_writer *w, const char *column, int codec, tf_err *err);
/* Encode the values of the FLOAT or DOUBLE leaves of `column` (pages without
 * a dictionary) as BYTE_STREAM_SPLIT instead of PLAIN: byte k of every value,
 * then byte k+1, ...  Coordinates that lie close together then share their
 * high bytes, which a codec squeezes well and fast.  Read by DuckDB, Spark
 * (parquet-mr 1.12+), Trino, Arrow.  Before the first row group; TF_EINVAL
 * for an unknown column, another type, or another encoding. */
enum { TF_PQ_ENC_PLAIN = 0, TF_PQ_ENC_BYTE_STREAM_SPLIT = 9 };
int tf_pq_writer_column_encoding(tf_pq_writer *w, const char *column, int encoding, tf_err *err);

typedef struct tf_pq_write_result {
    int64_t file_size, num_rows;
    int num_row_groups, num_leaves;
    int64_t *rg_rows;        /* per row group */
    tf_pq_stats *rg_stats;   /* [rg * num_leaves + leaf] */
    tf_arena arena;          /* owns the byte min/max */
} tf_pq_write_result;
/* Write the footer, flush and fsync (unless opts.no_sync); frees w.  res may be NULL. */
int tf_pq_writer_close(tf_pq_writer *w, tf_pq_write_result *res, tf_err *err);
/* Abandon the file: close and unlink it; frees w. */
void tf_pq_writer_abort(tf_pq_writer *w);
void tf_pq_write_result_free(tf_pq_write_result *res);

#endif
