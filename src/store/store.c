/* store.c — opening the SQL store, transactions and schema migrations
 * (see store.h).  Migrations are the embedded files
 * src/store/sqlite/migrations/NNN_name.sql, applied in name order, each in
 * its own transaction, and recorded in schema_migrations. */
#include "tripflow/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/embed.h"
#include "tripflow/mem.h"
#include "tripflow/sqlutil.h"
#include "tripflow/timeutil.h"

#define MIGRATIONS_DIR "src/store/sqlite/migrations/"
#define WAL_AUTOCHECKPOINT 1000 /* pages: SQLite's default */

struct tf_store {
    tf_store_kind kind;
    sqlite3 *db;
    tf_sql_cache *cache; /* statements kept prepared (the row-feed INSERTs) */
    char *path;
    int in_tx;
    pthread_t ckpt;  /* the background checkpoint of tf_store_commit_bulk */
    int ckpt_running;
};

static int migrate(tf_store *s, tf_err *err)
{
    if (tf_sql_exec(s->db,
                    "CREATE TABLE IF NOT EXISTS schema_migrations("
                    " name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
                    err))
        return err->code;
    for (int i = 0; tf_embedded_name(i); i++) {
        const char *path = tf_embedded_name(i);
        if (strncmp(path, MIGRATIONS_DIR, strlen(MIGRATIONS_DIR))) continue;
        const char *name = path + strlen(MIGRATIONS_DIR);
        sqlite3_stmt *st;
        if (tf_sql_prepare(s->db, "SELECT 1 FROM schema_migrations WHERE name = ?", &st, err)) return err->code;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        int have = tf_sql_step_row(st, err);
        sqlite3_finalize(st);
        if (have < 0) return err->code;
        if (have) continue;
        if (tf_store_begin(s, err)) return err->code;
        /* another process may have applied it while we waited for the lock */
        if (tf_sql_prepare(s->db, "SELECT 1 FROM schema_migrations WHERE name = ?", &st, err)) goto fail;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        have = tf_sql_step_row(st, err);
        sqlite3_finalize(st);
        if (have < 0) goto fail;
        if (have) {
            tf_store_rollback(s);
            continue;
        }
        if (tf_sql_exec(s->db, tf_embedded(path), err)) {
            tf_err_prefix(err, "migration %s: ", name);
            goto fail;
        }
        char now[32];
        tf_format_timestamp(tf_now_us(), TF_TS_AUTO, now);
        if (tf_sql_prepare(s->db, "INSERT INTO schema_migrations(name, applied_at) VALUES (?, ?)", &st, err))
            goto fail;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        int rc = tf_sql_step_done(st, err);
        sqlite3_finalize(st);
        if (rc) goto fail;
        if (tf_store_commit(s, err)) return err->code;
    }
    return TF_OK;
fail:
    tf_store_rollback(s);
    return err->code;
}

/* WAL is a property of the file, set once.  Switching needs the database
 * to itself, and SQLite does not wait for that: a process opening the same
 * new database at the same moment gets "database is locked", so retry for
 * as long as the busy timeout would wait. */
static int set_wal(tf_store *s, tf_err *err)
{
    for (int attempt = 0;; attempt++) {
        sqlite3_stmt *st;
        if (tf_sql_prepare(s->db, "PRAGMA journal_mode=WAL", &st, err)) {
            if (sqlite3_errcode(s->db) != SQLITE_BUSY || attempt >= 1200) return err->code;
        } else {
            int rc = sqlite3_step(st);
            const unsigned char *mode = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
            int wal = mode && !strcmp((const char *)mode, "wal");
            sqlite3_finalize(st);
            if (wal) return TF_OK;
            if ((rc != SQLITE_BUSY && rc != SQLITE_ROW) || attempt >= 1200)
                return tf_errf(err, TF_ESTORE, "cannot switch to WAL: %s", sqlite3_errmsg(s->db));
        }
        sqlite3_sleep(50);
    }
}

int tf_store_open(const char *uri, tf_store **out, tf_err *err)
{
    *out = NULL;
    if (!uri || !*uri) return tf_errf(err, TF_EINVAL, "no database given (--db PATH or TRIPFLOW_DB)");
    if (!strncmp(uri, "postgres://", 11) || !strncmp(uri, "postgresql://", 13))
        return tf_errf(err, TF_EUNSUPPORTED,
                       "%s: the PostgreSQL store is not built yet; use a SQLite file path", uri);
    const char *path = !strncmp(uri, "sqlite:", 7) ? uri + 7 : uri;
    tf_store *s = tf_xcalloc(1, sizeof *s);
    s->kind = TF_STORE_SQLITE;
    s->path = tf_xstrdup(path);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        tf_errf(err, TF_ESTORE, "%s: cannot open database: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 60000);
    s->cache = tf_sql_cache_new(s->db);
    /* WAL: readers (reports, `runs --follow`) never block the writer; a killed
     * process loses nothing committed.  NORMAL syncs at checkpoints. */
    /* a 64 MiB page cache: a run's commit writes its aggregates in key order,
     * and pages it touches should stay in memory rather than be re-read from
     * the WAL.  16 KiB pages for a new file: a bulk commit writes and
     * checkpoints a quarter of the pages (an existing file keeps its size) */
    if (tf_sql_exec(s->db,
                    "PRAGMA page_size=16384; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; "
                    "PRAGMA temp_store=MEMORY;",
                    err) ||
        set_wal(s, err)) {
        tf_err_prefix(err, "%s: ", path);
        goto fail;
    }
    if (migrate(s, err)) {
        tf_err_prefix(err, "%s: ", path);
        goto fail;
    }
    *out = s;
    return TF_OK;
fail:
    tf_store_close(s);
    return err->code;
}

/* A checkpoint of the WAL on a connection of its own.  Failing is harmless:
 * the commit is in the WAL, and the next checkpoint (at the latest the one
 * at close) copies it. */
static void *ckpt_thread(void *ud)
{
    tf_store *s = ud;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
        /* a read first: a connection finds the database in WAL mode (and
         * opens the log) only when it reads */
        sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
        /* TRUNCATE also empties the log (freeing its blocks is slow), so
         * that the close has little left; without a busy handler it does
         * what PASSIVE does when a reader is in the way */
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    }
    sqlite3_close(db);
    return NULL;
}

static void ckpt_wait(tf_store *s)
{
    if (!s->ckpt_running) return;
    pthread_join(s->ckpt, NULL);
    s->ckpt_running = 0;
}

void tf_store_close(tf_store *s)
{
    if (!s) return;
    ckpt_wait(s);
    if (s->in_tx) tf_store_rollback(s);
    tf_sql_cache_free(s->cache);
    sqlite3_close(s->db);
    free(s->path);
    free(s);
}

tf_store_kind tf_store_kind_of(const tf_store *s) { return s->kind; }
const char *tf_store_path(const tf_store *s) { return s->path; }
sqlite3 *tf_store_sqlite(tf_store *s) { return s->db; }
tf_sql_cache *tf_store_sql_cache(tf_store *s) { return s->cache; }
int tf_store_in_tx(const tf_store *s) { return s->in_tx; }

int tf_store_begin(tf_store *s, tf_err *err)
{
    if (s->in_tx) return tf_errf(err, TF_ESTATE, "internal: nested transaction");
    ckpt_wait(s);
    if (tf_sql_exec(s->db, "BEGIN IMMEDIATE", err)) return tf_err_prefix(err, "%s: begin: ", s->path);
    s->in_tx = 1;
    return TF_OK;
}

int tf_store_commit(tf_store *s, tf_err *err)
{
    if (!s->in_tx) return tf_errf(err, TF_ESTATE, "internal: commit without a transaction");
    if (tf_sql_exec(s->db, "COMMIT", err)) {
        tf_err_prefix(err, "%s: commit: ", s->path);
        tf_store_rollback(s);
        return err->code;
    }
    s->in_tx = 0;
    return TF_OK;
}

int tf_store_commit_bulk(tf_store *s, tf_err *err)
{
    /* no automatic checkpoint inside COMMIT: it would copy every page the
     * transaction wrote a second time before returning */
    sqlite3_wal_autocheckpoint(s->db, 0);
    int rc = tf_store_commit(s, err);
    sqlite3_wal_autocheckpoint(s->db, WAL_AUTOCHECKPOINT);
    if (!rc && pthread_create(&s->ckpt, NULL, ckpt_thread, s) == 0) s->ckpt_running = 1;
    return rc;
}

void tf_store_spill(tf_store *s)
{
    if (s->in_tx) sqlite3_db_cacheflush(s->db);
}

void tf_store_rollback(tf_store *s)
{
    if (!s->in_tx) return;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = 0;
}
