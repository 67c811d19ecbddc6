/* events.c — the run event bus and its two simple sinks, JSON lines and the
 * store (see events.h).  The terminal and webhook sinks have their own files. */
#include "tripflow/events.h"

#include <stdlib.h>
#include <string.h>

#include "tripflow/jsonw.h"
#include "tripflow/mem.h"
#include "tripflow/runs.h"
#include "tripflow/timeutil.h"

struct tf_events {
    TF_VEC(tf_event_sink) sinks;
    int64_t run_id, seq;
};

tf_events *tf_events_new(void) { return tf_xcalloc(1, sizeof(tf_events)); }

void tf_events_add(tf_events *bus, tf_event_sink sink) { tf_vec_push(&bus->sinks, sink); }

void tf_events_set_run(tf_events *bus, int64_t run_id)
{
    bus->run_id = run_id;
    bus->seq = 0;
}

tf_event *tf_events_make(tf_events *bus, const char *type, json_t *data)
{
    tf_event *ev = tf_xcalloc(1, sizeof *ev);
    ev->type = type;
    ev->run_id = bus->run_id;
    ev->seq = ++bus->seq;
    ev->at_us = tf_now_us();
    char at[32];
    tf_format_timestamp(ev->at_us, TF_TS_ISO_Z, at);
    ev->obj = json_object();
    json_object_set_new(ev->obj, "run", json_integer(ev->run_id));
    json_object_set_new(ev->obj, "seq", json_integer(ev->seq));
    json_object_set_new(ev->obj, "at", json_string(at));
    json_object_set_new(ev->obj, "type", json_string(type));
    if (data) {
        json_object_update(ev->obj, data);
        json_decref(data);
    }
    tf_buf text = {0};
    tf_jsonw_value(&text, ev->obj, 0);
    ev->text = tf_buf_cstr(&text);
    return ev;
}

void tf_events_send(tf_events *bus, const tf_event *ev, int which)
{
    for (size_t i = 0; i < bus->sinks.n; i++) {
        int kind = bus->sinks.v[i].durable ? TF_SINKS_DURABLE : TF_SINKS_LIVE;
        if (which & kind) bus->sinks.v[i].emit(bus->sinks.v[i].ud, ev);
    }
}

void tf_event_free(tf_event *ev)
{
    if (!ev) return;
    json_decref(ev->obj);
    free((char *)ev->text);
    free(ev);
}

void tf_events_emit(tf_events *bus, const char *type, json_t *data)
{
    tf_event *ev = tf_events_make(bus, type, data);
    tf_events_send(bus, ev, TF_SINKS_DURABLE | TF_SINKS_LIVE);
    tf_event_free(ev);
}

void tf_events_free(tf_events *bus)
{
    if (!bus) return;
    for (size_t i = 0; i < bus->sinks.n; i++)
        if (bus->sinks.v[i].close) bus->sinks.v[i].close(bus->sinks.v[i].ud);
    tf_vec_free(&bus->sinks);
    free(bus);
}

/* ---- JSON lines ---- */
static void jsonl_emit(void *ud, const tf_event *ev)
{
    FILE *out = ud;
    fputs(ev->text, out);
    fputc('\n', out);
    fflush(out);
}

tf_event_sink tf_sink_jsonl(FILE *out) { return (tf_event_sink){jsonl_emit, NULL, out, 0}; }

/* ---- the store: events kept with the run ---- */
typedef struct {
    tf_store *store;
    int broken;
} store_sink;

static void store_emit(void *ud, const tf_event *ev)
{
    store_sink *ss = ud;
    if (ss->broken || ev->run_id <= 0) return;
    char at[32];
    tf_format_timestamp(ev->at_us, TF_TS_ISO_Z, at);
    tf_err err = {0};
    if (tf_runs_add_event(ss->store, ev->run_id, ev->seq, at, ev->type, ev->text, &err)) {
        fprintf(stderr, "tripflow: warning: run events are no longer stored: %s\n", err.msg);
        ss->broken = 1;
    }
}

static void store_close(void *ud) { free(ud); }

tf_event_sink tf_sink_store(tf_store *s)
{
    store_sink *ss = tf_xcalloc(1, sizeof *ss);
    ss->store = s;
    return (tf_event_sink){store_emit, store_close, ss, 1};
}
