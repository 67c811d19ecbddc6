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

struct tf_sql_cache {
    sqlite3 *db;
    TF_VEC(struct cached { char *sql; sqlite3_stmt *st; }) stmts;
};

tf_sql_cache *tf_sql_cache_new(sqlite3 *db)
{
    tf_sql_cache *c = tf_xcalloc(1, sizeof *c);
    c->db = db;
    return c;
}

void tf_sql_cache_free(tf_sql_cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->stmts.n; i++) {
        sqlite3_finalize(c->stmts.v[i].st);
        free(c->stmts.v[i].sql);
    }
    tf_vec_free(&c->stmts);
    free(c);
}

int tf_sql_cached(tf_sql_cache *c, const char *sql, sqlite3_stmt **st, tf_err *err)
{
    for (size_t i = 0; i < c->stmts.n; i++)
        if (!strcmp(c->stmts.v[i].sql, sql)) {
            *st = c->stmts.v[i].st;
            return TF_OK;
        }
    if (tf_sql_prepare(c->db, sql, st, err)) return err->code;
    struct cached e = {tf_xstrdup(sql), *st};
    tf_vec_push(&c->stmts, e);
    return TF_OK;
}

static int rows_stmt(tf_sql_cache *c, const char *head, int ncols, const char *tail, size_t rows, sqlite3_stmt **st,
                     tf_err *err)
{
    tf_buf b = {0};
    tf_buf_puts(&b, head);
    tf_buf_puts(&b, " VALUES ");
    for (size_t r = 0; r < rows; r++) {
        tf_buf_puts(&b, r ? ",(" : "(");
        for (int k = 0; k < ncols; k++) tf_buf_puts(&b, k ? ",?" : "?");
        tf_buf_putc(&b, ')');
    }
    tf_buf_putc(&b, ' ');
    tf_buf_puts(&b, tail);
    int rc = tf_sql_cached(c, tf_buf_cstr(&b), st, err);
    tf_buf_free(&b);
    return rc;
}

int tf_sql_insert_rows(tf_sql_cache *c, const char *head, int ncols, const char *tail, size_t n,
                       void (*bind)(sqlite3_stmt *, int, size_t, void *), void *ud, tf_err *err)
{
    /* statement overhead is paid per statement, not per row, and each size
     * is compiled once per connection */
    static const size_t sizes[] = {TF_SQL_ROWS_PER_STMT, 32, 1};
    size_t i = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t m = sizes[k];
        if (n - i < m) continue;
        sqlite3_stmt *st;
        if (rows_stmt(c, head, ncols, tail, m, &st, err)) return err->code;
        int rc = TF_OK;
        for (; i + m <= n && !rc; i += m) {
            for (size_t r = 0; r < m; r++) bind(st, (int)r * ncols, i + r, ud);
            rc = tf_sql_step_done(st, err);
        }
        /* no pointer to the caller's values outlives the call */
        sqlite3_clear_bindings(st);
        if (rc) return rc;
    }
    return TF_OK;
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
