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
 * SQL text: compiling a 1024-row INSERT takes about 2 ms, and a run that
 * inserts in many steps should pay that once.  The owner of the connection
 * frees the cache before closing it. */
typedef struct tf_sql_cache tf_sql_cache;
tf_sql_cache *tf_sql_cache_new(sqlite3 *db);
void tf_sql_cache_free(tf_sql_cache *c);
/* The statement for sql, prepared on first use; owned by the cache (the
 * caller resets it after use and never finalizes it). */
int tf_sql_cached(tf_sql_cache *c, const char *sql, sqlite3_stmt **st, tf_err *err);
/* Insert n rows with multi-row statements of TF_SQL_ROWS_PER_STMT rows (the
 * rest in statements of 32 rows, then of one), kept in the cache: head is
 * "INSERT INTO t(a, b)", tail what follows the VALUES list (e.g. an ON
 * CONFLICT clause, or "").  bind(st, base, i, ud) binds row i's ncols
 * values at parameters base+1...; values bound SQLITE_STATIC must stay put
 * until row i + TF_SQL_ROWS_PER_STMT is bound (a ring of that many rows). */
/* 1024 rows: 10 % less time per row than 256 (100k trip groups); with at
 * most 31 columns the parameters stay under SQLite's 32766 */
#define TF_SQL_ROWS_PER_STMT 1024
int tf_sql_insert_rows(tf_sql_cache *c, const char *head, int ncols, const char *tail, size_t n,
                       void (*bind)(sqlite3_stmt *st, int base, size_t i, void *ud), void *ud, tf_err *err);
/* single integer result of a query, or the default when no row */
int tf_sql_int(sqlite3 *db, const char *sql, int64_t dflt, int64_t *out, tf_err *err);

#endif
