/* decode.c — decoding one column chunk: page headers, decompression,
 * repetition/definition levels (v1 and v2 pages) and values in every
 * encoding tripflow reads (PLAIN, dictionary, RLE booleans, the three DELTA
 * encodings, BYTE_STREAM_SPLIT) into the typed arrays of a tf_pq_batch.
 * Hot loops are memcpy (PLAIN) and gathers over unpacked indexes. */
#include <stdlib.h>
#include <string.h>

#include "pq_reader.h"

int pq_value_width(const tf_pq_node *leaf)
{
    switch (leaf->physical) {
    case TF_PQ_BOOLEAN: return 1;
    case TF_PQ_INT32:
    case TF_PQ_FLOAT: return 4;
    case TF_PQ_INT64:
    case TF_PQ_DOUBLE:
    case TF_PQ_INT96: return 8;
    case TF_PQ_FIXED: return leaf->type_length;
    default: return 0;
    }
}

static uint8_t *page_buf(struct tf_pq_scratch *s, size_t n, int keep)
{
    size_t slot = keep ? s->pages_used++ : 0;
    if (slot >= s->npages) {
        s->pages = pq_grow(s->pages, &s->pages_cap, slot + 1, sizeof *s->pages);
        while (s->npages <= slot) s->pages[s->npages++] = (pq_pagebuf){0};
    }
    pq_pagebuf *pb = &s->pages[slot];
    if (pb->cap < n + 8) {
        free(pb->p);
        pb->cap = n + 8 + n / 4;
        pb->p = tf_xmalloc(pb->cap);
    }
    return pb->p;
}

/* the page's bytes after decompression: pointer into the file when stored
 * uncompressed, else a scratch buffer */
static int page_bytes(const tf_pq_file *f, struct tf_pq_scratch *s, int codec, const uint8_t *in, size_t n,
                      size_t want, int keep, const uint8_t **out, tf_err *err)
{
    if (codec == TF_PQ_UNCOMPRESSED) {
        if (n != want) return tf_errf(err, TF_EFORMAT, "uncompressed page of %zu bytes, header says %zu", n, want);
        *out = in;
        return TF_OK;
    }
    if ((int64_t)want > f->opts.max_page_size)
        return tf_errf(err, TF_ELIMIT, "page of %zu bytes exceeds the limit of %lld", want,
                       (long long)f->opts.max_page_size);
    uint8_t *buf = page_buf(s, want, keep);
    if (pq_decompress(&s->codec, codec, in, n, buf, want, err)) return err->code;
    *out = buf;
    return TF_OK;
}

static inline uint32_t le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static int64_t int96_micros(const uint8_t *p)
{
    uint64_t nanos;
    memcpy(&nanos, p, 8);
    int32_t julian = (int32_t)le32(p + 8);
    uint64_t days = (uint64_t)((int64_t)julian - 2440588);
    return (int64_t)(days * UINT64_C(86400000000) + (uint64_t)((int64_t)nanos / 1000));
}

static int plain_strings(const uint8_t *p, size_t n, int64_t count, tf_pq_str *dst, size_t *used, tf_err *err)
{
    size_t o = 0;
    for (int64_t i = 0; i < count; i++) {
        if (n - o < 4)
            return tf_errf(err, TF_EFORMAT, "PLAIN BYTE_ARRAY data ends after %lld of %lld values", (long long)i,
                           (long long)count);
        uint32_t len = le32(p + o);
        o += 4;
        if (len > n - o)
            return tf_errf(err, TF_EFORMAT, "PLAIN BYTE_ARRAY value %lld has length %u, only %zu bytes left",
                           (long long)i, len, n - o);
        dst[i].ptr = (const char *)p + o;
        dst[i].len = len;
        o += len;
    }
    if (used) *used = o;
    return TF_OK;
}

/* PLAIN values (data pages and dictionary pages) */
static int decode_plain(const tf_pq_node *leaf, const uint8_t *p, size_t n, int64_t count, uint8_t *dst,
                        tf_pq_str *sdst, tf_err *err)
{
    int w = pq_value_width(leaf);
    switch (leaf->physical) {
    case TF_PQ_BYTE_ARRAY: return plain_strings(p, n, count, sdst, NULL, err);
    case TF_PQ_BOOLEAN:
        if ((uint64_t)(count + 7) / 8 > n)
            return tf_errf(err, TF_EFORMAT, "PLAIN BOOLEAN data holds %zu bytes, %lld values need %lld", n,
                           (long long)count, (long long)((count + 7) / 8));
        for (int64_t i = 0; i < count; i++) dst[i] = (p[i >> 3] >> (i & 7)) & 1;
        return TF_OK;
    case TF_PQ_INT96:
        if ((uint64_t)count * 12 > n)
            return tf_errf(err, TF_EFORMAT, "PLAIN INT96 data holds %zu bytes, %lld values need %lld", n,
                           (long long)count, (long long)count * 12);
        for (int64_t i = 0; i < count; i++) {
            int64_t us = int96_micros(p + 12 * i);
            memcpy(dst + 8 * i, &us, 8);
        }
        return TF_OK;
    default:
        if ((uint64_t)count * (uint64_t)w > n)
            return tf_errf(err, TF_EFORMAT, "PLAIN %s data holds %zu bytes, %lld values need %lld",
                           pq_type_name(leaf->physical), n, (long long)count, (long long)count * w);
        memcpy(dst, p, (size_t)count * (size_t)w);
        return TF_OK;
    }
}

static int decode_dict_indices(struct tf_pq_scratch *s, const uint8_t *p, size_t n, int64_t count, tf_err *err)
{
    if (s->dict_n < 0) return tf_errf(err, TF_EFORMAT, "dictionary-encoded page but the chunk has no dictionary page");
    if (count == 0) return TF_OK;
    if (n < 1) return tf_errf(err, TF_EFORMAT, "dictionary indices: missing bit width byte");
    int bw = p[0];
    if (bw > 32) return tf_errf(err, TF_EFORMAT, "dictionary indices: bit width %d > 32", bw);
    s->idx = pq_grow(s->idx, &s->idx_cap, (size_t)count, sizeof *s->idx);
    if (pq_rle_decode_u32(p + 1, n - 1, bw, s->idx, count, err)) return tf_err_prefix(err, "dictionary indices: ");
    uint32_t dn = (uint32_t)s->dict_n, bad = 0;
    for (int64_t i = 0; i < count; i++) bad |= s->idx[i] >= dn;
    if (bad) {
        for (int64_t i = 0; i < count; i++)
            if (s->idx[i] >= dn)
                return tf_errf(err, TF_EFORMAT, "dictionary index %u out of range (dictionary has %u entries)",
                               s->idx[i], dn);
    }
    return TF_OK;
}

static int decode_values(struct tf_pq_scratch *s, const tf_pq_node *leaf, int enc, const uint8_t *p, size_t n,
                         int64_t count, uint8_t *dst, tf_pq_str *sdst, tf_err *err)
{
    int w = pq_value_width(leaf);
    int phys = leaf->physical;
    if (count == 0) return TF_OK;
    switch (enc) {
    case PQ_ENC_PLAIN: return decode_plain(leaf, p, n, count, dst, sdst, err);
    case PQ_ENC_PLAIN_DICT:
    case PQ_ENC_RLE_DICT: {
        if (decode_dict_indices(s, p, n, count, err)) return TF_EFORMAT;
        const uint32_t *ix = s->idx;
        if (phys == TF_PQ_BYTE_ARRAY) {
            const tf_pq_str *d = s->dict_strs;
            for (int64_t i = 0; i < count; i++) sdst[i] = d[ix[i]];
        } else if (w == 8) {
            const uint64_t *d = (const uint64_t *)s->dict;
            uint64_t *o = (uint64_t *)(void *)dst;
            for (int64_t i = 0; i < count; i++) memcpy(o + i, d + ix[i], 8);
        } else if (w == 4) {
            const uint32_t *d = (const uint32_t *)s->dict;
            uint32_t *o = (uint32_t *)(void *)dst;
            for (int64_t i = 0; i < count; i++) memcpy(o + i, d + ix[i], 4);
        } else {
            for (int64_t i = 0; i < count; i++) memcpy(dst + (size_t)i * (size_t)w, s->dict + (size_t)ix[i] * (size_t)w, (size_t)w);
        }
        return TF_OK;
    }
    case PQ_ENC_RLE: {
        if (phys != TF_PQ_BOOLEAN) return tf_errf(err, TF_EUNSUPPORTED, "RLE encoding for %s values", pq_type_name(phys));
        if (n < 4) return tf_errf(err, TF_EFORMAT, "RLE BOOLEAN data lacks its 4-byte length");
        uint32_t len = le32(p);
        if (len > n - 4) return tf_errf(err, TF_EFORMAT, "RLE BOOLEAN length %u exceeds the %zu bytes left", len, n - 4);
        s->idx = pq_grow(s->idx, &s->idx_cap, (size_t)count, sizeof *s->idx);
        if (pq_rle_decode_u32(p + 4, len, 1, s->idx, count, err)) return tf_err_prefix(err, "RLE BOOLEAN: ");
        for (int64_t i = 0; i < count; i++) dst[i] = (uint8_t)s->idx[i];
        return TF_OK;
    }
    case PQ_ENC_DELTA_BP: {
        if (phys != TF_PQ_INT32 && phys != TF_PQ_INT64)
            return tf_errf(err, TF_EFORMAT, "DELTA_BINARY_PACKED for %s values", pq_type_name(phys));
        size_t used;
        if (phys == TF_PQ_INT64) return pq_delta_decode(p, n, (int64_t *)(void *)dst, count, &used, err);
        s->i64 = pq_grow(s->i64, &s->i64_cap, (size_t)count, sizeof *s->i64);
        if (pq_delta_decode(p, n, s->i64, count, &used, err)) return TF_EFORMAT;
        int32_t *o = (int32_t *)(void *)dst;
        for (int64_t i = 0; i < count; i++) o[i] = (int32_t)(uint32_t)s->i64[i];
        return TF_OK;
    }
    case PQ_ENC_DELTA_LBA:
    case PQ_ENC_DELTA_BA: {
        if (phys != TF_PQ_BYTE_ARRAY && !(enc == PQ_ENC_DELTA_BA && phys == TF_PQ_FIXED))
            return tf_errf(err, TF_EFORMAT, "%s for %s values", pq_encoding_name(enc), pq_type_name(phys));
        size_t used = 0, o = 0;
        int64_t *pre = NULL;
        s->i64 = pq_grow(s->i64, &s->i64_cap, (size_t)count * 2, sizeof *s->i64);
        if (enc == PQ_ENC_DELTA_BA) {
            pre = s->i64 + count;
            if (pq_delta_decode(p, n, pre, count, &used, err)) return tf_err_prefix(err, "prefix lengths: ");
            o = used;
        }
        int64_t *len = s->i64;
        if (pq_delta_decode(p + o, n - o, len, count, &used, err)) return tf_err_prefix(err, "lengths: ");
        o += used;
        if (!pre) {
            for (int64_t i = 0; i < count; i++) {
                if (len[i] < 0 || (uint64_t)len[i] > n - o)
                    return tf_errf(err, TF_EFORMAT, "DELTA_LENGTH_BYTE_ARRAY value %lld has length %lld, %zu bytes left",
                                   (long long)i, (long long)len[i], n - o);
                sdst[i].ptr = (const char *)p + o;
                sdst[i].len = (uint32_t)len[i];
                o += (size_t)len[i];
            }
            return TF_OK;
        }
        if (!s->arena_init) {
            tf_arena_init(&s->arena, 256 * 1024);
            s->arena_init = 1;
        }
        const char *prev = "";
        size_t prev_len = 0;
        for (int64_t i = 0; i < count; i++) {
            if (len[i] < 0 || (uint64_t)len[i] > n - o)
                return tf_errf(err, TF_EFORMAT, "DELTA_BYTE_ARRAY value %lld has suffix length %lld, %zu bytes left",
                               (long long)i, (long long)len[i], n - o);
            if (pre[i] < 0 || (uint64_t)pre[i] > prev_len)
                return tf_errf(err, TF_EFORMAT, "DELTA_BYTE_ARRAY value %lld has prefix length %lld > previous %zu",
                               (long long)i, (long long)pre[i], prev_len);
            size_t total = (size_t)pre[i] + (size_t)len[i];
            if (total > UINT32_MAX) return tf_errf(err, TF_EFORMAT, "DELTA_BYTE_ARRAY value too long");
            char *v = tf_arena_alloc(&s->arena, total ? total : 1);
            memcpy(v, prev, (size_t)pre[i]);
            memcpy(v + pre[i], p + o, (size_t)len[i]);
            o += (size_t)len[i];
            if (phys == TF_PQ_FIXED) {
                if (total != (size_t)w)
                    return tf_errf(err, TF_EFORMAT, "DELTA_BYTE_ARRAY value %lld has %zu bytes, type length is %d",
                                   (long long)i, total, w);
                memcpy(dst + (size_t)i * (size_t)w, v, (size_t)w);
            } else {
                sdst[i].ptr = v;
                sdst[i].len = (uint32_t)total;
            }
            prev = v;
            prev_len = total;
        }
        return TF_OK;
    }
    case PQ_ENC_BSS: {
        if (phys == TF_PQ_BYTE_ARRAY || phys == TF_PQ_BOOLEAN || phys == TF_PQ_INT96)
            return tf_errf(err, TF_EFORMAT, "BYTE_STREAM_SPLIT for %s values", pq_type_name(phys));
        if ((uint64_t)count * (uint64_t)w > n)
            return tf_errf(err, TF_EFORMAT, "BYTE_STREAM_SPLIT data holds %zu bytes, %lld values need %lld", n,
                           (long long)count, (long long)count * w);
        for (int k = 0; k < w; k++) {
            const uint8_t *stream = p + (size_t)k * (size_t)count;
            for (int64_t i = 0; i < count; i++) dst[(size_t)i * (size_t)w + (size_t)k] = stream[i];
        }
        return TF_OK;
    }
    default:
        return tf_errf(err, TF_EUNSUPPORTED, "unsupported encoding %s (%d) for %s values", pq_encoding_name(enc), enc,
                       pq_type_name(phys));
    }
}

static int read_levels_v1(const uint8_t **pp, size_t *n, int enc, int max, int16_t *out, int64_t count,
                          const char *what, tf_err *err)
{
    if (enc != PQ_ENC_RLE)
        return tf_errf(err, TF_EUNSUPPORTED, "%s levels in encoding %s are not supported", what,
                       pq_encoding_name(enc));
    if (*n < 4) return tf_errf(err, TF_EFORMAT, "%s levels: missing 4-byte length", what);
    uint32_t len = le32(*pp);
    if (len > *n - 4) return tf_errf(err, TF_EFORMAT, "%s levels: length %u exceeds the %zu bytes left", what, len, *n - 4);
    if (pq_rle_decode_i16(*pp + 4, len, pq_bit_width((uint64_t)max), out, count, err))
        return tf_err_prefix(err, "%s levels: ", what);
    *pp += 4 + len;
    *n -= 4 + (size_t)len;
    return TF_OK;
}

static int check_levels(const int16_t *l, int64_t count, int max, const char *what, tf_err *err)
{
    int16_t hi = 0;
    for (int64_t i = 0; i < count; i++) hi = l[i] > hi ? l[i] : hi;
    if (hi > max) return tf_errf(err, TF_EFORMAT, "%s level %d exceeds the maximum %d", what, hi, max);
    return TF_OK;
}

/* Decode chunk (rg, col) into b; when direct is set (flat REQUIRED
 * fixed-width columns) values go straight there (room for num_rows). */
static int decode_chunk(const tf_pq_file *f, int rg, int col, tf_pq_batch *b, uint8_t *direct, tf_err *err)
{
    if (rg < 0 || rg >= f->ft.nrg || col < 0 || col >= f->ncols)
        return tf_errf(err, TF_EINVAL, "%s: no row group %d / column %d", f->name, rg, col);
    if (!b->priv) b->priv = tf_xcalloc(1, sizeof *b->priv);
    struct tf_pq_scratch *s = b->priv;
    const tf_pq_node *leaf = tf_pq_leaf(f, col);
    const pq_colmeta *md = &f->ft.rgs[rg].cols[col].md;
    int64_t rows = f->ft.rgs[rg].num_rows;
    int w = pq_value_width(leaf);
    int is_str = leaf->physical == TF_PQ_BYTE_ARRAY;
    int64_t total = md->num_values;
    int64_t pos = 0, end = 0, nl = 0, nv = 0, page_at = 0;
    s->pages_used = 0;
    s->dict_n = -1;
    if (s->arena_init) tf_arena_reset(&s->arena);
    b->col = col;
    b->physical = leaf->physical;
    b->num_rows = rows;
    b->num_levels = b->num_values = 0;
    b->def = b->rep = NULL;
    b->values = NULL;
    b->strs = NULL;

    if (pq_chunk_range(f, rg, col, &pos, &end, err)) return TF_EFORMAT;
    if (total > f->opts.max_levels)
        return tf_errf(err, TF_ELIMIT, "%s: row group %d: column '%s': %lld values exceed the reader limit of %lld",
                       f->name, rg, leaf->path, (long long)total, (long long)f->opts.max_levels);
    if (direct && total > rows) total = -1; /* reported below */
    if (total < 0)
        return tf_errf(err, TF_EFORMAT, "%s: row group %d: column '%s': ColumnMetaData.num_values %lld is wrong",
                       f->name, rg, leaf->path, (long long)md->num_values);
    while (nl < total) {
        pq_page_header h;
        int64_t body;
        page_at = pos;
        if (pos >= end) {
            tf_errf(err, TF_EFORMAT, "chunk ends after %lld of %lld values", (long long)nl, (long long)total);
            goto fail;
        }
        if (pq_read_page_header(f, pos, end, &h, &body, err)) goto fail;
        pos = body + h.compressed;
        const uint8_t *in = f->data + body;
        if (h.uncompressed > f->opts.max_page_size) {
            tf_errf(err, TF_ELIMIT, "page of %d bytes exceeds the limit of %lld", h.uncompressed,
                    (long long)f->opts.max_page_size);
            goto fail;
        }
        if (h.type == PQ_PAGE_DICT) {
            if (s->dict_n >= 0) {
                tf_errf(err, TF_EFORMAT, "a second dictionary page");
                goto fail;
            }
            if (h.encoding != PQ_ENC_PLAIN && h.encoding != PQ_ENC_PLAIN_DICT) {
                tf_errf(err, TF_EUNSUPPORTED, "dictionary page in encoding %s", pq_encoding_name(h.encoding));
                goto fail;
            }
            const uint8_t *p;
            if (page_bytes(f, s, md->codec, in, (size_t)h.compressed, (size_t)h.uncompressed, is_str, &p, err))
                goto fail;
            int64_t dn = h.num_values;
            if (dn > (int64_t)h.uncompressed * 8 + 8 || dn > f->opts.max_levels) {
                tf_errf(err, TF_EFORMAT, "dictionary page claims %lld values in %d bytes", (long long)dn, h.uncompressed);
                goto fail;
            }
            if (is_str) {
                s->dict_strs = pq_grow(s->dict_strs, &s->dict_strs_cap, (size_t)dn + 1, sizeof *s->dict_strs);
            } else {
                s->dict = pq_grow(s->dict, &s->dict_cap, (size_t)(dn + 1) * (size_t)w, 1);
            }
            if (decode_plain(leaf, p, (size_t)h.uncompressed, dn, s->dict, s->dict_strs, err)) {
                tf_err_prefix(err, "dictionary: ");
                goto fail;
            }
            s->dict_n = dn;
            continue;
        }
        if (h.type != PQ_PAGE_DATA && h.type != PQ_PAGE_DATA_V2) continue; /* index pages and unknown kinds */
        int64_t pn = h.num_values;
        if (pn > total - nl) {
            tf_errf(err, TF_EFORMAT, "page holds %lld values, only %lld of ColumnMetaData.num_values %lld are left",
                    (long long)pn, (long long)(total - nl), (long long)total);
            goto fail;
        }
        if (leaf->max_def) s->def = pq_grow(s->def, &s->def_cap, (size_t)(nl + pn), sizeof(int16_t));
        if (leaf->max_rep) s->rep = pq_grow(s->rep, &s->rep_cap, (size_t)(nl + pn), sizeof(int16_t));
        int16_t *def = leaf->max_def ? s->def + nl : NULL;
        int16_t *rep = leaf->max_rep ? s->rep + nl : NULL;
        const uint8_t *vp;
        size_t vn;
        int enc = h.encoding;
        if (h.type == PQ_PAGE_DATA && direct && enc == PQ_ENC_PLAIN && md->codec != TF_PQ_UNCOMPRESSED &&
            leaf->physical != TF_PQ_BOOLEAN && leaf->physical != TF_PQ_INT96 &&
            (int64_t)h.uncompressed == pn * w) {
            /* a flat REQUIRED PLAIN page is nothing but its values: decompress straight into place */
            if (pq_decompress(&s->codec, md->codec, in, (size_t)h.compressed, direct + (size_t)nv * (size_t)w,
                              (size_t)h.uncompressed, err))
                goto fail;
            nl += pn;
            nv += pn;
            continue;
        }
        if (h.type == PQ_PAGE_DATA) {
            if (page_bytes(f, s, md->codec, in, (size_t)h.compressed, (size_t)h.uncompressed, is_str, &vp, err))
                goto fail;
            vn = (size_t)h.uncompressed;
            if (rep && read_levels_v1(&vp, &vn, h.rep_enc, leaf->max_rep, rep, pn, "repetition", err)) goto fail;
            if (def && read_levels_v1(&vp, &vn, h.def_enc, leaf->max_def, def, pn, "definition", err)) goto fail;
        } else {
            int64_t lv = (int64_t)h.rep_len + h.def_len;
            if (lv > h.compressed || lv > h.uncompressed) {
                tf_errf(err, TF_EFORMAT, "level lengths %d + %d exceed the page size", h.rep_len, h.def_len);
                goto fail;
            }
            if (rep && pq_rle_decode_i16(in, (size_t)h.rep_len, pq_bit_width((uint64_t)leaf->max_rep), rep, pn, err)) {
                tf_err_prefix(err, "repetition levels: ");
                goto fail;
            }
            if (def && pq_rle_decode_i16(in + h.rep_len, (size_t)h.def_len, pq_bit_width((uint64_t)leaf->max_def), def,
                                         pn, err)) {
                tf_err_prefix(err, "definition levels: ");
                goto fail;
            }
            size_t cn = (size_t)(h.compressed - lv), un = (size_t)(h.uncompressed - lv);
            if (un == 0) {
                vp = in + lv;
                vn = 0;
            } else if (!h.is_compressed) {
                if (cn != un) {
                    tf_errf(err, TF_EFORMAT, "uncompressed v2 page values of %zu bytes, header says %zu", cn, un);
                    goto fail;
                }
                vp = in + lv;
                vn = un;
            } else {
                if (page_bytes(f, s, md->codec, in + lv, cn, un, is_str, &vp, err)) goto fail;
                vn = un;
            }
        }
        if (rep && check_levels(rep, pn, leaf->max_rep, "repetition", err)) goto fail;
        int64_t pv = pn;
        if (def) {
            if (check_levels(def, pn, leaf->max_def, "definition", err)) goto fail;
            pv = 0;
            int16_t md_ = (int16_t)leaf->max_def;
            for (int64_t i = 0; i < pn; i++) pv += def[i] == md_;
        }
        uint8_t *dst = NULL;
        tf_pq_str *sdst = NULL;
        if (is_str) {
            s->strs = pq_grow(s->strs, &s->strs_cap, (size_t)(nv + pv), sizeof *s->strs);
            sdst = s->strs + nv;
        } else if (direct) {
            dst = direct + (size_t)nv * (size_t)w;
        } else {
            s->vals = pq_grow(s->vals, &s->vals_cap, (size_t)(nv + pv) * (size_t)w + 8, 1);
            dst = s->vals + (size_t)nv * (size_t)w;
        }
        if (decode_values(s, leaf, enc, vp, vn, pv, dst, sdst, err)) goto fail;
        nl += pn;
        nv += pv;
    }
    if (!leaf->max_rep && nl != rows) {
        tf_errf(err, TF_EFORMAT, "%s: row group %d: column '%s' has %lld values, the row group has %lld rows", f->name,
                rg, leaf->path, (long long)nl, (long long)rows);
        return TF_EFORMAT;
    }
    b->num_levels = nl;
    b->num_values = nv;
    b->def = leaf->max_def ? s->def : NULL;
    b->rep = leaf->max_rep ? s->rep : NULL;
    b->values = is_str ? NULL : (direct ? direct : s->vals);
    b->strs = is_str ? s->strs : NULL;
    return TF_OK;
fail:
    return tf_err_prefix(err, "%s: row group %d: column '%s': page at offset %lld: ", f->name, rg, leaf->path,
                         (long long)page_at);
}

int tf_pq_read_chunk(const tf_pq_file *f, int rg, int col, tf_pq_batch *b, tf_err *err)
{
    return decode_chunk(f, rg, col, b, NULL, err);
}

int tf_pq_read_flat(const tf_pq_file *f, int rg, int col, tf_pq_batch *scratch, void *dst, uint8_t *valid,
                    tf_err *err)
{
    if (col < 0 || col >= f->ncols) return tf_errf(err, TF_EINVAL, "%s: no column %d", f->name, col);
    const tf_pq_node *leaf = tf_pq_leaf(f, col);
    int w = pq_value_width(leaf);
    if (leaf->max_rep) return tf_errf(err, TF_EINVAL, "%s: column '%s' is not a flat column", f->name, leaf->path);
    if (rg < 0 || rg >= f->ft.nrg) return tf_errf(err, TF_EINVAL, "%s: no row group %d", f->name, rg);
    int64_t rows = f->ft.rgs[rg].num_rows;
    if (!w) { /* BYTE_ARRAY: (ptr, len) per row, pointing into the scratch batch */
        if (decode_chunk(f, rg, col, scratch, NULL, err)) return err->code;
        tf_pq_str *o = dst;
        const tf_pq_str *v = scratch->strs;
        int16_t md = (int16_t)leaf->max_def;
        for (int64_t i = 0, j = 0; i < rows; i++) {
            int ok = !scratch->def || scratch->def[i] == md;
            o[i] = ok ? v[j++] : (tf_pq_str){NULL, 0};
            if (valid) valid[i] = (uint8_t)ok;
        }
        return TF_OK;
    }
    if (!leaf->max_def) {
        if (decode_chunk(f, rg, col, scratch, dst, err)) return err->code;
        if (valid) memset(valid, 1, (size_t)rows);
        return TF_OK;
    }
    if (decode_chunk(f, rg, col, scratch, NULL, err)) return err->code;
    const int16_t *def = scratch->def;
    const uint8_t *v = scratch->values;
    uint8_t *o = dst;
    int16_t md = (int16_t)leaf->max_def;
    int64_t j = 0;
    if (w == 8) {
        for (int64_t i = 0; i < rows; i++) {
            int ok = def[i] == md;
            if (ok) memcpy(o + 8 * i, v + 8 * j++, 8);
            else memset(o + 8 * i, 0, 8);
            if (valid) valid[i] = (uint8_t)ok;
        }
    } else {
        for (int64_t i = 0; i < rows; i++) {
            int ok = def[i] == md;
            if (ok) memcpy(o + (size_t)w * (size_t)i, v + (size_t)w * (size_t)j++, (size_t)w);
            else memset(o + (size_t)w * (size_t)i, 0, (size_t)w);
            if (valid) valid[i] = (uint8_t)ok;
        }
    }
    return TF_OK;
}

void tf_pq_batch_free(tf_pq_batch *b)
{
    struct tf_pq_scratch *s = b->priv;
    if (!s) return;
    pq_codec_free(&s->codec);
    for (size_t i = 0; i < s->npages; i++) free(s->pages[i].p);
    free(s->pages);
    free(s->def);
    free(s->rep);
    free(s->vals);
    free(s->strs);
    free(s->idx);
    free(s->i64);
    free(s->dict);
    free(s->dict_strs);
    if (s->arena_init) tf_arena_free(&s->arena);
    free(s);
    memset(b, 0, sizeof *b);
}
