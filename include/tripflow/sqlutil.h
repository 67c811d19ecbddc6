/* sqlutil.h — SQLite helpers shared by the SQLite side of every store domain:
 * exec, prepare and step with errors in the tf_err convention, and named
 * queries taken from embedded .sql files ("-- name: NAME" blocks). */
#ifndef TF_SQLUTIL_H
#define TF_SQLUTIL_H

#include <sqlite3.h>
#include <stdint.h>

#include "tripflow/err.h"

int tf_sql_exec(sqlite3 *db, const char *sql, tf_err *err);
int tf_sql_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, tf_err *err);
/* step expecting SQLITE_DONE; resets the statement */
int tf_sql_step_done(sqlite3_stmt *st, tf_err *err);
/* step expecting a row (1) or done (0); negative on error */
int tf_sql_step_row(sqlite3_stmt *st, tf_err *err);
/* The SQL of block NAME in an embedded .sql file (path as in the source tree),
 * or NULL.  The returned string is owned by a process-wide cache. */
const char *tf_sql_named(const char *file, const char *name);
/* Statements kept prepared for the life of a connection and found by their
 * SQL text, so a run that inserts in many steps compiles each once; the
 * cache also puts the row feed (tf_sql_insert_rows) on the connection.  The
 * owner of the connection frees the cache before closing it. */
typedef struct tf_sql_cache tf_sql_cache;
tf_sql_cache *tf_sql_cache_new(sqlite3 *db);
void tf_sql_cache_free(tf_sql_cache *c);
/* The statement for sql, prepared on first use; owned by the cache (the
 * caller resets it after use and never finalizes it). */
int tf_sql_cached(tf_sql_cache *c, const char *sql, sqlite3_stmt **st, tf_err *err);
/* Insert n rows from the caller's memory with one statement (kept in the
 * cache): head is "INSERT INTO t(a, b)", tail what follows the rows (e.g.
 * an ON CONFLICT clause, or "").  col(ctx, c, i, ud) gives column c of row
 * i with sqlite3_result_*(ctx, ...) (text SQLITE_TRANSIENT unless it stays
 * put until the call returns).  At most 32 columns. */
int tf_sql_insert_rows(tf_sql_cache *c, const char *head, int ncols, const char *tail, size_t n,
                       void (*col)(sqlite3_context *ctx, int c, size_t i, void *ud), void *ud, tf_err *err);
/* single integer result of a query, or the default when no row */
int tf_sql_int(sqlite3 *db, const char *sql, int64_t dflt, int64_t *out, tf_err *err);

#endif
