/* stream_store.h — the streaming job's operations on the SQL store: the job
 * and its result table, consumer rows, and the checkpoint transaction that
 * commits counts, late events, dead letters, the position and the
 * committed-but-unacknowledged ids together.  Dispatches on
 * tf_store_kind_of(); SQLite is implemented in src/store/sqlite_stream.c. */
#ifndef TF_STREAM_STORE_H
#define TF_STREAM_STORE_H

#include <stdint.h>

#include "tripflow/store.h"
#include "tripflow/stream.h"

typedef struct tf_stream_job {
    int64_t job_id;
    const char *table;     /* result table (validated identifier) */
    const char *key_field; /* also the key column's name */
    const char *time_spec; /* as typed, e.g. event_timestamp:us */
    const char *source;    /* redis://... or - */
    const char *group;
    tf_window_conf win;
} tf_stream_job;

/* 1 when s is a plain SQL identifier [A-Za-z_][A-Za-z0-9_]* of at most 63 bytes */
int tf_stream_ident_ok(const char *s);

/* Create the job and its result table, or check that an existing job of the
 * same table has the same options; fills job->job_id. */
int tf_stream_job_open(tf_store *s, tf_stream_job *job, tf_err *err);

typedef struct tf_stream_position {
    int64_t max_event; /* TF_NO_TIME when none */
    int64_t lines;
    char last_id[48];
} tf_stream_position;
/* Register (or take over) a consumer row as running; returns its committed position. */
int tf_stream_consumer_start(tf_store *s, const tf_stream_job *job, const char *consumer, int64_t now_us,
                             tf_stream_position *pos, tf_err *err);

/* Every committed-unacknowledged id of the job (all consumers) into set; the
 * largest inflight seq of this consumer into *max_seq. */
int tf_stream_inflight_load(tf_store *s, const tf_stream_job *job, const char *consumer, tf_sidset *set,
                            int64_t *max_seq, tf_err *err);

typedef struct tf_dead_letter {
    const char *msg_id, *reason, *payload;
    size_t payload_len;
} tf_dead_letter;

typedef struct tf_stream_ckpt {
    const char *consumer;
    const tf_counts *counted;    /* on-time events per (window, key) */
    const tf_counts *late;       /* events found late by the consumer's own watermark */
    const tf_dead_letter *dead;
    size_t ndead;
    int64_t max_event;           /* consumer's largest event time (TF_NO_TIME: none) */
    int64_t lines;               /* stdin position */
    const char *last_id;         /* last id read (NULL: unchanged) */
    int64_t events, late_events, bad; /* increments */
    const void *ids;             /* ids committed now (16 bytes each) */
    size_t nids;
    int64_t seq;                 /* inflight seq for ids */
    int64_t acked_upto;          /* this consumer's inflight rows up to this seq are acknowledged */
    int64_t oldest_read_us;      /* when the oldest message of this checkpoint was read */
    int64_t max_age_us;          /* refuse (TF_ESTATE) when that is longer ago: it may have been claimed */
    int early;                   /* write early results of open windows */
    int stopping;                /* the consumer stops: no longer holds the watermark */
    int flush;                   /* end of input: finalize open windows when no other consumer runs */
    int64_t consumer_timeout_us;
    int64_t now_us;
} tf_stream_ckpt;

typedef struct tf_stream_ckpt_result {
    int64_t watermark;       /* group watermark (TF_NO_TIME: none) */
    int64_t final_before;
    int64_t windows_final;   /* windows made final by this checkpoint */
    int64_t late_at_commit;  /* events of windows another consumer had already finalized */
} tf_stream_ckpt_result;

int tf_stream_checkpoint(tf_store *s, const tf_stream_job *job, const tf_stream_ckpt *c, tf_stream_ckpt_result *res,
                         tf_err *err);

typedef struct tf_stream_status_row {
    char *table, *source, *group, *last_id;
    int64_t job_id, final_windows, early_windows, result_rows, open_keys, events, late, bad, consumers_running;
    int64_t watermark, final_before, window_us, lateness_us;
} tf_stream_status_row;
typedef TF_VEC(tf_stream_status_row) tf_stream_status_vec;
/* jobs (all, or the one feeding table) with their counters */
int tf_stream_status(tf_store *s, const char *table, int64_t now_us, int64_t consumer_timeout_us,
                     tf_stream_status_vec *out, tf_err *err);
void tf_stream_status_free(tf_stream_status_vec *v);

#endif
