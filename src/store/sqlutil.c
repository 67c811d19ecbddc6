/* sqlutil.c — SQLite helpers in the tf_err convention and named queries from
 * embedded .sql files (see sqlutil.h). */
#include "tripflow/sqlutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/embed.h"
#include "tripflow/mem.h"

int tf_sql_err(sqlite3 *db, tf_err *err, const char *what)
{
    return tf_errf(err, TF_ESTORE, "%s: %s", what, sqlite3_errmsg(db));
}

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
