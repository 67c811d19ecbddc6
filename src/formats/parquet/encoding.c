/* encoding.c — the bit-level encodings: RLE/bit-packing hybrid (levels,
 * dictionary indices, RLE booleans) in both directions, bit unpacking,
 * DELTA_BINARY_PACKED decoding and PLAIN boolean packing.  Every read is
 * bounded by the bytes given. */
#include <stdlib.h>
#include <string.h>

#include "pq_internal.h"

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

/* Unpack n values of width w (w <= 32) from in (avail bytes, which must hold
 * ceil(n*w/8)); 8-byte loads while they stay inside, a padded copy after. */
static void unpack32(const uint8_t *in, size_t avail, int w, uint32_t *out, int64_t n)
{
    if (w == 0) {
        memset(out, 0, (size_t)n * sizeof *out);
        return;
    }
    const uint64_t mask = w == 32 ? 0xffffffffu : ((UINT64_C(1) << w) - 1);
    int64_t i = 0;
    uint64_t bit = 0;
    /* fast part: the 8-byte load at bit>>3 stays inside avail */
    int64_t safe = avail >= 8 ? (int64_t)(((avail - 8) * 8) / (uint64_t)w) : 0;
    if (safe > n) safe = n;
    switch (w) {
    case 1:
        for (; i + 8 <= safe; i += 8) {
            uint8_t b = in[i >> 3];
            for (int k = 0; k < 8; k++) out[i + k] = (b >> k) & 1;
        }
        bit = (uint64_t)i;
        break;
    case 8:
        for (; i < safe; i++) out[i] = in[i];
        bit = (uint64_t)i * 8;
        break;
    case 16:
        for (; i < safe; i++) out[i] = (uint32_t)in[2 * i] | ((uint32_t)in[2 * i + 1] << 8);
        bit = (uint64_t)i * 16;
        break;
    default:
        for (; i < safe; i++, bit += (uint64_t)w) out[i] = (uint32_t)((load64(in + (bit >> 3)) >> (bit & 7)) & mask);
    }
    if (i < n) {
        uint8_t tmp[48];
        size_t from = bit >> 3;
        size_t left = avail - from;
        for (; i < n; i++, bit += (uint64_t)w) {
            size_t at = (bit >> 3) - from;
            memset(tmp, 0, 16);
            size_t take = left > at ? left - at : 0;
            if (take > 16) take = 16;
            memcpy(tmp, in + from + at, take);
            out[i] = (uint32_t)((load64(tmp) >> (bit & 7)) & mask);
        }
    }
}

/* the same for widths up to 64 */
static void unpack64(const uint8_t *in, size_t avail, int w, uint64_t *out, int64_t n)
{
    if (w == 0) {
        memset(out, 0, (size_t)n * sizeof *out);
        return;
    }
    const uint64_t mask = w == 64 ? ~UINT64_C(0) : ((UINT64_C(1) << w) - 1);
    uint8_t tmp[24];
    for (int64_t i = 0; i < n; i++) {
        uint64_t bit = (uint64_t)i * (uint64_t)w;
        size_t at = bit >> 3;
        unsigned sh = bit & 7;
        memset(tmp, 0, sizeof tmp);
        size_t take = avail > at ? avail - at : 0;
        if (take > 9) take = 9;
        memcpy(tmp, in + at, take);
        uint64_t x = load64(tmp) >> sh;
        if (sh && sh + (unsigned)w > 64) x |= (uint64_t)tmp[8] << (64 - sh);
        out[i] = x & mask;
    }
}

static int uvarint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p >= end) return -1;
        uint8_t c = *p++;
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *pp = p;
            *v = x;
            return 0;
        }
    }
    return -1;
}

#define RLE_DECODE(NAME, T)                                                                                   \
    int NAME(const uint8_t *p, size_t n, int bw, T *out, int64_t count, tf_err *err)                          \
    {                                                                                                         \
        if (bw < 0 || bw > 32) return tf_errf(err, TF_EFORMAT, "bad bit width %d", bw);                       \
        if (bw == 0) {                                                                                        \
            memset(out, 0, (size_t)count * sizeof(T));                                                        \
            return TF_OK;                                                                                     \
        }                                                                                                     \
        const uint8_t *end = p + n;                                                                           \
        int64_t got = 0;                                                                                      \
        uint32_t tmp[512];                                                                                    \
        int vbytes = (bw + 7) / 8;                                                                            \
        uint32_t maxv = bw == 32 ? 0xffffffffu : ((1u << bw) - 1);                                            \
        while (got < count) {                                                                                 \
            uint64_t h;                                                                                       \
            if (uvarint(&p, end, &h))                                                                         \
                return tf_errf(err, TF_EFORMAT, "RLE data ends after %lld of %lld values", (long long)got,    \
                               (long long)count);                                                             \
            if (h & 1) {                                                                                      \
                uint64_t groups = h >> 1;                                                                     \
                size_t left = (size_t)(end - p);                                                              \
                uint64_t bytes = groups * (uint64_t)bw;                                                       \
                int64_t nv;                                                                                   \
                if (groups > ((uint64_t)1 << 40) || bytes > left) {                                           \
                    bytes = left;                                                                             \
                    nv = (int64_t)(bytes * 8 / (uint64_t)bw);                                                 \
                } else {                                                                                      \
                    nv = (int64_t)groups * 8;                                                                 \
                }                                                                                             \
                if (nv == 0 && h >> 1)                                                                        \
                    return tf_errf(err, TF_EFORMAT, "RLE bit-packed run is truncated after %lld of %lld values", \
                                   (long long)got, (long long)count);                                         \
                int64_t take = nv < count - got ? nv : count - got;                                           \
                int64_t done = 0;                                                                             \
                while (done < take) {                                                                         \
                    int64_t k = take - done < 512 ? take - done : 512;                                        \
                    size_t off = (size_t)(done * bw / 8);                                                     \
                    unpack32(p + off, bytes - off, bw, tmp, k);                                               \
                    for (int64_t j = 0; j < k; j++) out[got + done + j] = (T)tmp[j];                          \
                    done += k;                                                                                \
                }                                                                                             \
                got += take;                                                                                  \
                p += bytes;                                                                                   \
            } else {                                                                                          \
                uint64_t run = h >> 1;                                                                        \
                if (end - p < vbytes)                                                                         \
                    return tf_errf(err, TF_EFORMAT, "RLE run value truncated after %lld of %lld values",      \
                                   (long long)got, (long long)count);                                         \
                uint32_t v = 0;                                                                               \
                for (int k = 0; k < vbytes; k++) v |= (uint32_t)p[k] << (8 * k);                              \
                p += vbytes;                                                                                  \
                if (v > maxv) return tf_errf(err, TF_EFORMAT, "RLE run value %u exceeds bit width %d", v, bw); \
                int64_t take = run < (uint64_t)(count - got) ? (int64_t)run : count - got;                    \
                for (int64_t j = 0; j < take; j++) out[got + j] = (T)v;                                       \
                got += take;                                                                                  \
            }                                                                                                 \
        }                                                                                                     \
        return TF_OK;                                                                                         \
    }

RLE_DECODE(pq_rle_decode_u32, uint32_t)
RLE_DECODE(pq_rle_decode_i16, int16_t)

/* ---- DELTA_BINARY_PACKED ---- */

typedef struct delta_hdr {
    uint64_t block, mini, total;
    int64_t first;
} delta_hdr;

static int delta_header(const uint8_t **p, const uint8_t *end, delta_hdr *h, tf_err *err)
{
    uint64_t z;
    if (uvarint(p, end, &h->block) || uvarint(p, end, &h->mini) || uvarint(p, end, &h->total) || uvarint(p, end, &z))
        return tf_errf(err, TF_EFORMAT, "DELTA_BINARY_PACKED header is truncated");
    h->first = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
    if (h->block == 0 || h->block % 128 || h->block > (1u << 20) || h->mini == 0 || h->block % h->mini ||
        (h->block / h->mini) % 32)
        return tf_errf(err, TF_EFORMAT, "DELTA_BINARY_PACKED header has bad block size %llu / %llu miniblocks",
                       (unsigned long long)h->block, (unsigned long long)h->mini);
    return TF_OK;
}

int pq_delta_count(const uint8_t *p, size_t n, int64_t *count, tf_err *err)
{
    delta_hdr h;
    if (delta_header(&p, p + n, &h, err)) return TF_EFORMAT;
    if (h.total > INT64_MAX / 2) return tf_errf(err, TF_EFORMAT, "DELTA_BINARY_PACKED count %llu is absurd",
                                                (unsigned long long)h.total);
    *count = (int64_t)h.total;
    return TF_OK;
}

int pq_delta_decode(const uint8_t *p0, size_t n, int64_t *out, int64_t count, size_t *used, tf_err *err)
{
    const uint8_t *p = p0, *end = p0 + n;
    delta_hdr h;
    if (delta_header(&p, end, &h, err)) return TF_EFORMAT;
    /* the header's count is the page's: a larger one only costs time, so bound it */
    if (h.total < (uint64_t)count || h.total - (uint64_t)count > h.block)
        return tf_errf(err, TF_EFORMAT, "DELTA_BINARY_PACKED holds %llu values, %lld expected",
                       (unsigned long long)h.total, (long long)count);
    uint64_t vpm = h.block / h.mini;
    uint64_t got = 0;
    uint64_t prev = (uint64_t)h.first;
    if (h.total > 0) {
        if (count > 0) out[0] = h.first;
        got = 1;
    }
    uint64_t buf[64];
    while (got < h.total) {
        uint64_t z;
        if (uvarint(&p, end, &z))
            return tf_errf(err, TF_EFORMAT, "DELTA_BINARY_PACKED block header truncated after %llu values",
                           (unsigned long long)got);
        uint64_t min_delta = (z >> 1) ^ -(z & 1);
        if ((uint64_t)(end - p) < h.mini) return tf_errf(err, TF_EFORMAT, "DELTA_BINARY_PACKED bit widths truncated");
        const uint8_t *widths = p;
        p += h.mini;
        for (uint64_t m = 0; m < h.mini && got < h.total; m++) {
            int w = widths[m];
            if (w > 64) return tf_errf(err, TF_EFORMAT, "DELTA_BINARY_PACKED miniblock bit width %d > 64", w);
            uint64_t bytes = vpm * (uint64_t)w / 8;
            if ((uint64_t)(end - p) < bytes)
                return tf_errf(err, TF_EFORMAT, "DELTA_BINARY_PACKED miniblock truncated after %llu values",
                               (unsigned long long)got);
            for (uint64_t done = 0; done < vpm && got < h.total; done += 64) {
                uint64_t k = vpm - done < 64 ? vpm - done : 64;
                unpack64(p + done * (uint64_t)w / 8, (size_t)(bytes - done * (uint64_t)w / 8), w, buf, (int64_t)k);
                for (uint64_t j = 0; j < k && got < h.total; j++) {
                    prev = prev + min_delta + buf[j];
                    if (got < (uint64_t)count) out[got] = (int64_t)prev;
                    got++;
                }
            }
            p += bytes;
        }
    }
    *used = (size_t)(p - p0);
    return TF_OK;
}

/* ---- writing ---- */

static void pack_bits(const uint32_t *v, int64_t n, int bw, tf_buf *out)
{
    /* n is a multiple of 8 */
    tf_buf_reserve(out, (size_t)(n * bw / 8) + 8);
    uint8_t *o = (uint8_t *)out->data + out->len;
    uint64_t acc = 0;
    int nb = 0;
    for (int64_t i = 0; i < n; i++) {
        acc |= (uint64_t)v[i] << nb;
        nb += bw;
        while (nb >= 8) {
            *o++ = (uint8_t)acc;
            acc >>= 8;
            nb -= 8;
        }
    }
    out->len = (size_t)((char *)o - out->data);
}

#define RLE_ENCODE(NAME, T)                                                                                   \
    void NAME(const T *v, int64_t n, int bw, tf_buf *out)                                                     \
    {                                                                                                         \
        int vbytes = (bw + 7) / 8;                                                                            \
        uint32_t grp[8];                                                                                      \
        TF_VEC(uint32_t) pend = {0};                                                                          \
        int64_t i = 0;                                                                                        \
        while (i < n) {                                                                                       \
            int64_t j = i + 1;                                                                                \
            while (j < n && v[j] == v[i]) j++;                                                                \
            if (j - i >= 8) {                                                                                 \
                pq_put_uvarint(out, (uint64_t)(j - i) << 1);                                                     \
                uint32_t x = v[i];                                                                            \
                for (int k = 0; k < vbytes; k++) tf_buf_putc(out, (char)(x >> (8 * k)));                      \
                i = j;                                                                                        \
                continue;                                                                                     \
            }                                                                                                 \
            pend.n = 0;                                                                                       \
            for (;;) {                                                                                        \
                for (int k = 0; k < 8; k++) grp[k] = i + k < n ? (uint32_t)v[i + k] : 0;                      \
                for (int k = 0; k < 8; k++) tf_vec_push(&pend, grp[k]);                                       \
                i += 8;                                                                                       \
                if (i >= n) break;                                                                            \
                int64_t r = i + 1;                                                                            \
                while (r < n && r - i < 8 && v[r] == v[i]) r++;                                               \
                if (r - i >= 8) break;                                                                        \
            }                                                                                                 \
            pq_put_uvarint(out, ((uint64_t)(pend.n / 8) << 1) | 1);                                              \
            pack_bits(pend.v, (int64_t)pend.n, bw, out);                                                      \
        }                                                                                                     \
        tf_vec_free(&pend);                                                                                   \
    }

RLE_ENCODE(pq_rle_encode_u32, uint32_t)
RLE_ENCODE(pq_rle_encode_u8, uint8_t)

void pq_plain_bools(const uint8_t *v, int64_t n, tf_buf *out)
{
    size_t nb = (size_t)(n + 7) / 8;
    tf_buf_reserve(out, nb);
    uint8_t *o = (uint8_t *)out->data + out->len;
    memset(o, 0, nb);
    for (int64_t i = 0; i < n; i++)
        if (v[i]) o[i >> 3] |= (uint8_t)(1u << (i & 7));
    out->len += nb;
}
