/* err.h — tripflow's one error convention.
 *
 * Every fallible function returns an int: TF_OK (0) on success or a negative
 * tf_code, and fills a caller-owned tf_err with a message that names the file,
 * line, column or field and the reason.  Callers either handle the error or
 * return it upward (optionally adding context with tf_err_prefix); nothing
 * prints an error and carries on.  Out-of-memory is not an error code: the
 * allocators in mem.h abort the process (a killed run leaves no partial state,
 * so this is as safe as SIGKILL). */
#ifndef TF_ERR_H
#define TF_ERR_H

#include <pthread.h>
#include <stddef.h>

typedef enum tf_code {
    TF_OK = 0,
    TF_EINVAL = -1,       /* bad argument or option (usage) */
    TF_EIO = -2,          /* read/write/open failed (errno text in message) */
    TF_EFORMAT = -3,      /* malformed input data */
    TF_ESTORE = -4,       /* the SQL store refused */
    TF_ENOTFOUND = -5,    /* a named thing does not exist */
    TF_EEXIST = -6,       /* already there (e.g. file already loaded) */
    TF_ECANCELED = -7,    /* interrupted by a signal or the user */
    TF_EUNSUPPORTED = -8, /* valid but not supported (e.g. encrypted parquet) */
    TF_ELIMIT = -9,       /* a user limit was exceeded (max rejects, memory) */
    TF_ENET = -10,        /* network or broker failure */
    TF_ESTATE = -11       /* inconsistent state (e.g. a lock is held) */
} tf_code;

#define TF_ERR_MSG 1024

typedef struct tf_err {
    int code;
    char msg[TF_ERR_MSG];
} tf_err;

/* Set the error and return its code, so `return tf_errf(err, TF_EIO, ...)`. */
int tf_errf(tf_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set an error from errno: "<what>: <strerror(errno)>". */
int tf_errno(tf_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepend context ("file.csv: ") to an existing message; returns err->code. */
int tf_err_prefix(tf_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tf_err_clear(tf_err *err);
/* The first error of several threads working on one job: workers set it
 * and stop when it is set; the caller takes it after joining them. */
typedef struct tf_err_once {
    pthread_mutex_t lock;
    volatile int failed;
    tf_err err;
} tf_err_once;
void tf_err_once_init(tf_err_once *e);
void tf_err_once_set(tf_err_once *e, const tf_err *err);
/* TF_OK, or the first error's code with the error copied to err */
int tf_err_once_take(tf_err_once *e, tf_err *err);
void tf_err_once_destroy(tf_err_once *e);

/* A piece of input for an error message: at most max bytes (then "..."),
 * control characters shown as \n, \r, \t or \xNN so a reason stays on one
 * line.  Returns buf. */
const char *tf_snippet(const char *s, size_t n, size_t max, char *buf, size_t cap);

#endif
