/* hash.h — hashing: XXH3 (libxxhash) for trip identity, file content hashes
 * and hash tables.  Keys are 128-bit; tables use the 64-bit form. */
#ifndef TF_HASH_H
#define TF_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/byteorder.h"

typedef struct tf_key128 {
    uint64_t lo, hi;
} tf_key128;

tf_key128 tf_hash128(const void *p, size_t n);
/* A file's content hash: the XXH3-128 of the concatenated XXH3-128 hashes
 * (16 bytes each, big-endian) of its 8 MiB pieces, so that the pieces can
 * be hashed apart: on `threads` threads, or by whoever reads the piece
 * anyway (ingest's parse threads, one piece per chunk).  after(piece, len,
 * ud), when not NULL, runs once a piece is hashed, on the thread that hashed
 * it (a mapped file lets the piece's pages go). */
#define TF_CONTENT_PIECE ((size_t)8 << 20)
tf_key128 tf_content_hash(const void *p, size_t n, int threads, void (*after)(const void *, size_t, void *),
                          void *ud);
/* the parts: how many pieces n bytes have, piece i's 16 bytes, and the
 * hash of all the pieces' bytes (16 * pieces) */
size_t tf_content_pieces(size_t n);
void tf_content_piece(const void *p, size_t n, size_t i, uint8_t out[16]);
tf_key128 tf_content_combine(const uint8_t *pieces, size_t npieces);
/* A piece's hash fed in steps (a reader that has the bytes in cache anyway):
 * begin, update with the piece's bytes in order, end. */
typedef struct tf_piece_hasher tf_piece_hasher;
tf_piece_hasher *tf_piece_hasher_new(void);
void tf_piece_hasher_free(tf_piece_hasher *h);
void tf_piece_begin(tf_piece_hasher *h);
void tf_piece_update(tf_piece_hasher *h, const void *p, size_t n);
void tf_piece_end(tf_piece_hasher *h, uint8_t out[16]);
uint64_t tf_hash64(const void *p, size_t n);
static inline int tf_key_eq(tf_key128 a, tf_key128 b) { return a.hi == b.hi && a.lo == b.lo; }
/* 32 lowercase hex digits, big-endian (hi first) + NUL */
void tf_key_hex(tf_key128 k, char out[33]);
/* the 16 bytes big-endian, as stored in FIXED_LEN_BYTE_ARRAY(16), and back
 * (inline: the lake's writers and the dedupe convert every key) */
static inline void tf_key_bytes(tf_key128 k, uint8_t out[16])
{
    tf_be64_store(k.hi, out);
    tf_be64_store(k.lo, out + 8);
}
static inline tf_key128 tf_key_from_bytes(const uint8_t in[16])
{
    return (tf_key128){.lo = tf_be64_load(in + 8), .hi = tf_be64_load(in)};
}


#endif
