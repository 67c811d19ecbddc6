/* stream.h — streaming counts per key per event-time window: reading the
 * key and time of an event, window arithmetic and the watermark, the
 * per-checkpoint count maps, stream message ids, and the two consumers
 * (Redis Streams consumer group, JSON lines on stdin) plus replay.
 * The semantics are those of docs/streaming.md (semantics.md §3). */
#ifndef TF_STREAM_H
#define TF_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/err.h"
#include "tripflow/mem.h"

#define TF_NO_TIME INT64_MIN

/* ---- event time: --time FIELD:us|ms|s|iso, or "processing" ---- */
typedef enum { TF_TU_US, TF_TU_MS, TF_TU_S, TF_TU_ISO, TF_TU_PROCESSING } tf_time_unit;
typedef struct tf_time_spec {
    char field[128];
    tf_time_unit unit;
} tf_time_spec;
int tf_time_spec_parse(const char *s, tf_time_spec *out, tf_err *err);

/* The key (decoded text appended to key) and event time of one message.
 * now_us is the processing time (used with TF_TU_PROCESSING).  A bad message
 * gives TF_EFORMAT with the reason ("not JSON: column 3: ...",
 * "user_pseudo_id: missing", "event_timestamp: expected ...").  Keys are
 * strings or integers (their text). */
int tf_event_extract(const char *msg, size_t n, const char *key_field, const tf_time_spec *ts, int64_t now_us,
                     tf_buf *key, int64_t *t_us, tf_err *err);

/* only the event time (not for TF_TU_PROCESSING) */
int tf_event_time(const char *msg, size_t n, const tf_time_spec *ts, int64_t *t_us, tf_err *err);

/* ---- windows ---- */
typedef struct tf_window_conf {
    int64_t window_us;   /* fixed windows aligned to the epoch; whole seconds */
    int64_t lateness_us; /* allowed lateness after the window end */
    int64_t ooo_us;      /* allowed out-of-orderness (watermark = max time - this) */
} tf_window_conf;

static inline int64_t tf_window_start(const tf_window_conf *w, int64_t t)
{
    int64_t q = t / w->window_us;
    if (t % w->window_us != 0 && t < 0) q--;
    return q * w->window_us;
}
/* watermark of a consumer that saw max_event (TF_NO_TIME: none yet) */
static inline int64_t tf_watermark(const tf_window_conf *w, int64_t max_event)
{
    return max_event == TF_NO_TIME ? TF_NO_TIME : max_event - w->ooo_us;
}
/* A window is final once the watermark has passed its end plus the lateness. */
static inline int tf_window_is_final(const tf_window_conf *w, int64_t ws, int64_t watermark)
{
    return watermark != TF_NO_TIME && ws + w->window_us + w->lateness_us <= watermark;
}
/* every window starting before the returned time is final at this watermark */
int64_t tf_final_before(const tf_window_conf *w, int64_t watermark);

/* ---- counts per (window start, key) ---- */
typedef struct tf_count_entry {
    int64_t window;
    int64_t count;
    const char *key; /* NUL-terminated, owned by the map's arena */
    size_t klen;
    uint64_t hash;
} tf_count_entry;
typedef struct tf_counts {
    TF_VEC(tf_count_entry) e;
    uint32_t *slots; /* index + 1 into e, 0 empty */
    size_t nslots;
    int64_t total;
    tf_arena arena;
} tf_counts;
void tf_counts_init(tf_counts *m);
void tf_counts_add(tf_counts *m, int64_t window, const char *key, size_t klen, int64_t n);
void tf_counts_clear(tf_counts *m);
void tf_counts_free(tf_counts *m);

/* ---- stream message ids "MS-SEQ" ---- */
typedef struct tf_sid {
    uint64_t ms, seq;
} tf_sid;
int tf_sid_parse(const char *s, size_t n, tf_sid *out);
int tf_sid_format(tf_sid id, char out[48]);
static inline int tf_sid_cmp(tf_sid a, tf_sid b)
{
    if (a.ms != b.ms) return a.ms < b.ms ? -1 : 1;
    return a.seq < b.seq ? -1 : a.seq > b.seq;
}
/* a set of ids (dedupe of committed, not yet acknowledged messages) */
typedef struct tf_sidset {
    tf_sid *v;
    size_t n, cap; /* open addressing; ms == UINT64_MAX marks empty */
} tf_sidset;
void tf_sidset_add(tf_sidset *s, tf_sid id);
int tf_sidset_has(const tf_sidset *s, tf_sid id);
void tf_sidset_free(tf_sidset *s);

/* ---- the consumers ---- */
typedef struct tf_stream_opts {
    const char *from;      /* redis://HOST:PORT/STREAM or "-" */
    const char *group;     /* consumer group (stdin: the job's consumer row) */
    const char *consumer;  /* consumer name */
    const char *key_field;
    tf_time_spec time;
    tf_window_conf win;
    int64_t early_us;            /* 0: no early results */
    const char *db;
    const char *table;
    int64_t batch;               /* messages per read */
    int64_t commit_interval_us;  /* commit (and acknowledge) at least this often */
    int64_t exit_idle_us;        /* 0: run until stopped */
    int64_t claim_idle_us;       /* claim other consumers' messages pending this long */
    int64_t consumer_timeout_us; /* a consumer silent this long no longer holds the watermark */
    int64_t retry_for_us;        /* 0: retry a down broker forever */
    int quiet;
} tf_stream_opts;

typedef struct tf_stream_summary {
    int64_t messages, events, late, bad, duplicates, windows_final, checkpoints;
    int64_t first_us, last_us; /* first message read, last commit that held messages */
} tf_stream_summary;

/* redis://HOST[:PORT]/STREAM is well formed */
int tf_stream_uri_check(const char *uri, tf_err *err);
/* the group's pending count and lag at the broker, -1 when unknown (note says why) */
void tf_stream_broker_counts(const char *uri, const char *group, int64_t *pending, int64_t *lag, char *note,
                             size_t nn);

int tf_stream_run(const tf_stream_opts *o, tf_stream_summary *sum, tf_err *err);

/* ---- replay ---- */
typedef struct tf_replay_opts {
    const char *input; /* JSON lines or Parquet (PAR1 magic or .parquet); "-" = stdin */
    const char *to;    /* redis://HOST:PORT/STREAM */
    double rate;       /* messages per second; 0: as fast as possible */
    double speedup;    /* pace by event time at this speed; 0: off */
    tf_time_spec time; /* event time for --speedup */
    int64_t retry_for_us;
    int quiet;
} tf_replay_opts;
int tf_rate_parse(const char *s, double *per_s, tf_err *err);
int tf_replay_run(const tf_replay_opts *o, int64_t *sent, tf_err *err);

#endif
