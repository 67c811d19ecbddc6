/* parquet_gen.c — benchmark data: N synthetic trip rows (trip key
 * FIXED_LEN_BYTE_ARRAY(16), two dictionary strings, four coordinates, a
 * timestamp) written with tripflow's Parquet writer; prints the seconds the
 * writing took and the file size.  Used by bench/parquet_write.sh and
 * bench/parquet_read.sh.
 * usage: parquet_gen OUT.parquet ROWS [zstd|snappy|gzip|lz4|none] [LEVEL] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/hash.h"
#include "tripflow/parquet.h"
#include "tripflow/timeutil.h"

static uint64_t rng = 88172645463325252ull;
static double unif(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: parquet_gen OUT.parquet ROWS [zstd|snappy|gzip|lz4|none] [LEVEL]\n");
        return 2;
    }
    int64_t n = atoll(argv[2]);
    tf_pq_write_opts o = tf_pq_write_defaults();
    if (argc > 3) {
        const char *c = argv[3];
        o.codec = !strcmp(c, "snappy") ? TF_PQ_SNAPPY : !strcmp(c, "gzip") ? TF_PQ_GZIP
                  : !strcmp(c, "lz4") ? TF_PQ_LZ4_RAW : !strcmp(c, "none") ? TF_PQ_UNCOMPRESSED : TF_PQ_ZSTD;
    }
    if (argc > 4) o.level = atoi(argv[4]);
    static const char *regions[] = {"Prague", "Turin", "Hamburg", "Berlin", "Lyon", "Porto", "Oslo", "Riga"};
    static const char *sources[] = {"funny_car", "baba_car", "cheap_mobile", "bad_diesel_vehicles", "pt_search_app"};
    uint8_t *key = malloc((size_t)n * 16);
    tf_pq_str *region = malloc((size_t)n * sizeof *region), *source = malloc((size_t)n * sizeof *source);
    double *c[4];
    for (int k = 0; k < 4; k++) c[k] = malloc((size_t)n * sizeof(double));
    int64_t *ts = malloc((size_t)n * sizeof *ts);
    for (int64_t i = 0; i < n; i++) {
        tf_key128 h = tf_hash128(&i, sizeof i);
        tf_key_bytes(h, key + 16 * i);
        int r = (int)(unif() * 8);
        region[i].ptr = regions[r];
        region[i].len = (uint32_t)strlen(regions[r]);
        int s = (int)(unif() * 5);
        source[i].ptr = sources[s];
        source[i].len = (uint32_t)strlen(sources[s]);
        double lat0 = 45.0 + r * 1.5, lng0 = 7.0 + r * 2.0;
        c[0][i] = lat0 + unif() * 0.4;
        c[1][i] = lng0 + unif() * 0.4;
        c[2][i] = lat0 + unif() * 0.4;
        c[3][i] = lng0 + unif() * 0.4;
        ts[i] = INT64_C(1527811200000000) + (int64_t)(unif() * 30 * 86400) * 1000000;
    }
    const tf_pq_field fields[] = {
        {"trip_id", TF_PQT_FIXED, 0, 16, 0, NULL, 0},   {"region", TF_PQT_STRING, 0, 0, 0, NULL, 0},
        {"datasource", TF_PQT_STRING, 0, 0, 0, NULL, 0}, {"origin_lat", TF_PQT_DOUBLE, 0, 0, 0, NULL, 0},
        {"origin_lng", TF_PQT_DOUBLE, 0, 0, 0, NULL, 0}, {"dest_lat", TF_PQT_DOUBLE, 0, 0, 0, NULL, 0},
        {"dest_lng", TF_PQT_DOUBLE, 0, 0, 0, NULL, 0},   {"pickup_time", TF_PQT_TIMESTAMP, 0, 0, 0, NULL, 0},
    };
    tf_pq_col cols[8] = {{.values = key}, {.strs = region}, {.strs = source}, {.values = c[0]},
                         {.values = c[1]}, {.values = c[2]},  {.values = c[3]},  {.values = ts}};
    double t0 = tf_mono_s();
    tf_err e = {0};
    tf_pq_writer *w;
    tf_pq_write_result res;
    if (tf_pq_writer_open(argv[1], fields, 8, &o, &w, &e) || tf_pq_writer_write(w, n, cols, &e) ||
        tf_pq_writer_close(w, &res, &e)) {
        fprintf(stderr, "parquet_gen: %s\n", e.msg);
        return 1;
    }
    printf("%.3f %lld\n", tf_mono_s() - t0, (long long)res.file_size);
    tf_pq_write_result_free(&res);
    free(key);
    free(region);
    free(source);
    for (int k = 0; k < 4; k++) free(c[k]);
    free(ts);
    return 0;
}
