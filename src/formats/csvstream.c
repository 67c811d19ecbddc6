/* csvstream.c — block-wise CSV reading with carry-over of records that
 * cross a block boundary (see csvstream.h). */
#include "tripflow/csvstream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tripflow/sig.h"

int tf_csv_stream_open(tf_csv_stream *s, const char *path, tf_err *err)
{
    memset(s, 0, sizeof *s);
    s->block = 4u << 20;
    s->max_record = 64u << 20;
    if (!strcmp(path, "-")) {
        s->fd = 0;
        s->name = tf_xstrdup("stdin");
        return TF_OK;
    }
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) return tf_errno(err, TF_EIO, "%s", path);
    posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    s->name = tf_xstrdup(path);
    return TF_OK;
}

/* Drop the bytes before keep, read once more (and on until a line ends or
 * the input does: a pipe gives what it has, so records are parsed as soon
 * as their line is complete), and restart the reader at keep's line. */
static int refill(tf_csv_stream *s, size_t keep, int64_t line, tf_err *err)
{
    tf_buf *b = &s->buf;
    if (keep) {
        memmove(b->data, b->data + keep, b->len - keep);
        b->len -= keep;
    }
    const char *nl = NULL;
    while (!s->eof) {
        tf_buf_reserve(b, s->block);
        ssize_t n = read(s->fd, b->data + b->len, b->cap - b->len - 1);
        if (n < 0) {
            if (errno != EINTR) return tf_errno(err, TF_EIO, "%s: read", s->name);
            /* SIGINT/SIGTERM while waiting on a pipe: stop here */
            int sig = tf_sig_interrupted();
            if (sig) return tf_errf(err, TF_ECANCELED, "interrupted by signal %d", sig);
            continue;
        }
        if (n == 0) {
            s->eof = 1;
            break;
        }
        b->len += (size_t)n;
        s->bytes_read += n;
        nl = memrchr(b->data + b->len - n, '\n', (size_t)n);
        if (nl || b->len >= s->max_record) break;
    }
    size_t limit = b->len;
    if (!s->eof) {
        if (!nl) nl = memrchr(b->data, '\n', b->len);
        /* records must start before the last line end; a line longer than
         * max_record is taken as it is */
        if (nl) limit = (size_t)(nl - b->data) + 1;
    }
    const char *d = b->data ? b->data : "";
    tf_csv_init(&s->rd, d, d + limit, d + b->len, line);
    return TF_OK;
}

/* A record that may go on in data not read yet: an unterminated quote, or
 * one that ends where the buffer ends without a line end. */
static int maybe_incomplete(const tf_csv_stream *s, const tf_csv_record *rec)
{
    if (s->eof) return 0;
    const tf_buf *b = &s->buf;
    if (b->len - (size_t)(rec->start - b->data) >= s->max_record) return 0;
    if (rec->err && !strcmp(rec->err, "unterminated quoted field")) return 1;
    return s->rd.cur >= b->data + b->len && b->data[b->len - 1] != '\n';
}

int tf_csv_stream_next(tf_csv_stream *s, tf_csv_record *rec, tf_err *err)
{
    if (!s->started) {
        s->started = 1;
        if (refill(s, 0, 1, err)) return err->code;
        tf_csv_skip_bom(&s->rd);
    }
    for (;;) {
        if (tf_csv_next(&s->rd, rec)) {
            if (!maybe_incomplete(s, rec)) return 1;
            if (refill(s, (size_t)(rec->start - s->buf.data), rec->line, err)) return err->code;
            continue;
        }
        if (s->eof) return 0;
        if (refill(s, (size_t)(s->rd.cur - s->buf.data), s->rd.line, err)) return err->code;
    }
}

void tf_csv_stream_resync(tf_csv_stream *s, const tf_csv_record *rec) { tf_csv_resync(&s->rd, rec); }

void tf_csv_stream_close(tf_csv_stream *s)
{
    if (s->fd > 0) close(s->fd);
    tf_buf_free(&s->buf);
    free(s->name);
    memset(s, 0, sizeof *s);
}
