/* window.c — window frontier arithmetic and the count map per
 * (window start, key) that a checkpoint accumulates (see stream.h). */
#include <stdlib.h>

#include "tripflow/hash.h"
#include "tripflow/stream.h"
#include "tripflow/timeutil.h"

int64_t tf_final_before(const tf_window_conf *w, int64_t watermark)
{
    if (watermark == TF_NO_TIME) return TF_NO_TIME;
    /* window [s, s+W) is final when s + W + L <= wm, so s <= wm - L - W:
     * every start below floor((wm - L) / W) * W qualifies */
    return tf_floordiv(watermark - w->lateness_us, w->window_us) * w->window_us;
}

void tf_counts_init(tf_counts *m)
{
    memset(m, 0, sizeof *m);
    tf_arena_init(&m->arena, 64 * 1024);
}

static uint64_t entry_hash(int64_t window, const char *key, size_t klen)
{
    return tf_hash64(key, klen) ^ ((uint64_t)window * UINT64_C(0x9E3779B97F4A7C15));
}

static void rehash(tf_counts *m, size_t nslots)
{
    free(m->slots);
    m->slots = tf_xcalloc(nslots, sizeof *m->slots);
    m->nslots = nslots;
    for (size_t i = 0; i < m->e.n; i++) {
        size_t j = m->e.v[i].hash & (nslots - 1);
        while (m->slots[j]) j = (j + 1) & (nslots - 1);
        m->slots[j] = (uint32_t)(i + 1);
    }
}

void tf_counts_add(tf_counts *m, int64_t window, const char *key, size_t klen, int64_t n)
{
    if ((m->e.n + 1) * 2 > m->nslots) rehash(m, m->nslots ? m->nslots * 2 : 1024);
    uint64_t h = entry_hash(window, key, klen);
    size_t j = h & (m->nslots - 1);
    m->total += n;
    while (m->slots[j]) {
        tf_count_entry *e = &m->e.v[m->slots[j] - 1];
        if (e->hash == h && e->window == window && e->klen == klen && !memcmp(e->key, key, klen)) {
            e->count += n;
            return;
        }
        j = (j + 1) & (m->nslots - 1);
    }
    tf_count_entry ne = {window, n, tf_arena_strndup(&m->arena, key, klen), klen, h};
    tf_vec_push(&m->e, ne);
    m->slots[j] = (uint32_t)m->e.n;
}

void tf_counts_clear(tf_counts *m)
{
    m->e.n = 0;
    m->total = 0;
    if (m->slots) memset(m->slots, 0, m->nslots * sizeof *m->slots);
    tf_arena_reset(&m->arena);
}

void tf_counts_free(tf_counts *m)
{
    tf_vec_free(&m->e);
    free(m->slots);
    tf_arena_free(&m->arena);
    memset(m, 0, sizeof *m);
}
