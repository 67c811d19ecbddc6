/* engine.h — private to src/stream: the per-consumer counting engine that
 * both drivers (Redis consumer group, stdin) feed, and the Redis connection
 * helpers that the Redis consumer and replay share. */
#ifndef TF_STREAM_ENGINE_H
#define TF_STREAM_ENGINE_H

#include <hiredis/hiredis.h>

#include "tripflow/store.h"
#include "tripflow/stream.h"
#include "tripflow/stream_store.h"

typedef struct xpool xpool;
/* what extract.c found in one message */
typedef struct xres {
    int64_t t;        /* event time */
    size_t key_off, key_len;
    const char *err;  /* NULL, or why the message is not an event */
    int side;
} xres;

typedef struct engine {
    const tf_stream_opts *o;
    tf_store *store;
    tf_stream_job job;
    char time_text[160];
    int64_t max_event; /* local watermark input, committed + uncommitted */
    tf_counts counted, late;
    TF_VEC(tf_dead_letter) dead;
    tf_arena dead_arena;
    tf_buf key;
    int64_t ev, late_n, bad; /* since the last checkpoint */
    int64_t dups;            /* messages found committed before, since the last checkpoint */
    int64_t lines;           /* stdin: lines consumed */
    char last_id[48];
    TF_VEC(unsigned char) ids; /* 16 bytes per applied message id */
    int64_t seq;               /* last inflight seq used */
    int64_t acked_upto;
    int64_t oldest_read_us;
    int64_t last_commit_us, last_early_us;
    tf_stream_summary *sum;
    xpool *pool; /* finds the fields of a batch on two threads */
    xres *res;   /* [res_cap]: what the pool found */
    size_t res_cap;
} engine;

/* A message of a batch: its id (text, and parsed where it has one) and data. */
typedef struct engine_msg {
    const char *id;
    const tf_sid *sid; /* NULL: no stream id (stdin) */
    const char *data;
    size_t n;
} engine_msg;

int engine_open(engine *e, const tf_stream_opts *o, tf_stream_summary *sum, tf_err *err);
void engine_close(engine *e);
/* load the committed position (after a start or to resynchronise) and drop
 * everything uncommitted */
int engine_resync(engine *e, tf_stream_position *pos, tf_err *err);
void engine_discard(engine *e);
/* count one message; id_text names it in dead letters; sid (NULL on stdin)
 * is recorded for the acknowledgement protocol */
void engine_message(engine *e, const char *id_text, const tf_sid *sid, const char *data, size_t n, int64_t now_us);
/* count a batch of messages, in order (their fields found in parallel) */
void engine_messages(engine *e, const engine_msg *m, size_t n, int64_t now_us);
/* a message that is not an event at all (no data field, deleted entry) */
void engine_dead(engine *e, const char *id_text, const tf_sid *sid, const char *reason, const char *data, size_t n,
                 int64_t now_us);
int engine_pending(const engine *e); /* uncommitted messages */
int engine_due(const engine *e, int64_t now_us);
/* commit; fills *committed_seq with the inflight seq written (0: none) */
int engine_checkpoint(engine *e, int stopping, int flush, int64_t *committed_seq, tf_err *err);
void engine_note(const engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- extract.c: the fields of a batch, on the caller's thread and a helper ---- */
xpool *xpool_new(const tf_stream_opts *o);
void xpool_free(xpool *p);
/* fill res[0..n) for m[0..n); keys and reasons live until the next call */
void xpool_extract(xpool *p, const engine_msg *m, size_t n, int64_t now_us, xres *res);
const char *xpool_key(const xpool *p, const xres *r);

/* ---- Redis ---- */
typedef struct tf_redis_uri {
    char host[256];
    int port;
    char key[512];
} tf_redis_uri;
int tf_redis_uri_parse(const char *uri, tf_redis_uri *out, tf_err *err);
/* Connect, retrying with backoff (0.1 s doubling to 5 s) while the broker is
 * down, for at most retry_for_us (0: until a signal).  Says so on stderr. */
int tf_redis_connect(const char *uri, const tf_redis_uri *u, int64_t retry_for_us, int quiet, redisContext **out,
                     tf_err *err);
/* an error from a failed command or an error reply; TF_ENET for I/O */
int tf_redis_fail(redisContext *c, redisReply *r, const char *uri, const char *what, tf_err *err);
/* 1 when an error reply means "not now" (LOADING after a restart, BUSY,
 * MASTERDOWN, TRYAGAIN): the command may succeed after reconnecting */
int tf_redis_transient(const redisReply *r);
/* sleep up to us, returning early (1) on a signal */
int tf_sleep_us(int64_t us);

#endif
