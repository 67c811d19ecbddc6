/* lake_int.h — internals shared by the lake's files (lake.c, lake_write.c,
 * lake_keys.c).  Not a public interface. */
#ifndef TF_LAKE_INT_H
#define TF_LAKE_INT_H

#include <pthread.h>

#include "tripflow/lake.h"
#include "tripflow/mem.h"

struct tf_lake {
    tf_store *store;
    char *root; /* absolute */
};

#define TF_LAKE_KEY_BITS 6
#define TF_LAKE_KEY_BUCKETS (1 << TF_LAKE_KEY_BITS)

/* ---- key index files: keys grouped by their top 6 bits ----
 * "TFKEYS1\0", uint64 count, uint64 start[65] (index of the first key of each
 * bucket, start[64] = count), then count x {uint64 hi, uint64 lo}. */
typedef struct keyfile {
    int fd;
    char *path;
    uint64_t start[TF_LAKE_KEY_BUCKETS + 1];
} keyfile;

/* Write keys (already grouped by bucket: top bits ascending) to path;
 * sync 0: only start the writeback (the caller fsyncs the file later). */
int keyfile_write(const char *path, const tf_key128 *keys, int64_t n, int sync, tf_err *err);
int keyfile_open(const char *path, keyfile *kf, tf_err *err);
void keyfile_close(keyfile *kf);
/* the keys of one bucket into buf (resized); *n their number */
int keyfile_bucket(const keyfile *kf, int bucket, tf_buf *buf, int64_t *n, tf_err *err);
/* Rebuild a key file from a lake Parquet file's trip_key column. */
int keyfile_rebuild(const char *parquet, const char *path, tf_err *err);
/* Group keys by their top bits (stable counting sort) into out. */
void keys_group(const tf_key128 *in, tf_key128 *out, int64_t n);

/* the key file path of a lake file (relative path "trips/...parquet") */
char *lake_key_path(const char *root, const char *rel);

/* ---- runs in progress ----
 * A run's staging directory holds ".owner", which the run's process keeps
 * locked (flock) from its start until its files are in place; a lock that
 * can be taken means the process is gone. */
int lake_owner_lock(const char *staging, tf_err *err); /* the fd holding the lock */
int lake_owner_alive(const char *staging);
/* Where a catalogued file is now: in place, or still in its run's staging
 * (committed, not yet moved); kind: "trips" for the Parquet file, "keys" for
 * its key index.  Heap string; the in-place path when neither exists. */
char *lake_locate(const tf_lake *l, const char *rel, int64_t run_id, const char *kind);

/* "YYYY-MM" of a month index (months since 1970-01) */
void lake_month_text(int32_t month, char out[8]);

#endif
