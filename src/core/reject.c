/* reject.c — the reject file and the --max-rejects limit (see reject.h). */
#include "tripflow/reject.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tripflow/csv.h"
#include "tripflow/fsutil.h"
#include "tripflow/mem.h"
#include "tripflow/num.h"
#include "tripflow/publish.h"

struct tf_rejects {
    tf_outfile out;
    int64_t count;
};

int tf_rejects_open(const char *path, tf_rejects **out, tf_err *err)
{
    *out = NULL;
    char *dir = tf_dirname(path);
    int rc = tf_mkdir_p(dir, err);
    free(dir);
    if (rc) return rc;
    tf_rejects *r = tf_xcalloc(1, sizeof *r);
    if ((rc = tf_outfile_open(&r->out, path, err))) {
        free(r);
        return tf_err_prefix(err, "reject file: ");
    }
    tf_buf_puts(&r->out.buf, "line,field,reason,record\n");
    *out = r;
    return TF_OK;
}

int tf_rejects_add(tf_rejects *r, int64_t line, const char *field, const char *reason, const char *record,
                   size_t record_len, tf_err *err)
{
    tf_buf *b = &r->out.buf;
    char num[24];
    tf_buf_append(b, num, (size_t)tf_format_i64(line, num));
    tf_buf_putc(b, ',');
    if (field) tf_csv_write_field(b, field, strlen(field), ',');
    tf_buf_putc(b, ',');
    tf_csv_write_field(b, reason, strlen(reason), ',');
    tf_buf_putc(b, ',');
    tf_csv_write_field(b, record, record_len, ',');
    tf_buf_putc(b, '\n');
    r->count++;
    return tf_outfile_maybe_flush(&r->out, err);
}

int64_t tf_rejects_count(const tf_rejects *r) { return r ? r->count : 0; }
const char *tf_rejects_path(const tf_rejects *r) { return r ? r->out.path : NULL; }

int tf_rejects_close(tf_rejects *r, int discard, tf_err *err)
{
    if (!r) return TF_OK;
    int rc = TF_OK;
    if (discard || r->count == 0) tf_outfile_abort(&r->out);
    else rc = tf_outfile_commit(&r->out, err);
    free(r);
    return rc;
}

int tf_reject_limit_parse(const char *s, tf_reject_limit *out, tf_err *err)
{
    out->rows = -1;
    out->percent = -1;
    if (!s || !*s) return TF_OK;
    size_t n = strlen(s);
    if (s[n - 1] == '%') {
        double p;
        if (!tf_parse_double(s, n - 1, &p) || p < 0 || p > 100)
            return tf_errf(err, TF_EINVAL, "--max-rejects '%s': expected N rows or a percentage like 2.5%%", s);
        out->percent = p;
        return TF_OK;
    }
    int64_t v;
    if (!tf_parse_i64(s, n, &v) || v < 0)
        return tf_errf(err, TF_EINVAL, "--max-rejects '%s': expected N rows or a percentage like 2.5%%", s);
    out->rows = v;
    return TF_OK;
}

int tf_reject_limit_exceeded(const tf_reject_limit *l, int64_t rejected, int64_t read)
{
    if (l->rows >= 0 && rejected > l->rows) return 1;
    if (l->percent >= 0 && read > 0 && (double)rejected * 100.0 > l->percent * (double)read) return 1;
    return 0;
}
