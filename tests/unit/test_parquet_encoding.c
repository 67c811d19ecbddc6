/* test_parquet_encoding.c — the bit-level pieces of the Parquet library:
 * RLE/bit-packing hybrid (the Encodings.md example, round trips at every bit
 * width), DELTA_BINARY_PACKED (the spec's examples) and the Thrift compact
 * protocol (round trip, long field ids, hostile lengths). */
#include <stdlib.h>
#include <string.h>

#include "../../src/formats/parquet/pq_internal.h"
#include "harness.h"

TF_TEST(pqe_rle_spec_example)
{
    /* Encodings.md: 0..7 bit-packed with width 3 */
    const uint8_t in[] = {0x03, 0x88, 0xC6, 0xFA};
    uint32_t out[8];
    tf_err e = {0};
    CHECK_INT(pq_rle_decode_u32(in, sizeof in, 3, out, 8, &e), TF_OK);
    for (int i = 0; i < 8; i++) CHECK_INT(out[i], i);
    /* the encoder writes the same bytes */
    tf_buf b = {0};
    pq_rle_encode_u32(out, 8, 3, &b);
    CHECK_INT(b.len, 4);
    CHECK(b.len == 4 && !memcmp(b.data, in, 4));
    tf_buf_free(&b);
    /* an RLE run: 300 x value 5 at width 3 */
    const uint8_t run[] = {0xd8, 0x04, 0x05};
    uint32_t many[300];
    CHECK_INT(pq_rle_decode_u32(run, sizeof run, 3, many, 300, &e), TF_OK);
    CHECK_INT(many[0], 5);
    CHECK_INT(many[299], 5);
    /* not enough data */
    CHECK_INT(pq_rle_decode_u32(run, sizeof run, 3, many, 301, &e), TF_EFORMAT);
    CHECK_STR(e.msg, "RLE data ends after 300 of 301 values");
    const uint8_t big[] = {0x02, 0x09};
    CHECK_INT(pq_rle_decode_u32(big, sizeof big, 3, many, 1, &e), TF_EFORMAT);
    CHECK_STR(e.msg, "RLE run value 9 exceeds bit width 3");
}

TF_TEST(pqe_rle_round_trip_every_width)
{
    uint64_t rng = 12345;
    for (int bw = 1; bw <= 32; bw++) {
        int n = 1000 + bw; /* not a multiple of 8 */
        uint32_t *v = tf_xmalloc(sizeof *v * (size_t)n), *back = tf_xmalloc(sizeof *back * (size_t)n);
        uint32_t mask = bw == 32 ? 0xffffffffu : (1u << bw) - 1;
        for (int i = 0; i < n; i++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            /* runs and noise */
            v[i] = (i / 37) % 2 ? (uint32_t)(i / 37) & mask : (uint32_t)(rng >> 29) & mask;
        }
        tf_buf b = {0};
        pq_rle_encode_u32(v, n, bw, &b);
        tf_err e = {0};
        CHECK_INT(pq_rle_decode_u32((const uint8_t *)b.data, b.len, bw, back, n, &e), TF_OK);
        int bad = 0;
        for (int i = 0; i < n; i++) bad += v[i] != back[i];
        if (bad) tf_test_fail(__FILE__, __LINE__, "bit width %d: %d values differ", bw, bad);
        tf_buf_free(&b);
        free(v);
        free(back);
    }
    /* levels as bytes */
    uint8_t lv[20] = {0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 0, 2, 1, 0, 0, 0, 0, 3};
    int16_t back[20];
    tf_buf b = {0};
    pq_rle_encode_u8(lv, 20, 2, &b);
    tf_err e = {0};
    CHECK_INT(pq_rle_decode_i16((const uint8_t *)b.data, b.len, 2, back, 20, &e), TF_OK);
    for (int i = 0; i < 20; i++) CHECK_INT(back[i], lv[i]);
    tf_buf_free(&b);
}

TF_TEST(pqe_delta_binary_packed_spec_examples)
{
    tf_err e = {0};
    int64_t out[8];
    size_t used;
    /* example 1: 1 2 3 4 5 (all deltas 1: min delta 1, widths 0) */
    const uint8_t ex1[] = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00};
    CHECK_INT(pq_delta_decode(ex1, sizeof ex1, out, 5, &used, &e), TF_OK);
    for (int i = 0; i < 5; i++) CHECK_INT(out[i], i + 1);
    CHECK_INT(used, sizeof ex1);
    /* example 2: 7 5 3 1 2 3 4 5: deltas -2 -2 -2 1 1 1 1, min -2, packed (0 0 0 3 3 3 3) in 2 bits */
    const uint8_t ex2[] = {0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 0x02, 0x00, 0x00, 0x00, 0xc0, 0xff,
                           0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    int64_t count;
    CHECK_INT(pq_delta_count(ex2, sizeof ex2, &count, &e), TF_OK);
    CHECK_INT(count, 8);
    /* 32 values per miniblock at 2 bits = 8 bytes */
    uint8_t buf[64] = {0};
    memcpy(buf, ex2, 10);
    buf[10] = 0xc0; /* deltas 0,0,0,3 */
    buf[11] = 0xff; /* 3,3,3,3 (only the first 3 are used) */
    CHECK_INT(pq_delta_decode(buf, 18, out, 8, &used, &e), TF_OK);
    const int64_t want[] = {7, 5, 3, 1, 2, 3, 4, 5};
    for (int i = 0; i < 8; i++) CHECK_INT(out[i], want[i]);
    CHECK_INT(used, 18);
    /* truncated and absurd headers */
    CHECK_INT(pq_delta_decode(buf, 14, out, 8, &used, &e), TF_EFORMAT);
    CHECK_STR(e.msg, "DELTA_BINARY_PACKED miniblock truncated after 1 values");
    const uint8_t bad_block[] = {0x81, 0x01, 0x04, 0x05, 0x02};
    CHECK_INT(pq_delta_decode(bad_block, sizeof bad_block, out, 5, &used, &e), TF_EFORMAT);
    CHECK_STR(e.msg, "DELTA_BINARY_PACKED header has bad block size 129 / 4 miniblocks");
    CHECK_INT(pq_delta_decode(ex1, sizeof ex1, out, 6, &used, &e), TF_EFORMAT);
    CHECK_STR(e.msg, "DELTA_BINARY_PACKED holds 5 values, 6 expected");
}

TF_TEST(pqe_thrift_round_trip)
{
    tf_buf b = {0};
    thr_w w = {.b = &b};
    thrw_i32(&w, 1, -42);
    thrw_i64(&w, 2, INT64_MIN);
    thrw_binary(&w, 40, "hello", 5); /* delta 38: long form */
    thrw_struct_begin(&w, 41);
    thrw_bool(&w, 1, 1);
    thrw_list(&w, 2, THR_I32, 20);
    for (int i = 0; i < 20; i++) thrw_raw_i32(&w, i * 1000);
    thrw_struct_end(&w);
    thrw_i16(&w, 300, -7);
    thrw_stop(&w);
    tf_err e = {0};
    thr_r r = {.p = (const uint8_t *)b.data, .end = (const uint8_t *)b.data + b.len, .base = (const uint8_t *)b.data,
               .err = &e, .what = "test"};
    int last = 0, id, ct;
    int32_t i32;
    int64_t i64;
    CHECK_INT(thr_field(&r, &last, &id, &ct), 1);
    CHECK(id == 1 && ct == THR_I32 && thr_i32(&r, &i32) == 0 && i32 == -42);
    CHECK_INT(thr_field(&r, &last, &id, &ct), 1);
    CHECK(id == 2 && ct == THR_I64 && thr_i64(&r, &i64) == 0 && i64 == INT64_MIN);
    CHECK_INT(thr_field(&r, &last, &id, &ct), 1);
    const uint8_t *p;
    uint32_t n;
    CHECK(id == 40 && ct == THR_BINARY && thr_binary(&r, &p, &n) == 0 && n == 5 && !memcmp(p, "hello", 5));
    CHECK_INT(thr_field(&r, &last, &id, &ct), 1);
    CHECK(id == 41 && ct == THR_STRUCT);
    CHECK_INT(thr_skip(&r, ct), TF_OK); /* the whole struct, list included */
    CHECK_INT(thr_field(&r, &last, &id, &ct), 1);
    CHECK(id == 300 && ct == THR_I16 && thr_i32(&r, &i32) == 0 && i32 == -7);
    CHECK_INT(thr_field(&r, &last, &id, &ct), 0);
    CHECK(r.p == r.end);
    /* a binary longer than what is left */
    const uint8_t hostile[] = {0x18, 0x7f, 'a'};
    thr_r h = {.p = hostile, .end = hostile + 3, .base = hostile, .base_off = 100, .err = &e, .what = "footer"};
    last = 0;
    CHECK_INT(thr_field(&h, &last, &id, &ct), 1);
    CHECK_INT(thr_binary(&h, &p, &n), TF_EFORMAT);
    CHECK_STR(e.msg, "footer at offset 102: binary length 127 exceeds the 1 bytes left");
    tf_buf_free(&b);
}

TF_TEST(pqe_gzip_multi_member_and_codecs)
{
    /* a GZIP page made of two members decompresses to both halves */
    const char *a = "the first gzip member of the page, ", *b = "and the second one.";
    tf_buf z = {0};
    pq_codec_ctx cc = {0};
    tf_err e = {0};
    CHECK_INT(pq_compress(&cc, TF_PQ_GZIP, 0, (const uint8_t *)a, strlen(a), &z, &e), TF_OK);
    CHECK_INT(pq_compress(&cc, TF_PQ_GZIP, 9, (const uint8_t *)b, strlen(b), &z, &e), TF_OK);
    size_t want = strlen(a) + strlen(b);
    char out[128];
    CHECK_INT(pq_decompress(&cc, TF_PQ_GZIP, (const uint8_t *)z.data, z.len, (uint8_t *)out, want, &e), TF_OK);
    CHECK(!memcmp(out, a, strlen(a)) && !memcmp(out + strlen(a), b, strlen(b)));
    /* a size that does not match the header */
    CHECK_INT(pq_decompress(&cc, TF_PQ_GZIP, (const uint8_t *)z.data, z.len, (uint8_t *)out, want - 1, &e), TF_EFORMAT);
    CHECK_STR(e.msg, "GZIP page inflates to more than the 53 bytes announced");
    /* every codec round-trips */
    const int codecs[] = {TF_PQ_UNCOMPRESSED, TF_PQ_SNAPPY, TF_PQ_GZIP, TF_PQ_ZSTD, TF_PQ_LZ4_RAW};
    for (int i = 0; i < 5; i++) {
        z.len = 0;
        CHECK_INT(pq_compress(&cc, codecs[i], 0, (const uint8_t *)a, strlen(a), &z, &e), TF_OK);
        memset(out, 0, sizeof out);
        CHECK_INT(pq_decompress(&cc, codecs[i], (const uint8_t *)z.data, z.len, (uint8_t *)out, strlen(a), &e), TF_OK);
        CHECK(!memcmp(out, a, strlen(a)));
    }
    CHECK_INT(pq_decompress(&cc, 4, (const uint8_t *)z.data, z.len, (uint8_t *)out, 10, &e), TF_EUNSUPPORTED);
    CHECK_STR(e.msg, "unsupported compression codec BROTLI (4)");
    pq_codec_free(&cc);
    tf_buf_free(&z);
}
