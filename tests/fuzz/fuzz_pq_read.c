/* fuzz_pq_read.c — libFuzzer target: a whole Parquet file from memory
 * through the footer, the statistics, page walking, every chunk's decoding
 * and record assembly into JSON.  Limits keep one input's work small. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tripflow/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tf_pq_open_opts o = {.max_levels = 1 << 18, .max_page_size = 8 << 20};
    tf_err e = {0};
    tf_pq_file *f;
    if (tf_pq_open_mem(data, size, "fuzz.parquet", &o, &f, &e)) return 0;
    tf_pq_batch b = {0};
    for (int g = 0; g < tf_pq_num_row_groups(f) && g < 8; g++) {
        for (int c = 0; c < tf_pq_num_columns(f) && c < 64; c++) {
            tf_pq_chunk_info ci;
            tf_pq_page_counts pc;
            tf_pq_chunk_meta(f, g, c, &ci);
            tf_pq_can_skip(f, g, c, 0, 1);
            tf_pq_count_pages(f, g, c, &pc, &e);
            const tf_pq_node *leaf = tf_pq_leaf(f, c);
            int64_t rows = tf_pq_row_group_rows(f, g);
            if (!leaf->max_rep && rows <= (1 << 16)) {
                /* one slot per row: 16 bytes covers every width but long FIXED ones */
                size_t w = leaf->physical == TF_PQ_FIXED ? (size_t)leaf->type_length : 16;
                void *dst = tf_xmalloc((size_t)rows * w + 1);
                uint8_t *valid = tf_xmalloc((size_t)rows + 1);
                tf_pq_read_flat(f, g, c, &b, dst, valid, &e);
                free(valid);
                free(dst);
            }
            if (tf_pq_read_chunk(f, g, c, &b, &e) == TF_OK) {
                tf_buf t = {0};
                for (int64_t i = 0; i < b.num_values && i < 64; i++) tf_pq_format_value(f, &b, i, i & 1, &t);
                tf_buf_free(&t);
            }
        }
    }
    tf_pq_batch_free(&b);
    tf_pq_rows *r;
    if (tf_pq_rows_open(f, NULL, 0, &r, &e) == TF_OK) {
        tf_buf out = {0};
        for (int i = 0; i < 2000; i++) {
            out.len = 0;
            if (tf_pq_rows_next(r, i & 1 ? TF_PQ_CSV : TF_PQ_JSON, &out, &e) != 1) break;
        }
        tf_buf_free(&out);
        tf_pq_rows_close(r);
    }
    tf_pq_close(f);
    return 0;
}
