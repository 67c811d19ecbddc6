/* sqlite_stream.c — the streaming job's store operations (stream_store.h):
 * result tables, consumer rows and the checkpoint transaction, on SQLite.
 * Window times go to the result table as UTC text 'YYYY-MM-DD HH:MM:SS'
 * (windows are whole seconds). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tripflow/byteorder.h"
#include "tripflow/sqlutil.h"
#include "tripflow/stream_store.h"
#include "tripflow/timeutil.h"

#define TS_SQL(x) "strftime('%Y-%m-%d %H:%M:%S', (" x ") / 1000000, 'unixepoch')"
/* the same inside a printf format */
#define TS_SQLF(x) "strftime('%%Y-%%m-%%d %%H:%%M:%%S', (" x ") / 1000000, 'unixepoch')"

static int pg_missing(tf_err *err)
{
    return tf_errf(err, TF_EUNSUPPORTED, "streaming on the PostgreSQL store is not built yet");
}

int tf_stream_ident_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 63) return 0;
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return 0;
    return 1;
}

/* run sql with ?1 = job_id and return its single integer (dflt when NULL/no row) */
static int job_int(sqlite3 *db, const char *sql, int64_t job_id, int64_t dflt, int64_t *out, tf_err *err)
{
    sqlite3_stmt *st;
    if (tf_sql_prepare(db, sql, &st, err)) return err->code;
    sqlite3_bind_int64(st, 1, job_id);
    int r = tf_sql_step_row(st, err);
    *out = r == 1 && sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_int64(st, 0) : dflt;
    sqlite3_finalize(st);
    return r < 0 ? err->code : TF_OK;
}

static int job_exec(sqlite3 *db, const char *sql, int64_t job_id, int64_t a, int64_t b, tf_err *err)
{
    sqlite3_stmt *st;
    if (tf_sql_prepare(db, sql, &st, err)) return err->code;
    sqlite3_bind_int64(st, 1, job_id);
    if (sqlite3_bind_parameter_count(st) >= 2) sqlite3_bind_int64(st, 2, a);
    if (sqlite3_bind_parameter_count(st) >= 3) sqlite3_bind_int64(st, 3, b);
    int rc = tf_sql_step_done(st, err);
    sqlite3_finalize(st);
    return rc;
}

static int job_exec_text(sqlite3 *db, const char *sql, int64_t job_id, int64_t a, const char *text, tf_err *err)
{
    sqlite3_stmt *st;
    if (tf_sql_prepare(db, sql, &st, err)) return err->code;
    sqlite3_bind_int64(st, 1, job_id);
    sqlite3_bind_int64(st, 2, a);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    int rc = tf_sql_step_done(st, err);
    sqlite3_finalize(st);
    return rc;
}

static char *fmt_us(int64_t us, char out[32])
{
    tf_format_timestamp(us, TF_TS_AUTO, out);
    return out;
}

int tf_stream_job_open(tf_store *s, tf_stream_job *job, tf_err *err)
{
    if (tf_store_kind_of(s) != TF_STORE_SQLITE) return pg_missing(err);
    if (!tf_stream_ident_ok(job->table))
        return tf_errf(err, TF_EINVAL, "--table '%s': expected a plain name of letters, digits and _", job->table);
    if (!tf_stream_ident_ok(job->key_field))
        return tf_errf(err, TF_EINVAL, "--key '%s': the key names a column: expected letters, digits and _",
                       job->key_field);
    if (!strcmp(job->key_field, "window_start") || !strcmp(job->key_field, "window_end") ||
        !strcmp(job->key_field, "event_count"))
        return tf_errf(err, TF_EINVAL, "--key '%s': that name is taken by a result column", job->key_field);
    sqlite3 *db = tf_store_sqlite(s);
    sqlite3_stmt *st = NULL;
    if (tf_store_begin(s, err)) return err->code;
    if (tf_sql_prepare(db,
                       "SELECT job_id, key_field, time_spec, window_us, lateness_us, ooo_us, source, group_name "
                       "FROM stream_jobs WHERE result_table = ?",
                       &st, err))
        goto fail;
    sqlite3_bind_text(st, 1, job->table, -1, SQLITE_STATIC);
    int r = tf_sql_step_row(st, err);
    if (r < 0) goto fail;
    if (r == 1) {
        const char *kf = (const char *)sqlite3_column_text(st, 1), *tsp = (const char *)sqlite3_column_text(st, 2);
        int64_t w = sqlite3_column_int64(st, 3), l = sqlite3_column_int64(st, 4), o = sqlite3_column_int64(st, 5);
        const char *src = (const char *)sqlite3_column_text(st, 6), *grp = (const char *)sqlite3_column_text(st, 7);
        const char *what = NULL;
        char was[300] = "";
        if (strcmp(kf, job->key_field)) what = "--key", snprintf(was, sizeof was, "%s", kf);
        else if (strcmp(tsp, job->time_spec)) what = "--time", snprintf(was, sizeof was, "%s", tsp);
        else if (w != job->win.window_us) what = "--window", snprintf(was, sizeof was, "%" PRId64 "us", w);
        else if (l != job->win.lateness_us) what = "--lateness", snprintf(was, sizeof was, "%" PRId64 "us", l);
        else if (o != job->win.ooo_us) what = "--out-of-order", snprintf(was, sizeof was, "%" PRId64 "us", o);
        else if (strcmp(src, job->source)) what = "--from", snprintf(was, sizeof was, "%s", src);
        else if (strcmp(grp, job->group)) what = "--group", snprintf(was, sizeof was, "%s", grp);
        if (what) {
            tf_errf(err, TF_EINVAL,
                    "table %s is fed by a stream job with %s %s; use the same options, or another --table", job->table,
                    what, was);
            goto fail;
        }
        job->job_id = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        st = NULL;
    } else {
        sqlite3_finalize(st);
        st = NULL;
        int64_t exists;
        char q[200];
        snprintf(q, sizeof q, "SELECT count(*) FROM sqlite_master WHERE name = '%s'", job->table);
        if (tf_sql_int(db, q, 0, &exists, err)) goto fail;
        if (exists) {
            tf_errf(err, TF_EEXIST, "table %s already exists and is not the result of a stream job; choose another --table",
                    job->table);
            goto fail;
        }
        char *ddl = tf_xasprintf("CREATE TABLE \"%s\" (window_start TEXT NOT NULL, window_end TEXT NOT NULL, "
                                 "\"%s\" TEXT NOT NULL, event_count INTEGER NOT NULL, "
                                 "PRIMARY KEY (window_start, \"%s\")) WITHOUT ROWID",
                                 job->table, job->key_field, job->key_field);
        int rc = tf_sql_exec(db, ddl, err);
        free(ddl);
        if (rc) goto fail;
        if (tf_sql_prepare(db,
                           "INSERT INTO stream_jobs (result_table, key_field, time_spec, window_us, lateness_us, ooo_us, "
                           "source, group_name, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                           &st, err))
            goto fail;
        char now[32];
        sqlite3_bind_text(st, 1, job->table, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, job->key_field, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, job->time_spec, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, job->win.window_us);
        sqlite3_bind_int64(st, 5, job->win.lateness_us);
        sqlite3_bind_int64(st, 6, job->win.ooo_us);
        sqlite3_bind_text(st, 7, job->source, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, job->group, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 9, fmt_us(tf_now_us(), now), -1, SQLITE_TRANSIENT);
        if (tf_sql_step_done(st, err)) goto fail;
        sqlite3_finalize(st);
        st = NULL;
        job->job_id = sqlite3_last_insert_rowid(db);
    }
    return tf_store_commit(s, err);
fail:
    sqlite3_finalize(st);
    tf_store_rollback(s);
    return err->code;
}

int tf_stream_consumer_start(tf_store *s, const tf_stream_job *job, const char *consumer, int64_t now_us,
                             tf_stream_position *pos, tf_err *err)
{
    if (tf_store_kind_of(s) != TF_STORE_SQLITE) return pg_missing(err);
    sqlite3 *db = tf_store_sqlite(s);
    sqlite3_stmt *st = NULL;
    char now[32];
    fmt_us(now_us, now);
    memset(pos, 0, sizeof *pos);
    pos->max_event = TF_NO_TIME;
    if (tf_store_begin(s, err)) return err->code;
    if (tf_sql_prepare(db,
                       "INSERT INTO stream_consumers (job_id, consumer, state, started_at, heartbeat_at, heartbeat_us, pid) "
                       "VALUES (?1, ?2, 'running', ?3, ?3, ?4, ?5) ON CONFLICT (job_id, consumer) DO UPDATE SET "
                       "state = 'running', started_at = ?3, heartbeat_at = ?3, heartbeat_us = ?4, pid = ?5",
                       &st, err))
        goto fail;
    sqlite3_bind_int64(st, 1, job->job_id);
    sqlite3_bind_text(st, 2, consumer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now_us);
    sqlite3_bind_int64(st, 5, (int64_t)getpid());
    if (tf_sql_step_done(st, err)) goto fail;
    sqlite3_finalize(st);
    if (tf_sql_prepare(db, "SELECT max_event_us, lines, last_id FROM stream_consumers WHERE job_id = ? AND consumer = ?",
                       &st, err))
        goto fail;
    sqlite3_bind_int64(st, 1, job->job_id);
    sqlite3_bind_text(st, 2, consumer, -1, SQLITE_STATIC);
    if (tf_sql_step_row(st, err) != 1) goto fail;
    if (sqlite3_column_type(st, 0) != SQLITE_NULL) pos->max_event = sqlite3_column_int64(st, 0);
    pos->lines = sqlite3_column_int64(st, 1);
    if (sqlite3_column_type(st, 2) != SQLITE_NULL)
        snprintf(pos->last_id, sizeof pos->last_id, "%s", (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    return tf_store_commit(s, err);
fail:
    sqlite3_finalize(st);
    tf_store_rollback(s);
    return err->code;
}

int tf_stream_inflight_load(tf_store *s, const tf_stream_job *job, const char *consumer, tf_sidset *set,
                            int64_t *max_seq, tf_err *err)
{
    if (tf_store_kind_of(s) != TF_STORE_SQLITE) return pg_missing(err);
    sqlite3_stmt *st;
    *max_seq = 0;
    if (tf_sql_prepare(tf_store_sqlite(s), "SELECT consumer, seq, ids FROM stream_inflight WHERE job_id = ?", &st, err))
        return err->code;
    sqlite3_bind_int64(st, 1, job->job_id);
    int r;
    while ((r = tf_sql_step_row(st, err)) == 1) {
        const unsigned char *b = sqlite3_column_blob(st, 2);
        size_t n = (size_t)sqlite3_column_bytes(st, 2) / 16;
        for (size_t i = 0; i < n; i++) tf_sidset_add(set, (tf_sid){tf_be64_load(b + 16 * i), tf_be64_load(b + 16 * i + 8)});
        if (!strcmp((const char *)sqlite3_column_text(st, 0), consumer) && sqlite3_column_int64(st, 1) > *max_seq)
            *max_seq = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return r < 0 ? err->code : TF_OK;
}

/* add counts to the late-events table */
static int add_late(sqlite3 *db, sqlite3_stmt **st, int64_t job_id, int64_t win_us, const tf_count_entry *e,
                    const char *now, tf_err *err)
{
    if (!*st && tf_sql_prepare(db,
                               "INSERT INTO stream_late_events (job_id, window_start, window_end, key, late_count, last_at) "
                               "VALUES (?1, " TS_SQL("?2") ", " TS_SQL("?2 + ?3") ", ?4, ?5, ?6) "
                               "ON CONFLICT (job_id, window_start, key) DO UPDATE SET "
                               "late_count = late_count + excluded.late_count, last_at = excluded.last_at",
                               st, err))
        return err->code;
    sqlite3_bind_int64(*st, 1, job_id);
    sqlite3_bind_int64(*st, 2, e->window);
    sqlite3_bind_int64(*st, 3, win_us);
    sqlite3_bind_text(*st, 4, e->key, (int)e->klen, SQLITE_STATIC);
    sqlite3_bind_int64(*st, 5, e->count);
    sqlite3_bind_text(*st, 6, now, -1, SQLITE_STATIC);
    return tf_sql_step_done(*st, err);
}

/* copy open windows starting before `before` (INT64_MAX: all) to the result
 * table and stream_windows with the given status */
static int write_windows(sqlite3 *db, const tf_stream_job *job, int64_t before, const char *status, const char *now,
                         int64_t now_us, tf_err *err)
{
    char *sql = tf_xasprintf("INSERT INTO \"%s\" (window_start, window_end, \"%s\", event_count) "
                             "SELECT " TS_SQLF("window_start_us") ", " TS_SQLF("window_start_us + ?2") ", key, event_count "
                             "FROM stream_open WHERE job_id = ?1 AND window_start_us < ?3 "
                             "ON CONFLICT (window_start, \"%s\") DO UPDATE SET event_count = excluded.event_count",
                             job->table, job->key_field, job->key_field);
    int rc = job_exec(db, sql, job->job_id, job->win.window_us, before, err);
    free(sql);
    if (rc) return rc;
    sqlite3_stmt *st;
    if (tf_sql_prepare(db,
                       "INSERT INTO stream_windows (job_id, window_start_us, window_start, window_end, status, keys, events, "
                       "written_at, written_us) "
                       "SELECT ?1, window_start_us, " TS_SQL("window_start_us") ", " TS_SQL("window_start_us + ?2") ", ?4, "
                       "count(*), sum(event_count), ?5, ?6 FROM stream_open WHERE job_id = ?1 AND window_start_us < ?3 "
                       "GROUP BY window_start_us ON CONFLICT (job_id, window_start_us) DO UPDATE SET "
                       "status = excluded.status, keys = excluded.keys, events = excluded.events, "
                       "written_at = excluded.written_at, written_us = excluded.written_us",
                       &st, err))
        return err->code;
    sqlite3_bind_int64(st, 1, job->job_id);
    sqlite3_bind_int64(st, 2, job->win.window_us);
    sqlite3_bind_int64(st, 3, before);
    sqlite3_bind_text(st, 4, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now_us);
    rc = tf_sql_step_done(st, err);
    sqlite3_finalize(st);
    return rc;
}

int tf_stream_checkpoint(tf_store *s, const tf_stream_job *job, const tf_stream_ckpt *c, tf_stream_ckpt_result *res,
                         tf_err *err)
{
    if (tf_store_kind_of(s) != TF_STORE_SQLITE) return pg_missing(err);
    sqlite3 *db = tf_store_sqlite(s);
    sqlite3_stmt *up = NULL, *late = NULL, *st = NULL;
    char now[32];
    fmt_us(c->now_us, now);
    memset(res, 0, sizeof *res);
    if (tf_store_begin(s, err)) return err->code;
    /* with the write lock held: messages read longer ago than a claim takes
     * may belong to another consumer by now; the caller re-reads them */
    if (c->max_age_us > 0 && c->oldest_read_us > 0 && tf_now_us() - c->oldest_read_us > c->max_age_us) {
        tf_store_rollback(s);
        return tf_errf(err, TF_ESTATE, "the uncommitted messages were read %.1f s ago, longer than --claim-idle allows",
                       (double)(tf_now_us() - c->oldest_read_us) / 1e6);
    }

    int64_t fb;
    if (job_int(db, "SELECT final_before_us FROM stream_jobs WHERE job_id = ?", job->job_id, TF_NO_TIME, &fb, err))
        goto fail;
    /* on-time counts; a window another consumer finalized meanwhile makes them late */
    for (size_t i = 0; i < c->counted->e.n; i++) {
        const tf_count_entry *e = &c->counted->e.v[i];
        if (fb != TF_NO_TIME && e->window < fb) {
            if (add_late(db, &late, job->job_id, job->win.window_us, e, now, err)) goto fail;
            res->late_at_commit += e->count;
            continue;
        }
        if (!up && tf_sql_prepare(db,
                                  "INSERT INTO stream_open (job_id, window_start_us, key, event_count) VALUES (?,?,?,?) "
                                  "ON CONFLICT (job_id, window_start_us, key) DO UPDATE SET "
                                  "event_count = event_count + excluded.event_count",
                                  &up, err))
            goto fail;
        sqlite3_bind_int64(up, 1, job->job_id);
        sqlite3_bind_int64(up, 2, e->window);
        sqlite3_bind_text(up, 3, e->key, (int)e->klen, SQLITE_STATIC);
        sqlite3_bind_int64(up, 4, e->count);
        if (tf_sql_step_done(up, err)) goto fail;
    }
    for (size_t i = 0; i < c->late->e.n; i++)
        if (add_late(db, &late, job->job_id, job->win.window_us, &c->late->e.v[i], now, err)) goto fail;
    /* dead letters */
    if (c->ndead) {
        if (tf_sql_prepare(db,
                           "INSERT OR IGNORE INTO stream_dead_letters (job_id, msg_id, consumer, reason, payload, at) "
                           "VALUES (?,?,?,?,?,?)",
                           &st, err))
            goto fail;
        for (size_t i = 0; i < c->ndead; i++) {
            sqlite3_bind_int64(st, 1, job->job_id);
            sqlite3_bind_text(st, 2, c->dead[i].msg_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, c->consumer, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, c->dead[i].reason, -1, SQLITE_STATIC);
            sqlite3_bind_blob(st, 5, c->dead[i].payload, (int)c->dead[i].payload_len, SQLITE_STATIC);
            sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
            if (tf_sql_step_done(st, err)) goto fail;
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    /* the consumer's position, watermark, counters and heartbeat */
    if (tf_sql_prepare(db,
                       "UPDATE stream_consumers SET state = ?3, "
                       "max_event_us = CASE WHEN ?4 IS NULL THEN max_event_us ELSE max(coalesce(max_event_us, ?4), ?4) END, "
                       "last_id = coalesce(?5, last_id), lines = ?6, events = events + ?7, "
                       "late_events = late_events + ?8, bad_messages = bad_messages + ?9, checkpoints = checkpoints + 1, "
                       "heartbeat_at = ?10, heartbeat_us = ?11 WHERE job_id = ?1 AND consumer = ?2",
                       &st, err))
        goto fail;
    sqlite3_bind_int64(st, 1, job->job_id);
    sqlite3_bind_text(st, 2, c->consumer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->stopping ? "stopped" : "running", -1, SQLITE_STATIC);
    if (c->max_event != TF_NO_TIME) sqlite3_bind_int64(st, 4, c->max_event);
    if (c->last_id) sqlite3_bind_text(st, 5, c->last_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, c->lines);
    sqlite3_bind_int64(st, 7, c->events - res->late_at_commit);
    sqlite3_bind_int64(st, 8, c->late_events + res->late_at_commit);
    sqlite3_bind_int64(st, 9, c->bad);
    sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, c->now_us);
    if (tf_sql_step_done(st, err)) goto fail;
    if (sqlite3_changes(db) != 1) {
        tf_errf(err, TF_ESTATE, "consumer %s of table %s is not registered", c->consumer, job->table);
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    /* committed ids that are not acknowledged yet, and those now acknowledged */
    if (c->nids) {
        if (tf_sql_prepare(db, "INSERT INTO stream_inflight (job_id, consumer, seq, ids) VALUES (?,?,?,?)", &st, err))
            goto fail;
        sqlite3_bind_int64(st, 1, job->job_id);
        sqlite3_bind_text(st, 2, c->consumer, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, c->seq);
        sqlite3_bind_blob(st, 4, c->ids, (int)(c->nids * 16), SQLITE_STATIC);
        if (tf_sql_step_done(st, err)) goto fail;
        sqlite3_finalize(st);
        st = NULL;
    }
    if (c->acked_upto > 0 &&
        job_exec_text(db, "DELETE FROM stream_inflight WHERE job_id = ?1 AND seq <= ?2 AND consumer = ?3", job->job_id,
                      c->acked_upto, c->consumer, err))
        goto fail;
    /* the group watermark: the slowest running consumer that is alive; one
     * that has committed no event yet may hold any event, so then nothing is
     * final; `others` says whether anyone but this consumer still runs */
    int64_t minmax = TF_NO_TIME, others, unknown;
    if (tf_sql_prepare(db,
                       "SELECT min(max_event_us), count(*) FILTER (WHERE consumer <> ?3), "
                       "count(*) FILTER (WHERE max_event_us IS NULL) FROM stream_consumers "
                       "WHERE job_id = ?1 AND state = 'running' AND heartbeat_us >= ?2",
                       &st, err))
        goto fail;
    sqlite3_bind_int64(st, 1, job->job_id);
    sqlite3_bind_int64(st, 2, c->now_us - c->consumer_timeout_us);
    sqlite3_bind_text(st, 3, c->consumer, -1, SQLITE_STATIC);
    if (tf_sql_step_row(st, err) != 1) goto fail;
    if (sqlite3_column_type(st, 0) != SQLITE_NULL) minmax = sqlite3_column_int64(st, 0);
    others = sqlite3_column_int64(st, 1);
    unknown = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    st = NULL;
    res->watermark = unknown ? TF_NO_TIME : tf_watermark(&job->win, minmax);
    int64_t nfb = tf_final_before(&job->win, res->watermark);
    if (c->flush && others == 0) {
        int64_t last;
        if (job_int(db, "SELECT max(window_start_us) FROM stream_open WHERE job_id = ?", job->job_id, TF_NO_TIME, &last,
                    err))
            goto fail;
        if (last != TF_NO_TIME && (nfb == TF_NO_TIME || last + job->win.window_us > nfb))
            nfb = last + job->win.window_us;
    }
    if (nfb != TF_NO_TIME && (fb == TF_NO_TIME || nfb > fb)) {
        if (tf_sql_prepare(db,
                           "SELECT count(DISTINCT window_start_us) FROM stream_open WHERE job_id = ?1 AND window_start_us < ?2",
                           &st, err))
            goto fail;
        sqlite3_bind_int64(st, 1, job->job_id);
        sqlite3_bind_int64(st, 2, nfb);
        if (tf_sql_step_row(st, err) != 1) goto fail;
        res->windows_final = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        st = NULL;
        if (write_windows(db, job, nfb, "final", now, c->now_us, err)) goto fail;
        if (job_exec(db, "DELETE FROM stream_open WHERE job_id = ?1 AND window_start_us < ?2", job->job_id, nfb, 0, err))
            goto fail;
        if (job_exec(db, "UPDATE stream_jobs SET final_before_us = ?2 WHERE job_id = ?1", job->job_id, nfb, 0, err))
            goto fail;
        fb = nfb;
    }
    res->final_before = fb;
    if (c->early && write_windows(db, job, INT64_MAX, "early", now, c->now_us, err)) goto fail;
    sqlite3_finalize(up);
    sqlite3_finalize(late);
    return tf_store_commit(s, err);
fail:
    sqlite3_finalize(up);
    sqlite3_finalize(late);
    sqlite3_finalize(st);
    tf_store_rollback(s);
    return err->code;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? tf_xstrdup((const char *)t) : NULL;
}

int tf_stream_status(tf_store *s, const char *table, int64_t now_us, int64_t consumer_timeout_us,
                     tf_stream_status_vec *out, tf_err *err)
{
    if (tf_store_kind_of(s) != TF_STORE_SQLITE) return pg_missing(err);
    sqlite3 *db = tf_store_sqlite(s);
    sqlite3_stmt *st;
    if (tf_sql_prepare(db,
                       "SELECT j.job_id, j.result_table, j.source, j.group_name, j.final_before_us, j.window_us, "
                       "j.lateness_us, j.ooo_us, "
                       "(SELECT count(*) FROM stream_windows w WHERE w.job_id = j.job_id AND w.status = 'final'), "
                       "(SELECT count(*) FROM stream_windows w WHERE w.job_id = j.job_id AND w.status = 'early'), "
                       "(SELECT count(*) FROM stream_open o WHERE o.job_id = j.job_id), "
                       "(SELECT coalesce(sum(events), 0) FROM stream_consumers c WHERE c.job_id = j.job_id), "
                       "(SELECT coalesce(sum(late_count), 0) FROM stream_late_events l WHERE l.job_id = j.job_id), "
                       "(SELECT coalesce(sum(bad_messages), 0) FROM stream_consumers c WHERE c.job_id = j.job_id), "
                       "(SELECT count(*) FROM stream_consumers c WHERE c.job_id = j.job_id AND c.state = 'running' "
                       "  AND c.heartbeat_us >= ?2), "
                       "(SELECT min(max_event_us) FROM stream_consumers c WHERE c.job_id = j.job_id "
                       "  AND c.state = 'running' AND c.heartbeat_us >= ?2), "
                       "(SELECT last_id FROM stream_consumers c WHERE c.job_id = j.job_id AND last_id IS NOT NULL "
                       "  ORDER BY heartbeat_us DESC LIMIT 1) "
                       "FROM stream_jobs j WHERE ?1 IS NULL OR j.result_table = ?1 ORDER BY j.job_id",
                       &st, err))
        return err->code;
    if (table) sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_us - consumer_timeout_us);
    int r;
    while ((r = tf_sql_step_row(st, err)) == 1) {
        tf_stream_status_row row = {0};
        row.job_id = sqlite3_column_int64(st, 0);
        row.table = col_dup(st, 1);
        row.source = col_dup(st, 2);
        row.group = col_dup(st, 3);
        row.final_before = sqlite3_column_type(st, 4) == SQLITE_NULL ? TF_NO_TIME : sqlite3_column_int64(st, 4);
        row.window_us = sqlite3_column_int64(st, 5);
        row.lateness_us = sqlite3_column_int64(st, 6);
        int64_t ooo = sqlite3_column_int64(st, 7);
        row.final_windows = sqlite3_column_int64(st, 8);
        row.early_windows = sqlite3_column_int64(st, 9);
        row.open_keys = sqlite3_column_int64(st, 10);
        row.events = sqlite3_column_int64(st, 11);
        row.late = sqlite3_column_int64(st, 12);
        row.bad = sqlite3_column_int64(st, 13);
        row.consumers_running = sqlite3_column_int64(st, 14);
        row.watermark = sqlite3_column_type(st, 15) == SQLITE_NULL ? TF_NO_TIME : sqlite3_column_int64(st, 15) - ooo;
        row.last_id = col_dup(st, 16);
        char *q = tf_xasprintf("SELECT count(*) FROM \"%s\"", row.table);
        int rc = tf_sql_int(db, q, 0, &row.result_rows, err);
        free(q);
        tf_vec_push(out, row);
        if (rc) {
            sqlite3_finalize(st);
            return rc;
        }
    }
    sqlite3_finalize(st);
    return r < 0 ? err->code : TF_OK;
}

void tf_stream_status_free(tf_stream_status_vec *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->v[i].table);
        free(v->v[i].source);
        free(v->v[i].group);
        free(v->v[i].last_id);
    }
    tf_vec_free(v);
}
