/* csv.c — the RFC 4180 record reader (see csv.h).
 * Fast path: a line without any quote is split in one pass over a bit mask
 * of its delimiters, quotes and newline, made 64 bytes at a time; quoted
 * records go through a small state machine that may cross lines. */
#include "tripflow/csv.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void tf_csv_init(tf_csv_reader *r, const char *p, const char *limit, const char *end, int64_t first_line)
{
    r->cur = p;
    r->limit = limit;
    r->end = end;
    r->line = first_line;
    r->delim = ',';
}

void tf_csv_skip_bom(tf_csv_reader *r)
{
    if (r->end - r->cur >= 3 && (unsigned char)r->cur[0] == 0xEF && (unsigned char)r->cur[1] == 0xBB &&
        (unsigned char)r->cur[2] == 0xBF)
        r->cur += 3;
}

static inline int is_blank_line(const char *p, const char *eol)
{
    for (; p < eol; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r') return 0;
    return 1;
}

static inline void add_field(tf_csv_record *rec, const char *p, size_t len, int quoted, int escaped)
{
    if (rec->nfields < TF_CSV_MAX_FIELDS) {
        tf_csv_field *f = &rec->f[rec->nfields];
        f->p = p;
        f->len = (uint32_t)len;
        f->quoted = (uint8_t)quoted;
        f->escaped = (uint8_t)escaped;
    }
    rec->nfields++;
}

/* field: 1-based number of the field the problem is in */
static inline void set_err(tf_csv_record *rec, const char *why, const char *line_start, const char *at, int field)
{
    if (rec->err) return;
    rec->err = why;
    rec->err_col = (int)(at - line_start) + 1;
    rec->err_field = field;
}

/* Slow path: a record containing a quote.  Starts at rec->start. */
static void parse_quoted(tf_csv_reader *r, tf_csv_record *rec)
{
    const char *p = rec->start, *end = r->end, *line_start = p;
    const char d = r->delim;
    int lines = 1;
    for (;;) {
        const char *fs = p;
        if (p < end && *p == '"') {
            const char *q = p + 1;
            int escaped = 0;
            int lines_in = 0;
            const char *ls_in = line_start;
            for (;;) {
                const char *nq = memchr(q, '"', (size_t)(end - q));
                if (!nq) {
                    /* unterminated: the bad record is the physical line where it started */
                    const char *eol = memchr(fs, '\n', (size_t)(end - fs));
                    const char *stop = eol ? eol : end;
                    set_err(rec, "unterminated quoted field", line_start, fs, rec->nfields + 1);
                    rec->len = (size_t)(stop - rec->start);
                    if (rec->len && rec->start[rec->len - 1] == '\r') rec->len--;
                    /* one field: the first one, or the line's text when the
                     * quote opened the first field */
                    if (rec->nfields == 0) add_field(rec, rec->start, rec->len, 0, 0);
                    rec->nfields = 1;
                    rec->nlines = lines;
                    r->cur = eol ? eol + 1 : end;
                    r->line += lines;
                    return;
                }
                for (const char *s = q; (s = memchr(s, '\n', (size_t)(nq - s))) != NULL; s++) {
                    lines_in++;
                    ls_in = s + 1;
                }
                if (nq + 1 < end && nq[1] == '"') {
                    escaped = 1;
                    q = nq + 2;
                    continue;
                }
                add_field(rec, fs + 1, (size_t)(nq - fs - 1), 1, escaped);
                lines += lines_in;
                line_start = ls_in;
                p = nq + 1;
                break;
            }
            /* after the closing quote: delimiter, end of line or end of data */
            if (p < end && *p == d) {
                p++;
                continue;
            }
            if (p >= end || *p == '\n' || (*p == '\r' && (p + 1 >= end || p[1] == '\n'))) goto eor;
            set_err(rec, "unexpected text after a closing quote", line_start, p, rec->nfields);
            /* skip to the end of this line */
            {
                const char *eol = memchr(p, '\n', (size_t)(end - p));
                p = eol ? eol : end;
                goto eor;
            }
        } else {
            /* unquoted field: up to the delimiter or end of line */
            const char *q = p;
            while (q < end && *q != d && *q != '\n') {
                if (*q == '"') set_err(rec, "quote inside an unquoted field", line_start, q, rec->nfields + 1);
                q++;
            }
            const char *fe = q;
            if ((q >= end || *q == '\n') && fe > fs && fe[-1] == '\r') fe--;
            add_field(rec, fs, (size_t)(fe - fs), 0, 0);
            p = q;
            if (p < end && *p == d) {
                p++;
                continue;
            }
            goto eor;
        }
    }
eor:
    rec->len = (size_t)(p - rec->start);
    if (rec->len && rec->start[rec->len - 1] == '\r') rec->len--;
    if (p + 1 < end && p[0] == '\r' && p[1] == '\n') p++;
    rec->nlines = lines;
    r->cur = p < end ? p + 1 : end;
    r->line += lines;
}

/* The first delimiter, quote or newline in [p, end), or end: 16 bytes a
 * step where SSE2 is there (every x86-64), a byte a step otherwise. */
static inline const char *next_special(const char *p, const char *end, char d)
{
#ifdef __SSE2__
    const __m128i vd = _mm_set1_epi8(d), vq = _mm_set1_epi8('"'), vn = _mm_set1_epi8('\n');
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, vq)), _mm_cmpeq_epi8(x, vn));
        int m = _mm_movemask_epi8(hit);
        if (m) return p + __builtin_ctz((unsigned)m);
        p += 16;
    }
#endif
    while (p < end && *p != d && *p != '"' && *p != '\n') p++;
    return p;
}

#ifdef __SSE2__
/* Bit i set: p[i] is the delimiter, a quote or a newline (i < 64). */
static inline uint64_t special_mask64(const char *p, __m128i vd, __m128i vq, __m128i vn)
{
    uint64_t m = 0;
    for (int k = 0; k < 4; k++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, vq)), _mm_cmpeq_epi8(x, vn));
        m |= (uint64_t)(uint32_t)_mm_movemask_epi8(hit) << (16 * k);
    }
    return m;
}
#endif

int tf_csv_next(tf_csv_reader *r, tf_csv_record *rec)
{
    const char d = r->delim;
#ifdef __SSE2__
    const __m128i vd = _mm_set1_epi8(d), vq = _mm_set1_epi8('"'), vn = _mm_set1_epi8('\n');
#endif
    for (;;) {
        if (r->cur >= r->limit || r->cur >= r->end) return 0;
        const char *s = r->cur, *end = r->end;
        rec->nfields = 0;
        rec->line = r->line;
        rec->start = s;
        rec->err = NULL;
        rec->err_col = 0;
        rec->err_field = 0;
        /* one pass: fields end at a delimiter, the record at a newline; a
         * quote anywhere sends the record to the quoted path.  The special
         * bytes of 64 at a time are taken from a mask, one bit each, so a
         * field costs no new scan and no hard-to-predict loop exit. */
        const char *p = s, *blk = s, *c;
#ifdef __SSE2__
        while (end - blk >= 64) {
            uint64_t m = special_mask64(blk, vd, vq, vn);
            while (m) {
                c = blk + __builtin_ctzll(m);
                m &= m - 1;
                if (*c != d) goto found;
                add_field(rec, p, (size_t)(c - p), 0, 0);
                p = c + 1;
            }
            blk += 64;
        }
#endif
        /* the last bytes of the data (every byte before blk is done) */
        for (const char *q = blk;;) {
            c = next_special(q, end, d);
            if (c < end && *c == d) {
                add_field(rec, p, (size_t)(c - p), 0, 0);
                q = p = c + 1;
                continue;
            }
            break;
        }
#ifdef __SSE2__
    found:
#endif
        if (c < end && *c == '"') {
            rec->nfields = 0;
            parse_quoted(r, rec);
            return 1;
        }
        /* c: the newline or the end of the data */
        if (rec->nfields == 0 && is_blank_line(s, c)) {
            r->cur = c < end ? c + 1 : end;
            r->line++;
            continue;
        }
        const char *le = c;
        if (le > p && le[-1] == '\r') le--;
        add_field(rec, p, (size_t)(le - p), 0, 0);
        rec->len = (size_t)(le - s);
        rec->nlines = 1;
        r->cur = c < end ? c + 1 : end;
        r->line++;
        return 1;
    }
}

void tf_csv_resync(tf_csv_reader *r, const tf_csv_record *rec)
{
    if (rec->nlines <= 1) return;
    const char *eol = memchr(rec->start, '\n', (size_t)(r->end - rec->start));
    r->cur = eol ? eol + 1 : r->end;
    r->line = rec->line + 1;
}

const char *tf_csv_unescape(const tf_csv_field *f, tf_buf *b)
{
    size_t at = b->len;
    if (!f->escaped) {
        tf_buf_append(b, f->p, f->len);
    } else {
        for (uint32_t i = 0; i < f->len; i++) {
            tf_buf_putc(b, f->p[i]);
            if (f->p[i] == '"' && i + 1 < f->len && f->p[i + 1] == '"') i++;
        }
    }
    tf_buf_cstr(b);
    return b->data + at;
}

void tf_csv_write_field(tf_buf *b, const char *s, size_t n, char delim)
{
    int need = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r') {
            need = 1;
            break;
        }
    if (!need && n && (s[0] == ' ' || s[n - 1] == ' ')) need = 1;
    if (!need) {
        tf_buf_append(b, s, n);
        return;
    }
    tf_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') tf_buf_putc(b, '"');
        tf_buf_putc(b, s[i]);
    }
    tf_buf_putc(b, '"');
}
