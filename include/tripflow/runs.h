/* runs.h — run history in the store: one row per ingest attempt with its
 * counts and status, and the run's events (the pushed status, kept so a late
 * subscriber can replay them).
 *
 * A run row is written when the run starts (status 'running', committed at
 * once) so that its events can be followed live; its final status and counts
 * are written inside the run's data transaction.  A run whose process died
 * stays 'running' until the next tripflow reaps it as 'abandoned'. */
#ifndef TF_RUNS_H
#define TF_RUNS_H

#include <stdint.h>

#include "tripflow/err.h"
#include "tripflow/store.h"

typedef struct tf_run_counts {
    int64_t read, loaded, duplicate, rejected;
} tf_run_counts;

typedef struct tf_run {
    int64_t id;
    const char *source, *content_hash, *status, *reject_file, *error, *started_at, *finished_at;
    int64_t bytes, same_as;
    tf_run_counts counts;
} tf_run;

/* Mark runs left 'running' by processes that no longer exist as 'abandoned'. */
int tf_runs_reap(tf_store *s, tf_err *err);
int tf_runs_begin(tf_store *s, const char *source, const char *content_hash, int64_t bytes, const char *options_json,
                  int64_t *run_id, tf_err *err);
/* The loaded run with this content hash, or 0. */
int tf_runs_find_loaded(tf_store *s, const char *content_hash, int64_t *run_id, tf_err *err);
/* 1 when some loaded run read exactly this many bytes (its content may be
 * the same), else 0. */
int tf_runs_loaded_size(tf_store *s, int64_t bytes, int *found, tf_err *err);
/* Record the content hash of a run that began without it. */
int tf_runs_set_hash(tf_store *s, int64_t run_id, const char *content_hash, tf_err *err);
/* Final status: 'loaded', 'already_loaded', 'failed'.  reject_file/error/same_as may be NULL/0. */
int tf_runs_finish(tf_store *s, int64_t run_id, const char *status, const tf_run_counts *c, const char *reject_file,
                   const char *error, int64_t same_as, tf_err *err);
int tf_runs_add_event(tf_store *s, int64_t run_id, int64_t seq, const char *at, const char *type, const char *json,
                      tf_err *err);
/* Listing: newest first, at most limit (<= 0: all); id > 0 selects one run. */
int tf_runs_list(tf_store *s, int64_t id, int64_t limit, void (*fn)(void *ud, const tf_run *r), void *ud, tf_err *err);
/* Events of a run with seq > after, in order. */
int tf_runs_events(tf_store *s, int64_t run_id, int64_t after, void (*fn)(void *ud, int64_t seq, const char *json),
                   void *ud, tf_err *err);
/* The status of a run ("" when absent). */
int tf_runs_status(tf_store *s, int64_t run_id, char out[24], tf_err *err);

#endif
