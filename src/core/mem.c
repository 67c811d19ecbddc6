/* mem.c — aborting allocators, arena and byte buffer (see mem.h). */
#include "tripflow/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

void tf_oom(size_t n)
{
    char msg[96];
    int len = snprintf(msg, sizeof msg, "tripflow: out of memory (asked for %zu bytes)\n", n);
    if (len > 0) {
        ssize_t w = write(2, msg, (size_t)len);
        (void)w;
    }
    abort();
}

void *tf_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) tf_oom(n);
    return p;
}

void *tf_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) tf_oom(n * size);
    return p;
}

void *tf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) tf_oom(n);
    return q;
}

void *tf_xcalloc_written(size_t n, size_t size)
{
    size_t bytes = n * size;
    if (size && bytes / size != n) tf_oom(SIZE_MAX);
    void *p = tf_xmalloc(bytes);
    memset(p, 0, bytes);
    return p;
}

char *tf_xstrdup(const char *s) { return tf_xstrndup(s, strlen(s)); }

char *tf_xstrndup(const char *s, size_t n)
{
    char *p = tf_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *tf_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    char *p = tf_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ---- span ---- */
int tf_span_reserve(tf_span *s, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    s->size = (size + page - 1) & ~(page - 1);
    s->base = NULL;
    if (!s->size) return 0;
    void *m = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        s->size = 0;
        return -1;
    }
    s->base = m;
    return 0;
}

void tf_span_release(tf_span *s, size_t off, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t a = (off + page - 1) & ~(page - 1), b = (off + len) & ~(page - 1);
    if (s->base && b > a && b <= s->size) madvise(s->base + a, b - a, MADV_DONTNEED);
}

void tf_span_free(tf_span *s)
{
    if (s->base) munmap(s->base, s->size);
    s->base = NULL;
    s->size = 0;
}

/* ---- arena ---- */
struct tf_arena_block {
    tf_arena_block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

void tf_arena_init(tf_arena *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->total = 0;
}

void *tf_arena_alloc(tf_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    tf_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t sz = n > a->block_size ? n : a->block_size;
        b = tf_xmalloc(sizeof *b + sz);
        b->size = sz;
        b->used = 0;
        b->next = a->head;
        a->head = b;
        a->total += sz;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void *tf_arena_zalloc(tf_arena *a, size_t n)
{
    void *p = tf_arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *tf_arena_strndup(tf_arena *a, const char *s, size_t n)
{
    char *p = tf_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *tf_arena_strdup(tf_arena *a, const char *s) { return tf_arena_strndup(a, s, strlen(s)); }

void tf_arena_free(tf_arena *a)
{
    tf_arena_block *b = a->head;
    while (b) {
        tf_arena_block *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->total = 0;
}

void tf_arena_reset(tf_arena *a) { tf_arena_free(a); }

/* ---- buffer ---- */
void tf_buf_reserve(tf_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return;
    size_t nc = b->cap ? b->cap : 256;
    while (nc < need) nc *= 2;
    b->data = tf_xrealloc(b->data, nc);
    b->cap = nc;
}

void tf_buf_append(tf_buf *b, const void *p, size_t n)
{
    tf_buf_reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

void tf_buf_putc(tf_buf *b, char c)
{
    tf_buf_reserve(b, 1);
    b->data[b->len++] = c;
}

void tf_buf_puts(tf_buf *b, const char *s) { tf_buf_append(b, s, strlen(s)); }

void tf_buf_printf(tf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0) return;
    tf_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *tf_buf_cstr(tf_buf *b)
{
    tf_buf_reserve(b, 0);
    b->data[b->len] = '\0';
    return b->data;
}

void tf_buf_free(tf_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
