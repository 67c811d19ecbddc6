/* fmap.c — flat open-addressing hash map with linear probing (see fmap.h). */
#include "tripflow/fmap.h"

#include <stdlib.h>
#include <string.h>

#include "tripflow/mem.h"

#define TOPBIT (UINT64_C(1) << 63)

/* keys are 8-byte multiples in every table we build; compare them inline */
static inline int key_eq(const unsigned char *a, const void *b, size_t k)
{
    if (k % 8) return !memcmp(a, b, k);
    for (size_t i = 0; i < k; i += 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, (const unsigned char *)b + i, 8);
        if (x != y) return 0;
    }
    return 1;
}

/* a slot: the hash, padding to 16 bytes, then the entry (16-byte aligned, so
 * entries may hold __int128) */
#define HDR 16
static inline uint64_t *slot_hash(const tf_fmap *m, size_t j) { return (uint64_t *)(m->slots + j * m->stride); }
static inline unsigned char *slot_entry(const tf_fmap *m, size_t j) { return m->slots + j * m->stride + HDR; }

static void init_cap(tf_fmap *m, size_t esize, size_t ksize, size_t cap)
{
    m->cap = cap;
    m->n = 0;
    m->esize = esize;
    m->ksize = ksize;
    m->stride = HDR + ((esize + 15) & ~(size_t)15);
    m->slots = tf_xcalloc_written(cap, m->stride);
}

void tf_fmap_init(tf_fmap *m, size_t esize, size_t ksize, size_t expect)
{
    size_t cap = 16;
    while (cap < expect * 2) cap *= 2;
    init_cap(m, esize, ksize, cap);
}

void tf_fmap_free(tf_fmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}

static void grow(tf_fmap *m)
{
    tf_fmap bigger;
    init_cap(&bigger, m->esize, m->ksize, m->cap * 2);
    for (size_t i = 0; i < m->cap; i++) {
        uint64_t h = *slot_hash(m, i);
        if (!h) continue;
        size_t j = h & (bigger.cap - 1);
        while (*slot_hash(&bigger, j)) j = (j + 1) & (bigger.cap - 1);
        memcpy(bigger.slots + j * bigger.stride, m->slots + i * m->stride, m->stride);
    }
    bigger.n = m->n;
    tf_fmap_free(m);
    *m = bigger;
}

void *tf_fmap_upsert(tf_fmap *m, const void *key, uint64_t hash, int *added)
{
    if ((m->n + 1) * 4 > m->cap * 3) grow(m);
    hash |= TOPBIT;
    size_t mask = m->cap - 1, j = hash & mask;
    for (;;) {
        uint64_t h = *slot_hash(m, j);
        if (!h) break;
        if (h == hash && key_eq(slot_entry(m, j), key, m->ksize)) {
            if (added) *added = 0;
            return slot_entry(m, j);
        }
        j = (j + 1) & mask;
    }
    *slot_hash(m, j) = hash;
    unsigned char *e = slot_entry(m, j);
    memset(e, 0, m->esize);
    memcpy(e, key, m->ksize);
    m->n++;
    if (added) *added = 1;
    return e;
}

void *tf_fmap_find(const tf_fmap *m, const void *key, uint64_t hash)
{
    if (!m->cap) return NULL;
    hash |= TOPBIT;
    size_t mask = m->cap - 1, j = hash & mask;
    for (;;) {
        uint64_t h = *slot_hash(m, j);
        if (!h) return NULL;
        if (h == hash && key_eq(slot_entry(m, j), key, m->ksize)) return slot_entry(m, j);
        j = (j + 1) & mask;
    }
}

void *tf_fmap_next(const tf_fmap *m, size_t *i)
{
    while (*i < m->cap) {
        size_t j = (*i)++;
        if (*slot_hash(m, j)) return slot_entry(m, j);
    }
    return NULL;
}
