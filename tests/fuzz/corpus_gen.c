/* corpus_gen.c — seed corpora for the fuzz targets: small files written by
 * tripflow's writer (every type and codec, dictionaries, lists of structs)
 * into FILES_DIR, and the footers of those and of any Parquet files named on
 * the command line into FOOTERS_DIR.
 * usage: corpus_gen FILES_DIR FOOTERS_DIR [FILE.parquet...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/fsutil.h"
#include "tripflow/parquet.h"

static void footer_of(const char *path, const char *outdir, int k)
{
    tf_buf b = {0};
    tf_err e = {0};
    if (tf_read_all(path, &b, &e) || b.len < 12) {
        tf_buf_free(&b);
        return;
    }
    uint32_t n;
    memcpy(&n, b.data + b.len - 8, 4);
    if (n <= b.len - 12) {
        char *out = tf_xasprintf("%s/footer-%03d", outdir, k);
        tf_write_atomic(out, b.data + b.len - 8 - n, n, &e);
        free(out);
    }
    tf_buf_free(&b);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: corpus_gen FILES_DIR FOOTERS_DIR [FILE.parquet...]\n");
        return 2;
    }
    enum { R = 40 };
    int32_t i32[R];
    int64_t i64[R], off[R + 1];
    double d[R];
    uint8_t b[R], valid[R], fx[R * 16];
    tf_pq_str s[R];
    char sb[R][8];
    for (int i = 0; i < R; i++) {
        i32[i] = i * 7 - 100;
        i64[i] = (int64_t)i * 123456789;
        d[i] = i * 0.5;
        b[i] = (uint8_t)(i & 1);
        valid[i] = (uint8_t)(i % 5 != 2);
        memset(fx + 16 * i, i, 16);
        s[i].len = (uint32_t)snprintf(sb[i], 8, "s%d", i % 4);
        s[i].ptr = sb[i];
    }
    for (int i = 0; i <= R; i++) off[i] = i / 2; /* lists of 0..1 elements, monotone */
    static const tf_pq_field sf[] = {{"t", TF_PQT_TIMESTAMP, 1, 0, 0, NULL, 0}, {"x", TF_PQT_DOUBLE, 0, 0, 0, NULL, 0}};
    static const tf_pq_field se = {"element", TF_PQT_STRUCT, 1, 0, 0, sf, 2};
    static const tf_pq_field pe = {"element", TF_PQT_INT32, 1, 0, 0, NULL, 0};
    const tf_pq_field fields[] = {
        {"s", TF_PQT_STRING, 1, 0, 0, NULL, 0},    {"i", TF_PQT_INT32, 0, 0, TF_PQ_DICT_ON, NULL, 0},
        {"l", TF_PQT_INT64, 1, 0, 0, NULL, 0},     {"d", TF_PQT_DOUBLE, 1, 0, 0, NULL, 0},
        {"b", TF_PQT_BOOLEAN, 0, 0, 0, NULL, 0},   {"dt", TF_PQT_DATE, 1, 0, 0, NULL, 0},
        {"k", TF_PQT_FIXED, 0, 16, 0, NULL, 0},    {"sp", TF_PQT_LIST, 1, 0, 0, &se, 1},
        {"n", TF_PQT_LIST, 0, 0, 0, &pe, 1},
    };
    tf_pq_col c[11] = {
        {.strs = s, .valid = valid}, {.values = i32}, {.values = i64, .valid = valid}, {.values = d, .valid = valid},
        {.values = b}, {.values = i32, .valid = valid}, {.values = fx},
        {.values = i64, .valid = valid, .list_offsets = off, .list_valid = valid, .elem_valid = b},
        {.values = d, .list_offsets = off, .list_valid = valid, .elem_valid = b},
        {.values = i32, .valid = b, .list_offsets = off},
    };
    const int codecs[] = {TF_PQ_UNCOMPRESSED, TF_PQ_SNAPPY, TF_PQ_GZIP, TF_PQ_ZSTD};
    int k = 0;
    for (int ci = 0; ci < 4; ci++) {
        tf_pq_write_opts o = tf_pq_write_defaults();
        o.codec = codecs[ci];
        o.row_group_rows = ci == 0 ? 16 : R;
        o.page_size = ci == 3 ? 64 : 1 << 20;
        char *path = tf_xasprintf("%s/tripflow-%d.parquet", argv[1], ci);
        tf_err e = {0};
        tf_pq_writer *w;
        if (tf_pq_writer_open(path, fields, 9, &o, &w, &e) || tf_pq_writer_write(w, R, c, &e) ||
            tf_pq_writer_close(w, NULL, &e)) {
            fprintf(stderr, "corpus_gen: %s\n", e.msg);
            return 1;
        }
        footer_of(path, argv[2], k++);
        free(path);
    }
    for (int i = 3; i < argc; i++) footer_of(argv[i], argv[2], k++);
    return 0;
}
