/* test_parquet.c — the reader against the parquet-testing conformance files
 * (../shared/data/parquet-testing, values from its README.txt and the
 * *_expect.csv files), typed column access and row-group statistics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tripflow/csv.h"
#include "tripflow/fsutil.h"
#include "tripflow/parquet.h"

/* rows of the named top-level columns ("a,b"; NULL = all) as JSON lines */
static char *rows_text(const char *rel, const char *cols, int format)
{
    const char *path = tf_test_shared(rel);
    if (!path) return NULL;
    tf_err e = {0};
    tf_pq_file *f;
    if (tf_pq_open(path, NULL, &f, &e)) {
        tf_test_fail(__FILE__, __LINE__, "open %s: %s", rel, e.msg);
        return NULL;
    }
    int fields[64], n = 0;
    if (cols) {
        char *s = tf_xstrdup(cols), *save = NULL;
        for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) fields[n++] = tf_pq_find_field(f, t);
        free(s);
    }
    tf_pq_rows *r;
    tf_buf out = {0};
    CHECK_INT(tf_pq_rows_open(f, cols ? fields : NULL, n, &r, &e), TF_OK);
    int rc;
    while ((rc = tf_pq_rows_next(r, format, &out, &e)) == 1) tf_buf_putc(&out, '\n');
    if (rc < 0) tf_test_fail(__FILE__, __LINE__, "%s: %s", rel, e.msg);
    tf_pq_rows_close(r);
    tf_pq_close(f);
    tf_buf_cstr(&out);
    return out.data;
}

#define CHECK_ROWS(rel, cols, expect)                  \
    do {                                               \
        char *got_ = rows_text(rel, cols, TF_PQ_JSON); \
        if (got_) CHECK_STR(got_, expect);             \
        free(got_);                                    \
    } while (0)

TF_TEST(pq_alltypes_plain_dictionary_int96)
{
    CHECK_ROWS("parquet-testing/alltypes_plain.parquet", "id,bool_col,int_col,bigint_col,double_col,date_string_col",
               "{\"id\":4,\"bool_col\":true,\"int_col\":0,\"bigint_col\":0,\"double_col\":0.0,\"date_string_col\":\"03/01/09\"}\n"
               "{\"id\":5,\"bool_col\":false,\"int_col\":1,\"bigint_col\":10,\"double_col\":10.1,\"date_string_col\":\"03/01/09\"}\n"
               "{\"id\":6,\"bool_col\":true,\"int_col\":0,\"bigint_col\":0,\"double_col\":0.0,\"date_string_col\":\"04/01/09\"}\n"
               "{\"id\":7,\"bool_col\":false,\"int_col\":1,\"bigint_col\":10,\"double_col\":10.1,\"date_string_col\":\"04/01/09\"}\n"
               "{\"id\":2,\"bool_col\":true,\"int_col\":0,\"bigint_col\":0,\"double_col\":0.0,\"date_string_col\":\"02/01/09\"}\n"
               "{\"id\":3,\"bool_col\":false,\"int_col\":1,\"bigint_col\":10,\"double_col\":10.1,\"date_string_col\":\"02/01/09\"}\n"
               "{\"id\":0,\"bool_col\":true,\"int_col\":0,\"bigint_col\":0,\"double_col\":0.0,\"date_string_col\":\"01/01/09\"}\n"
               "{\"id\":1,\"bool_col\":false,\"int_col\":1,\"bigint_col\":10,\"double_col\":10.1,\"date_string_col\":\"01/01/09\"}\n");
    /* INT96 timestamps decode to microseconds (as DuckDB reads them) */
    CHECK_ROWS("parquet-testing/alltypes_plain.parquet", "timestamp_col,float_col",
               "{\"timestamp_col\":\"2009-03-01 00:00:00\",\"float_col\":0.0}\n"
               "{\"timestamp_col\":\"2009-03-01 00:01:00\",\"float_col\":1.1}\n"
               "{\"timestamp_col\":\"2009-04-01 00:00:00\",\"float_col\":0.0}\n"
               "{\"timestamp_col\":\"2009-04-01 00:01:00\",\"float_col\":1.1}\n"
               "{\"timestamp_col\":\"2009-02-01 00:00:00\",\"float_col\":0.0}\n"
               "{\"timestamp_col\":\"2009-02-01 00:01:00\",\"float_col\":1.1}\n"
               "{\"timestamp_col\":\"2009-01-01 00:00:00\",\"float_col\":0.0}\n"
               "{\"timestamp_col\":\"2009-01-01 00:01:00\",\"float_col\":1.1}\n");
}

TF_TEST(pq_alltypes_plain_snappy)
{
    CHECK_ROWS("parquet-testing/alltypes_plain.snappy.parquet", "id,bool_col,date_string_col",
               "{\"id\":6,\"bool_col\":true,\"date_string_col\":\"04/01/09\"}\n"
               "{\"id\":7,\"bool_col\":false,\"date_string_col\":\"04/01/09\"}\n");
}

TF_TEST(pq_datapage_v2_snappy)
{
    CHECK_ROWS("parquet-testing/datapage_v2.snappy.parquet", NULL,
               "{\"a\":\"abc\",\"b\":1,\"c\":2.0,\"d\":true,\"e\":[1,2,3]}\n"
               "{\"a\":\"abc\",\"b\":2,\"c\":3.0,\"d\":true,\"e\":null}\n"
               "{\"a\":\"abc\",\"b\":3,\"c\":4.0,\"d\":true,\"e\":null}\n"
               "{\"a\":null,\"b\":4,\"c\":5.0,\"d\":false,\"e\":[1,2,3]}\n"
               "{\"a\":\"abc\",\"b\":5,\"c\":2.0,\"d\":true,\"e\":[1,2]}\n");
    /* the levels of e, exactly as the README lists them */
    const char *path = tf_test_shared("parquet-testing/datapage_v2.snappy.parquet");
    if (!path) return;
    tf_err e = {0};
    tf_pq_file *f;
    CHECK_INT(tf_pq_open(path, NULL, &f, &e), TF_OK);
    int col = tf_pq_find_column(f, "e.list.element");
    CHECK_INT(col, 4);
    tf_pq_batch b = {0};
    CHECK_INT(tf_pq_read_chunk(f, 0, col, &b, &e), TF_OK);
    CHECK_INT(b.num_levels, 10);
    CHECK_INT(b.num_values, 8);
    const int rep[] = {0, 1, 1, 0, 0, 0, 1, 1, 0, 1}, def[] = {2, 2, 2, 0, 0, 2, 2, 2, 2, 2};
    for (int i = 0; i < 10 && b.num_levels == 10; i++) {
        CHECK_INT(b.rep[i], rep[i]);
        CHECK_INT(b.def[i], def[i]);
    }
    tf_pq_batch_free(&b);
    tf_pq_close(f);
}

/* compare every column of a file with an expected CSV (header + rows; an
 * empty field is NULL); fields split by tf_csv or, past 64 columns, by ',' */
static void check_against_csv(const char *rel, const char *csv_rel, int64_t want_rows)
{
    const char *path = tf_test_shared(rel), *cpath = tf_test_shared(csv_rel);
    if (!path || !cpath) return;
    tf_err e = {0};
    tf_pq_file *f;
    CHECK_INT(tf_pq_open(path, NULL, &f, &e), TF_OK);
    if (e.code) return;
    CHECK_INT(tf_pq_num_rows(f), want_rows);
    tf_buf csv = {0};
    CHECK_INT(tf_read_all(cpath, &csv, &e), TF_OK);
    /* expected cells [row][col] */
    int ncols = tf_pq_num_columns(f);
    char ***want = tf_xcalloc((size_t)want_rows + 1, sizeof(char **));
    tf_csv_reader rd;
    tf_csv_init(&rd, csv.data, csv.data + csv.len, csv.data + csv.len, 1);
    tf_csv_record rec;
    int64_t row = -1;
    tf_buf ub = {0};
    while (tf_csv_next(&rd, &rec)) {
        if (row >= want_rows) break;
        char **cells = tf_xcalloc((size_t)ncols, sizeof(char *));
        if (rec.nfields <= TF_CSV_MAX_FIELDS) {
            CHECK_INT(rec.nfields, ncols);
            for (int c = 0; c < ncols && c < rec.nfields; c++) {
                ub.len = 0;
                const char *t = tf_csv_unescape(&rec.f[c], &ub);
                cells[c] = tf_xstrndup(t, rec.f[c].escaped ? ub.len : rec.f[c].len);
            }
        } else {
            char *line = tf_xstrndup(rec.start, rec.len), *save = NULL;
            int c = 0;
            for (char *p = line, *q; c < ncols; p = q + 1, c++) {
                q = strchr(p, ',');
                if (!q) q = p + strlen(p);
                cells[c] = tf_xstrndup(p, (size_t)(q - p));
                if (!*q) break;
            }
            (void)save;
            free(line);
        }
        if (row >= 0) want[row] = cells;
        else {
            /* header: names (trimmed) must match the leaves */
            for (int c = 0; c < ncols; c++) {
                const char *h = cells[c] ? cells[c] : "";
                while (*h == ' ') h++;
                CHECK_STR(h, tf_pq_leaf(f, c)->path);
                free(cells[c]);
            }
            free(cells);
        }
        row++;
    }
    CHECK_INT(row, want_rows);
    /* every column, every row, through the CSV rendering of the cursor */
    int64_t mismatches = 0;
    for (int c = 0; c < ncols && row == want_rows; c++) {
        int field = tf_pq_find_field(f, tf_pq_leaf(f, c)->path);
        tf_pq_rows *r;
        CHECK_INT(tf_pq_rows_open(f, &field, 1, &r, &e), TF_OK);
        tf_buf cell = {0};
        for (int64_t i = 0; i < want_rows; i++) {
            cell.len = 0;
            CHECK_INT(tf_pq_rows_next(r, TF_PQ_CSV, &cell, &e), 1);
            tf_buf_cstr(&cell);
            /* our CSV quoting vs the plain expected text */
            const char *got = cell.data;
            char *unq = NULL;
            if (got[0] == '"') {
                unq = tf_xstrndup(got + 1, cell.len - 2);
                got = unq;
            }
            if (strcmp(got, want[i][c]) && mismatches++ < 5)
                tf_test_fail(__FILE__, __LINE__, "%s row %lld column %s: got [%s], expected [%s]", rel, (long long)i,
                             tf_pq_leaf(f, c)->path, got, want[i][c]);
            free(unq);
        }
        CHECK_INT(tf_pq_rows_next(r, TF_PQ_CSV, &cell, &e), 0);
        tf_buf_free(&cell);
        tf_pq_rows_close(r);
    }
    CHECK_INT(mismatches, 0);
    for (int64_t i = 0; i < want_rows; i++) {
        for (int c = 0; want[i] && c < ncols; c++) free(want[i][c]);
        free(want[i]);
    }
    free(want);
    tf_buf_free(&ub);
    tf_buf_free(&csv);
    tf_pq_close(f);
}

TF_TEST(pq_delta_binary_packed_all_widths)
{
    check_against_csv("parquet-testing/delta_binary_packed.parquet", "parquet-testing/delta_binary_packed_expect.csv",
                      200);
}

TF_TEST(pq_delta_byte_array)
{
    check_against_csv("parquet-testing/delta_byte_array.parquet", "parquet-testing/delta_byte_array_expect.csv", 1000);
}

TF_TEST(pq_delta_encoding_optional_column)
{
    check_against_csv("parquet-testing/delta_encoding_optional_column.parquet",
                      "parquet-testing/delta_encoding_optional_column_expect.csv", 100);
}

TF_TEST(pq_delta_length_byte_array_zstd)
{
    const char *path = tf_test_shared("parquet-testing/delta_length_byte_array.parquet");
    if (!path) return;
    tf_err e = {0};
    tf_pq_file *f;
    CHECK_INT(tf_pq_open(path, NULL, &f, &e), TF_OK);
    tf_pq_batch b = {0};
    CHECK_INT(tf_pq_read_chunk(f, 0, 0, &b, &e), TF_OK);
    CHECK_INT(b.num_values, 1000);
    int bad = 0;
    for (int i = 0; i < 1000 && b.num_values == 1000; i++) {
        char want[64];
        int n = snprintf(want, sizeof want, "apple_banana_mango%d", i * i);
        if (b.strs[i].len != (uint32_t)n || memcmp(b.strs[i].ptr, want, (size_t)n)) bad++;
    }
    CHECK_INT(bad, 0);
    CHECK(b.num_values == 1000 && b.strs[999].len == 24 && !memcmp(b.strs[999].ptr, "apple_banana_mango998001", 24));
    tf_pq_batch_free(&b);
    tf_pq_close(f);
}

TF_TEST(pq_rle_dict_snappy_checksum)
{
    const char *path = tf_test_shared("parquet-testing/rle-dict-snappy-checksum.parquet");
    if (!path) return;
    tf_err e = {0};
    tf_pq_file *f;
    CHECK_INT(tf_pq_open(path, NULL, &f, &e), TF_OK);
    CHECK_INT(tf_pq_num_rows(f), 1000);
    int64_t *longs = tf_xmalloc(1000 * sizeof *longs);
    tf_pq_batch b = {0};
    CHECK_INT(tf_pq_read_flat(f, 0, 0, &b, longs, NULL, &e), TF_OK);
    int bad = 0;
    for (int i = 0; i < 1000; i++) bad += longs[i] != 0;
    CHECK_INT(bad, 0);
    CHECK_INT(tf_pq_read_chunk(f, 0, 1, &b, &e), TF_OK);
    CHECK_INT(b.num_values, 1000);
    for (int i = 0; i < 1000 && b.num_values == 1000; i++)
        bad += b.strs[i].len != 36 || memcmp(b.strs[i].ptr, "c95e263a-f5d4-401f-8107-5ca7146a1f98", 36);
    CHECK_INT(bad, 0);
    tf_pq_batch_free(&b);
    free(longs);
    tf_pq_close(f);
}

TF_TEST(pq_list_columns_null_lists_and_elements)
{
    CHECK_ROWS("parquet-testing/list_columns.parquet", NULL,
               "{\"int64_list\":[1,2,3],\"utf8_list\":[\"abc\",\"efg\",\"hij\"]}\n"
               "{\"int64_list\":[null,1],\"utf8_list\":null}\n"
               "{\"int64_list\":[4],\"utf8_list\":[\"efg\",null,\"hij\",\"xyz\"]}\n");
}

TF_TEST(pq_nested_lists_three_deep)
{
    CHECK_ROWS("parquet-testing/nested_lists.snappy.parquet", NULL,
               "{\"a\":[[[\"a\",\"b\"],[\"c\"]],[null,[\"d\"]]],\"b\":1}\n"
               "{\"a\":[[[\"a\",\"b\"],[\"c\",\"d\"]],[null,[\"e\"]]],\"b\":1}\n"
               "{\"a\":[[[\"a\",\"b\"],[\"c\",\"d\"],[\"e\"]],[null,[\"f\"]]],\"b\":1}\n");
}

TF_TEST(pq_null_list_is_empty_list)
{
    CHECK_ROWS("parquet-testing/null_list.parquet", NULL, "{\"emptylist\":[]}\n");
}

TF_TEST(pq_rle_boolean_gzip)
{
    char *got = rows_text("parquet-testing/rle_boolean_encoding.parquet", NULL, TF_PQ_CSV);
    if (!got) return;
    const char *want = "TFNTTFFTTTFFTTFNTTFFTTFNTTFFTTTFFFFTTFNTTFFTTTFFNTTFFTTTFTTFNTTFFTTT";
    char s[80];
    int n = 0;
    for (char *p = got; *p && n < 79; p = strchr(p, '\n') + 1) {
        s[n++] = !strncmp(p, "true", 4) ? 'T' : !strncmp(p, "false", 5) ? 'F' : 'N';
        if (!strchr(p, '\n')) break;
    }
    s[n] = '\0';
    CHECK_STR(s, want);
    free(got);
}

TF_TEST(pq_statistics_and_pruning)
{
    const char *path = tf_test_shared("parquet-testing/alltypes_plain.parquet");
    if (!path) return;
    tf_err e = {0};
    tf_pq_file *f;
    CHECK_INT(tf_pq_open(path, NULL, &f, &e), TF_OK);
    CHECK_STR(tf_pq_created_by(f), "impala version 1.3.0-INTERNAL (build 8a48ddb1eff84592b3fc06bc6f51ec120e1fffc9)");
    tf_pq_chunk_info ci;
    CHECK_INT(tf_pq_chunk_meta(f, 0, 0, &ci), TF_OK);
    CHECK_INT(ci.codec, TF_PQ_UNCOMPRESSED);
    CHECK_INT(ci.num_values, 8);
    /* impala 1.3 wrote no statistics: nothing may be pruned */
    CHECK_INT(ci.stats.has_min_max, 0);
    CHECK_INT(tf_pq_can_skip(f, 0, 0, 100, 200), 0);
    tf_pq_page_counts pc;
    CHECK_INT(tf_pq_count_pages(f, 0, 0, &pc, &e), TF_OK);
    CHECK_INT(pc.dict_pages, 1);
    CHECK_INT(pc.data_pages_v1, 1);
    tf_pq_close(f);
}

/* Legacy 2-level lists (LogicalTypes.md backward-compatibility rules): a
 * 3-level LIST<required INT32> written by tripflow has the same levels as
 * `optional group a (LIST) { repeated int32 array; }`, so the footer is
 * rewritten into that shape: the "list" group removed, "element" renamed. */
static char *two_level_rows(const char *leaf_name)
{
    static const tf_pq_field e = {"element", TF_PQT_INT32, 0, 0, 0, NULL, 0};
    const tf_pq_field f[] = {{"a", TF_PQT_LIST, 1, 0, 0, &e, 1}};
    int32_t v[] = {1, 2, 3, 4};
    int64_t off[] = {0, 2, 2, 2, 4};
    uint8_t lv[] = {1, 1, 0, 1};
    tf_pq_col c = {.values = v, .list_offsets = off, .list_valid = lv};
    tf_pq_write_opts o = tf_pq_write_defaults();
    o.codec = TF_PQ_UNCOMPRESSED;
    tf_err err = {0};
    tf_pq_writer *w;
    char *path = tf_xasprintf("%s/twolevel.parquet", tf_test_tmpdir());
    if (tf_pq_writer_open(path, f, 1, &o, &w, &err) || tf_pq_writer_write(w, 4, &c, &err) ||
        tf_pq_writer_close(w, NULL, &err)) {
        tf_test_fail(__FILE__, __LINE__, "%s", err.msg);
        free(path);
        return NULL;
    }
    tf_buf b = {0};
    tf_read_all(path, &b, &err);
    uint32_t flen;
    memcpy(&flen, b.data + b.len - 8, 4);
    size_t fs = b.len - 8 - flen;
    tf_buf nb = {0};
    tf_buf_append(&nb, b.data, fs);
    const char *foot = b.data + fs;
    /* the schema list header (field 2, 4 elements) then the elements */
    const uint8_t list_group[] = {0x35, 0x04, 0x18, 0x04, 'l', 'i', 's', 't', 0x15, 0x02, 0x00};
    /* required int32 element -> repeated int32 <leaf_name> */
    const uint8_t elem_name[] = {0x15, 0x02, 0x25, 0x00, 0x18, 0x07, 'e', 'l', 'e', 'm', 'e', 'n', 't'};
    int done = 0;
    for (size_t i = 0; i < flen;) {
        if (!done && i + sizeof list_group <= flen && !memcmp(foot + i, list_group, sizeof list_group)) {
            i += sizeof list_group;
            done = 1;
            continue;
        }
        if (done == 1 && i + sizeof elem_name <= flen && !memcmp(foot + i, elem_name, sizeof elem_name)) {
            tf_buf_append(&nb, "\x15\x02\x25\x04\x18", 5);
            tf_buf_putc(&nb, (char)strlen(leaf_name));
            tf_buf_puts(&nb, leaf_name);
            i += sizeof elem_name;
            done = 2;
            continue;
        }
        char ch = foot[i++];
        if (nb.len == fs + 3 && (uint8_t)ch == 0x4c) ch = 0x3c; /* after version and the field header: 4 -> 3 structs */
        tf_buf_putc(&nb, ch);
    }
    CHECK_INT(done, 2);
    uint32_t nl = (uint32_t)(nb.len - fs);
    tf_buf_append(&nb, &nl, 4);
    tf_buf_append(&nb, "PAR1", 4);
    tf_write_atomic(path, nb.data, nb.len, &err);
    tf_buf_free(&b);
    tf_buf_free(&nb);
    tf_pq_file *pf;
    tf_buf out = {0};
    if (tf_pq_open(path, NULL, &pf, &err) == TF_OK) {
        char want[64];
        snprintf(want, sizeof want, "a.%s", leaf_name);
        CHECK_STR(tf_pq_leaf(pf, 0)->path, want);
        CHECK_INT(tf_pq_leaf(pf, 0)->max_def, 2);
        tf_pq_rows *r;
        CHECK_INT(tf_pq_rows_open(pf, NULL, 0, &r, &err), TF_OK);
        while (tf_pq_rows_next(r, TF_PQ_JSON, &out, &err) == 1) tf_buf_putc(&out, '\n');
        tf_pq_rows_close(r);
        tf_pq_close(pf);
    } else {
        tf_test_fail(__FILE__, __LINE__, "%s", err.msg);
    }
    free(path);
    tf_buf_cstr(&out);
    return out.data;
}

TF_TEST(pq_legacy_two_level_lists)
{
    char *rows = two_level_rows("array");
    CHECK_STR(rows, "{\"a\":[1,2]}\n{\"a\":[]}\n{\"a\":null}\n{\"a\":[3,4]}\n");
    free(rows);
    rows = two_level_rows("a_tuple");
    CHECK_STR(rows, "{\"a\":[1,2]}\n{\"a\":[]}\n{\"a\":null}\n{\"a\":[3,4]}\n");
    free(rows);
}
