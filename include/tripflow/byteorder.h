/* byteorder.h — big-endian 64-bit loads and stores, for bytes that other
 * programs read in a fixed order: the trip key in Parquet and the stream
 * ids kept in the store.  Inline: the lake converts every trip key. */
#ifndef TF_BYTEORDER_H
#define TF_BYTEORDER_H

#include <stdint.h>
#include <string.h>

static inline uint64_t tf_be64_load(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline void tf_be64_store(uint64_t v, uint8_t *p)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, 8);
}

#endif
