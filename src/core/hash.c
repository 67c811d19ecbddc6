/* hash.c — thin wrappers over libxxhash's XXH3 (see hash.h). */
#include "tripflow/hash.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "tripflow/mem.h"

tf_key128 tf_hash128(const void *p, size_t n)
{
    XXH128_hash_t h = XXH3_128bits(p, n);
    return (tf_key128){h.low64, h.high64};
}

typedef struct content_job {
    const char *p;
    size_t n, pieces;
    unsigned char *out; /* 16 bytes per piece */
    atomic_size_t next;
    void (*after)(const void *, size_t, void *);
    void *ud;
} content_job;

size_t tf_content_pieces(size_t n) { return (n + TF_CONTENT_PIECE - 1) / TF_CONTENT_PIECE; }

void tf_content_piece(const void *p, size_t n, size_t i, uint8_t out[16])
{
    size_t at = i * TF_CONTENT_PIECE, len = n - at < TF_CONTENT_PIECE ? n - at : TF_CONTENT_PIECE;
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits((const char *)p + at, len));
    memcpy(out, c.digest, 16);
}

tf_key128 tf_content_combine(const uint8_t *pieces, size_t npieces) { return tf_hash128(pieces, 16 * npieces); }

struct tf_piece_hasher {
    XXH3_state_t *st;
};

tf_piece_hasher *tf_piece_hasher_new(void)
{
    tf_piece_hasher *h = tf_xcalloc(1, sizeof *h);
    h->st = XXH3_createState();
    if (!h->st) tf_oom(1024); /* about the size of the state */
    return h;
}

void tf_piece_hasher_free(tf_piece_hasher *h)
{
    if (!h) return;
    XXH3_freeState(h->st);
    free(h);
}

void tf_piece_begin(tf_piece_hasher *h) { XXH3_128bits_reset(h->st); }
void tf_piece_update(tf_piece_hasher *h, const void *p, size_t n) { XXH3_128bits_update(h->st, p, n); }

void tf_piece_end(tf_piece_hasher *h, uint8_t out[16])
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(h->st));
    memcpy(out, c.digest, 16);
}

static void *hash_pieces(void *arg)
{
    content_job *j = arg;
    for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->pieces;) {
        tf_content_piece(j->p, j->n, i, j->out + 16 * i);
        size_t at = i * TF_CONTENT_PIECE;
        if (j->after) j->after(j->p + at, j->n - at < TF_CONTENT_PIECE ? j->n - at : TF_CONTENT_PIECE, j->ud);
    }
    return NULL;
}

tf_key128 tf_content_hash(const void *p, size_t n, int threads, void (*after)(const void *, size_t, void *), void *ud)
{
    content_job j = {.p = p, .n = n, .pieces = tf_content_pieces(n), .after = after, .ud = ud};
    j.out = tf_xmalloc(16 * j.pieces + 1);
    atomic_init(&j.next, 0);
    if (threads > (int)j.pieces) threads = (int)j.pieces;
    if (threads > 64) threads = 64;
    pthread_t tids[64];
    int started = 0;
    for (int t = 1; t < threads; t++)
        if (!pthread_create(&tids[started], NULL, hash_pieces, &j)) started++;
    hash_pieces(&j);
    for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
    tf_key128 k = tf_content_combine(j.out, j.pieces);
    free(j.out);
    return k;
}

uint64_t tf_hash64(const void *p, size_t n) { return XXH3_64bits(p, n); }

void tf_key_hex(tf_key128 k, char out[33])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        uint64_t w = i < 8 ? k.hi : k.lo;
        int sh = (7 - i % 8) * 8;
        unsigned b = (unsigned)(w >> sh) & 0xff;
        out[2 * i] = hx[b >> 4];
        out[2 * i + 1] = hx[b & 15];
    }
    out[32] = '\0';
}
