/* extgroup.h — group fixed-size records by a byte-string key within a memory
 * budget.  Records are added in input order; tf_xgroup_finish then calls back
 * once per key, keys in ascending byte order (memcmp; a key sorts before the
 * keys it is a prefix of), with that key's records contiguous and in the
 * order they were added.
 *
 * While the records fit the budget they stay in memory (hash table of keys,
 * records in chunks).  When they would not, the records held are sorted by
 * key and written as one run to a spill file, and the table starts over; at
 * the end the runs are merged (several passes when there are more runs than
 * the budget can read at once).  Spill files are created already unlinked in
 * tmp_dir, so nothing is left behind, whatever way the process ends. */
#ifndef TF_EXTGROUP_H
#define TF_EXTGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/err.h"

typedef struct tf_xgroup tf_xgroup;

typedef struct tf_xgroup_stats {
    int64_t records;     /* added */
    int64_t keys;        /* distinct keys delivered by finish */
    int64_t runs;        /* runs spilled; 0 when everything fitted in memory */
    int64_t spill_bytes; /* bytes written to spill files, every pass */
    int merge_passes;    /* intermediate merge passes (before the final one) */
    int64_t peak_bytes;  /* most memory held for records, keys and buffers */
} tf_xgroup_stats;

/* One key's records: n records of rec_size bytes, contiguous, modifiable. */
typedef int (*tf_xgroup_fn)(void *ud, const char *key, size_t klen, void *recs, size_t n, tf_err *err);

/* memory: the budget in bytes (at least 64 KiB is used); tmp_dir: where
 * spill files go */
tf_xgroup *tf_xgroup_new(size_t rec_size, int64_t memory, const char *tmp_dir);
/* Copies the key and the record.  Fails only when a spill fails. */
int tf_xgroup_add(tf_xgroup *g, const char *key, size_t klen, const void *rec, tf_err *err);
/* tf_xgroup_add for n records (record i at recs + i * rec_size), faster on
 * large tables: the probes of the next rows are prefetched. */
int tf_xgroup_add_batch(tf_xgroup *g, const char *const *keys, const uint32_t *klens, const void *recs, size_t n,
                        tf_err *err);
/* Delivers every key once, in order; stops at the first callback error. */
int tf_xgroup_finish(tf_xgroup *g, tf_xgroup_fn fn, void *ud, tf_err *err);
const tf_xgroup_stats *tf_xgroup_get_stats(const tf_xgroup *g);
void tf_xgroup_free(tf_xgroup *g);

#endif
