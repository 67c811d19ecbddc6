/* test_parquet_write.c — the writer: every type, codec, optional and
 * required, dictionary and its fallback, LIST<STRUCT> and LIST<primitive>
 * with null and empty lists, row groups and pages, statistics, errors and
 * threads.  Files are read back by tripflow's reader and by DuckDB
 * (tests/tools, skipped with a message when not installed). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "tripflow/fsutil.h"
#include "tripflow/num.h"
#include "tripflow/parquet.h"
#include "tripflow/timeutil.h"

/* ---- DuckDB over popen: the single value of a one-row, one-column query ---- */
static int have_duck(void)
{
    static int warned;
    if (access("tests/tools/node_modules/@duckdb/node-api", R_OK) == 0) return 1;
    if (!warned++) fprintf(stderr, "  SKIP: DuckDB cross-checks (run npm install in tests/tools)\n");
    return 0;
}

static char *duck1(const char *sql)
{
    char *cmd = tf_xasprintf("node tests/tools/duck.mjs --csv \"%s\" 2>&1", sql);
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p) return NULL;
    tf_buf b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, p)) > 0) tf_buf_append(&b, tmp, n);
    pclose(p);
    tf_buf_cstr(&b);
    /* drop the header line and the final newline */
    char *nl = strchr(b.data, '\n');
    char *v = tf_xstrdup(nl ? nl + 1 : b.data);
    size_t l = strlen(v);
    while (l && v[l - 1] == '\n') v[--l] = '\0';
    if (l >= 2 && v[0] == '"' && v[l - 1] == '"') {
        memmove(v, v + 1, l - 2);
        v[l - 2] = '\0';
    }
    tf_buf_free(&b);
    return v;
}

#define CHECK_DUCK(sql, want)            \
    do {                                 \
        char *got_ = duck1(sql);         \
        CHECK_STR(got_, want);           \
        free(got_);                      \
    } while (0)

static char *read_json_rows(const char *path, tf_err *e)
{
    tf_pq_file *f;
    if (tf_pq_open(path, NULL, &f, e)) return NULL;
    tf_pq_rows *r;
    tf_buf out = {0};
    int rc = tf_pq_rows_open(f, NULL, 0, &r, e);
    while (!rc && (rc = tf_pq_rows_next(r, TF_PQ_JSON, &out, e)) == 1) {
        tf_buf_putc(&out, '\n');
        rc = 0;
    }
    tf_pq_rows_close(r);
    tf_pq_close(f);
    if (rc < 0) {
        tf_buf_free(&out);
        return NULL;
    }
    tf_buf_cstr(&out);
    return out.data;
}

/* ---- a flat table of every type ---- */
#define N 1000
typedef struct flat_data {
    tf_pq_str s[N];
    char sbuf[N][16];
    int32_t i32[N], dt[N];
    int64_t i64[N], ts[N];
    double d[N];
    float fl[N];
    uint8_t b[N], fx[N * 16], valid[N];
} flat_data;

static const tf_pq_field flat_fields[] = {
    {"s", TF_PQT_STRING, 1, 0, 0, NULL, 0},   {"i32", TF_PQT_INT32, 0, 0, 0, NULL, 0},
    {"i64", TF_PQT_INT64, 1, 0, 0, NULL, 0},  {"d", TF_PQT_DOUBLE, 1, 0, 0, NULL, 0},
    {"f", TF_PQT_FLOAT, 0, 0, 0, NULL, 0},    {"b", TF_PQT_BOOLEAN, 1, 0, 0, NULL, 0},
    {"ts", TF_PQT_TIMESTAMP, 1, 0, 0, NULL, 0}, {"dt", TF_PQT_DATE, 0, 0, 0, NULL, 0},
    {"fx", TF_PQT_FIXED, 1, 16, 0, NULL, 0},
};

static void make_flat(flat_data *x)
{
    for (int i = 0; i < N; i++) {
        int n = snprintf(x->sbuf[i], 16, "v%d", i % 7);
        x->s[i].ptr = x->sbuf[i];
        x->s[i].len = (uint32_t)n;
        x->i32[i] = i * 3 - 500;
        x->i64[i] = (int64_t)i * 1000000007LL - 7;
        x->d[i] = 40.0 + i * 0.001;
        x->fl[i] = (float)i * 0.5f;
        x->b[i] = (uint8_t)(i % 3 == 0);
        x->ts[i] = INT64_C(1700000000000000) + (int64_t)i * 1500001;
        x->dt[i] = 19000 + i;
        for (int k = 0; k < 16; k++) x->fx[i * 16 + k] = (uint8_t)(i * 7 + k);
        x->valid[i] = (uint8_t)(i % 10 != 3);
    }
}

static void flat_cols(flat_data *x, tf_pq_col c[9])
{
    memset(c, 0, sizeof(tf_pq_col) * 9);
    c[0].strs = x->s, c[0].valid = x->valid;
    c[1].values = x->i32;
    c[2].values = x->i64, c[2].valid = x->valid;
    c[3].values = x->d, c[3].valid = x->valid;
    c[4].values = x->fl;
    c[5].values = x->b, c[5].valid = x->valid;
    c[6].values = x->ts, c[6].valid = x->valid;
    c[7].values = x->dt;
    c[8].values = x->fx, c[8].valid = x->valid;
}

/* the expected string_agg text of column k, as DuckDB casts it */
static char *expect_agg(const flat_data *x, int k)
{
    tf_buf b = {0};
    char t[64];
    for (int i = 0; i < N; i++) {
        if (i) tf_buf_putc(&b, '|');
        int opt = flat_fields[k].optional;
        if (opt && !x->valid[i]) {
            tf_buf_putc(&b, 'N');
            continue;
        }
        switch (k) {
        case 0: tf_buf_append(&b, x->s[i].ptr, x->s[i].len); break;
        case 1: tf_buf_printf(&b, "%d", x->i32[i]); break;
        case 2: tf_buf_printf(&b, "%lld", (long long)x->i64[i]); break;
        case 3: tf_buf_append(&b, t, (size_t)tf_format_double(x->d[i], t)); break;
        case 4: tf_buf_append(&b, t, (size_t)tf_format_double(x->fl[i], t)); break;
        case 5: tf_buf_puts(&b, x->b[i] ? "true" : "false"); break;
        case 6: tf_buf_printf(&b, "%lld", (long long)x->ts[i]); break;
        case 7: tf_format_date(x->dt[i], t); tf_buf_puts(&b, t); break;
        case 8:
            for (int j = 0; j < 16; j++) tf_buf_printf(&b, "%02X", x->fx[i * 16 + j]);
            break;
        }
    }
    tf_buf_cstr(&b);
    return b.data;
}

static const char *agg_expr[] = {"s", "i32", "i64", "d", "f", "b", "epoch_us(ts)", "dt", "hex(fx)"};

static void check_flat_with_duck(const char *path, const flat_data *x)
{
    if (!have_duck()) return;
    char *sql = tf_xasprintf("SELECT string_agg(column_name || ':' || column_type, ' ') FROM (DESCRIBE SELECT * FROM "
                             "read_parquet('%s'))", path);
    CHECK_DUCK(sql, "s:VARCHAR i32:INTEGER i64:BIGINT d:DOUBLE f:FLOAT b:BOOLEAN ts:TIMESTAMP WITH TIME ZONE dt:DATE "
                    "fx:BLOB");
    free(sql);
    /* every value of every column in row order, nulls as N */
    tf_buf q = {0};
    tf_buf_puts(&q, "SELECT ");
    for (int k = 0; k < 9; k++)
        tf_buf_printf(&q, "%sstring_agg(coalesce(CAST(%s AS VARCHAR), 'N'), '|' ORDER BY rn)", k ? " || '#' || " : "",
                      agg_expr[k]);
    tf_buf_printf(&q, " FROM (SELECT *, row_number() OVER () AS rn FROM read_parquet('%s'))", path);
    tf_buf want = {0};
    for (int k = 0; k < 9; k++) {
        char *e = expect_agg(x, k);
        if (k) tf_buf_putc(&want, '#');
        tf_buf_puts(&want, e);
        free(e);
    }
    CHECK_DUCK(tf_buf_cstr(&q), tf_buf_cstr(&want));
    tf_buf_free(&q);
    tf_buf_free(&want);
    sql = tf_xasprintf("SELECT count(*) - count(s), count(*) - count(i32), count(*) - count(fx) FROM read_parquet('%s')",
                       path);
    CHECK_DUCK(sql, "100,0,100");
    free(sql);
}

static int write_flat(const char *path, int codec, int64_t rg_rows, int64_t page_size, flat_data *x, tf_err *e)
{
    tf_pq_write_opts o = tf_pq_write_defaults();
    o.codec = codec;
    if (rg_rows) o.row_group_rows = rg_rows;
    if (page_size) o.page_size = page_size;
    tf_pq_writer *w;
    int rc = tf_pq_writer_open(path, flat_fields, 9, &o, &w, e);
    if (rc) return rc;
    tf_pq_col c[9];
    flat_cols(x, c);
    tf_pq_writer_add_kv(w, "tripflow.test", "flat");
    if ((rc = tf_pq_writer_write(w, N, c, e))) {
        tf_pq_writer_abort(w);
        return rc;
    }
    return tf_pq_writer_close(w, NULL, e);
}

TF_TEST(pqw_every_type_every_codec_read_back)
{
    flat_data *x = tf_xcalloc(1, sizeof *x);
    make_flat(x);
    const int codecs[] = {TF_PQ_ZSTD, TF_PQ_SNAPPY, TF_PQ_GZIP, TF_PQ_LZ4_RAW, TF_PQ_UNCOMPRESSED};
    const char *names[] = {"zstd", "snappy", "gzip", "lz4", "none"};
    char *first = NULL;
    for (int ci = 0; ci < 5; ci++) {
        tf_err e = {0};
        char *path = tf_xasprintf("%s/flat_%s.parquet", tf_test_tmpdir(), names[ci]);
        CHECK_INT(write_flat(path, codecs[ci], 0, 0, x, &e), TF_OK);
        char *rows = read_json_rows(path, &e);
        CHECK(rows != NULL);
        if (!rows) tf_test_fail(__FILE__, __LINE__, "%s", e.msg);
        if (rows && !first) {
            first = rows;
            /* row 3 has the nulls; row 0 and 1 everything */
            const char *r0 = "{\"s\":\"v0\",\"i32\":-500,\"i64\":-7,\"d\":40.0,\"f\":0.0,\"b\":true,"
                             "\"ts\":\"2023-11-14 22:13:20\",\"dt\":\"2022-01-08\","
                             "\"fx\":\"000102030405060708090a0b0c0d0e0f\"}\n"
                             "{\"s\":\"v1\",\"i32\":-497,\"i64\":1000000000,\"d\":40.001,\"f\":0.5,\"b\":false,"
                             "\"ts\":\"2023-11-14 22:13:21.500001\",\"dt\":\"2022-01-09\","
                             "\"fx\":\"0708090a0b0c0d0e0f10111213141516\"}\n";
            CHECK(!strncmp(rows, r0, strlen(r0)));
            const char *r3 = "{\"s\":null,\"i32\":-491,\"i64\":null,\"d\":null,\"f\":1.5,\"b\":null,\"ts\":null,"
                             "\"dt\":\"2022-01-11\",\"fx\":null}\n";
            CHECK(strstr(rows, r3) != NULL);
        } else if (rows) {
            CHECK_STR(rows, first); /* the same rows whatever the codec */
            free(rows);
        }
        /* the codec and the footer */
        tf_pq_file *f;
        CHECK_INT(tf_pq_open(path, NULL, &f, &e), TF_OK);
        tf_pq_chunk_info info;
        tf_pq_chunk_meta(f, 0, 3, &info);
        CHECK_INT(info.codec, codecs[ci]);
        CHECK(!strncmp(tf_pq_created_by(f), "tripflow version 0.", 19));
        const char *k, *v;
        CHECK_INT(tf_pq_num_kv(f), 1);
        tf_pq_kv(f, 0, &k, &v);
        CHECK_STR(k, "tripflow.test");
        CHECK_STR(v, "flat");
        tf_pq_close(f);
        check_flat_with_duck(path, x);
        free(path);
    }
    free(first);
    free(x);
}

TF_TEST(pqw_row_groups_pages_stats_pruning)
{
    flat_data *x = tf_xcalloc(1, sizeof *x);
    make_flat(x);
    tf_err e = {0};
    char *path = tf_xasprintf("%s/groups.parquet", tf_test_tmpdir());
    /* 300-row groups and 1 KiB pages: 4 groups, several pages each */
    CHECK_INT(write_flat(path, TF_PQ_ZSTD, 300, 1024, x, &e), TF_OK);
    tf_pq_file *f;
    CHECK_INT(tf_pq_open(path, NULL, &f, &e), TF_OK);
    CHECK_INT(tf_pq_num_row_groups(f), 4);
    CHECK_INT(tf_pq_row_group_rows(f, 3), 100);
    CHECK_INT(tf_pq_num_rows(f), N);
    tf_pq_page_counts pc;
    CHECK_INT(tf_pq_count_pages(f, 0, 3, &pc, &e), TF_OK); /* 270 doubles of 8 bytes in 1 KiB pages */
    CHECK_INT(pc.data_pages_v1, 3);
    CHECK_INT(pc.dict_pages, 0);
    CHECK_INT(tf_pq_count_pages(f, 0, 0, &pc, &e), TF_OK);
    CHECK_INT(pc.dict_pages, 1);
    tf_pq_chunk_info ci;
    CHECK_INT(tf_pq_chunk_meta(f, 1, 3, &ci), TF_OK); /* d in rows 300..599 */
    CHECK(ci.stats.has_min_max);
    CHECK_DBL(ci.stats.min_d, 40.3);
    CHECK_DBL(ci.stats.max_d, 40.0 + 599 * 0.001);
    CHECK_INT(ci.stats.null_count, 30);
    CHECK_INT(ci.nencodings, 2);
    CHECK_INT(tf_pq_chunk_meta(f, 2, 0, &ci), TF_OK); /* s: dictionary */
    CHECK_INT(ci.nencodings, 3);
    CHECK_INT(ci.encodings[2], 8);
    CHECK_INT(ci.stats.min_len, 2);
    CHECK(!memcmp(ci.stats.min_b, "v0", 2) && !memcmp(ci.stats.max_b, "v6", 2));
    CHECK_INT(tf_pq_chunk_meta(f, 0, 1, &ci), TF_OK); /* i32 required */
    CHECK_INT(ci.stats.min_i, -500);
    CHECK_INT(ci.stats.max_i, 299 * 3 - 500);
    CHECK_INT(ci.stats.null_count, 0);
    /* pruning on d: only group 2 holds 40.65 */
    CHECK_INT(tf_pq_can_skip(f, 0, 3, 40.65, 40.66), 1);
    CHECK_INT(tf_pq_can_skip(f, 1, 3, 40.65, 40.66), 1);
    CHECK_INT(tf_pq_can_skip(f, 2, 3, 40.65, 40.66), 0);
    CHECK_INT(tf_pq_can_skip(f, 3, 3, 40.65, 40.66), 1);
    CHECK_INT(tf_pq_can_skip(f, 0, 2, -10, -8), 1); /* i64 starts at -7 */
    CHECK_INT(tf_pq_can_skip(f, 0, 2, -10, -7), 0);
    /* typed flat reads into caller arrays */
    double *d = tf_xmalloc(300 * sizeof *d);
    uint8_t *valid = tf_xmalloc(300);
    int32_t *i32 = tf_xmalloc(300 * sizeof *i32);
    tf_pq_batch b = {0};
    CHECK_INT(tf_pq_read_flat(f, 1, 3, &b, d, valid, &e), TF_OK);
    CHECK_DBL(d[0], 40.3);
    CHECK_INT(valid[3], 0);
    CHECK_DBL(d[3], 0.0);
    CHECK_DBL(d[299], 40.0 + 599 * 0.001);
    CHECK_INT(tf_pq_read_flat(f, 3, 1, &b, i32, NULL, &e), TF_OK);
    CHECK_INT(i32[99], 999 * 3 - 500);
    /* strings: one (ptr, len) per row, nulls empty */
    tf_pq_str sv[100];
    uint8_t svalid[100];
    CHECK_INT(tf_pq_read_flat(f, 3, 0, &b, sv, svalid, &e), TF_OK);
    CHECK(svalid[0] && sv[0].len == 2 && !memcmp(sv[0].ptr, "v4", 2)); /* row 900 */
    CHECK(!svalid[3] && sv[3].ptr == NULL && sv[3].len == 0);          /* row 903 */
    CHECK(svalid[99] && sv[99].len == 2 && !memcmp(sv[99].ptr, "v5", 2));
    tf_pq_batch_free(&b);
    free(d);
    free(valid);
    free(i32);
    tf_pq_close(f);
    if (have_duck()) {
        char *sql = tf_xasprintf("SELECT count(*) || '/' || count(DISTINCT row_group_id) || '/' || sum(num_values) "
                                 "FROM parquet_metadata('%s') WHERE path_in_schema = 'd'", path);
        CHECK_DUCK(sql, "4/4/1000");
        free(sql);
    }
    check_flat_with_duck(path, x);
    free(path);
    free(x);
}

TF_TEST(pqw_dictionary_fallback_to_plain)
{
    enum { M = 5000 };
    tf_pq_str *s = tf_xmalloc(M * sizeof *s);
    char *buf = tf_xmalloc(M * 24);
    for (int i = 0; i < M; i++) {
        int n = snprintf(buf + 24 * i, 24, "unique-%06d", i);
        s[i].ptr = buf + 24 * i;
        s[i].len = (uint32_t)n;
    }
    tf_pq_field fields[] = {{"u", TF_PQT_STRING, 0, 0, TF_PQ_DICT_AUTO, NULL, 0},
                            {"k", TF_PQT_INT64, 0, 0, TF_PQ_DICT_ON, NULL, 0}};
    int64_t *k = tf_xmalloc(M * sizeof *k);
    for (int i = 0; i < M; i++) k[i] = i % 5;
    tf_pq_col c[2] = {{.strs = s}, {.values = k}};
    tf_pq_write_opts o = tf_pq_write_defaults();
    o.dict_limit = 16 * 1024; /* 5000 unique strings need ~80 KiB: fall back */
    tf_err e = {0};
    tf_pq_writer *w;
    char *path = tf_xasprintf("%s/fallback.parquet", tf_test_tmpdir());
    CHECK_INT(tf_pq_writer_open(path, fields, 2, &o, &w, &e), TF_OK);
    CHECK_INT(tf_pq_writer_write(w, M, c, &e), TF_OK);
    tf_pq_write_result res;
    CHECK_INT(tf_pq_writer_close(w, &res, &e), TF_OK);
    CHECK_INT(res.num_rows, M);
    CHECK_INT(res.num_row_groups, 1);
    CHECK_INT(res.rg_stats[1].min_i, 0);
    CHECK_INT(res.rg_stats[1].max_i, 4);
    CHECK(res.rg_stats[0].min_len == 13 && !memcmp(res.rg_stats[0].min_b, "unique-000000", 13));
    CHECK(res.rg_stats[0].max_len == 13 && !memcmp(res.rg_stats[0].max_b, "unique-004999", 13));
    CHECK_INT(res.file_size, tf_exists(path) ? res.file_size : -1);
    tf_pq_file *f;
    CHECK_INT(tf_pq_open(path, NULL, &f, &e), TF_OK);
    tf_pq_chunk_info ci;
    tf_pq_chunk_meta(f, 0, 0, &ci);
    CHECK_INT(ci.nencodings, 2); /* PLAIN, RLE: the dictionary was given up */
    CHECK_INT(ci.dictionary_page_offset, 0);
    tf_pq_chunk_meta(f, 0, 1, &ci);
    CHECK_INT(ci.nencodings, 3); /* the int64 column asked for a dictionary */
    CHECK_INT(ci.encodings[2], 8);
    tf_pq_batch b = {0};
    CHECK_INT(tf_pq_read_chunk(f, 0, 0, &b, &e), TF_OK);
    CHECK(b.num_values == M && b.strs[4321].len == 13 && !memcmp(b.strs[4321].ptr, "unique-004321", 13));
    CHECK_INT(tf_pq_read_chunk(f, 0, 1, &b, &e), TF_OK);
    CHECK(b.num_values == M && ((const int64_t *)b.values)[4321] == 1);
    tf_pq_batch_free(&b);
    tf_pq_close(f);
    if (have_duck()) {
        char *sql = tf_xasprintf("SELECT count(DISTINCT u) || '/' || sum(k) || '/' || max(u) FROM read_parquet('%s')", path);
        CHECK_DUCK(sql, "5000/10000/unique-004999");
        free(sql);
    }
    tf_pq_write_result_free(&res);
    free(path);
    free(k);
    free(s);
    free(buf);
}

/* BYTE_STREAM_SPLIT: required doubles (the 16-value fast path and its
 * tail), optional doubles (slots with gaps) and floats round-trip through
 * tripflow's reader and DuckDB, across pages; the chunk lists the encoding;
 * integer columns and unknown names are refused. */
TF_TEST(pqw_byte_stream_split)
{
    enum { M = 70007 }; /* not a multiple of 16; several 64 KiB pages */
    double *d = tf_xmalloc(M * sizeof *d), *od = tf_xmalloc(M * sizeof *od);
    float *fl = tf_xmalloc(M * sizeof *fl);
    uint8_t *valid = tf_xmalloc(M);
    int64_t *k = tf_xmalloc(M * sizeof *k);
    double sum_d = 0, sum_od = 0;
    for (int i = 0; i < M; i++) {
        d[i] = 7.6 + i * 1e-7 - (i % 3) * 1e-3;
        od[i] = -45.0 - i * 3e-6;
        valid[i] = i % 7 != 3;
        fl[i] = (float)(i % 1000) * 0.25f;
        k[i] = i;
        sum_d += d[i];
        if (valid[i]) sum_od += od[i];
    }
    tf_pq_field fields[] = {{"d", TF_PQT_DOUBLE, 0, 0, 0, NULL, 0},
                            {"od", TF_PQT_DOUBLE, 1, 0, 0, NULL, 0},
                            {"f", TF_PQT_FLOAT, 0, 0, 0, NULL, 0},
                            {"k", TF_PQT_INT64, 0, 0, 0, NULL, 0}};
    tf_pq_col c[4] = {{.values = d}, {.values = od, .valid = valid}, {.values = fl}, {.values = k}};
    tf_pq_write_opts o = tf_pq_write_defaults();
    o.page_size = 64 * 1024;
    tf_err e = {0};
    tf_pq_writer *w;
    char *path = tf_xasprintf("%s/bss.parquet", tf_test_tmpdir());
    CHECK_INT(tf_pq_writer_open(path, fields, 4, &o, &w, &e), TF_OK);
    CHECK_INT(tf_pq_writer_column_encoding(w, "k", TF_PQ_ENC_BYTE_STREAM_SPLIT, &e), TF_EINVAL);
    char *want_msg = tf_xasprintf("%s: column 'k': BYTE_STREAM_SPLIT is for FLOAT and DOUBLE values", path);
    CHECK_STR(e.msg, want_msg);
    free(want_msg);
    CHECK_INT(tf_pq_writer_column_encoding(w, "nope", TF_PQ_ENC_BYTE_STREAM_SPLIT, &e), TF_EINVAL);
    CHECK_INT(tf_pq_writer_column_encoding(w, "d", 5, &e), TF_EINVAL);
    for (int i = 0; i < 3; i++)
        CHECK_INT(tf_pq_writer_column_encoding(w, fields[i].name, TF_PQ_ENC_BYTE_STREAM_SPLIT, &e), TF_OK);
    CHECK_INT(tf_pq_writer_write(w, M, c, &e), TF_OK);
    CHECK_INT(tf_pq_writer_column_encoding(w, "d", TF_PQ_ENC_PLAIN, &e), TF_EINVAL); /* after a row group */
    CHECK_INT(tf_pq_writer_close(w, NULL, &e), TF_OK);
    tf_pq_file *f;
    CHECK_INT(tf_pq_open(path, NULL, &f, &e), TF_OK);
    tf_pq_chunk_info ci;
    for (int col = 0; col < 4; col++) {
        tf_pq_chunk_meta(f, 0, col, &ci);
        CHECK_INT(ci.nencodings, 2);
        CHECK_INT(ci.encodings[0], col < 3 ? 9 : 0); /* BYTE_STREAM_SPLIT, or PLAIN */
    }
    tf_pq_batch b = {0};
    CHECK_INT(tf_pq_read_chunk(f, 0, 0, &b, &e), TF_OK);
    CHECK(b.num_values == M && !memcmp(b.values, d, M * sizeof *d));
    CHECK_INT(tf_pq_read_chunk(f, 0, 1, &b, &e), TF_OK);
    /* the non-null values in order, the nulls in the levels */
    CHECK_INT(b.num_levels, M);
    int same = 1;
    int64_t at = 0;
    for (int i = 0; i < M; i++) {
        same &= b.def[i] == valid[i];
        if (valid[i]) same &= at < b.num_values && ((const double *)b.values)[at++] == od[i];
    }
    CHECK(same && at == b.num_values);
    CHECK_INT(tf_pq_read_chunk(f, 0, 2, &b, &e), TF_OK);
    CHECK(b.num_values == M && !memcmp(b.values, fl, M * sizeof *fl));
    tf_pq_batch_free(&b);
    tf_pq_close(f);
    if (have_duck()) {
        /* exact values: extremes, and single rows inside and after the
         * 16-value blocks */
        double mn_od = INFINITY, mx_od = -INFINITY;
        for (int i = 0; i < M; i++)
            if (valid[i]) mn_od = od[i] < mn_od ? od[i] : mn_od, mx_od = od[i] > mx_od ? od[i] : mx_od;
        double mn_d = d[0], mx_d = d[0];
        for (int i = 0; i < M; i++) mn_d = d[i] < mn_d ? d[i] : mn_d, mx_d = d[i] > mx_d ? d[i] : mx_d;
        char *sql = tf_xasprintf(
            "SELECT count(*) || '/' || count(od) || '/' || (min(d) = %.17g AND max(d) = %.17g) || '/' || "
            "(min(od) = %.17g AND max(od) = %.17g) || '/' || min(f) || '/' || max(f) || '/' || "
            "bool_and(CASE k WHEN 12345 THEN d = %.17g WHEN %d THEN d = %.17g AND f = %.9g ELSE true END) "
            "FROM read_parquet('%s')",
            mn_d, mx_d, mn_od, mx_od, d[12345], M - 1, d[M - 1], (double)fl[M - 1], path);
        char want[64];
        snprintf(want, sizeof want, "%d/%d/true/true/0.0/249.75/true", M, M - (M + 3) / 7);
        CHECK_DUCK(sql, want);
        free(sql);
    }
    free(path);
    free(d);
    free(od);
    free(fl);
    free(valid);
    free(k);
}

/* the staypoints output: user_id STRING, staypoints LIST<STRUCT<...>>, p1, p2
 * plus a LIST<INT64> column, with null and empty lists */
TF_TEST(pqw_list_of_struct_and_list_of_primitive)
{
    static const tf_pq_field sp_fields[] = {
        {"enter_time", TF_PQT_TIMESTAMP, 1, 0, 0, NULL, 0},
        {"exit_time", TF_PQT_TIMESTAMP, 1, 0, 0, NULL, 0},
        {"lat", TF_PQT_DOUBLE, 1, 0, 0, NULL, 0},
        {"lng", TF_PQT_DOUBLE, 1, 0, 0, NULL, 0},
    };
    static const tf_pq_field sp_elem = {"element", TF_PQT_STRUCT, 1, 0, 0, sp_fields, 4};
    static const tf_pq_field n_elem = {"element", TF_PQT_INT64, 1, 0, 0, NULL, 0};
    const tf_pq_field fields[] = {
        {"user_id", TF_PQT_STRING, 0, 0, 0, NULL, 0},
        {"staypoints", TF_PQT_LIST, 1, 0, 0, &sp_elem, 1},
        {"p1", TF_PQT_STRING, 1, 0, 0, NULL, 0},
        {"p2", TF_PQT_STRING, 1, 0, 0, NULL, 0},
        {"nums", TF_PQT_LIST, 1, 0, 0, &n_elem, 1},
    };
    /* rows: u1 two staypoints; u2 null list; u3 empty list; u4 a null element
     * then one with a null lat */
    tf_pq_str users[] = {{"u1", 2}, {"u2", 2}, {"u3", 2}, {"u4", 2}};
    tf_pq_str p[] = {{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}};
    uint8_t pvalid[] = {1, 0, 1, 1};
    int64_t off[] = {0, 2, 2, 2, 4};
    uint8_t lvalid[] = {1, 0, 1, 1};
    uint8_t evalid[] = {1, 1, 0, 1};
    int64_t enter[] = {1700000000000000, 1700000100000000, 0, 1700000300000000};
    int64_t exitt[] = {1700000050000000, 1700000150000000, 0, 1700000350000000};
    double lat[] = {52.5, 52.51, 0, 0}, lng[] = {13.4, 13.41, 0, 13.43};
    uint8_t latv[] = {1, 1, 0, 0};
    int64_t noff[] = {0, 3, 3, 3, 4};
    uint8_t nlv[] = {1, 1, 0, 1};
    int64_t nums[] = {1, 2, 3, 0};
    uint8_t numv[] = {1, 0, 1, 0};
    tf_pq_col c[8] = {
        {.strs = users},
        {.values = enter, .list_offsets = off, .list_valid = lvalid, .elem_valid = evalid},
        {.values = exitt, .list_offsets = off, .list_valid = lvalid, .elem_valid = evalid},
        {.values = lat, .valid = latv, .list_offsets = off, .list_valid = lvalid, .elem_valid = evalid},
        {.values = lng, .list_offsets = off, .list_valid = lvalid, .elem_valid = evalid},
        {.strs = p, .valid = pvalid},
        {.strs = p},
        {.values = nums, .valid = numv, .list_offsets = noff, .list_valid = nlv},
    };
    tf_err e = {0};
    tf_pq_writer *w;
    char *path = tf_xasprintf("%s/staypoints.parquet", tf_test_tmpdir());
    CHECK_INT(tf_pq_writer_open(path, fields, 5, NULL, &w, &e), TF_OK);
    CHECK_INT(tf_pq_writer_num_leaves(w), 8);
    /* column by column, in any order */
    CHECK_INT(tf_pq_writer_begin_group(w, 4, &e), TF_OK);
    for (int i = 7; i >= 0; i--) CHECK_INT(tf_pq_writer_put(w, i, &c[i], &e), TF_OK);
    CHECK_INT(tf_pq_writer_end_group(w, &e), TF_OK);
    CHECK_INT(tf_pq_writer_close(w, NULL, &e), TF_OK);
    const char *want =
        "{\"user_id\":\"u1\",\"staypoints\":[{\"enter_time\":\"2023-11-14 22:13:20\",\"exit_time\":\"2023-11-14 "
        "22:14:10\",\"lat\":52.5,\"lng\":13.4},{\"enter_time\":\"2023-11-14 22:15:00\",\"exit_time\":\"2023-11-14 "
        "22:15:50\",\"lat\":52.51,\"lng\":13.41}],\"p1\":\"a\",\"p2\":\"a\",\"nums\":[1,null,3]}\n"
        "{\"user_id\":\"u2\",\"staypoints\":null,\"p1\":null,\"p2\":\"b\",\"nums\":[]}\n"
        "{\"user_id\":\"u3\",\"staypoints\":[],\"p1\":\"c\",\"p2\":\"c\",\"nums\":null}\n"
        "{\"user_id\":\"u4\",\"staypoints\":[null,{\"enter_time\":\"2023-11-14 22:18:20\",\"exit_time\":\"2023-11-14 "
        "22:19:10\",\"lat\":null,\"lng\":13.43}],\"p1\":\"d\",\"p2\":\"d\",\"nums\":[null]}\n";
    char *rows = read_json_rows(path, &e);
    CHECK_STR(rows, want);
    free(rows);
    tf_pq_file *f;
    CHECK_INT(tf_pq_open(path, NULL, &f, &e), TF_OK);
    const tf_pq_node *lat_leaf = tf_pq_leaf(f, tf_pq_find_column(f, "staypoints.list.element.lat"));
    CHECK_INT(lat_leaf->max_def, 4);
    CHECK_INT(lat_leaf->max_rep, 1);
    CHECK_INT(tf_pq_node_at(f, tf_pq_find_field(f, "staypoints"))->logical, TF_PQL_LIST);
    tf_pq_close(f);
    if (have_duck()) {
        char *sql = tf_xasprintf("SELECT string_agg(column_name || ':' || column_type, ' ') FROM (DESCRIBE SELECT * "
                                 "FROM read_parquet('%s'))", path);
        CHECK_DUCK(sql, "user_id:VARCHAR staypoints:STRUCT(enter_time TIMESTAMP WITH TIME ZONE, exit_time TIMESTAMP "
                        "WITH TIME ZONE, lat DOUBLE, lng DOUBLE)[] p1:VARCHAR p2:VARCHAR nums:BIGINT[]");
        free(sql);
        sql = tf_xasprintf("SELECT string_agg(user_id || '=' || coalesce(CAST(len(staypoints) AS VARCHAR), 'N') || ':' "
                           "|| coalesce(CAST(list_transform(staypoints, x -> CAST(x.lat AS VARCHAR)) AS VARCHAR), 'N') "
                           "|| ':' || coalesce(CAST(nums AS VARCHAR), 'N') || ':' || coalesce(CAST(epoch_us("
                           "staypoints[2].exit_time) AS VARCHAR), 'N'), ' ' ORDER BY user_id) FROM read_parquet('%s')",
                           path);
        CHECK_DUCK(sql, "u1=2:[52.5, 52.51]:[1, NULL, 3]:1700000150000000 u2=N:N:[]:N u3=0:[]:N:N "
                        "u4=2:[NULL, NULL]:[NULL]:1700000350000000");
        free(sql);
    }
    free(path);
}

TF_TEST(pqw_errors_and_abort)
{
    tf_err e = {0};
    tf_pq_writer *w;
    const tf_pq_field f1[] = {{"x", TF_PQT_INT64, 0, 0, 0, NULL, 0}};
    char *path = tf_xasprintf("%s/err.parquet", tf_test_tmpdir());
    CHECK_INT(tf_pq_writer_open(path, f1, 1, NULL, &w, &e), TF_OK);
    int64_t v[3] = {1, 2, 3};
    uint8_t valid[3] = {1, 0, 1};
    tf_pq_col c = {.values = v, .valid = valid};
    CHECK_INT(tf_pq_writer_write(w, 3, &c, &e), TF_EINVAL);
    char *want = tf_xasprintf("%s: column 'x' is REQUIRED but row 1 is null", path);
    CHECK_STR(e.msg, want);
    free(want);
    tf_pq_writer_abort(w);
    CHECK(!tf_exists(path)); /* nothing partial is left */
    const tf_pq_field f2[] = {{"x", TF_PQT_FIXED, 0, 0, 0, NULL, 0}};
    CHECK_INT(tf_pq_writer_open(path, f2, 1, NULL, &w, &e), TF_EINVAL);
    want = tf_xasprintf("%s: field 'x': FIXED needs fixed_len in 1..65536", path);
    CHECK_STR(e.msg, want);
    free(want);
    const tf_pq_field f3[] = {{"x", TF_PQT_INT64, 0, 0, 0, NULL, 0}, {"x", TF_PQT_INT32, 0, 0, 0, NULL, 0}};
    CHECK_INT(tf_pq_writer_open(path, f3, 2, NULL, &w, &e), TF_EINVAL);
    want = tf_xasprintf("%s: field 'x' appears twice", path);
    CHECK_STR(e.msg, want);
    free(want);
    CHECK_INT(tf_pq_writer_open("/nonexistent-dir/x.parquet", f1, 1, NULL, &w, &e), TF_EIO);
    CHECK_STR(e.msg, "/nonexistent-dir/x.parquet: No such file or directory");
    /* a row group left incomplete */
    CHECK_INT(tf_pq_writer_open(path, f3, 1, NULL, &w, &e), TF_OK);
    CHECK_INT(tf_pq_writer_begin_group(w, 3, &e), TF_OK);
    CHECK_INT(tf_pq_writer_end_group(w, &e), TF_EINVAL);
    want = tf_xasprintf("%s: column 0 ('x') was not written in row group 0", path);
    CHECK_STR(e.msg, want);
    free(want);
    CHECK_INT(tf_pq_writer_close(w, NULL, &e), TF_EINVAL);
    CHECK(!tf_exists(path));
    free(path);
}

/* Min and max of 16-byte keys in each row group are the unsigned byte order's,
 * nulls left out, when keys tie on their first 8 bytes (the minimum and the
 * maximum both decided by the last 8) and when a row group's extremes are
 * its first or last row. */
TF_TEST(pqw_fixed16_statistics_are_byte_order_min_max)
{
    enum { R = 9000, RG = 2000 };
    uint8_t *keys = tf_xmalloc(R * 16), *valid = tf_xmalloc(R);
    uint64_t seed = 99;
    for (int i = 0; i < R; i++) {
        for (int k = 0; k < 16; k++) {
            seed = seed * UINT64_C(6364136223846793005) + 1442695040888963407u;
            keys[i * 16 + k] = (uint8_t)(seed >> 56);
        }
        /* a third tie on the lowest first word, a third on the highest */
        if (i % 3 == 0) memset(keys + i * 16, 0x00, 8);
        if (i % 3 == 1) memset(keys + i * 16, 0xff, 8);
        valid[i] = (uint8_t)(i % 17 != 5);
    }
    memset(keys + 2000 * 16, 0x00, 16); /* row group 1: its first row is the minimum */
    memset(keys + 3999 * 16, 0xff, 16); /* and its last the maximum */
    valid[2000] = valid[3999] = 1;
    memset(keys + 4000 * 16, 0x00, 16); /* row group 2: the minimum is null */
    valid[4000] = 0;
    const tf_pq_field f[] = {{"k", TF_PQT_FIXED, 1, 16, 0, NULL, 0}};
    tf_pq_write_opts o = tf_pq_write_defaults();
    o.row_group_rows = RG;
    char *path = tf_xasprintf("%s/keys.parquet", tf_test_tmpdir());
    tf_err e = {0};
    tf_pq_writer *w;
    tf_pq_col c = {.values = keys, .valid = valid};
    CHECK_INT(tf_pq_writer_open(path, f, 1, &o, &w, &e), TF_OK);
    CHECK_INT(tf_pq_writer_write(w, R, &c, &e), TF_OK);
    CHECK_INT(tf_pq_writer_close(w, NULL, &e), TF_OK);
    tf_pq_file *pf;
    CHECK_INT(tf_pq_open(path, NULL, &pf, &e), TF_OK);
    for (int g = 0; g * RG < R; g++) {
        const uint8_t *mn = NULL, *mx = NULL;
        for (int i = g * RG; i < R && i < (g + 1) * RG; i++) {
            if (!valid[i]) continue;
            if (!mn || memcmp(keys + i * 16, mn, 16) < 0) mn = keys + i * 16;
            if (!mx || memcmp(keys + i * 16, mx, 16) > 0) mx = keys + i * 16;
        }
        tf_pq_chunk_info info;
        CHECK_INT(tf_pq_chunk_meta(pf, g, 0, &info), TF_OK);
        CHECK(info.stats.has_min_max);
        CHECK_INT(info.stats.min_len, 16);
        CHECK_INT(info.stats.max_len, 16);
        CHECK(info.stats.min_b && !memcmp(info.stats.min_b, mn, 16));
        CHECK(info.stats.max_b && !memcmp(info.stats.max_b, mx, 16));
    }
    tf_pq_close(pf);
    free(path);
    free(keys);
    free(valid);
}

/* A string column given as codes into the caller's names writes the same
 * file as the same strings given one per row: dictionary pages (in the order
 * of first use), PLAIN when the dictionary outgrows its limit, with nulls;
 * a code out of range is refused. */
static int write_strings(const char *path, const tf_pq_col *c, int64_t dict_limit, int64_t rows, tf_err *e)
{
    const tf_pq_field f[] = {{"s", TF_PQT_STRING, 1, 0, 0, NULL, 0}};
    tf_pq_write_opts o = tf_pq_write_defaults();
    o.row_group_rows = 3000;
    o.dict_limit = dict_limit;
    tf_pq_writer *w;
    if (tf_pq_writer_open(path, f, 1, &o, &w, e)) return e->code;
    if (tf_pq_writer_write(w, rows, c, e)) {
        tf_pq_writer_abort(w);
        return e->code;
    }
    return tf_pq_writer_close(w, NULL, e);
}

TF_TEST(pqw_coded_strings_write_the_same_file_as_strs)
{
    enum { R = 10000, NAMES = 5 };
    static const tf_pq_str names[NAMES] = {{"funny_car", 9}, {"baba_car", 8}, {"", 0}, {"cheap_mobile", 12},
                                           {"pt_search_app", 13}};
    uint32_t *codes = tf_xmalloc(R * sizeof *codes);
    tf_pq_str *strs = tf_xmalloc(R * sizeof *strs);
    uint8_t *valid = tf_xmalloc(R);
    for (int i = 0; i < R; i++) {
        codes[i] = (uint32_t)((i * 7 + i / 13) % NAMES);
        strs[i] = names[codes[i]];
        valid[i] = (uint8_t)(i % 11 != 4);
    }
    char *a = tf_xasprintf("%s/strs.parquet", tf_test_tmpdir()), *b = tf_xasprintf("%s/codes.parquet", tf_test_tmpdir());
    tf_err e = {0};
    /* 1 MiB: dictionary pages; 30 bytes: the dictionary outgrows it, PLAIN */
    const int64_t limits[] = {1 << 20, 30};
    for (int k = 0; k < 2; k++) {
        tf_pq_col cs = {.strs = strs, .valid = valid};
        tf_pq_col cc = {.codes = codes, .code_strs = names, .ncodes = NAMES, .valid = valid};
        CHECK_INT(write_strings(a, &cs, limits[k], R, &e), TF_OK);
        CHECK_INT(write_strings(b, &cc, limits[k], R, &e), TF_OK);
        tf_buf fa = {0}, fb = {0};
        CHECK_INT(tf_read_all(a, &fa, &e), TF_OK);
        CHECK_INT(tf_read_all(b, &fb, &e), TF_OK);
        CHECK(fa.len > 1000);
        CHECK_INT((int64_t)fa.len, (int64_t)fb.len);
        CHECK(fa.len == fb.len && !memcmp(fa.data, fb.data, fa.len));
        tf_buf_free(&fa);
        tf_buf_free(&fb);
    }
    /* a code out of range, in a valid slot: refused, nothing left behind */
    codes[4321] = NAMES;
    tf_pq_col bad = {.codes = codes, .code_strs = names, .ncodes = NAMES, .valid = valid};
    CHECK_INT(write_strings(b, &bad, 1 << 20, R, &e), TF_EINVAL);
    char *want = tf_xasprintf("%s: column 's': code 5 at slot 4321 is not below ncodes (5)", b);
    CHECK_STR(e.msg, want);
    free(want);
    CHECK(!tf_exists(b));
    free(a);
    free(b);
    free(codes);
    free(strs);
    free(valid);
}

/* several threads write and read different files at once */
typedef struct thr_arg {
    int id, ok;
    char path[512];
} thr_arg;

static void *thr_main(void *p)
{
    thr_arg *a = p;
    enum { R = 20000 };
    double *d = tf_xmalloc(R * sizeof *d), *back = tf_xmalloc(R * sizeof *back);
    for (int i = 0; i < R; i++) d[i] = a->id * 1000.0 + i * 0.25;
    const tf_pq_field f[] = {{"d", TF_PQT_DOUBLE, 0, 0, 0, NULL, 0}};
    tf_pq_col c = {.values = d};
    tf_err e = {0};
    tf_pq_writer *w;
    tf_pq_write_opts o = tf_pq_write_defaults();
    o.row_group_rows = 5000;
    a->ok = 0;
    for (int round = 0; round < 3; round++) {
        if (tf_pq_writer_open(a->path, f, 1, &o, &w, &e) || tf_pq_writer_write(w, R, &c, &e) ||
            tf_pq_writer_close(w, NULL, &e))
            goto out;
        tf_pq_file *pf;
        if (tf_pq_open(a->path, NULL, &pf, &e)) goto out;
        tf_pq_batch b = {0};
        for (int g = 0; g < 4; g++)
            if (tf_pq_read_flat(pf, g, 0, &b, back + g * 5000, NULL, &e)) break;
        tf_pq_batch_free(&b);
        tf_pq_close(pf);
        if (memcmp(d, back, R * sizeof *d)) goto out;
    }
    a->ok = 1;
out:
    free(d);
    free(back);
    return NULL;
}

TF_TEST(pqw_threads_write_and_read_different_files)
{
    pthread_t t[4];
    thr_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i].id = i;
        snprintf(a[i].path, sizeof a[i].path, "%s/thread%d.parquet", tf_test_tmpdir(), i);
        pthread_create(&t[i], NULL, thr_main, &a[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(a[i].ok, 1);
    }
}

/* a list column over many small pages: pages cut only where a row starts */
TF_TEST(pqw_list_pages_cut_at_row_starts)
{
    enum { ROWS = 3000 };
    static const tf_pq_field e = {"element", TF_PQT_DOUBLE, 1, 0, 0, NULL, 0};
    const tf_pq_field f[] = {{"id", TF_PQT_INT64, 0, 0, 0, NULL, 0}, {"xs", TF_PQT_LIST, 1, 0, 0, &e, 1}};
    int64_t *id = tf_xmalloc(ROWS * sizeof *id), *off = tf_xmalloc((ROWS + 1) * sizeof *off);
    uint8_t *lv = tf_xmalloc(ROWS);
    double *xs = tf_xmalloc(ROWS * 7 * sizeof *xs);
    uint8_t *xv = tf_xmalloc(ROWS * 7);
    int64_t n = 0;
    for (int i = 0; i < ROWS; i++) {
        id[i] = i;
        lv[i] = (uint8_t)(i % 11 != 5);
        off[i] = n;
        if (lv[i])
            for (int k = 0; k < i % 7; k++, n++) {
                xs[n] = i + k * 0.125;
                xv[n] = (uint8_t)((i + k) % 9 != 0);
            }
    }
    off[ROWS] = n;
    tf_pq_col c[2] = {{.values = id}, {.values = xs, .valid = xv, .list_offsets = off, .list_valid = lv}};
    tf_pq_write_opts o = tf_pq_write_defaults();
    o.page_size = 512;
    o.codec = TF_PQ_SNAPPY;
    tf_err err = {0};
    tf_pq_writer *w;
    char *path = tf_xasprintf("%s/listpages.parquet", tf_test_tmpdir());
    CHECK_INT(tf_pq_writer_open(path, f, 2, &o, &w, &err), TF_OK);
    CHECK_INT(tf_pq_writer_write(w, ROWS, c, &err), TF_OK);
    CHECK_INT(tf_pq_writer_close(w, NULL, &err), TF_OK);
    tf_pq_file *pf;
    CHECK_INT(tf_pq_open(path, NULL, &pf, &err), TF_OK);
    tf_pq_page_counts pc;
    CHECK_INT(tf_pq_count_pages(pf, 0, 1, &pc, &err), TF_OK);
    CHECK(pc.data_pages_v1 > 10);
    /* the levels and values come back as written */
    tf_pq_batch b = {0};
    CHECK_INT(tf_pq_read_chunk(pf, 0, 1, &b, &err), TF_OK);
    int64_t li = 0, vi = 0, bad = 0;
    for (int i = 0; i < ROWS && li < b.num_levels; i++) {
        int64_t len = lv[i] ? off[i + 1] - off[i] : 0;
        if (b.rep[li] != 0) bad++;
        if (!lv[i] || len == 0) {
            bad += b.def[li] != (lv[i] ? 1 : 0);
            li++;
            continue;
        }
        for (int64_t k = 0; k < len; k++, li++) {
            int64_t s = off[i] + k;
            bad += b.rep[li] != (k ? 1 : 0);
            bad += b.def[li] != (xv[s] ? 3 : 2);
            if (xv[s]) bad += ((const double *)b.values)[vi++] != xs[s];
        }
    }
    CHECK_INT(li, b.num_levels);
    CHECK_INT(vi, b.num_values);
    CHECK_INT(bad, 0);
    tf_pq_batch_free(&b);
    tf_pq_close(pf);
    if (have_duck()) {
        char *sql = tf_xasprintf("SELECT count(*) || '/' || count(xs) || '/' || sum(len(xs)) || '/' || "
                                 "sum(list_sum(xs)) || '/' || sum(len(list_filter(xs, x -> x IS NULL))) "
                                 "FROM read_parquet('%s')", path);
        double sum = 0;
        int64_t cnt = 0, lists = 0, nulls = 0;
        for (int i = 0; i < ROWS; i++) {
            if (!lv[i]) continue;
            lists++;
            cnt += off[i + 1] - off[i];
            for (int64_t s = off[i]; s < off[i + 1]; s++) xv[s] ? (void)(sum += xs[s]) : (void)nulls++;
        }
        char st[32];
        tf_format_double(sum, st);
        char *want = tf_xasprintf("%d/%lld/%lld/%s/%lld", ROWS, (long long)lists, (long long)cnt, st, (long long)nulls);
        CHECK_DUCK(sql, want);
        free(want);
        free(sql);
    }
    free(path);
    free(id);
    free(off);
    free(lv);
    free(xs);
    free(xv);
}
