/* hash.c — thin wrappers over libxxhash's XXH3 (see hash.h). */
#include "tripflow/hash.h"

#include <stdlib.h>
#include <xxhash.h>

tf_key128 tf_hash128(const void *p, size_t n)
{
    XXH128_hash_t h = XXH3_128bits(p, n);
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

int tf_key_from_hex(const char *s, tf_key128 *out)
{
    uint64_t w[2] = {0, 0};
    for (int i = 0; i < 32; i++) {
        int c = s[i], v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else return 0;
        w[i / 16] = (w[i / 16] << 4) | (uint64_t)v;
    }
    if (s[32]) return 0;
    out->hi = w[0];
    out->lo = w[1];
    return 1;
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

/* tf_hasher is an opaque name for XXH3_state_t */
tf_hasher *tf_hasher_new(void)
{
    XXH3_state_t *st = XXH3_createState();
    if (!st) abort(); /* out of memory, as in mem.h */
    XXH3_128bits_reset(st);
    return (tf_hasher *)st;
}

void tf_hasher_update(tf_hasher *h, const void *p, size_t n) { XXH3_128bits_update((XXH3_state_t *)h, p, n); }

tf_key128 tf_hasher_digest(tf_hasher *h)
{
    XXH128_hash_t d = XXH3_128bits_digest((XXH3_state_t *)h);
    return (tf_key128){d.low64, d.high64};
}

void tf_hasher_free(tf_hasher *h) { XXH3_freeState((XXH3_state_t *)h); }
