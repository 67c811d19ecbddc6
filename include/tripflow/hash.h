/* hash.h — hashing: XXH3 (libxxhash) for trip identity, file content hashes
 * and hash tables.  Keys are 128-bit; tables use the 64-bit form. */
#ifndef TF_HASH_H
#define TF_HASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct tf_key128 {
    uint64_t lo, hi;
} tf_key128;

tf_key128 tf_hash128(const void *p, size_t n);
uint64_t tf_hash64(const void *p, size_t n);
static inline int tf_key_cmp(tf_key128 a, tf_key128 b)
{
    if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo) return a.lo < b.lo ? -1 : 1;
    return 0;
}
static inline int tf_key_eq(tf_key128 a, tf_key128 b) { return a.hi == b.hi && a.lo == b.lo; }
/* 32 lowercase hex digits, big-endian (hi first) + NUL */
void tf_key_hex(tf_key128 k, char out[33]);
int tf_key_from_hex(const char *s, tf_key128 *out);
/* the 16 bytes big-endian, as stored in FIXED_LEN_BYTE_ARRAY(16) */
void tf_key_bytes(tf_key128 k, uint8_t out[16]);
tf_key128 tf_key_from_bytes(const uint8_t in[16]);

/* Streaming 128-bit content hash of a file or stream. */
typedef struct tf_hasher tf_hasher;
tf_hasher *tf_hasher_new(void);
void tf_hasher_update(tf_hasher *h, const void *p, size_t n);
tf_key128 tf_hasher_digest(tf_hasher *h);
void tf_hasher_free(tf_hasher *h);

#endif
