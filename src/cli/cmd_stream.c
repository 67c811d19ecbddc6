/* cmd_stream.c — the streaming commands: `stream` (count events per key per
 * window from a Redis consumer group or stdin), `stream status` and
 * `replay` (JSON lines or Parquet rows into a Redis stream). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tripflow/cli.h"
#include "tripflow/stream.h"
#include "tripflow/stream_store.h"
#include "tripflow/table.h"
#include "tripflow/timeutil.h"

typedef struct {
    const char *from, *group, *consumer, *key, *time, *db, *table;
    int64_t window, lateness, ooo, early, batch, commit_interval, exit_idle, claim_idle, consumer_timeout, retry_for;
    int quiet;
} stream_conf;

static int run_stream(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc, (void)argv;
    stream_conf *c = vconf;
    if (!c->from) return tf_errf(err, TF_EINVAL, "--from is required (redis://HOST:PORT/STREAM or - for stdin)");
    tf_stream_opts o = {0};
    o.from = c->from;
    int is_stdin = !strcmp(c->from, "-");
    if (!is_stdin) {
        if (tf_stream_uri_check(c->from, err)) return tf_err_prefix(err, "--from ");
    }
    o.group = c->group ? c->group : is_stdin ? "stdin" : "tripflow";
    char host[128] = "consumer";
    if (!c->consumer) gethostname(host, sizeof host - 1);
    o.consumer = c->consumer ? c->consumer : is_stdin ? "stdin" : host;
    o.key_field = c->key;
    if (tf_time_spec_parse(c->time, &o.time, err)) return err->code;
    o.win.window_us = c->window;
    o.win.lateness_us = c->lateness;
    o.win.ooo_us = c->ooo;
    o.early_us = c->early;
    o.db = c->db;
    o.table = c->table;
    o.batch = c->batch;
    if (o.batch < 1 || o.batch > 100000) return tf_errf(err, TF_EINVAL, "--batch: expected 1 to 100000");
    o.commit_interval_us = c->commit_interval;
    if (o.commit_interval_us < 1000) return tf_errf(err, TF_EINVAL, "--commit-interval: at least 1ms");
    o.exit_idle_us = c->exit_idle;
    o.claim_idle_us = c->claim_idle;
    if (o.claim_idle_us < 4 * o.commit_interval_us)
        return tf_errf(err, TF_EINVAL, "--claim-idle: must be at least 4 times --commit-interval");
    o.consumer_timeout_us = c->consumer_timeout;
    o.retry_for_us = c->retry_for;
    o.quiet = c->quiet;
    tf_stream_summary s;
    int rc = tf_stream_run(&o, &s, err);
    if (rc == TF_OK && !c->quiet)
        fprintf(stderr,
                "tripflow stream: %" PRId64 " messages: %" PRId64 " events counted, %" PRId64 " late, %" PRId64
                " bad, %" PRId64 " already committed; %" PRId64 " windows final, %" PRId64 " commits\n",
                s.messages, s.events, s.late, s.bad, s.duplicates, s.windows_final, s.checkpoints);
    if (rc == TF_OK && !c->quiet && s.last_us > s.first_us)
        fprintf(stderr, "tripflow stream: first message to last commit: %.3f s, %.0f messages/s\n",
                (double)(s.last_us - s.first_us) / 1e6, (double)s.messages * 1e6 / (double)(s.last_us - s.first_us));
    return rc;
}

static const tf_opt stream_opts[] = {
    {"from", TF_OPT_STRING, offsetof(stream_conf, from), NULL, "URI",
     "redis://HOST[:PORT]/STREAM (a consumer group), or - for JSON lines on stdin", NULL, NULL},
    {"group", TF_OPT_STRING, offsetof(stream_conf, group), NULL, "NAME",
     "consumer group (created at the stream's start when missing); default tripflow, stdin for -", NULL, NULL},
    {"consumer", TF_OPT_STRING, offsetof(stream_conf, consumer), NULL, "NAME",
     "this consumer's name, stable across restarts (default: the host name; stdin for -)", NULL, NULL},
    {"key", TF_OPT_STRING, offsetof(stream_conf, key), "user_pseudo_id", "FIELD",
     "top-level field to count by; also the key column's name", NULL, NULL},
    {"time", TF_OPT_STRING, offsetof(stream_conf, time), "event_timestamp:us", "FIELD:UNIT",
     "event time: FIELD:us|ms|s|iso (number or string), or processing", NULL, NULL},
    {"window", TF_OPT_DURATION, offsetof(stream_conf, window), "60s", NULL,
     "fixed window length, aligned to the epoch (whole seconds)", NULL, NULL},
    {"lateness", TF_OPT_DURATION, offsetof(stream_conf, lateness), "0s", NULL,
     "allowed lateness: a window is final when the watermark passes its end plus this", NULL, NULL},
    {"out-of-order", TF_OPT_DURATION, offsetof(stream_conf, ooo), "0s", NULL,
     "allowed out-of-orderness: watermark = largest event time seen minus this", NULL, NULL},
    {"early", TF_OPT_DURATION, offsetof(stream_conf, early), NULL, NULL,
     "also write early results of open windows this often (processing time)", NULL, NULL},
    {"db", TF_OPT_STRING, offsetof(stream_conf, db), NULL, "PATH", "the SQL store", NULL, "TRIPFLOW_DB"},
    {"table", TF_OPT_STRING, offsetof(stream_conf, table), "user_event_counts", "NAME", "result table", NULL, NULL},
    {"batch", TF_OPT_INT, offsetof(stream_conf, batch), "1000", "N", "messages per read", NULL, NULL},
    {"commit-interval", TF_OPT_DURATION, offsetof(stream_conf, commit_interval), "250ms", NULL,
     "commit (then acknowledge) at least this often, and once the stream is drained", NULL, NULL},
    {"exit-idle", TF_OPT_DURATION, offsetof(stream_conf, exit_idle), NULL, NULL,
     "stop when no message came for this long: the stream has ended, so open windows become final "
     "once no other consumer of the group runs",
     NULL, NULL},
    {"claim-idle", TF_OPT_DURATION, offsetof(stream_conf, claim_idle), "60s", NULL,
     "take over messages pending this long at another (dead) consumer", NULL, NULL},
    {"consumer-timeout", TF_OPT_DURATION, offsetof(stream_conf, consumer_timeout), "60s", NULL,
     "a consumer without a commit for this long no longer holds the group's watermark back", NULL, NULL},
    {"retry-for", TF_OPT_DURATION, offsetof(stream_conf, retry_for), NULL, NULL,
     "give up when the broker stays down this long (default: retry until stopped)", NULL, NULL},
    {"quiet", TF_OPT_FLAG, offsetof(stream_conf, quiet), NULL, NULL, "no progress or retry messages", NULL, NULL},
    TF_OPT_END,
};

const tf_cmd tf_cmd_stream = {
    .name = "stream",
    .summary = "Count events per key per event-time window from a Redis stream or stdin, exactly once",
    .min_args = 0,
    .max_args = 0,
    .opts = stream_opts,
    .conf_size = sizeof(stream_conf),
    .run = run_stream,
    .details =
        "Rows (window_start, window_end, KEY, event_count) go to --table, one per window and key, once the\n"
        "window is final; with --early, open windows appear earlier and are replaced.  Late events go to\n"
        "stream_late_events, bad messages to stream_dead_letters.  Messages are acknowledged only after the\n"
        "commit that holds them; a restarted consumer resumes without counting anything twice.  Several\n"
        "consumers (--consumer) in one --group share a stream.  See docs/streaming.md.\n\n"
        "Examples:\n\n"
        "    tripflow stream --from redis://127.0.0.1:6379/events --group counts --consumer c1 \\\n"
        "        --window 60s --lateness 10s --db counts.db\n"
        "    tripflow stream --from - --exit-idle 1s --db counts.db < events.ndjson",
};

/* ---- stream status ---- */
typedef struct {
    const char *db, *table;
    int fmt;
    int64_t consumer_timeout;
} status_conf;

static void ts_cell(tf_table *t, int col, int64_t us)
{
    if (us == TF_NO_TIME) return;
    char b[32];
    tf_format_timestamp(us, TF_TS_AUTO, b);
    tf_table_text(t, col, b);
}

static int run_status(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc, (void)argv;
    status_conf *c = vconf;
    tf_store *s;
    if (tf_store_open(c->db, &s, err)) return err->code;
    tf_stream_status_vec v = {0};
    int rc = tf_stream_status(s, c->table, tf_now_us(), c->consumer_timeout, &v, err);
    tf_store_close(s);
    if (rc == TF_OK && c->table && !v.n) rc = tf_errf(err, TF_ENOTFOUND, "no stream job writes table %s", c->table);
    if (rc) {
        tf_stream_status_free(&v);
        return rc;
    }
    static const char *names[] = {"table", "source", "group", "final_windows", "early_windows", "result_rows",
                                  "open_keys", "events", "late_events", "bad_messages", "consumers_running",
                                  "watermark", "final_before", "last_id", "pending", "lag", "note"};
    static const tf_col_kind kinds[] = {TF_COL_TEXT, TF_COL_TEXT, TF_COL_TEXT, TF_COL_INT, TF_COL_INT, TF_COL_INT,
                                        TF_COL_INT,  TF_COL_INT,  TF_COL_INT,  TF_COL_INT, TF_COL_INT, TF_COL_TEXT,
                                        TF_COL_TEXT, TF_COL_TEXT, TF_COL_INT,  TF_COL_INT, TF_COL_TEXT};
    tf_table *t = tf_table_new(17, names, kinds);
    for (size_t i = 0; i < v.n; i++) {
        tf_stream_status_row *r = &v.v[i];
        tf_table_row(t);
        tf_table_text(t, 0, r->table);
        tf_table_text(t, 1, r->source);
        tf_table_text(t, 2, r->group);
        tf_table_int(t, 3, r->final_windows);
        tf_table_int(t, 4, r->early_windows);
        tf_table_int(t, 5, r->result_rows);
        tf_table_int(t, 6, r->open_keys);
        tf_table_int(t, 7, r->events);
        tf_table_int(t, 8, r->late);
        tf_table_int(t, 9, r->bad);
        tf_table_int(t, 10, r->consumers_running);
        ts_cell(t, 11, r->watermark);
        ts_cell(t, 12, r->final_before);
        if (r->last_id) tf_table_text(t, 13, r->last_id);
        if (strcmp(r->source, "-")) {
            int64_t pending, lag;
            char note[300] = "";
            tf_stream_broker_counts(r->source, r->group, &pending, &lag, note, sizeof note);
            if (pending >= 0) tf_table_int(t, 14, pending);
            if (lag >= 0) tf_table_int(t, 15, lag);
            if (note[0]) tf_table_text(t, 16, note);
        }
    }
    tf_table_print(t, tf_fmt_resolve(c->fmt), stdout);
    tf_table_free(t);
    tf_stream_status_free(&v);
    return TF_OK;
}

static const tf_opt status_opts[] = {
    {"db", TF_OPT_STRING, offsetof(status_conf, db), NULL, "PATH", "the SQL store", NULL, "TRIPFLOW_DB"},
    {"table", TF_OPT_STRING, offsetof(status_conf, table), NULL, "NAME", "only the job writing this table", NULL, NULL},
    {"format", TF_OPT_ENUM, offsetof(status_conf, fmt), NULL, NULL, "output format (default: table on a terminal)",
     TF_FMT_CHOICES, NULL},
    {"consumer-timeout", TF_OPT_DURATION, offsetof(status_conf, consumer_timeout), "60s", NULL,
     "consumers without a commit for this long are not counted as running", NULL, NULL},
    TF_OPT_END,
};

const tf_cmd tf_cmd_stream_status = {
    .name = "stream status",
    .summary = "Show streaming jobs: windows committed, watermark, last stream id, lag, late and bad events",
    .min_args = 0,
    .max_args = 0,
    .opts = status_opts,
    .conf_size = sizeof(status_conf),
    .run = run_status,
    .details = "pending and lag come from the broker (XINFO GROUPS) when it can be reached.\n\n"
               "Example:\n\n    tripflow stream status --db counts.db",
};

/* ---- replay ---- */
typedef struct {
    const char *to, *rate, *time;
    double speedup;
    int64_t retry_for;
    int quiet;
} replay_conf;

static int run_replay(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc;
    replay_conf *c = vconf;
    if (!c->to) return tf_errf(err, TF_EINVAL, "--to is required (redis://HOST:PORT/STREAM)");
    tf_replay_opts o = {0};
    o.input = argv[0];
    o.to = c->to;
    if (c->rate && tf_rate_parse(c->rate, &o.rate, err)) return err->code;
    if (c->speedup < 0) return tf_errf(err, TF_EINVAL, "--speedup: expected a positive number");
    o.speedup = c->speedup;
    if (tf_time_spec_parse(c->time, &o.time, err)) return err->code;
    if (o.speedup > 0 && o.time.unit == TF_TU_PROCESSING)
        return tf_errf(err, TF_EINVAL, "--speedup paces by event time: --time must name a field");
    o.retry_for_us = c->retry_for;
    o.quiet = c->quiet;
    double t0 = tf_mono_s();
    int64_t sent;
    int rc = tf_replay_run(&o, &sent, err);
    if (rc == TF_OK && !c->quiet)
        fprintf(stderr, "tripflow replay: %" PRId64 " messages to %s in %.2f s\n", sent, c->to, tf_mono_s() - t0);
    if (rc != TF_OK && sent > 0)
        fprintf(stderr, "tripflow replay: %" PRId64 " messages were sent to %s before the error\n", sent, c->to);
    return rc;
}

static const tf_opt replay_opts[] = {
    {"to", TF_OPT_STRING, offsetof(replay_conf, to), NULL, "URI", "redis://HOST[:PORT]/STREAM", NULL, NULL},
    {"rate", TF_OPT_STRING, offsetof(replay_conf, rate), NULL, "N/s", "at most this many messages per second (/s, /m, /h)",
     NULL, NULL},
    {"speedup", TF_OPT_DOUBLE, offsetof(replay_conf, speedup), NULL, "X",
     "pace by event time, X times faster than it happened", NULL, NULL},
    {"time", TF_OPT_STRING, offsetof(replay_conf, time), "event_timestamp:us", "FIELD:UNIT",
     "event time for --speedup: FIELD:us|ms|s|iso", NULL, NULL},
    {"retry-for", TF_OPT_DURATION, offsetof(replay_conf, retry_for), NULL, NULL,
     "give up when the broker stays down this long (default: retry until stopped)", NULL, NULL},
    {"quiet", TF_OPT_FLAG, offsetof(replay_conf, quiet), NULL, NULL, "no progress or retry messages", NULL, NULL},
    TF_OPT_END,
};

const tf_cmd tf_cmd_replay = {
    .name = "replay",
    .summary = "Send events from JSON lines or Parquet (or -) to a Redis stream, in order, paced by rate or event time",
    .args = "FILE",
    .min_args = 1,
    .max_args = 1,
    .opts = replay_opts,
    .conf_size = sizeof(replay_conf),
    .run = run_replay,
    .details = "Each non-blank line of JSON lines, or each row of a Parquet file (recognised by its PAR1 magic,\n"
               "whatever the name; nested columns included), becomes one message with the field data, in input\n"
               "order.  A Parquet row is sent as one JSON object: INT64 values as JSON integers, TIMESTAMP columns\n"
               "as text (use --time COL:iso).  Ids are explicit (BASE_MS-N), so a replay that loses the broker\n"
               "resumes after the last id the stream has: nothing twice.\n\n"
               "Examples:\n\n"
               "    tripflow replay events.ndjson --to redis://127.0.0.1:6379/events --rate 5000/s\n"
               "    tripflow replay ga4_events.parquet --to redis://127.0.0.1:6379/events --speedup 60",
};
