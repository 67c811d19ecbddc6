/* events.h — run events, pushed to subscribers as they happen: the terminal
 * (a progress bar), JSON lines on stdout, a webhook, and the store (so `runs
 * --events` can replay them and a late subscriber can follow live).
 *
 * An event is one JSON object: {"run": N, "seq": N, "at": "...Z", "type":
 * "...", ...fields}.  Types: started, stage, progress, reject, finished,
 * failed, already_loaded, skipped. */
#ifndef TF_EVENTS_H
#define TF_EVENTS_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "tripflow/store.h"

typedef struct tf_event {
    const char *type;
    int64_t run_id, seq, at_us;
    json_t *obj;      /* the whole event */
    const char *text; /* obj as compact JSON */
} tf_event;

typedef struct tf_event_sink {
    void (*emit)(void *ud, const tf_event *ev);
    void (*close)(void *ud); /* flush, stop threads, free ud */
    void *ud;
    int durable; /* the store: written in the run's transaction when it is open */
} tf_event_sink;

typedef struct tf_events tf_events;

tf_events *tf_events_new(void);
void tf_events_add(tf_events *bus, tf_event_sink sink);
/* Events after this carry run_id with seq counting from 1. */
void tf_events_set_run(tf_events *bus, int64_t run_id);
/* Emit an event; data (may be NULL) is an object whose fields are added; the
 * reference is stolen. */
void tf_events_emit(tf_events *bus, const char *type, json_t *data);
/* An event in two steps, for the event that ends a run: make it, send it to
 * the durable sinks inside the run's transaction, commit, then send it to
 * the live sinks — so nobody hears "finished" for a run that did not commit,
 * and the stored history has it whenever the status says the run ended. */
enum { TF_SINKS_DURABLE = 1, TF_SINKS_LIVE = 2 };
tf_event *tf_events_make(tf_events *bus, const char *type, json_t *data);
void tf_events_send(tf_events *bus, const tf_event *ev, int which);
void tf_event_free(tf_event *ev);
/* Closes every sink (webhook deliveries are flushed, bounded in time). */
void tf_events_free(tf_events *bus);

/* sinks */
tf_event_sink tf_sink_jsonl(FILE *out);
tf_event_sink tf_sink_store(tf_store *s);
/* A progress bar on a terminal (stderr); label names the input. */
tf_event_sink tf_sink_tty(FILE *tty);
/* POST each event as JSON to url from a background thread, retrying briefly;
 * never blocks or fails the run.  Undelivered events are reported on stderr. */
tf_event_sink tf_sink_webhook(const char *url);

#endif
