/* hash.c — thin wrappers over libxxhash's XXH3 (see hash.h). */
#include "tripflow/hash.h"

#include <stdlib.h>
#include <xxhash.h>

tf_key128 tf_hash128(const void *p, size_t n)
{
    XXH128_hash_t h = XXH3_128bits(p, n);
    return (tf_key128){h.low64, h.high64};
}

tf_key128 tf_hash128_pieces(const void *p, size_t n, size_t piece, void (*after)(const void *, size_t, void *),
                            void *ud)
{
    XXH3_state_t *st = XXH3_createState();
    if (!st) abort();
    XXH3_128bits_reset(st);
    for (size_t at = 0; at < n; at += piece) {
        size_t len = n - at < piece ? n - at : piece;
        XXH3_128bits_update(st, (const char *)p + at, len);
        if (after) after((const char *)p + at, len, ud);
    }
    XXH128_hash_t h = XXH3_128bits_digest(st);
    XXH3_freeState(st);
    return (tf_key128){h.low64, h.high64};
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

void tf_key_bytes(tf_key128 k, uint8_t out[16])
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(k.hi >> (56 - 8 * i));
        out[8 + i] = (uint8_t)(k.lo >> (56 - 8 * i));
    }
}

tf_key128 tf_key_from_bytes(const uint8_t in[16])
{
    tf_key128 k = {0, 0};
    for (int i = 0; i < 8; i++) {
        k.hi = (k.hi << 8) | in[i];
        k.lo = (k.lo << 8) | in[8 + i];
    }
    return k;
}
