/* codec.c — page compression: ZSTD (libzstd, contexts reused per reader or
 * writer), SNAPPY (libsnappy's C API), GZIP (zlib; a page may hold several
 * gzip members), LZ4_RAW (liblz4; reading also the deprecated LZ4 codec, with
 * or without Hadoop's framing) and UNCOMPRESSED. */
#include <limits.h>
#include <lz4.h>
#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "pq_internal.h"

void pq_codec_free(pq_codec_ctx *c)
{
    if (c->zc) ZSTD_freeCCtx(c->zc);
    if (c->zd) ZSTD_freeDCtx(c->zd);
    c->zc = c->zd = NULL;
}

static int gunzip(const uint8_t *in, size_t n, uint8_t *out, size_t want, tf_err *err)
{
    if (n > UINT_MAX || want > UINT_MAX) return tf_errf(err, TF_EFORMAT, "GZIP page larger than 4 GiB");
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) return tf_errf(err, TF_EFORMAT, "GZIP: inflateInit failed");
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)want;
    int rc = TF_OK;
    for (;;) {
        int zr = inflate(&z, Z_FINISH);
        if (zr == Z_STREAM_END) {
            /* another member may follow (concatenated gzip members) */
            while (z.avail_in > 0 && *z.next_in == 0) z.next_in++, z.avail_in--; /* padding */
            if (z.avail_in == 0) break;
            if (inflateReset(&z) != Z_OK) {
                rc = tf_errf(err, TF_EFORMAT, "GZIP: inflateReset failed");
                break;
            }
            continue;
        }
        if (zr == Z_BUF_ERROR && z.avail_out == 0) {
            rc = tf_errf(err, TF_EFORMAT, "GZIP page inflates to more than the %zu bytes announced", want);
        } else {
            rc = tf_errf(err, TF_EFORMAT, "GZIP data is corrupt (%s)", z.msg ? z.msg : "truncated");
        }
        break;
    }
    /* total_out restarts with every member: count what the output buffer took */
    if (rc == TF_OK && z.avail_out != 0)
        rc = tf_errf(err, TF_EFORMAT, "GZIP page inflates to %zu bytes, header says %zu", want - z.avail_out, want);
    inflateEnd(&z);
    return rc;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* the deprecated LZ4 codec: Hadoop frames (BE u32 raw size, BE u32 block
 * size, block)..., or else one raw block */
static int lz4_hadoop(const uint8_t *in, size_t n, uint8_t *out, size_t want)
{
    size_t got = 0;
    while (n >= 8) {
        uint32_t raw = be32(in), blk = be32(in + 4);
        if (blk > n - 8 || raw > want - got) return 0;
        int r = LZ4_decompress_safe((const char *)in + 8, (char *)out + got, (int)blk, (int)raw);
        if (r < 0 || (uint32_t)r != raw) return 0;
        got += raw;
        in += 8 + blk;
        n -= 8 + blk;
    }
    return n == 0 && got == want;
}

int pq_decompress(pq_codec_ctx *c, int codec, const uint8_t *in, size_t n, uint8_t *out, size_t want, tf_err *err)
{
    switch (codec) {
    case TF_PQ_UNCOMPRESSED:
        if (n != want) return tf_errf(err, TF_EFORMAT, "uncompressed page of %zu bytes, header says %zu", n, want);
        if (n) memcpy(out, in, n);
        return TF_OK;
    case TF_PQ_SNAPPY: {
        size_t len;
        if (snappy_uncompressed_length((const char *)in, n, &len) != SNAPPY_OK)
            return tf_errf(err, TF_EFORMAT, "SNAPPY data is corrupt (bad length preamble)");
        if (len != want)
            return tf_errf(err, TF_EFORMAT, "SNAPPY page expands to %zu bytes, header says %zu", len, want);
        if (snappy_uncompress((const char *)in, n, (char *)out, &len) != SNAPPY_OK || len != want)
            return tf_errf(err, TF_EFORMAT, "SNAPPY data is corrupt");
        return TF_OK;
    }
    case TF_PQ_GZIP: return gunzip(in, n, out, want, err);
    case TF_PQ_ZSTD: {
        if (!c->zd) c->zd = ZSTD_createDCtx();
        if (!c->zd) return tf_errf(err, TF_EFORMAT, "ZSTD: cannot create a context");
        size_t r = ZSTD_decompressDCtx(c->zd, out, want, in, n);
        if (ZSTD_isError(r)) return tf_errf(err, TF_EFORMAT, "ZSTD data is corrupt (%s)", ZSTD_getErrorName(r));
        if (r != want) return tf_errf(err, TF_EFORMAT, "ZSTD page expands to %zu bytes, header says %zu", r, want);
        return TF_OK;
    }
    case 5: /* LZ4 (deprecated) */
    case TF_PQ_LZ4_RAW: {
        if (n > INT_MAX || want > INT_MAX) return tf_errf(err, TF_EFORMAT, "LZ4 page larger than 2 GiB");
        if (codec == 5 && lz4_hadoop(in, n, out, want)) return TF_OK;
        int r = LZ4_decompress_safe((const char *)in, (char *)out, (int)n, (int)want);
        if (r < 0) return tf_errf(err, TF_EFORMAT, "%s data is corrupt", pq_codec_name(codec));
        if ((size_t)r != want)
            return tf_errf(err, TF_EFORMAT, "%s page expands to %d bytes, header says %zu", pq_codec_name(codec), r, want);
        return TF_OK;
    }
    default:
        return tf_errf(err, TF_EUNSUPPORTED, "unsupported compression codec %s (%d)", pq_codec_name(codec), codec);
    }
}

int pq_compress(pq_codec_ctx *c, int codec, int level, const uint8_t *in, size_t n, tf_buf *out, tf_err *err)
{
    switch (codec) {
    case TF_PQ_UNCOMPRESSED: tf_buf_append(out, in, n); return TF_OK;
    case TF_PQ_SNAPPY: {
        size_t cap = snappy_max_compressed_length(n);
        tf_buf_reserve(out, cap);
        size_t len = cap;
        if (snappy_compress((const char *)in, n, out->data + out->len, &len) != SNAPPY_OK)
            return tf_errf(err, TF_EIO, "SNAPPY compression failed");
        out->len += len;
        return TF_OK;
    }
    case TF_PQ_GZIP: {
        if (n > UINT_MAX / 2) return tf_errf(err, TF_EINVAL, "GZIP page larger than 2 GiB");
        z_stream z;
        memset(&z, 0, sizeof z);
        if (deflateInit2(&z, level ? level : 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return tf_errf(err, TF_EIO, "GZIP: deflateInit failed");
        size_t cap = deflateBound(&z, (uLong)n);
        tf_buf_reserve(out, cap);
        z.next_in = (Bytef *)in;
        z.avail_in = (uInt)n;
        z.next_out = (Bytef *)out->data + out->len;
        z.avail_out = (uInt)cap;
        int zr = deflate(&z, Z_FINISH);
        size_t len = z.total_out;
        deflateEnd(&z);
        if (zr != Z_STREAM_END) return tf_errf(err, TF_EIO, "GZIP compression failed");
        out->len += len;
        return TF_OK;
    }
    case TF_PQ_ZSTD: {
        if (!c->zc) c->zc = ZSTD_createCCtx();
        size_t cap = ZSTD_compressBound(n);
        tf_buf_reserve(out, cap);
        size_t r = ZSTD_compressCCtx(c->zc, out->data + out->len, cap, in, n, level ? level : 3);
        if (ZSTD_isError(r)) return tf_errf(err, TF_EIO, "ZSTD compression failed: %s", ZSTD_getErrorName(r));
        out->len += r;
        return TF_OK;
    }
    case TF_PQ_LZ4_RAW: {
        if (n > (size_t)LZ4_MAX_INPUT_SIZE) return tf_errf(err, TF_EINVAL, "LZ4 page larger than %d bytes", LZ4_MAX_INPUT_SIZE);
        int cap = LZ4_compressBound((int)n);
        tf_buf_reserve(out, (size_t)cap);
        int r = LZ4_compress_default((const char *)in, out->data + out->len, (int)n, cap);
        if (r <= 0) return tf_errf(err, TF_EIO, "LZ4 compression failed");
        out->len += (size_t)r;
        return TF_OK;
    }
    default: return tf_errf(err, TF_EINVAL, "cannot write codec %s (%d)", pq_codec_name(codec), codec);
    }
}
