/* reject.h — the reject file: every row a job refuses, with its line, the
 * field and the reason, as CSV (`line,field,reason,record`).  Written under a
 * temporary name and published when the job ends; removed when empty.  Also
 * the --max-rejects limit ("N" rows or "P%" of rows read). */
#ifndef TF_REJECT_H
#define TF_REJECT_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/err.h"

typedef struct tf_rejects tf_rejects;

int tf_rejects_open(const char *path, tf_rejects **out, tf_err *err);
/* field may be NULL (a record-level problem); record is the raw input text */
int tf_rejects_add(tf_rejects *r, int64_t line, const char *field, const char *reason, const char *record,
                   size_t record_len, tf_err *err);
int64_t tf_rejects_count(const tf_rejects *r);
const char *tf_rejects_path(const tf_rejects *r);
/* Publish (rename into place) when rows were rejected, else remove; frees r.
 * With discard set the temporary file is removed whatever it holds. */
int tf_rejects_close(tf_rejects *r, int discard, tf_err *err);

typedef struct tf_reject_limit {
    int64_t rows;   /* -1: no row limit */
    double percent; /* < 0: no percentage limit */
} tf_reject_limit;
/* "" or NULL: unlimited; "100": at most 100 rows; "2.5%": at most 2.5% of rows read */
int tf_reject_limit_parse(const char *s, tf_reject_limit *out, tf_err *err);
/* 1 when rejected rows out of read rows exceed the limit */
int tf_reject_limit_exceeded(const tf_reject_limit *l, int64_t rejected, int64_t read);

#endif
