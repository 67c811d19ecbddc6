/* csv.h — RFC 4180 record reader over an in-memory buffer (an mmap'd file or
 * a block read from a stream), zero-copy.
 *
 * Rules: fields separated by the delimiter, records by LF or CRLF; a field
 * that starts with '"' is quoted and may hold delimiters, newlines and ""
 * (an escaped quote); a UTF-8 BOM at the start of the data is skipped; blank
 * and whitespace-only lines are skipped.  A malformed record (unterminated
 * quote, text after a closing quote, a quote inside an unquoted field) is
 * returned with rec->err set and the reader continues on the next line, so
 * good records after it are never lost.  A record that spans lines through
 * quoted newlines can be given up with tf_csv_resync, which re-reads the
 * lines after its first line as records of their own. */
#ifndef TF_CSV_H
#define TF_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/mem.h"

#define TF_CSV_MAX_FIELDS 64

typedef struct tf_csv_field {
    const char *p;
    uint32_t len;
    uint8_t quoted;  /* was enclosed in quotes (p/len exclude them) */
    uint8_t escaped; /* contains "" pairs: use tf_csv_unescape */
} tf_csv_field;

typedef struct tf_csv_record {
    tf_csv_field f[TF_CSV_MAX_FIELDS];
    int nfields;       /* total fields seen (may exceed TF_CSV_MAX_FIELDS) */
    int64_t line;      /* 1-based line where the record starts */
    int nlines;        /* physical lines spanned */
    const char *start; /* raw record text, without its line terminator */
    size_t len;
    const char *err;   /* NULL, or the reason the record is malformed */
    int err_col;       /* 1-based byte column of the problem within its line */
    int err_field;     /* 1-based field number where the problem is */
} tf_csv_record;

typedef struct tf_csv_reader {
    const char *cur, *limit, *end;
    int64_t line; /* line number of cur */
    char delim;
} tf_csv_reader;

/* Read records that start in [p, limit); a record may run on up to end. */
void tf_csv_init(tf_csv_reader *r, const char *p, const char *limit, const char *end, int64_t first_line);
/* Skip a UTF-8 BOM at the reader's position. */
void tf_csv_skip_bom(tf_csv_reader *r);
/* 1 when a record was read, 0 at the end. */
int tf_csv_next(tf_csv_reader *r, tf_csv_record *rec);
/* Give up a multi-line record: continue at the line after its first line. */
void tf_csv_resync(tf_csv_reader *r, const tf_csv_record *rec);
/* The field's text with "" unescaped, appended to b; returns a pointer into b. */
const char *tf_csv_unescape(const tf_csv_field *f, tf_buf *b);
/* Write one field to b, quoting it when needed. */
void tf_csv_write_field(tf_buf *b, const char *s, size_t n, char delim);

#endif
