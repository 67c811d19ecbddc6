/* sqlite_runs.c — run history and run events in SQLite (see runs.h). */
#include "tripflow/runs.h"

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tripflow/sqlutil.h"
#include "tripflow/timeutil.h"

static int need_sqlite(tf_store *s, tf_err *err)
{
    if (tf_store_kind_of(s) != TF_STORE_SQLITE) return tf_errf(err, TF_EUNSUPPORTED, "run history: backend not supported");
    return TF_OK;
}

static void now_text(char out[32]) { tf_format_timestamp(tf_now_us(), TF_TS_AUTO, out); }

/* process identity: pid plus the kernel's start time, so a recycled pid is not
 * mistaken for the run's process */
static long long proc_start(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    /* fields after ')': state is field 3; starttime is field 22 */
    int field = 2;
    for (; *p && field < 22; p++)
        if (*p == ' ') field++;
    return atoll(p);
}

static void host_text(char out[256])
{
    if (gethostname(out, 256) != 0) strcpy(out, "unknown");
    out[255] = '\0';
}

int tf_runs_reap(tf_store *s, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3 *db = tf_store_sqlite(s);
    sqlite3_stmt *st;
    if (tf_sql_prepare(db, "SELECT run_id, pid, host, options FROM ingest_runs WHERE status = 'running'", &st, err))
        return err->code;
    char host[256];
    host_text(host);
    int64_t dead[256];
    int ndead = 0, r;
    while ((r = tf_sql_step_row(st, err)) == 1 && ndead < 256) {
        long pid = (long)sqlite3_column_int64(st, 1);
        const char *h = (const char *)sqlite3_column_text(st, 2);
        const char *opts = (const char *)sqlite3_column_text(st, 3);
        if (!h || strcmp(h, host)) continue; /* another machine's run: leave it */
        long long want = -1;
        const char *ps = opts ? strstr(opts, "\"proc_start\":") : NULL;
        if (ps) want = atoll(ps + 13);
        int alive = pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
        if (alive && want >= 0 && proc_start(pid) != want) alive = 0;
        if (!alive) dead[ndead++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (r < 0) return err->code;
    for (int i = 0; i < ndead; i++) {
        char now[32];
        now_text(now);
        if (tf_sql_prepare(db,
                           "UPDATE ingest_runs SET status = 'abandoned', finished_at = ?, "
                           "error = 'the process ended before the run finished (killed?); nothing of it was kept' "
                           "WHERE run_id = ? AND status = 'running'",
                           &st, err))
            return err->code;
        sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, dead[i]);
        int rc = tf_sql_step_done(st, err);
        sqlite3_finalize(st);
        if (rc) return rc;
    }
    return TF_OK;
}

int tf_runs_begin(tf_store *s, const char *source, const char *content_hash, int64_t bytes, const char *options_json,
                  int64_t *run_id, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3 *db = tf_store_sqlite(s);
    sqlite3_stmt *st;
    if (tf_sql_prepare(db,
                       "INSERT INTO ingest_runs(source, content_hash, bytes, status, started_at, pid, host, options) "
                       "VALUES (?, ?, ?, 'running', ?, ?, ?, ?)",
                       &st, err))
        return err->code;
    char now[32], host[256];
    now_text(now);
    host_text(host);
    /* the options JSON gets the process start time for reaping */
    char *opts = NULL;
    size_t ol = options_json ? strlen(options_json) : 0;
    long long ps = proc_start((long)getpid());
    if (ol >= 2 && options_json[ol - 1] == '}')
        opts = sqlite3_mprintf("%.*s%s\"proc_start\":%lld}", (int)(ol - 1), options_json, ol > 2 ? "," : "", ps);
    else
        opts = sqlite3_mprintf("{\"proc_start\":%lld}", ps);
    sqlite3_bind_text(st, 1, source, -1, SQLITE_TRANSIENT);
    if (content_hash) sqlite3_bind_text(st, 2, content_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, bytes);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, (int64_t)getpid());
    sqlite3_bind_text(st, 6, host, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, opts, -1, SQLITE_TRANSIENT);
    int rc = tf_sql_step_done(st, err);
    sqlite3_finalize(st);
    sqlite3_free(opts);
    if (rc) return tf_err_prefix(err, "recording the run: ");
    *run_id = sqlite3_last_insert_rowid(db);
    return TF_OK;
}

int tf_runs_find_loaded(tf_store *s, const char *content_hash, int64_t *run_id, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    if (tf_sql_prepare(tf_store_sqlite(s), "SELECT run_id FROM ingest_runs WHERE content_hash = ? AND status = 'loaded'",
                       &st, err))
        return err->code;
    sqlite3_bind_text(st, 1, content_hash, -1, SQLITE_TRANSIENT);
    int r = tf_sql_step_row(st, err);
    *run_id = r == 1 ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}

int tf_runs_loaded_size(tf_store *s, int64_t bytes, int *found, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    if (tf_sql_prepare(tf_store_sqlite(s), "SELECT 1 FROM ingest_runs WHERE bytes = ? AND status = 'loaded' LIMIT 1",
                       &st, err))
        return err->code;
    sqlite3_bind_int64(st, 1, bytes);
    int r = tf_sql_step_row(st, err);
    *found = r == 1;
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}

int tf_runs_set_hash(tf_store *s, int64_t run_id, const char *content_hash, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    if (tf_sql_prepare(tf_store_sqlite(s), "UPDATE ingest_runs SET content_hash = ? WHERE run_id = ?", &st, err))
        return err->code;
    sqlite3_bind_text(st, 1, content_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, run_id);
    int rc = tf_sql_step_done(st, err);
    sqlite3_finalize(st);
    return rc ? tf_err_prefix(err, "recording the content hash: ") : TF_OK;
}

int tf_runs_finish(tf_store *s, int64_t run_id, const char *status, const tf_run_counts *c, const char *reject_file,
                   const char *error, int64_t same_as, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    if (tf_sql_prepare(tf_store_sqlite(s),
                       "UPDATE ingest_runs SET status = ?, rows_read = ?, rows_loaded = ?, rows_duplicate = ?, "
                       "rows_rejected = ?, reject_file = ?, error = ?, same_as_run_id = ?, finished_at = ? "
                       "WHERE run_id = ?",
                       &st, err))
        return err->code;
    char now[32];
    now_text(now);
    sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, c->read);
    sqlite3_bind_int64(st, 3, c->loaded);
    sqlite3_bind_int64(st, 4, c->duplicate);
    sqlite3_bind_int64(st, 5, c->rejected);
    if (reject_file) sqlite3_bind_text(st, 6, reject_file, -1, SQLITE_TRANSIENT);
    if (error) sqlite3_bind_text(st, 7, error, -1, SQLITE_TRANSIENT);
    if (same_as) sqlite3_bind_int64(st, 8, same_as);
    sqlite3_bind_text(st, 9, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 10, run_id);
    int rc = tf_sql_step_done(st, err);
    sqlite3_finalize(st);
    return rc ? tf_err_prefix(err, "recording the run's end: ") : TF_OK;
}

int tf_runs_add_event(tf_store *s, int64_t run_id, int64_t seq, const char *at, const char *type, const char *json,
                      tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    if (tf_sql_prepare(tf_store_sqlite(s), "INSERT INTO run_events(run_id, seq, at, type, data) VALUES (?, ?, ?, ?, ?)",
                       &st, err))
        return err->code;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, json, -1, SQLITE_STATIC);
    int rc = tf_sql_step_done(st, err);
    sqlite3_finalize(st);
    return rc;
}

static const char *col_text(sqlite3_stmt *st, int i) { return (const char *)sqlite3_column_text(st, i); }

int tf_runs_list(tf_store *s, int64_t id, int64_t limit, void (*fn)(void *, const tf_run *), void *ud, tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    if (tf_sql_prepare(tf_store_sqlite(s),
                       "SELECT run_id, source, content_hash, bytes, status, rows_read, rows_loaded, rows_duplicate, "
                       "rows_rejected, reject_file, error, same_as_run_id, started_at, finished_at "
                       "FROM ingest_runs WHERE ?1 <= 0 OR run_id = ?1 ORDER BY run_id DESC LIMIT ?2",
                       &st, err))
        return err->code;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, limit > 0 ? limit : -1);
    int r;
    while ((r = tf_sql_step_row(st, err)) == 1) {
        tf_run run = {
            .id = sqlite3_column_int64(st, 0),
            .source = col_text(st, 1),
            .content_hash = col_text(st, 2),
            .bytes = sqlite3_column_int64(st, 3),
            .status = col_text(st, 4),
            .counts = {sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7),
                       sqlite3_column_int64(st, 8)},
            .reject_file = col_text(st, 9),
            .error = col_text(st, 10),
            .same_as = sqlite3_column_int64(st, 11),
            .started_at = col_text(st, 12),
            .finished_at = col_text(st, 13),
        };
        fn(ud, &run);
    }
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}

int tf_runs_events(tf_store *s, int64_t run_id, int64_t after, void (*fn)(void *, int64_t, const char *), void *ud,
                   tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    if (tf_sql_prepare(tf_store_sqlite(s), "SELECT seq, data FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq",
                       &st, err))
        return err->code;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, after);
    int r;
    while ((r = tf_sql_step_row(st, err)) == 1) fn(ud, sqlite3_column_int64(st, 0), col_text(st, 1));
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}

int tf_runs_status(tf_store *s, int64_t run_id, char out[24], tf_err *err)
{
    if (need_sqlite(s, err)) return err->code;
    sqlite3_stmt *st;
    out[0] = '\0';
    if (tf_sql_prepare(tf_store_sqlite(s), "SELECT status FROM ingest_runs WHERE run_id = ?", &st, err))
        return err->code;
    sqlite3_bind_int64(st, 1, run_id);
    int r = tf_sql_step_row(st, err);
    if (r == 1) snprintf(out, 24, "%s", col_text(st, 0));
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}
