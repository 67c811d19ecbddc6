/* fuzz_csv.c — libFuzzer target for the CSV record reader: any bytes, read
 * to the end (resyncing multi-line records half of the time), in an
 * allocation of exactly their size so any read past the data is caught.
 * Checks what callers rely on: records move forward and stay inside the
 * data, line numbers grow, fields lie inside their record, and an unquoted
 * record without error is exactly its fields joined by the delimiter. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = tf_xmalloc(size ? size : 1);
    memcpy(buf, data, size);
    const char *end = buf + size;
    tf_csv_reader r;
    tf_csv_init(&r, buf, end, end, 1);
    tf_csv_skip_bom(&r);
    tf_csv_record rec;
    const char *prev = NULL;
    int64_t prev_line = 0;
    int resync = size && (data[0] & 1);
    while (tf_csv_next(&r, &rec)) {
        if (rec.start < buf || rec.start > end || rec.len > (size_t)(end - rec.start)) abort();
        if (prev && rec.start <= prev) abort();
        if (rec.line <= prev_line || rec.nlines < 1) abort();
        prev = rec.start;
        prev_line = rec.line;
        int n = rec.nfields < TF_CSV_MAX_FIELDS ? rec.nfields : TF_CSV_MAX_FIELDS;
        int quoted = 0;
        for (int i = 0; i < n; i++) {
            const tf_csv_field *f = &rec.f[i];
            if (f->p < rec.start || f->p + f->len > end) abort();
            quoted |= f->quoted;
        }
        if (!quoted && !rec.err && rec.nfields <= TF_CSV_MAX_FIELDS) {
            /* the record's text is its fields joined by the delimiter */
            size_t at = 0;
            for (int i = 0; i < n; i++) {
                const tf_csv_field *f = &rec.f[i];
                if (i && (at >= rec.len || rec.start[at++] != ',')) abort();
                if (f->p != rec.start + at || memchr(f->p, ',', f->len) || memchr(f->p, '\n', f->len)) abort();
                at += f->len;
            }
            if (at != rec.len) abort();
        }
        if (resync) tf_csv_resync(&r, &rec);
    }
    free(buf);
    return 0;
}
