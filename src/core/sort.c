/* sort.c — LSD radix sort of key/value pairs, 11-bit digits (see sort.h). */
#include "tripflow/sort.h"

#include <string.h>

#define BITS 11
#define RADIX (1 << BITS)

void tf_sort_kv64(tf_kv64 *v, tf_kv64 *tmp, size_t n) { tf_sort_kv64_from(v, tmp, n, 0); }

void tf_sort_kv64_from(tf_kv64 *v, tf_kv64 *tmp, size_t n, int from_bit)
{
    if (n < 2 || from_bit >= 64) return;
    uint64_t and_all = ~UINT64_C(0), or_all = 0;
    for (size_t i = 0; i < n; i++) {
        and_all &= v[i].key;
        or_all |= v[i].key;
    }
    uint64_t varying = (and_all ^ or_all) >> from_bit << from_bit;
    if (!varying) return;
    tf_kv64 *src = v, *dst = tmp;
    static __thread size_t count[RADIX];
    /* digits from the lowest bit that varies: the fewest passes */
    for (int shift = __builtin_ctzll(varying); shift < 64; shift += BITS) {
        if (!((varying >> shift) & (RADIX - 1))) continue; /* every key has the same digit */
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++) count[(src[i].key >> shift) & (RADIX - 1)]++;
        size_t sum = 0;
        for (int d = 0; d < RADIX; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) dst[count[(src[i].key >> shift) & (RADIX - 1)]++] = src[i];
        tf_kv64 *t = src;
        src = dst;
        dst = t;
    }
    if (src != v) memcpy(v, src, n * sizeof *v);
}
