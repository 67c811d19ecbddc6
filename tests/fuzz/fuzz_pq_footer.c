/* fuzz_pq_footer.c — libFuzzer target for the footer alone: the Thrift
 * compact protocol, FileMetaData, the schema tree and the statistics. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the input is the footer itself: frame it as a file */
    uint8_t *file = tf_xmalloc(size + 12);
    memcpy(file, "PAR1", 4);
    memcpy(file + 4, data, size);
    uint32_t n = (uint32_t)size;
    memcpy(file + 4 + size, &n, 4);
    memcpy(file + 8 + size, "PAR1", 4);
    tf_err e = {0};
    tf_pq_file *f;
    if (tf_pq_open_mem(file, size + 12, "footer", NULL, &f, &e) == TF_OK) {
        for (int i = 0; i < tf_pq_num_nodes(f); i++) (void)tf_pq_node_at(f, i)->path;
        for (int g = 0; g < tf_pq_num_row_groups(f); g++)
            for (int c = 0; c < tf_pq_num_columns(f); c++) {
                tf_pq_chunk_info ci;
                tf_pq_chunk_meta(f, g, c, &ci);
                tf_pq_can_skip(f, g, c, -1, 1);
            }
        tf_pq_close(f);
    }
    free(file);
    return 0;
}
