/* sort.h — stable radix sort of (64-bit key, 64-bit value) pairs, for
 * ordering millions of rows by a computed key (spatial order of lake files). */
#ifndef TF_SORT_H
#define TF_SORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct tf_kv64 {
    uint64_t key, val;
} tf_kv64;

/* Sort v[0..n) by key, stable; tmp has room for n pairs.  Digits that every
 * key shares are skipped, so keys with a common prefix sort in few passes. */
void tf_sort_kv64(tf_kv64 *v, tf_kv64 *tmp, size_t n);
/* The same, by the key's bits from `from_bit` up only: pairs whose keys
 * differ only below it keep their order (fewer passes when the low bits
 * carry no useful order). */
void tf_sort_kv64_from(tf_kv64 *v, tf_kv64 *tmp, size_t n, int from_bit);

#endif
