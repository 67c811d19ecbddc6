/* cmd_ingest.c — `tripflow ingest FILE...`: each file is one all-or-nothing
 * run into the data model, with status pushed to the terminal, JSON event
 * lines, a webhook and the run history. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd_common.h"
#include "tripflow/cli.h"
#include "tripflow/ingest.h"
#include "tripflow/lake.h"
#include "tripflow/runs.h"

static const tf_opt ingest_opts[] = {
    TF_OPT_DB(ingest_conf),
    TF_OPT_LAKE(ingest_conf),
    {"reject", TF_OPT_STRING, offsetof(ingest_conf, reject), NULL, "PATH",
     "write rejected rows here (default: next to the database, <db>.rejects/run-<id>.csv)", NULL, NULL},
    {"max-rejects", TF_OPT_STRING, offsetof(ingest_conf, max_rejects), NULL, "N|P%",
     "fail the run when more than N rows (or P% of rows) are rejected (default: no limit)", NULL, NULL},
    {"events", TF_OPT_ENUM, offsetof(ingest_conf, events), "none", NULL,
     "write every run event as a JSON line on stdout (json)", "none|json", NULL},
    {"notify-url", TF_OPT_STRING, offsetof(ingest_conf, notify_url), NULL, "URL",
     "POST every run event as JSON to this URL (never fails the run)", NULL, "TRIPFLOW_NOTIFY_URL"},
    {"quiet", TF_OPT_FLAG, offsetof(ingest_conf, quiet), NULL, NULL, "no progress bar and no summary", NULL, NULL},
    {"threads", TF_OPT_INT, offsetof(ingest_conf, threads), "0", NULL, "worker threads (0: one per CPU)", NULL, NULL},
    {"cell-precision", TF_OPT_INT, offsetof(ingest_conf, cell_precision), NULL, "1..12",
     "geohash precision of the cells that group similar trips (default 6; fixed by a database's first run)", NULL,
     NULL},
    {"time-bucket", TF_OPT_DURATION, offsetof(ingest_conf, time_bucket), NULL, NULL,
     "time-of-day bucket of similar trips, dividing a day (default 1h; fixed by a database's first run)", NULL, NULL},
    {"timezone", TF_OPT_STRING, offsetof(ingest_conf, timezone), NULL, "ZONE",
     "read naive datetimes in this IANA zone (default UTC); explicit offsets always win", NULL, "TRIPFLOW_TIMEZONE"},
    {"chunk-size", TF_OPT_SIZE, offsetof(ingest_conf, chunk_size), "8M", NULL,
     "bytes of input per parse task (tuning)", NULL, NULL},
    {"file-rows", TF_OPT_INT, offsetof(ingest_conf, file_rows), "16777216", "N",
     "lake files hold at most N rows: a partition with more new trips is split into several files", NULL, NULL},
    {"memory", TF_OPT_SIZE, offsetof(ingest_conf, memory), "640M", NULL,
     "memory for parsed rows: a bigger input is processed in segments of that size (still one run, one commit)",
     NULL, NULL},
    TF_OPT_END,
};

int tf_ingest_setup(ingest_conf *c, tf_ingest_opts *o, tf_tz **tz, tf_err *err)
{
    memset(o, 0, sizeof *o);
    *tz = NULL;
    if (tf_reject_limit_parse(c->max_rejects, &o->max_rejects, err)) return err->code;
    o->grid.precision = 6;
    o->grid.bucket_us = TF_US_PER_HOUR;
    if (c->cell_precision) {
        if (c->cell_precision < 1 || c->cell_precision > 12)
            return tf_errf(err, TF_EINVAL, "--cell-precision %lld: expected 1 to 12", (long long)c->cell_precision);
        o->grid.precision = (int)c->cell_precision;
        o->grid_given = 1;
    }
    if (c->time_bucket) {
        if (c->time_bucket < 60 * TF_US_PER_SEC || c->time_bucket > TF_US_PER_DAY ||
            TF_US_PER_DAY % c->time_bucket != 0 || c->time_bucket % TF_US_PER_SEC != 0)
            return tf_errf(err, TF_EINVAL,
                           "--time-bucket: expected whole seconds between 1m and 24h that divide a day (e.g. 30m, 1h, 3h)");
        o->grid.bucket_us = c->time_bucket;
        o->grid_given = 1;
    }
    if (c->threads < 0 || c->threads > 1024) return tf_errf(err, TF_EINVAL, "--threads: expected 0 to 1024");
    o->threads = (int)c->threads;
    if (c->chunk_size < 1024) return tf_errf(err, TF_EINVAL, "--chunk-size: at least 1K");
    o->chunk_bytes = c->chunk_size;
    if (c->file_rows < 1) return tf_errf(err, TF_EINVAL, "--file-rows: at least 1");
    o->file_rows = c->file_rows;
    if (c->memory < (16 << 20)) return tf_errf(err, TF_EINVAL, "--memory: at least 16M");
    o->memory = c->memory;
    if (tf_tz_open(c->timezone, tz, err)) return err->code;
    o->tz = *tz;
    o->reject_path = c->reject;
    return TF_OK;
}

char *tf_ingest_options_json(const ingest_conf *c, const tf_ingest_opts *o)
{
    json_t *j = json_pack("{s:i, s:I, s:s?, s:s?}", "cell_precision", o->grid.precision, "time_bucket_s",
                          (json_int_t)(o->grid.bucket_us / TF_US_PER_SEC), "timezone", c->timezone, "max_rejects",
                          c->max_rejects);
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    return s;
}

tf_events *tf_ingest_bus(const ingest_conf *c, tf_store *s)
{
    tf_events *bus = tf_events_new();
    tf_events_add(bus, tf_sink_store(s));
    if (c->events == 1) tf_events_add(bus, tf_sink_jsonl(stdout));
    if (c->notify_url && *c->notify_url) tf_events_add(bus, tf_sink_webhook(c->notify_url));
    if (!c->quiet && isatty(2)) tf_events_add(bus, tf_sink_tty(stderr));
    return bus;
}

void tf_ingest_summary(const ingest_conf *c, const tf_ingest_result *r, const char *source)
{
    if (c->quiet) return;
    FILE *out = c->events == 1 ? stderr : stdout;
    if (!strcmp(r->status, "already_loaded")) {
        fprintf(out, "run %lld: %s: already loaded by run %lld (same content); nothing changed\n",
                (long long)r->run_id, source, (long long)r->same_as);
    } else if (!strcmp(r->status, "loaded")) {
        fprintf(out, "run %lld: %s: loaded %lld of %lld rows (%lld duplicate, %lld rejected%s%s) in %.2f s\n",
                (long long)r->run_id, source, (long long)r->counts.loaded, (long long)r->counts.read,
                (long long)r->counts.duplicate, (long long)r->counts.rejected, r->reject_file ? ": " : "",
                r->reject_file ? r->reject_file : "", r->seconds);
    } else if (r->run_id) {
        fprintf(out, "run %lld: %s: failed after %lld rows read (%lld rejected%s%s); nothing was kept\n",
                (long long)r->run_id, source, (long long)r->counts.read, (long long)r->counts.rejected,
                r->reject_file ? ": " : "", r->reject_file ? r->reject_file : "");
    }
    fflush(out);
}

static int run_ingest(void *vconf, int argc, char **argv, tf_err *err)
{
    ingest_conf *c = vconf;
    tf_ingest_opts o;
    tf_tz *tz = NULL;
    if (tf_ingest_setup(c, &o, &tz, err)) return err->code;
    tf_store *s = NULL;
    tf_lake *lake = NULL;
    int rc = tf_store_open(c->db, &s, err);
    if (rc) goto out;
    if ((rc = tf_runs_reap(s, err)) || (rc = tf_lake_open(s, c->lake, &lake, err))) goto out;
    o.lake = lake;
    char *opts = tf_ingest_options_json(c, &o);
    o.options_json = opts;
    tf_events *bus = tf_ingest_bus(c, s);
    int failed = 0;
    for (int i = 0; i < argc; i++) {
        tf_ingest_result r;
        tf_err e = {0};
        int frc = tf_ingest_file(s, bus, argv[i], &o, &r, &e);
        tf_ingest_summary(c, &r, strcmp(argv[i], "-") ? argv[i] : "stdin");
        if (frc) {
            failed++;
            if (argc == 1) {
                *err = e;
                rc = frc;
            } else {
                fprintf(stderr, "tripflow ingest: %s\n", e.msg);
            }
        }
        free(r.reject_file);
        if (tf_sig_interrupted()) break;
    }
    tf_events_free(bus);
    free(opts);
    if (failed && argc > 1) rc = tf_errf(err, TF_EFORMAT, "%d of %d files failed", failed, argc);
out:
    tf_lake_close(lake);
    tf_store_close(s);
    tf_tz_close(tz);
    return rc;
}

const tf_cmd tf_cmd_ingest = {
    .name = "ingest",
    .summary = "Load trip CSV files into the data model, one all-or-nothing run per file",
    .args = "FILE...",
    .min_args = 1,
    .max_args = -1,
    .opts = ingest_opts,
    .conf_size = sizeof(ingest_conf),
    .run = run_ingest,
    .details =
        "Each file (\"-\" reads stdin) is one run: rows are parsed and checked (semantics.md §1),\n"
        "rejected rows go to the reject file with line, field and reason, each trip is stored\n"
        "once whichever run brings it, the new trips go to the raw layer (Hive-partitioned\n"
        "Parquet under the lake directory), and everything commits in one transaction at the\n"
        "end. A file whose content was loaded before is recognised by its hash and changes\n"
        "nothing.\n\n"
        "Examples:\n\n"
        "    tripflow ingest trips.csv\n"
        "    tripflow ingest a.csv b.csv --reject rejects.csv --events json\n"
        "    tripflow ingest trips.csv --max-rejects 1% --notify-url http://127.0.0.1:8080/events",
};
