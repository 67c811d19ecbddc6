/* sqlutil.c — SQLite helpers in the tf_err convention and named queries from
 * embedded .sql files (see sqlutil.h). */
#include "tripflow/sqlutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/embed.h"
#include "tripflow/mem.h"

int tf_sql_exec(sqlite3 *db, const char *sql, tf_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        tf_errf(err, TF_ESTORE, "%s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return TF_ESTORE;
    }
    return TF_OK;
}

int tf_sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, tf_err *err)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
        tf_errf(err, TF_ESTORE, "preparing SQL: %s", sqlite3_errmsg(db));
        *st = NULL;
        return TF_ESTORE;
    }
    return TF_OK;
}

int tf_sql_step_done(sqlite3_stmt *st, tf_err *err)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        tf_errf(err, TF_ESTORE, "%s", sqlite3_errmsg(sqlite3_db_handle(st)));
        sqlite3_reset(st);
        return TF_ESTORE;
    }
    sqlite3_reset(st);
    return TF_OK;
}

int tf_sql_step_row(sqlite3_stmt *st, tf_err *err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    tf_errf(err, TF_ESTORE, "%s", sqlite3_errmsg(sqlite3_db_handle(st)));
    return TF_ESTORE;
}

int tf_sql_int(sqlite3 *db, const char *sql, int64_t dflt, int64_t *out, tf_err *err)
{
    sqlite3_stmt *st;
    if (tf_sql_prepare(db, sql, &st, err)) return err->code;
    int r = tf_sql_step_row(st, err);
    *out = r == 1 && sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_int64(st, 0) : dflt;
    sqlite3_finalize(st);
    return r < 0 ? r : TF_OK;
}

static int prepare_rows(sqlite3 *db, const char *head, int ncols, const char *tail, size_t rows, sqlite3_stmt **st,
                        tf_err *err)
{
    tf_buf b = {0};
    tf_buf_puts(&b, head);
    tf_buf_puts(&b, " VALUES ");
    for (size_t r = 0; r < rows; r++) {
        tf_buf_puts(&b, r ? ",(" : "(");
        for (int c = 0; c < ncols; c++) tf_buf_puts(&b, c ? ",?" : "?");
        tf_buf_putc(&b, ')');
    }
    tf_buf_putc(&b, ' ');
    tf_buf_puts(&b, tail);
    int rc = tf_sql_prepare(db, tf_buf_cstr(&b), st, err);
    tf_buf_free(&b);
    return rc;
}

int tf_sql_insert_rows(sqlite3 *db, const char *head, int ncols, const char *tail, size_t n,
                       void (*bind)(sqlite3_stmt *, int, size_t, void *), void *ud, tf_err *err)
{
    /* one statement per 64 rows: parsing, binding and statement overhead
     * are paid per batch, not per row */
    enum { BATCH = TF_SQL_ROWS_PER_STMT };
    sqlite3_stmt *full = NULL, *part = NULL;
    size_t i = 0;
    int rc = TF_OK;
    if (n >= BATCH && (rc = prepare_rows(db, head, ncols, tail, BATCH, &full, err))) return rc;
    for (; i + BATCH <= n; i += BATCH) {
        for (size_t r = 0; r < BATCH; r++) bind(full, (int)r * ncols, i + r, ud);
        if ((rc = tf_sql_step_done(full, err))) goto out;
    }
    if (i < n) {
        if ((rc = prepare_rows(db, head, ncols, tail, n - i, &part, err))) goto out;
        for (size_t r = 0; i + r < n; r++) bind(part, (int)r * ncols, i + r, ud);
        rc = tf_sql_step_done(part, err);
    }
out:
    sqlite3_finalize(full);
    sqlite3_finalize(part);
    return rc;
}

/* named blocks: cached per (file, name) for the life of the process */
typedef struct named {
    char *file, *name, *sql;
    struct named *next;
} named;
static named *cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void free_cache(void)
{
    while (cache) {
        named *n = cache->next;
        free(cache->file);
        free(cache->name);
        free(cache->sql);
        free(cache);
        cache = n;
    }
}

const char *tf_sql_named(const char *file, const char *name)
{
    pthread_mutex_lock(&cache_lock);
    for (named *n = cache; n; n = n->next)
        if (!strcmp(n->file, file) && !strcmp(n->name, name)) {
            pthread_mutex_unlock(&cache_lock);
            return n->sql;
        }
    const char *text = tf_embedded(file);
    const char *sql = NULL;
    if (text) {
        size_t nl = strlen(name);
        const char *p = text;
        while ((p = strstr(p, "-- name: ")) != NULL) {
            p += 9;
            if (!strncmp(p, name, nl) && (p[nl] == '\n' || p[nl] == ' ' || p[nl] == '\r')) {
                const char *body = strchr(p, '\n');
                body = body ? body + 1 : p + strlen(p);
                const char *end = strstr(body, "-- name: ");
                size_t len = end ? (size_t)(end - body) : strlen(body);
                named *n = tf_xcalloc(1, sizeof *n);
                n->file = tf_xstrdup(file);
                n->name = tf_xstrdup(name);
                n->sql = tf_xstrndup(body, len);
                if (!cache) atexit(free_cache);
                n->next = cache;
                cache = n;
                sql = n->sql;
                break;
            }
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return sql;
}
