/* cmd_watch.c — `tripflow watch DIR`: ingest every file that lands in a
 * directory, with the same options as `ingest`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_common.h"
#include "tripflow/lake.h"
#include "tripflow/runs.h"
#include "tripflow/watch.h"

typedef struct {
    ingest_conf in; /* must stay first: the ingest options map into it */
    int once;
} watch_conf;

static const tf_opt watch_opts[] = {
    {"db", TF_OPT_STRING, offsetof(watch_conf, in.db), "tripflow.db", "PATH", "the SQLite database file", NULL,
     "TRIPFLOW_DB"},
    {"lake", TF_OPT_STRING, offsetof(watch_conf, in.lake), NULL, "DIR",
     "the raw layer's directory (default: lake next to the database)", NULL, "TRIPFLOW_LAKE"},
    {"max-rejects", TF_OPT_STRING, offsetof(watch_conf, in.max_rejects), NULL, "N|P%",
     "fail a file's run when more than N rows (or P% of rows) are rejected", NULL, NULL},
    {"events", TF_OPT_ENUM, offsetof(watch_conf, in.events), "none", NULL,
     "write every run event as a JSON line on stdout (json)", "none|json", NULL},
    {"notify-url", TF_OPT_STRING, offsetof(watch_conf, in.notify_url), NULL, "URL",
     "POST every run event as JSON to this URL (never fails a run)", NULL, "TRIPFLOW_NOTIFY_URL"},
    {"quiet", TF_OPT_FLAG, offsetof(watch_conf, in.quiet), NULL, NULL, "no progress bar and no summaries", NULL, NULL},
    {"threads", TF_OPT_INT, offsetof(watch_conf, in.threads), "0", NULL, "worker threads (0: one per CPU)", NULL, NULL},
    {"timezone", TF_OPT_STRING, offsetof(watch_conf, in.timezone), NULL, "ZONE",
     "read naive datetimes in this IANA zone (default UTC)", NULL, "TRIPFLOW_TIMEZONE"},
    {"chunk-size", TF_OPT_SIZE, offsetof(watch_conf, in.chunk_size), "8M", NULL, "bytes of input per parse task",
     NULL, NULL},
    {"file-rows", TF_OPT_INT, offsetof(watch_conf, in.file_rows), "16777216", "N",
     "lake files hold at most N rows: a partition with more new trips is split into several files", NULL, NULL},
    {"memory", TF_OPT_SIZE, offsetof(watch_conf, in.memory), "640M", NULL,
     "memory for parsed rows: a bigger input is processed in segments of that size (still one run, one commit)",
     NULL, NULL},
    {"once", TF_OPT_FLAG, offsetof(watch_conf, once), NULL, NULL,
     "ingest the files that are ready now, then exit (for cron)", NULL, NULL},
    TF_OPT_END,
};

static void on_file(void *ud, const char *name, const tf_ingest_result *r, int rc, const tf_err *err,
                    const char *moved_to)
{
    ingest_conf *c = ud;
    tf_ingest_summary(c, r, name);
    if (rc) fprintf(stderr, "tripflow watch: %s\n", err->msg);
    if (!c->quiet) fprintf(c->events == 1 ? stderr : stdout, "  moved to %s\n", moved_to);
    fflush(stdout);
}

static int run_watch(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc;
    watch_conf *c = vconf;
    tf_ingest_opts o;
    tf_tz *tz = NULL;
    if (tf_ingest_setup(&c->in, &o, &tz, err)) return err->code;
    tf_store *s = NULL;
    tf_lake *lake = NULL;
    int rc = tf_store_open(c->in.db, &s, err);
    if (rc) goto out;
    if ((rc = tf_runs_reap(s, err)) || (rc = tf_lake_open(s, c->in.lake, &lake, err))) goto out;
    o.lake = lake;
    char *opts = tf_ingest_options_json(&c->in, &o);
    o.options_json = opts;
    tf_events *bus = tf_ingest_bus(&c->in, s);
    tf_watch_opts wo = {.ingest = &o, .once = c->once, .on_file = on_file, .ud = &c->in};
    if (!c->in.quiet && !c->once)
        fprintf(stderr, "tripflow watch: watching %s (Ctrl-C stops after the current file)\n", argv[0]);
    rc = tf_watch(s, bus, argv[0], &wo, err);
    tf_events_free(bus);
    free(opts);
out:
    tf_lake_close(lake);
    tf_store_close(s);
    tf_tz_close(tz);
    return rc;
}

const tf_cmd tf_cmd_watch = {
    .name = "watch",
    .summary = "Ingest every trip file that lands in a directory (inotify), then file it under done/ or failed/",
    .args = "DIR",
    .min_args = 1,
    .max_args = 1,
    .opts = watch_opts,
    .conf_size = sizeof(watch_conf),
    .run = run_watch,
    .details = "A file is taken when it is closed after writing or moved into DIR, and files already\n"
               "there are taken at start. A file still open for writing is never read. Names that\n"
               "start with '.' or end in .part or .tmp are ignored, so writers can upload under a\n"
               "temporary name and rename. After its run a file moves to DIR/done/run-<id>-<name>\n"
               "(loaded, or already loaded) or DIR/failed/run-<id>-<name>. Ctrl-C or SIGTERM stops\n"
               "after the current file; a second Ctrl-C interrupts it (rolled back).\n\n"
               "Examples:\n\n"
               "    tripflow watch landing/\n"
               "    tripflow watch landing/ --once --events json",
};
