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
/* A file's content hash: the XXH3-128 of the concatenated XXH3-128 hashes
 * (16 bytes each, big-endian) of its 16 MiB pieces, so that the pieces can
 * be hashed on `threads` threads.  after(piece, len, ud), when not NULL, runs
 * once a piece is hashed, on the thread that hashed it (a mapped file lets
 * the piece's pages go). */
#define TF_CONTENT_PIECE ((size_t)16 << 20)
tf_key128 tf_content_hash(const void *p, size_t n, int threads, void (*after)(const void *, size_t, void *),
                          void *ud);
uint64_t tf_hash64(const void *p, size_t n);
static inline int tf_key_eq(tf_key128 a, tf_key128 b) { return a.hi == b.hi && a.lo == b.lo; }
/* 32 lowercase hex digits, big-endian (hi first) + NUL */
void tf_key_hex(tf_key128 k, char out[33]);
/* the 16 bytes big-endian, as stored in FIXED_LEN_BYTE_ARRAY(16) */
void tf_key_bytes(tf_key128 k, uint8_t out[16]);
tf_key128 tf_key_from_bytes(const uint8_t in[16]);


#endif
