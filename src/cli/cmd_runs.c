/* cmd_runs.c — `tripflow runs`: the ingest history, one run's stored
 * events, and --follow, which waits on the database files with inotify and
 * prints each new event as it is committed (no polling loop). */
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cmd_common.h"
#include "tripflow/fsutil.h"
#include "tripflow/runs.h"
#include "tripflow/table.h"

typedef struct {
    const char *db;
    int64_t id, limit;
    int events, follow, format;
} runs_conf;

static const tf_opt runs_opts[] = {
    TF_OPT_DB(runs_conf),
    {"id", TF_OPT_INT, offsetof(runs_conf, id), "0", NULL, "only this run", NULL, NULL},
    {"limit", TF_OPT_INT, offsetof(runs_conf, limit), "20", NULL, "the newest N runs (0: all)", NULL, NULL},
    {"events", TF_OPT_FLAG, offsetof(runs_conf, events), NULL, NULL,
     "print the run's stored events as JSON lines (the latest run without --id)", NULL, NULL},
    {"follow", TF_OPT_FLAG, offsetof(runs_conf, follow), NULL, NULL,
     "with --events: keep printing new events as they are committed, until the run ends", NULL, NULL},
    TF_OPT_FORMAT(runs_conf),
    TF_OPT_END,
};

static const char *const run_cols[] = {"run_id", "source", "status", "rows_read", "rows_loaded", "rows_duplicate",
                                       "rows_rejected", "bytes", "started_at", "finished_at", "same_as_run",
                                       "reject_file", "error", "content_hash"};
static const tf_col_kind run_kinds[] = {TF_COL_INT,  TF_COL_TEXT, TF_COL_TEXT, TF_COL_INT, TF_COL_INT,
                                        TF_COL_INT,  TF_COL_INT,  TF_COL_INT,  TF_COL_TEXT, TF_COL_TEXT,
                                        TF_COL_INT,  TF_COL_TEXT, TF_COL_TEXT, TF_COL_TEXT};

static void add_run(void *ud, const tf_run *r)
{
    tf_table *t = ud;
    tf_table_row(t);
    tf_table_int(t, 0, r->id);
    tf_table_text(t, 1, r->source);
    tf_table_text(t, 2, r->status);
    tf_table_int(t, 3, r->counts.read);
    tf_table_int(t, 4, r->counts.loaded);
    tf_table_int(t, 5, r->counts.duplicate);
    tf_table_int(t, 6, r->counts.rejected);
    tf_table_int(t, 7, r->bytes);
    tf_table_text(t, 8, r->started_at);
    tf_table_text(t, 9, r->finished_at);
    if (r->same_as) tf_table_int(t, 10, r->same_as);
    tf_table_text(t, 11, r->reject_file);
    tf_table_text(t, 12, r->error);
    tf_table_text(t, 13, r->content_hash);
}

typedef struct {
    int64_t last;
} follow_state;

static void print_event(void *ud, int64_t seq, const char *json)
{
    follow_state *f = ud;
    puts(json);
    f->last = seq;
}

static void latest_id(void *ud, const tf_run *r)
{
    if (!*(int64_t *)ud) *(int64_t *)ud = r->id;
}

static int terminal(const char *status) { return status[0] && strcmp(status, "running") != 0; }

static int follow_events(tf_store *s, const char *db, int64_t id, follow_state *f, tf_err *err)
{
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0) return tf_errno(err, TF_EIO, "inotify");
    char *dir = tf_dirname(db);
    int rc = TF_OK;
    /* every commit by the writer touches the database or its WAL */
    if (inotify_add_watch(fd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO) < 0) {
        rc = tf_errno(err, TF_EIO, "%s: inotify watch", dir);
        goto out;
    }
    for (;;) {
        char status[24];
        if ((rc = tf_runs_events(s, id, f->last, print_event, f, err))) break;
        fflush(stdout);
        if ((rc = tf_runs_status(s, id, status, err))) break;
        if (terminal(status)) {
            /* events written in the same commit as the status were just read */
            rc = tf_runs_events(s, id, f->last, print_event, f, err);
            break;
        }
        if (tf_sig_interrupted()) break;
        struct pollfd p[2] = {{fd, POLLIN, 0}, {tf_sig_fd(), POLLIN, 0}};
        /* the timeout only notices a writer that died without a word */
        int n = poll(p, tf_sig_fd() >= 0 ? 2 : 1, 2000);
        if (n == 0 && (rc = tf_runs_reap(s, err))) break;
        char buf[4096];
        while (read(fd, buf, sizeof buf) > 0) {
        }
    }
out:
    close(fd);
    free(dir);
    return rc;
}

static int run_runs(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc, (void)argv;
    runs_conf *c = vconf;
    if (c->follow && !c->events) return tf_errf(err, TF_EINVAL, "runs: --follow goes with --events");
    if (!tf_exists(c->db)) return tf_errf(err, TF_ENOTFOUND, "%s: no such database (run tripflow ingest first)", c->db);
    tf_store *s = NULL;
    int rc = tf_store_open(c->db, &s, err);
    if (rc) return rc;
    if ((rc = tf_runs_reap(s, err))) goto out;
    if (c->events) {
        int64_t id = c->id;
        if (!id && (rc = tf_runs_list(s, 0, 1, latest_id, &id, err))) goto out;
        if (!id) {
            rc = tf_errf(err, TF_ENOTFOUND, "no runs in %s", c->db);
            goto out;
        }
        char status[24];
        if ((rc = tf_runs_status(s, id, status, err))) goto out;
        if (!status[0]) {
            rc = tf_errf(err, TF_ENOTFOUND, "no run %lld in %s", (long long)id, c->db);
            goto out;
        }
        follow_state f = {0};
        if (c->follow) rc = follow_events(s, c->db, id, &f, err);
        else rc = tf_runs_events(s, id, 0, print_event, &f, err);
        goto out;
    }
    tf_table *t = tf_table_new(14, run_cols, run_kinds);
    rc = tf_runs_list(s, c->id, c->id ? 0 : c->limit, add_run, t, err);
    if (rc == TF_OK && c->id && !tf_table_rows(t))
        rc = tf_errf(err, TF_ENOTFOUND, "no run %lld in %s", (long long)c->id, c->db);
    if (rc == TF_OK) tf_table_print(t, tf_fmt_resolve(c->format), stdout);
    tf_table_free(t);
out:
    tf_store_close(s);
    return rc;
}

const tf_cmd tf_cmd_runs = {
    .name = "runs",
    .summary = "Ingest history: runs with status and row counts, and each run's events",
    .min_args = 0,
    .max_args = 0,
    .opts = runs_opts,
    .conf_size = sizeof(runs_conf),
    .run = run_runs,
    .details = "Statuses: running, loaded, already_loaded (same content as an earlier run), failed,\n"
               "abandoned (the process died; nothing of the run was kept).\n\n"
               "Examples:\n\n"
               "    tripflow runs\n"
               "    tripflow runs --id 3 --events\n"
               "    tripflow runs --events --follow        # the latest run, live",
};
