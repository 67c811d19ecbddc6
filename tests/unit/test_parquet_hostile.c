/* test_parquet_hostile.c — hostile and damaged Parquet files: each gives a
 * clear error naming the file (and the row group, column and offset where
 * they matter) and never crashes (the suite runs under ASan and UBSan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tripflow/fsutil.h"
#include "tripflow/parquet.h"

static void put_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
}

/* "PAR1" + footer + length + "PAR1" */
static void footer_file(const char *path, const uint8_t *foot, uint32_t n)
{
    tf_buf b = {0};
    tf_buf_append(&b, "PAR1", 4);
    tf_buf_append(&b, foot, n);
    tf_buf_append(&b, &n, 4);
    tf_buf_append(&b, "PAR1", 4);
    put_file(path, b.data, b.len);
    tf_buf_free(&b);
}

static char *open_error(const char *path)
{
    tf_err e = {0};
    tf_pq_file *f;
    int rc = tf_pq_open(path, NULL, &f, &e);
    if (rc == TF_OK) {
        tf_pq_close(f);
        return tf_xstrdup("(opened)");
    }
    return tf_xasprintf("%d %s", rc, e.msg);
}

/* decode every chunk; the first error */
static char *read_error(const char *path)
{
    tf_err e = {0};
    tf_pq_file *f;
    if (tf_pq_open(path, NULL, &f, &e)) return tf_xasprintf("open: %s", e.msg);
    tf_pq_batch b = {0};
    int rc = TF_OK;
    for (int g = 0; g < tf_pq_num_row_groups(f) && !rc; g++)
        for (int c = 0; c < tf_pq_num_columns(f) && !rc; c++) rc = tf_pq_read_chunk(f, g, c, &b, &e);
    tf_pq_batch_free(&b);
    tf_pq_close(f);
    return rc ? tf_xasprintf("%d %s", rc, e.msg) : tf_xstrdup("(read)");
}

#define CHECK_MSG(expr, want)                                 \
    do {                                                      \
        char *m_ = (expr);                                    \
        char *w_ = tf_xasprintf want;                         \
        CHECK_STR(m_, w_);                                    \
        free(m_);                                             \
        free(w_);                                             \
    } while (0)

TF_TEST(pqh_bad_magic_truncation_and_footer_length)
{
    const char *dir = tf_test_tmpdir();
    char *p = tf_path_join(dir, "short.parquet");
    put_file(p, "PAR1", 4);
    CHECK_MSG(open_error(p), ("-3 %s: not a Parquet file (4 bytes, too short)", p));
    free(p);
    p = tf_path_join(dir, "csv.parquet");
    put_file(p, "a,b,c\n1,2,3\n4,5,6\n", 18);
    CHECK_MSG(open_error(p), ("-3 %s: not a Parquet file (no PAR1 magic at both ends)", p));
    free(p);
    /* a real file cut short */
    const char *src = tf_test_shared("parquet-testing/alltypes_plain.parquet");
    if (src) {
        tf_buf b = {0};
        tf_err e = {0};
        CHECK_INT(tf_read_all(src, &b, &e), TF_OK);
        p = tf_path_join(dir, "cut.parquet");
        put_file(p, b.data, b.len - 100);
        CHECK_MSG(open_error(p), ("-3 %s: not a Parquet file (no PAR1 magic at both ends)", p));
        /* footer length larger than the file */
        uint32_t big = 1u << 30;
        memcpy(b.data + b.len - 8, &big, 4);
        put_file(p, b.data, b.len);
        CHECK_MSG(open_error(p), ("-3 %s: footer length 1073741824 exceeds the file size 1851", p));
        /* encrypted footer */
        memcpy(b.data + b.len - 4, "PARE", 4);
        put_file(p, b.data, b.len);
        CHECK_MSG(open_error(p), ("-8 %s: encrypted Parquet footer (PARE) is not supported", p));
        free(p);
        tf_buf_free(&b);
    }
}

TF_TEST(pqh_bad_thrift_in_footer)
{
    const char *dir = tf_test_tmpdir();
    char *p = tf_path_join(dir, "varint.parquet");
    const uint8_t bad_varint[] = {0x15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00};
    footer_file(p, bad_varint, sizeof bad_varint);
    CHECK_MSG(open_error(p), ("-3 %s: footer at offset 15: varint overflows 64 bits", p));
    /* a schema name 4 GiB long */
    const uint8_t huge[] = {0x15, 0x02, 0x19, 0x1c, 0x48, 0xff, 0xff, 0xff, 0xff, 0x0f, 'a', 'b', 0x00};
    footer_file(p, huge, sizeof huge);
    CHECK_MSG(open_error(p), ("-3 %s: footer at offset 14: binary length 4294967295 exceeds the 3 bytes left", p));
    /* a list claiming a billion schema elements */
    const uint8_t big_list[] = {0x15, 0x02, 0x19, 0xfc, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0x00};
    footer_file(p, big_list, sizeof big_list);
    CHECK_MSG(open_error(p), ("-3 %s: footer at offset 13: list of 1000000000 elements exceeds the 1 bytes left", p));
    /* no stop byte */
    const uint8_t no_stop[] = {0x15, 0x02};
    footer_file(p, no_stop, sizeof no_stop);
    CHECK_MSG(open_error(p), ("-3 %s: footer at offset 6: truncated struct (no stop byte)", p));
    /* structurally valid but without a schema */
    const uint8_t empty[] = {0x15, 0x02, 0x00};
    footer_file(p, empty, sizeof empty);
    CHECK_MSG(open_error(p), ("-3 %s: footer at offset 7: FileMetaData has no schema", p));
    /* nesting deeper than the limit */
    uint8_t deep[200];
    int n = 0;
    deep[n++] = 0xac; /* field 10 (unknown, skipped) as a struct */
    for (int i = 0; i < 80; i++) deep[n++] = 0x1c;
    for (int i = 0; i < 82; i++) deep[n++] = 0x00;
    footer_file(p, deep, (uint32_t)n);
    CHECK_MSG(open_error(p), ("-3 %s: footer at offset 70: nesting deeper than 64", p));
    /* a DATE on an INT64 leaf (the fuzzer's way to reach a calendar overflow) */
    const uint8_t date64[] = {0x15, 0x02, 0x19, 0x2c,                                     /* version, schema: 2 */
                              0x48, 0x06, 's', 'c', 'h', 'e', 'm', 'a', 0x15, 0x02, 0x00, /* root, 1 child */
                              0x15, 0x04, 0x25, 0x00, 0x18, 0x01, 'd', 0x25, 0x0c, 0x00,  /* INT64 'd', DATE */
                              0x16, 0x00, 0x19, 0x0c, 0x00};                              /* 0 rows, no groups */
    footer_file(p, date64, sizeof date64);
    CHECK_MSG(open_error(p), ("-3 %s: schema: 'd': DATE annotates a physical type other than INT32", p));
    free(p);
}

/* a one-column SNAPPY file written by tripflow, then damaged */
static tf_buf good_file(const char *path)
{
    int64_t v[100];
    for (int i = 0; i < 100; i++) v[i] = i * i;
    const tf_pq_field f[] = {{"x", TF_PQT_INT64, 0, 0, TF_PQ_DICT_OFF, NULL, 0}};
    tf_pq_col c = {.values = v};
    tf_pq_write_opts o = tf_pq_write_defaults();
    o.codec = TF_PQ_SNAPPY;
    tf_err e = {0};
    tf_pq_writer *w;
    CHECK_INT(tf_pq_writer_open(path, f, 1, &o, &w, &e), TF_OK);
    CHECK_INT(tf_pq_writer_write(w, 100, &c, &e), TF_OK);
    CHECK_INT(tf_pq_writer_close(w, NULL, &e), TF_OK);
    tf_buf b = {0};
    CHECK_INT(tf_read_all(path, &b, &e), TF_OK);
    return b;
}

/* the first occurrence of pat in the footer at or after from */
static size_t find(const tf_buf *b, const uint8_t *pat, size_t n, size_t from)
{
    uint32_t flen;
    memcpy(&flen, b->data + b->len - 8, 4);
    if (from < b->len - 8 - flen) from = b->len - 8 - flen;
    for (size_t i = from; i + n <= b->len; i++)
        if (!memcmp(b->data + i, pat, n)) return i;
    return (size_t)-1;
}

TF_TEST(pqh_damaged_chunks_name_row_group_column_offset)
{
    char *p = tf_path_join(tf_test_tmpdir(), "x.parquet");
    tf_buf b = good_file(p);
    CHECK_MSG(read_error(p), ("(read)"));
    /* the codec (field 4 after path_in_schema ["x"]) becomes LZO (3) */
    const uint8_t codec[] = {0x18, 0x01, 'x', 0x15, 0x02};
    size_t at = find(&b, codec, sizeof codec, 0);
    CHECK(at != (size_t)-1);
    if (at != (size_t)-1) {
        b.data[at + 4] = 0x06;
        put_file(p, b.data, b.len);
        CHECK_MSG(read_error(p), ("-8 %s: row group 0: column 'x': page at offset 4: unsupported compression codec LZO (3)", p));
        b.data[at + 4] = 0x02;
    }
    /* data_page_offset (field 9, after the codec and total_compressed_size) = 2 */
    const uint8_t dpo[] = {0x26, 0x08};
    at = find(&b, dpo, sizeof dpo, at);
    CHECK(at != (size_t)-1);
    if (at != (size_t)-1) {
        b.data[at + 1] = 0x04;
        put_file(p, b.data, b.len);
        uint32_t flen;
        memcpy(&flen, b.data + b.len - 8, 4);
        tf_err e = {0};
        tf_pq_file *f;
        CHECK_INT(tf_pq_open(p, NULL, &f, &e), TF_OK);
        tf_pq_chunk_info ci;
        tf_pq_chunk_meta(f, 0, 0, &ci);
        tf_pq_close(f);
        CHECK_MSG(read_error(p), ("-3 %s: row group 0: column 'x': chunk at offset 2 with %lld bytes lies outside the "
                                  "data (footer starts at %zu)", p, (long long)ci.compressed_size, b.len - 8 - flen));
        b.data[at + 1] = 0x08;
    }
    /* a page header of garbage */
    memset(b.data + 4, 0xff, 3);
    put_file(p, b.data, b.len);
    CHECK_MSG(read_error(p), ("-3 %s: row group 0: column 'x': page at offset 4: page header at offset 5: unknown field type 15", p));
    tf_buf_free(&b);
    /* the snappy body damaged: the page header is intact */
    b = good_file(p);
    tf_err e = {0};
    tf_pq_file *f;
    CHECK_INT(tf_pq_open(p, NULL, &f, &e), TF_OK);
    tf_pq_chunk_info ci;
    tf_pq_chunk_meta(f, 0, 0, &ci);
    tf_pq_close(f);
    size_t end = (size_t)(ci.data_page_offset + ci.compressed_size);
    memset(b.data + end - 40, 0xee, 40);
    put_file(p, b.data, b.len);
    CHECK_MSG(read_error(p), ("-3 %s: row group 0: column 'x': page at offset 4: SNAPPY data is corrupt", p));
    tf_buf_free(&b);
    free(p);
}

TF_TEST(pqh_reader_limits)
{
    const char *src = tf_test_shared("parquet-testing/delta_length_byte_array.parquet");
    if (!src) return;
    tf_pq_open_opts o = {.max_levels = 100};
    tf_err e = {0};
    tf_pq_file *f;
    CHECK_INT(tf_pq_open(src, &o, &f, &e), TF_OK);
    tf_pq_batch b = {0};
    CHECK_INT(tf_pq_read_chunk(f, 0, 0, &b, &e), TF_ELIMIT);
    char *want = tf_xasprintf("%s: row group 0: column 'FRUIT': 1000 values exceed the reader limit of 100", src);
    CHECK_STR(e.msg, want);
    free(want);
    tf_pq_batch_free(&b);
    tf_pq_close(f);
    /* the same file from memory */
    tf_buf mem = {0};
    CHECK_INT(tf_read_all(src, &mem, &e), TF_OK);
    CHECK_INT(tf_pq_open_mem(mem.data, mem.len, "mem.parquet", NULL, &f, &e), TF_OK);
    CHECK_INT(tf_pq_read_chunk(f, 0, 0, &b, &e), TF_OK);
    CHECK_INT(b.num_values, 1000);
    tf_pq_batch_free(&b);
    tf_pq_close(f);
    tf_buf_free(&mem);
}
