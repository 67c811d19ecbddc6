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

/* ---- the row feed: a table-valued function over the caller's rows ----
 * tf_rows(feed) yields n rows of columns c0..c{TF_SQL_FEED_COLS-1}; feed is
 * a pointer bound with sqlite3_bind_pointer, and each value comes from the
 * caller's column callback.  One compact statement per table inserts any
 * number of rows: nothing is bound per row, and the program does not grow
 * with the rows (as a VALUES list does). */
#define TF_SQL_FEED_COLS 32
#define FEED_PTR "tripflow_rows"

typedef struct row_feed {
    size_t n;
    void (*col)(sqlite3_context *ctx, int c, size_t i, void *ud);
    void *ud;
} row_feed;

typedef struct feed_cursor {
    sqlite3_vtab_cursor base;
    const row_feed *f;
    size_t i;
} feed_cursor;

static int feed_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **msg)
{
    (void)aux, (void)argc, (void)argv, (void)msg;
    tf_buf b = {0};
    tf_buf_puts(&b, "CREATE TABLE x(");
    for (int k = 0; k < TF_SQL_FEED_COLS; k++) tf_buf_printf(&b, "c%d, ", k);
    tf_buf_puts(&b, "feed HIDDEN)");
    int rc = sqlite3_declare_vtab(db, tf_buf_cstr(&b));
    tf_buf_free(&b);
    if (rc != SQLITE_OK) return rc;
    *out = sqlite3_malloc(sizeof **out);
    if (!*out) return SQLITE_NOMEM;
    memset(*out, 0, sizeof **out);
    return SQLITE_OK;
}

static int feed_disconnect(sqlite3_vtab *v)
{
    sqlite3_free(v);
    return SQLITE_OK;
}

/* only with feed = ?: the rows come from nowhere else */
static int feed_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
    (void)v;
    for (int i = 0; i < info->nConstraint; i++)
        if (info->aConstraint[i].iColumn == TF_SQL_FEED_COLS && info->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_EQ) {
            if (!info->aConstraint[i].usable) return SQLITE_CONSTRAINT;
            info->aConstraintUsage[i].argvIndex = 1;
            info->aConstraintUsage[i].omit = 1;
            info->estimatedCost = 1;
            return SQLITE_OK;
        }
    return SQLITE_CONSTRAINT;
}

static int feed_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
    (void)v;
    feed_cursor *c = sqlite3_malloc(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int feed_close(sqlite3_vtab_cursor *c)
{
    sqlite3_free(c);
    return SQLITE_OK;
}

static int feed_filter(sqlite3_vtab_cursor *vc, int idx, const char *idx_str, int argc, sqlite3_value **argv)
{
    (void)idx, (void)idx_str;
    feed_cursor *c = (feed_cursor *)vc;
    c->f = argc ? sqlite3_value_pointer(argv[0], FEED_PTR) : NULL;
    c->i = 0;
    return SQLITE_OK;
}

static int feed_next(sqlite3_vtab_cursor *vc)
{
    ((feed_cursor *)vc)->i++;
    return SQLITE_OK;
}

static int feed_eof(sqlite3_vtab_cursor *vc)
{
    const feed_cursor *c = (const feed_cursor *)vc;
    return !c->f || c->i >= c->f->n;
}

static int feed_column(sqlite3_vtab_cursor *vc, sqlite3_context *ctx, int col)
{
    const feed_cursor *c = (const feed_cursor *)vc;
    if (col < TF_SQL_FEED_COLS) c->f->col(ctx, col, c->i, c->f->ud);
    return SQLITE_OK;
}

static int feed_rowid(sqlite3_vtab_cursor *vc, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)((const feed_cursor *)vc)->i;
    return SQLITE_OK;
}

static const sqlite3_module feed_module = {
    .xConnect = feed_connect,
    .xBestIndex = feed_best_index,
    .xDisconnect = feed_disconnect,
    .xOpen = feed_open,
    .xClose = feed_close,
    .xFilter = feed_filter,
    .xNext = feed_next,
    .xEof = feed_eof,
    .xColumn = feed_column,
    .xRowid = feed_rowid,
};

struct tf_sql_cache {
    sqlite3 *db;
    TF_VEC(struct cached { char *sql; sqlite3_stmt *st; }) stmts;
};

tf_sql_cache *tf_sql_cache_new(sqlite3 *db)
{
    tf_sql_cache *c = tf_xcalloc(1, sizeof *c);
    c->db = db;
    /* eponymous-only (no xCreate): tf_rows exists on this connection, never
     * in the database's schema; a failure shows when a statement uses it */
    sqlite3_create_module_v2(db, "tf_rows", &feed_module, NULL, NULL);
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

int tf_sql_insert_rows(tf_sql_cache *c, const char *head, int ncols, const char *tail, size_t n,
                       void (*col)(sqlite3_context *ctx, int c, size_t i, void *ud), void *ud, tf_err *err)
{
    if (ncols < 1 || ncols > TF_SQL_FEED_COLS)
        return tf_errf(err, TF_EINVAL, "insert of %d columns (1 to %d)", ncols, TF_SQL_FEED_COLS);
    if (!n) return TF_OK;
    /* the WHERE also keeps SQLite from reading the tail's ON CONFLICT as a join's ON */
    tf_buf b = {0};
    tf_buf_puts(&b, head);
    tf_buf_puts(&b, " SELECT ");
    for (int k = 0; k < ncols; k++) tf_buf_printf(&b, k ? ", c%d" : "c%d", k);
    tf_buf_printf(&b, " FROM tf_rows WHERE feed = ?1 %s", tail);
    sqlite3_stmt *st;
    int rc = tf_sql_cached(c, tf_buf_cstr(&b), &st, err);
    tf_buf_free(&b);
    if (rc) return rc;
    row_feed f = {n, col, ud};
    sqlite3_bind_pointer(st, 1, &f, FEED_PTR, NULL);
    rc = tf_sql_step_done(st, err);
    /* no pointer to the caller's rows outlives the call */
    sqlite3_clear_bindings(st);
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
