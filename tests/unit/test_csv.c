/* test_csv.c — the RFC 4180 reader: quoting, line endings, BOM, blank lines,
 * malformed records and recovery. */
#include <stdlib.h>

#include "harness.h"
#include "tripflow/csv.h"

static int read_all(const char *data, tf_csv_record *recs, int max)
{
    tf_csv_reader r;
    size_t n = strlen(data);
    tf_csv_init(&r, data, data + n, data + n, 1);
    tf_csv_skip_bom(&r);
    int k = 0;
    while (k < max && tf_csv_next(&r, &recs[k])) k++;
    return k;
}

static int field_is(const tf_csv_field *f, const char *s)
{
    tf_buf b = {0};
    int ok = !strcmp(tf_csv_unescape(f, &b), s);
    tf_buf_free(&b);
    return ok;
}

static tf_csv_record recs[16];

TF_TEST(csv_plain_crlf_bom_blank)
{
    const char *d = "\xEF\xBB\xBF" "a,b,c\r\n\r\n1,2,3\n   \n4,,6";
    int n = read_all(d, recs, 16);
    CHECK_INT(n, 3);
    CHECK_INT(recs[0].nfields, 3);
    CHECK(field_is(&recs[0].f[0], "a"));
    CHECK(field_is(&recs[0].f[2], "c"));
    CHECK_INT(recs[1].line, 3);
    CHECK(field_is(&recs[1].f[2], "3"));
    CHECK_INT(recs[2].line, 5);
    CHECK(field_is(&recs[2].f[1], ""));
    CHECK(field_is(&recs[2].f[2], "6"));
}

TF_TEST(csv_quoted_fields)
{
    const char *d = "\"a,b\",\"say \"\"hi\"\"\",\"multi\nline\"\r\nx,\"\",z\n";
    int n = read_all(d, recs, 16);
    CHECK_INT(n, 2);
    CHECK_INT(recs[0].nfields, 3);
    CHECK(field_is(&recs[0].f[0], "a,b"));
    CHECK(field_is(&recs[0].f[1], "say \"hi\""));
    CHECK(field_is(&recs[0].f[2], "multi\nline"));
    CHECK_INT(recs[0].nlines, 2);
    CHECK(recs[0].err == NULL);
    CHECK_INT(recs[1].line, 3);
    CHECK(field_is(&recs[1].f[1], ""));
}

TF_TEST(csv_malformed_records_do_not_swallow_good_ones)
{
    const char *d = "a,\"b\"x,c\nok,1,2\nq\"uote,1,2\n\"open,1,2\nfine,3,4\n";
    int n = read_all(d, recs, 16);
    CHECK_INT(n, 5);
    CHECK_STR(recs[0].err, "unexpected text after a closing quote");
    CHECK_INT(recs[0].err_col, 6);
    CHECK(recs[1].err == NULL);
    CHECK(field_is(&recs[1].f[0], "ok"));
    CHECK_STR(recs[2].err, "quote inside an unquoted field");
    CHECK_INT(recs[2].err_col, 2);
    CHECK_STR(recs[3].err, "unterminated quoted field");
    CHECK_INT(recs[3].line, 4);
    /* the quote opened the first field: that field is the line's text */
    CHECK_INT(recs[3].nfields, 1);
    CHECK(field_is(&recs[3].f[0], "\"open,1,2"));
    CHECK(recs[4].err == NULL);
    CHECK(field_is(&recs[4].f[0], "fine"));
    CHECK_INT(recs[4].line, 5);
}

TF_TEST(csv_resync_rereads_lines_of_a_bad_multiline_record)
{
    const char *d = "\"a\nb,c\n\"x,y\nz,w\n";
    tf_csv_reader r;
    size_t n = strlen(d);
    tf_csv_init(&r, d, d + n, d + n, 1);
    tf_csv_record rec;
    CHECK(tf_csv_next(&r, &rec));
    CHECK_INT(rec.nlines, 3);
    tf_csv_resync(&r, &rec);
    CHECK(tf_csv_next(&r, &rec));
    CHECK_INT(rec.line, 2);
    CHECK(field_is(&rec.f[0], "b"));
    CHECK(tf_csv_next(&r, &rec));
    CHECK_INT(rec.line, 3);
    CHECK(tf_csv_next(&r, &rec));
    CHECK_INT(rec.line, 4);
    CHECK(field_is(&rec.f[1], "w"));
    CHECK(!tf_csv_next(&r, &rec));
}

TF_TEST(csv_chunk_limit_lets_a_record_finish)
{
    const char *d = "a,b\n\"c\nd\",e\nf,g\n";
    size_t n = strlen(d);
    tf_csv_reader r;
    tf_csv_init(&r, d, d + 6, d + n, 1); /* limit inside the second record */
    tf_csv_record rec;
    CHECK(tf_csv_next(&r, &rec));
    CHECK(tf_csv_next(&r, &rec));
    CHECK(field_is(&rec.f[0], "c\nd"));
    CHECK(!tf_csv_next(&r, &rec));
    CHECK(r.cur == d + 12);
}

TF_TEST(csv_write_quotes_when_needed)
{
    tf_buf b = {0};
    tf_csv_write_field(&b, "plain", 5, ',');
    tf_buf_putc(&b, '|');
    tf_csv_write_field(&b, "a,b", 3, ',');
    tf_buf_putc(&b, '|');
    tf_csv_write_field(&b, "say \"hi\"", 8, ',');
    CHECK_STR(tf_buf_cstr(&b), "plain|\"a,b\"|\"say \"\"hi\"\"\"");
    tf_buf_free(&b);
}

/* Quote-free data split by a byte-at-a-time reference: lines of up to 70
 * fields (more than TF_CSV_MAX_FIELDS) and 1,500 bytes, so fields and line
 * ends fall everywhere in the reader's 64-byte blocks, CRLF and LF, blank
 * and whitespace-only lines, and a last line with and without its newline,
 * in a buffer of exactly its size (the sanitizer sees any read past it). */
TF_TEST(csv_unquoted_lines_match_a_byte_at_a_time_split)
{
    static const char alphabet[] = "ab9. \t-";
    uint64_t seed = 12345;
#define NEXT_RAND() (seed = seed * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407), (uint32_t)(seed >> 33))
    for (int round = 0; round < 40; round++) {
        tf_buf text = {0};
        int nlines = 1 + (int)(NEXT_RAND() % 60);
        for (int l = 0; l < nlines; l++) {
            uint32_t kind = NEXT_RAND() % 10;
            if (kind == 0) {
                tf_buf_puts(&text, (NEXT_RAND() & 1) ? "  \t" : "");
            } else {
                int nf = 1 + (int)(NEXT_RAND() % (kind == 1 ? 70 : 8));
                for (int f = 0; f < nf; f++) {
                    if (f) tf_buf_putc(&text, ',');
                    int len = (int)(NEXT_RAND() % (kind == 2 ? 200 : 40));
                    for (int i = 0; i < len; i++) tf_buf_putc(&text, alphabet[NEXT_RAND() % (sizeof alphabet - 1)]);
                }
            }
            if (NEXT_RAND() % 3 == 0) tf_buf_putc(&text, '\r');
            if (l + 1 < nlines || (NEXT_RAND() & 1)) tf_buf_putc(&text, '\n');
        }
        size_t n = text.len;
        char *data = malloc(n ? n : 1);
        memcpy(data, text.data, n);
        tf_buf_free(&text);
        tf_csv_reader r;
        tf_csv_init(&r, data, data + n, data + n, 1);
        const char *at = data;
        int64_t line = 1;
        static tf_csv_record rec;
        for (;;) {
            /* the reference: the next line that is not blank, split at commas */
            const char *eol = at, *le;
            for (;;) {
                if (at >= data + n) break;
                eol = memchr(at, '\n', (size_t)(data + n - at));
                if (!eol) eol = data + n;
                int blank = 1;
                for (const char *q = at; q < eol; q++) blank &= *q == ' ' || *q == '\t' || *q == '\r';
                if (!blank) break;
                at = eol < data + n ? eol + 1 : eol;
                line++;
            }
            int got = tf_csv_next(&r, &rec);
            if (at >= data + n) {
                CHECK_INT(got, 0);
                break;
            }
            CHECK_INT(got, 1);
            if (!got) break;
            le = eol > at && eol[-1] == '\r' ? eol - 1 : eol;
            CHECK_INT(rec.line, line);
            CHECK(rec.err == NULL);
            CHECK(rec.start == at);
            CHECK_INT((int64_t)rec.len, (int64_t)(le - at));
            int nf = 0;
            for (const char *fs = at;; nf++) {
                const char *fe = memchr(fs, ',', (size_t)(le - fs));
                if (!fe) fe = le;
                if (nf < TF_CSV_MAX_FIELDS) {
                    CHECK(rec.f[nf].p == fs);
                    CHECK_INT(rec.f[nf].len, (int64_t)(fe - fs));
                }
                if (fe == le) break;
                fs = fe + 1;
            }
            CHECK_INT(rec.nfields, nf + 1);
            at = eol < data + n ? eol + 1 : eol;
            line++;
        }
        free(data);
    }
#undef NEXT_RAND
}
