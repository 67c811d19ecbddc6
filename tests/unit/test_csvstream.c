/* test_csvstream.c — block-wise CSV reading gives exactly the records the
 * whole-buffer reader gives, whatever the block size (records and quoted
 * newlines crossing blocks, a BOM, CRLF, no final newline, malformed rows);
 * and the field a malformed record is blamed on. */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "tripflow/csv.h"
#include "tripflow/csvstream.h"

static const char *data =
    "\xEF\xBB\xBF" "user_id,when,note\r\n"
    "u1,2025-01-01 08:00:00,plain\r\n"
    "\n"
    "u2,2025-01-01 09:00:00,\"quoted, with comma\"\n"
    "u3,2025-01-01 10:00:00,\"two\nlines and \"\"quotes\"\"\"\n"
    "a-very-long-user-id-that-crosses-many-small-blocks-0123456789,2025-01-02 00:00:00,x\n"
    "u4,\"bad\"x,y\n"
    "u5,2025-01-03 00:00:00,\"unterminated\n"
    "u6,2025-01-04 00:00:00,last without newline";

/* records as text: line|field|field...|err */
static void render(tf_buf *out, const tf_csv_record *r)
{
    tf_buf tmp = {0};
    tf_buf_printf(out, "%lld", (long long)r->line);
    for (int i = 0; i < r->nfields && i < TF_CSV_MAX_FIELDS; i++) {
        tf_buf_clear(&tmp);
        tf_buf_printf(out, "|%s", tf_csv_unescape(&r->f[i], &tmp));
    }
    tf_buf_printf(out, "|%s;\n", r->err ? r->err : "");
    tf_buf_free(&tmp);
}

static void whole(tf_buf *out)
{
    tf_csv_reader r;
    size_t n = strlen(data);
    tf_csv_init(&r, data, data + n, data + n, 1);
    tf_csv_skip_bom(&r);
    tf_csv_record rec;
    while (tf_csv_next(&r, &rec)) {
        render(out, &rec);
        if (rec.err) tf_csv_resync(&r, &rec);
    }
}

static void streamed(const char *path, size_t block, tf_buf *out)
{
    tf_csv_stream s;
    tf_err err = {0};
    CHECK_INT(tf_csv_stream_open(&s, path, &err), TF_OK);
    s.block = block;
    tf_csv_record rec;
    int rc;
    while ((rc = tf_csv_stream_next(&s, &rec, &err)) == 1) {
        render(out, &rec);
        if (rec.err) tf_csv_stream_resync(&s, &rec);
    }
    CHECK_INT(rc, 0);
    CHECK_INT(s.bytes_read, (int64_t)strlen(data));
    tf_csv_stream_close(&s);
}

TF_TEST(csvstream_same_records_for_every_block_size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/in.csv", tf_test_tmpdir());
    FILE *f = fopen(path, "wb");
    fputs(data, f);
    fclose(f);
    tf_buf want = {0};
    whole(&want);
    /* the expected records, spelled out once */
    CHECK_STR(tf_buf_cstr(&want), "1|user_id|when|note|;\n"
                                  "2|u1|2025-01-01 08:00:00|plain|;\n"
                                  "4|u2|2025-01-01 09:00:00|quoted, with comma|;\n"
                                  "5|u3|2025-01-01 10:00:00|two\nlines and \"quotes\"|;\n"
                                  "7|a-very-long-user-id-that-crosses-many-small-blocks-0123456789|2025-01-02 00:00:00|x|;\n"
                                  "8|u4|bad|unexpected text after a closing quote;\n"
                                  "9|u5|unterminated quoted field;\n"
                                  "10|u6|2025-01-04 00:00:00|last without newline|;\n");
    size_t blocks[] = {1, 2, 3, 5, 7, 16, 31, 64, 1 << 20};
    for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++) {
        tf_buf got = {0};
        streamed(path, blocks[i], &got);
        if (strcmp(tf_buf_cstr(&got), tf_buf_cstr(&want)))
            tf_test_fail(__FILE__, __LINE__, "block %zu: got\n%s", blocks[i], got.data);
        tf_buf_free(&got);
    }
    tf_buf_free(&want);
}

TF_TEST(csvstream_missing_file_error)
{
    tf_csv_stream s;
    tf_err err = {0};
    CHECK_INT(tf_csv_stream_open(&s, "/nonexistent/trips.csv", &err), TF_EIO);
    CHECK_STR(err.msg, "/nonexistent/trips.csv: No such file or directory");
}

TF_TEST(csv_error_field_is_the_malformed_field)
{
    const char *cases[][2] = {{"a,\"b\"x,c\n", "2"}, {"\"a\"x,b\n", "1"}, {"a,b\"c,d\n", "2"}, {"a,b,\"open\n", "3"}};
    for (size_t i = 0; i < 4; i++) {
        tf_csv_reader r;
        const char *d = cases[i][0];
        tf_csv_init(&r, d, d + strlen(d), d + strlen(d), 1);
        tf_csv_record rec;
        CHECK_INT(tf_csv_next(&r, &rec), 1);
        CHECK(rec.err != NULL);
        CHECK_INT(rec.err_field, atoi(cases[i][1]));
    }
}
