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
/* The same hash, computed piece by piece: after(piece, len, ud) runs once
 * each piece is hashed (a mapped file lets the piece's pages go). */
tf_key128 tf_hash128_pieces(const void *p, size_t n, size_t piece, void (*after)(const void *, size_t, void *),
                            void *ud);
uint64_t tf_hash64(const void *p, size_t n);
static inline int tf_key_eq(tf_key128 a, tf_key128 b) { return a.hi == b.hi && a.lo == b.lo; }
/* 32 lowercase hex digits, big-endian (hi first) + NUL */
void tf_key_hex(tf_key128 k, char out[33]);
/* the 16 bytes big-endian, as stored in FIXED_LEN_BYTE_ARRAY(16) */
void tf_key_bytes(tf_key128 k, uint8_t out[16]);
tf_key128 tf_key_from_bytes(const uint8_t in[16]);


#endif
