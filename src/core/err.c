/* err.c — formatting helpers for the tf_err convention (see err.h). */
#include "tripflow/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int tf_errf(tf_err *err, int code, const char *fmt, ...)
{
    if (!err) return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
    return code;
}

int tf_errno(tf_err *err, int code, const char *fmt, ...)
{
    int saved = errno;
    if (!err) return code;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(saved));
    err->code = code;
    errno = saved;
    return code;
}

int tf_err_prefix(tf_err *err, const char *fmt, ...)
{
    if (!err) return TF_EINVAL;
    char head[TF_ERR_MSG], old[TF_ERR_MSG];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t hl = strlen(head), ol = strlen(old);
    if (hl > sizeof err->msg - 1) hl = sizeof err->msg - 1;
    if (ol > sizeof err->msg - 1 - hl) ol = sizeof err->msg - 1 - hl;
    memcpy(err->msg, head, hl);
    memcpy(err->msg + hl, old, ol);
    err->msg[hl + ol] = '\0';
    return err->code;
}

void tf_err_clear(tf_err *err)
{
    if (!err) return;
    err->code = TF_OK;
    err->msg[0] = '\0';
}

const char *tf_snippet(const char *s, size_t n, size_t max, char *buf, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[5];
        const char *piece = tmp;
        size_t len = 1;
        if (c == '\n') piece = "\\n", len = 2;
        else if (c == '\r') piece = "\\r", len = 2;
        else if (c == '\t') piece = "\\t", len = 2;
        else if (c < 0x20 || c == 0x7f) len = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", c);
        else tmp[0] = (char)c;
        if (k + len + 4 >= cap) break;
        memcpy(buf + k, piece, len);
        k += len;
    }
    if (n > max && k + 4 < cap) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
    return buf;
}

void tf_err_once_init(tf_err_once *e)
{
    pthread_mutex_init(&e->lock, NULL);
    e->failed = 0;
    tf_err_clear(&e->err);
}

void tf_err_once_set(tf_err_once *e, const tf_err *err)
{
    pthread_mutex_lock(&e->lock);
    if (!e->failed) e->err = *err;
    e->failed = 1;
    pthread_mutex_unlock(&e->lock);
}

int tf_err_once_take(tf_err_once *e, tf_err *err)
{
    if (!e->failed) return TF_OK;
    *err = e->err;
    return err->code;
}

void tf_err_once_destroy(tf_err_once *e) { pthread_mutex_destroy(&e->lock); }
