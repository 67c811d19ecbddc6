/* pq_reader.h — the reader's private structs, shared by reader.c (footer,
 * schema, statistics), decode.c (pages into typed arrays) and assemble.c
 * (records as JSON). */
#ifndef TF_PQ_READER_H
#define TF_PQ_READER_H

#include "pq_internal.h"
#include "tripflow/fsutil.h"

struct tf_pq_file {
    char *name;
    tf_map map;
    int mapped;
    const uint8_t *data;
    size_t size;
    int64_t footer_start;
    tf_arena arena;
    pq_footer ft;
    tf_pq_node *nodes; /* one per schema element */
    int ncols;
    int *leaf_node; /* column -> node */
    int64_t num_rows;
    tf_pq_open_opts opts;
};

/* a decompressed page buffer kept alive while strings point into it */
typedef struct pq_pagebuf {
    uint8_t *p;
    size_t cap;
} pq_pagebuf;

struct tf_pq_scratch {
    pq_codec_ctx codec;
    pq_pagebuf *pages; /* page buffers, reused across calls */
    size_t npages, pages_cap, pages_used;
    int16_t *def, *rep;
    size_t def_cap, rep_cap;
    uint8_t *vals;
    size_t vals_cap; /* bytes */
    tf_pq_str *strs;
    size_t strs_cap;
    uint32_t *idx;
    size_t idx_cap;
    int64_t *i64;
    size_t i64_cap;
    /* dictionary of the current chunk */
    uint8_t *dict;
    size_t dict_cap;
    tf_pq_str *dict_strs;
    size_t dict_strs_cap;
    int64_t dict_n;
    tf_arena arena; /* DELTA_BYTE_ARRAY values */
    int arena_init;
};

int pq_chunk_range(const tf_pq_file *f, int rg, int col, int64_t *start, int64_t *end, tf_err *err);
int pq_read_page_header(const tf_pq_file *f, int64_t pos, int64_t end, pq_page_header *h, int64_t *body,
                        tf_err *err);
/* byte width of a fixed-width physical type in decoded form (INT96 -> 8) */
int pq_value_width(const tf_pq_node *leaf);

#endif
