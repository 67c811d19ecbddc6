/* sid.c — Redis stream message ids ("MS-SEQ") and a set of them (see
 * stream.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "tripflow/hash.h"
#include "tripflow/stream.h"

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (!n || n > 20) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9 || v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

int tf_sid_parse(const char *s, size_t n, tf_sid *out)
{
    const char *dash = memchr(s, '-', n);
    if (!dash) return 0;
    return parse_u64(s, (size_t)(dash - s), &out->ms) && parse_u64(dash + 1, n - (size_t)(dash - s) - 1, &out->seq);
}

int tf_sid_format(tf_sid id, char out[48])
{
    return snprintf(out, 48, "%" PRIu64 "-%" PRIu64, id.ms, id.seq);
}

static size_t slot_of(tf_sid id, size_t cap)
{
    uint64_t k[2] = {id.ms, id.seq};
    return tf_hash64(k, sizeof k) & (cap - 1);
}

static void put(tf_sid *v, size_t cap, tf_sid id)
{
    size_t j = slot_of(id, cap);
    while (v[j].ms != UINT64_MAX) {
        if (v[j].ms == id.ms && v[j].seq == id.seq) return;
        j = (j + 1) & (cap - 1);
    }
    v[j] = id;
}

void tf_sidset_add(tf_sidset *s, tf_sid id)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        tf_sid *nv = tf_xmalloc(nc * sizeof *nv);
        for (size_t i = 0; i < nc; i++) nv[i].ms = UINT64_MAX;
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i].ms != UINT64_MAX) put(nv, nc, s->v[i]);
        free(s->v);
        s->v = nv;
        s->cap = nc;
    }
    if (!tf_sidset_has(s, id)) {
        put(s->v, s->cap, id);
        s->n++;
    }
}

int tf_sidset_has(const tf_sidset *s, tf_sid id)
{
    if (!s->cap) return 0;
    size_t j = slot_of(id, s->cap);
    while (s->v[j].ms != UINT64_MAX) {
        if (s->v[j].ms == id.ms && s->v[j].seq == id.seq) return 1;
        j = (j + 1) & (s->cap - 1);
    }
    return 0;
}

void tf_sidset_free(tf_sidset *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}
