/* fmap.h — a flat open-addressing hash map of fixed-size entries whose first
 * ksize bytes are the key (compared bytewise, so zero key padding).  Each
 * slot keeps the hash beside the entry, so a probe touches one cache line.
 * Used for aggregation tables and interning on hot paths. */
#ifndef TF_FMAP_H
#define TF_FMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct tf_fmap {
    unsigned char *slots; /* cap slots of stride bytes: uint64 hash (0 = empty), pad, entry */
    size_t cap, n, esize, ksize, stride;
} tf_fmap;

void tf_fmap_init(tf_fmap *m, size_t esize, size_t ksize, size_t expect);
void tf_fmap_free(tf_fmap *m);
/* The entry for key, added zeroed (with the key copied) when absent. */
void *tf_fmap_upsert(tf_fmap *m, const void *key, uint64_t hash, int *added);
void *tf_fmap_find(const tf_fmap *m, const void *key, uint64_t hash);
/* Start loading the slot a key with this hash probes first (for callers
 * that work in batches: prefetch a batch, then upsert it). */
static inline void tf_fmap_prefetch(const tf_fmap *m, uint64_t hash)
{
    __builtin_prefetch(m->slots + ((hash | (UINT64_C(1) << 63)) & (m->cap - 1)) * m->stride, 1);
}
/* Iterate: for (size_t i = 0; (e = tf_fmap_next(m, &i));) */
void *tf_fmap_next(const tf_fmap *m, size_t *i);

#endif
