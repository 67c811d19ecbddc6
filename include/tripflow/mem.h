/* mem.h — allocation: aborting allocators, the arena (a pool freed at once),
 * the growable byte buffer and a typed growable array.
 *
 * Lifetimes are tied to owners: a run, a batch or a file reader owns an arena
 * and everything allocated from it is freed with it (nginx pools). */
#ifndef TF_MEM_H
#define TF_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* out of memory: says so on stderr and aborts (what tf_x* do on failure) */
_Noreturn void tf_oom(size_t n);
void *tf_xmalloc(size_t n);
void *tf_xcalloc(size_t n, size_t size);
void *tf_xrealloc(void *p, size_t n);
/* Zeroed by writing, not by the kernel's zero page: a table that is read
 * before it is written (a hash map) then faults once per page, not twice. */
void *tf_xcalloc_written(size_t n, size_t size);
char *tf_xstrdup(const char *s);
char *tf_xstrndup(const char *s, size_t n);
/* printf into a fresh heap string */
char *tf_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- span: address space reserved at once, backed by memory only where
 * it is written, and given back by
 * range: millions of rows cost a few thousand page faults and no frees. ---- */
typedef struct tf_span {
    unsigned char *base;
    size_t size;
} tf_span;

int tf_span_reserve(tf_span *s, size_t size); /* 0, or -1 (errno set) */
/* Give back the memory of the whole pages inside [off, off + len) (they read
 * as zeros afterwards). */
void tf_span_release(tf_span *s, size_t off, size_t len);
void tf_span_free(tf_span *s);

/* ---- arena ---- */
typedef struct tf_arena_block tf_arena_block;
typedef struct tf_arena {
    tf_arena_block *head;
    size_t block_size;
    size_t total; /* bytes obtained from malloc */
} tf_arena;

void tf_arena_init(tf_arena *a, size_t block_size);
void *tf_arena_alloc(tf_arena *a, size_t n); /* 16-byte aligned, uninitialised */
void *tf_arena_zalloc(tf_arena *a, size_t n);
char *tf_arena_strndup(tf_arena *a, const char *s, size_t n);
char *tf_arena_strdup(tf_arena *a, const char *s);
void tf_arena_reset(tf_arena *a); /* keep nothing */
void tf_arena_free(tf_arena *a);

/* ---- byte buffer ---- */
typedef struct tf_buf {
    char *data;
    size_t len, cap;
} tf_buf;

void tf_buf_reserve(tf_buf *b, size_t extra);
void tf_buf_append(tf_buf *b, const void *p, size_t n);
void tf_buf_putc(tf_buf *b, char c);
void tf_buf_puts(tf_buf *b, const char *s);
void tf_buf_printf(tf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *tf_buf_cstr(tf_buf *b); /* NUL-terminates (not counted in len) */
void tf_buf_free(tf_buf *b);
static inline void tf_buf_clear(tf_buf *b) { b->len = 0; }

/* ---- typed growable array: TF_VEC(int) v = {0}; tf_vec_push(&v, 3); ---- */
#define TF_VEC(T) struct { T *v; size_t n, cap; }
#define tf_vec_grow(vec, need)                                                          \
    do {                                                                                \
        if ((need) > (vec)->cap) {                                                      \
            size_t nc_ = (vec)->cap ? (vec)->cap * 2 : 16;                              \
            while (nc_ < (need)) nc_ *= 2;                                              \
            (vec)->v = tf_xrealloc((vec)->v, nc_ * sizeof *(vec)->v);                   \
            (vec)->cap = nc_;                                                           \
        }                                                                               \
    } while (0)
#define tf_vec_push(vec, x)                                                             \
    do {                                                                                \
        tf_vec_grow((vec), (vec)->n + 1);                                               \
        (vec)->v[(vec)->n++] = (x);                                                     \
    } while (0)
#define tf_vec_free(vec)                                                                \
    do {                                                                                \
        free((vec)->v);                                                                 \
        (vec)->v = NULL;                                                                \
        (vec)->n = (vec)->cap = 0;                                                      \
    } while (0)

#endif
