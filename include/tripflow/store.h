/* store.h — the SQL store: one handle over SQLite (the embedded default) or,
 * later, PostgreSQL.  This header owns the connection, transactions and the
 * versioned schema; each domain (runs, trips, lake, stream) declares its own
 * operations in its own header and dispatches on tf_store_kind inside its
 * module, so nothing above a domain interface knows which backend runs.
 *
 * A store is used from one thread at a time. */
#ifndef TF_STORE_H
#define TF_STORE_H

#include "tripflow/err.h"

typedef struct tf_store tf_store;
typedef struct sqlite3 sqlite3;
typedef struct tf_sql_cache tf_sql_cache;

typedef enum tf_store_kind { TF_STORE_SQLITE = 1, TF_STORE_POSTGRES = 2 } tf_store_kind;

/* uri: a file path (SQLite), "sqlite:PATH", or "postgres://..." (not yet
 * supported: a clear error).  Creates the database and applies pending
 * migrations. */
int tf_store_open(const char *uri, tf_store **out, tf_err *err);
void tf_store_close(tf_store *s);
tf_store_kind tf_store_kind_of(const tf_store *s);
/* the database file path (SQLite) */
const char *tf_store_path(const tf_store *s);

/* One write transaction at a time (SQLite: BEGIN IMMEDIATE, waits for the lock). */
int tf_store_begin(tf_store *s, tf_err *err);
int tf_store_commit(tf_store *s, tf_err *err);
/* Commit a transaction that wrote a lot; the copy of its pages from the log
 * into the database (SQLite's checkpoint) runs on a thread of its own while
 * the caller goes on, and the next begin or close waits for it. */
int tf_store_commit_bulk(tf_store *s, tf_err *err);
/* Within a transaction: write the pages it changed so far (SQLite: to the
 * WAL), so that the commit has less left to write.  Best effort. */
void tf_store_spill(tf_store *s);
void tf_store_rollback(tf_store *s);
int tf_store_in_tx(const tf_store *s);

/* backend handle for the domain modules' SQLite implementations */
sqlite3 *tf_store_sqlite(tf_store *s);
/* its statements kept prepared (sqlutil.h) */
tf_sql_cache *tf_store_sql_cache(tf_store *s);


#endif
