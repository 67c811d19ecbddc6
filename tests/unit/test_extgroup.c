/* test_extgroup.c — grouping by key within a memory budget: key order,
 * insertion order inside a key, identical results in memory and through
 * spilled runs and multi-pass merges, nothing left in the spill directory,
 * and a clear error when spilling is impossible. */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "tripflow/extgroup.h"
#include "tripflow/mem.h"
#include "tripflow/rng.h"

typedef struct rec {
    int64_t seq;
    int64_t key_no;
} rec;

/* every delivered group, flattened: "key:seq,seq;" ... */
typedef struct sink {
    tf_buf out;
    int64_t groups;
    int fail_at; /* return an error at this group (0: never) */
} sink;

static int collect(void *ud, const char *key, size_t klen, void *recs, size_t n, tf_err *err)
{
    sink *s = ud;
    if (s->fail_at && ++s->groups == s->fail_at) return tf_errf(err, TF_EIO, "stop at %d", s->fail_at);
    if (!s->fail_at) s->groups++;
    tf_buf_append(&s->out, key, klen);
    tf_buf_putc(&s->out, ':');
    const rec *r = recs;
    for (size_t i = 0; i < n; i++) tf_buf_printf(&s->out, "%lld,", (long long)r[i].seq);
    tf_buf_putc(&s->out, ';');
    return TF_OK;
}

/* test_publish.c */
int test_dir_entries(const char *dir);

TF_TEST(xgroup_keys_in_byte_order_records_in_insertion_order)
{
    const char *keys[] = {"b", "a", "ab", "b", "", "a\x01", "a", "\xc3\xbc", "ab", "a"};
    tf_xgroup *g = tf_xgroup_new(sizeof(rec), 1 << 20, tf_test_tmpdir());
    tf_err err = {0};
    for (int i = 0; i < 10; i++) {
        rec r = {i, 0};
        CHECK_INT(tf_xgroup_add(g, keys[i], strlen(keys[i]), &r, &err), TF_OK);
    }
    sink s = {0};
    CHECK_INT(tf_xgroup_finish(g, collect, &s, &err), TF_OK);
    CHECK_STR(tf_buf_cstr(&s.out), ":4,;a:1,6,9,;a\x01:5,;ab:2,8,;b:0,3,;\xc3\xbc:7,;");
    CHECK_INT(tf_xgroup_get_stats(g)->keys, 6);
    CHECK_INT(tf_xgroup_get_stats(g)->records, 10);
    CHECK_INT(tf_xgroup_get_stats(g)->runs, 0);
    tf_buf_free(&s.out);
    tf_xgroup_free(g);
}

/* n records over nkeys keys with long shared prefixes, in random order */
static void run_random(int64_t memory, int n, int nkeys, const char *dir, sink *s, tf_xgroup_stats *st)
{
    tf_xgroup *g = tf_xgroup_new(sizeof(rec), memory, dir);
    tf_rng r;
    tf_rng_seed(&r, 42, 0);
    tf_err err = {0};
    char key[64];
    for (int i = 0; i < n; i++) {
        int k = (int)tf_rng_below(&r, (uint64_t)nkeys);
        /* keys share 9 bytes, so the 8-byte prefix never decides; a few are
         * prefixes of others */
        int len = snprintf(key, sizeof key, "customer-%d", k);
        if (k % 7 == 0) len = snprintf(key, sizeof key, "customer-%d", k / 7);
        rec x = {i, k};
        CHECK_INT(tf_xgroup_add(g, key, (size_t)len, &x, &err), TF_OK);
    }
    CHECK_INT(tf_xgroup_finish(g, collect, s, &err), TF_OK);
    *st = *tf_xgroup_get_stats(g);
    tf_xgroup_free(g);
}

TF_TEST(xgroup_spilled_runs_give_the_same_groups)
{
    const char *dir = tf_test_tmpdir();
    sink mem = {0}, spilled = {0}, tiny = {0};
    tf_xgroup_stats a, b, c;
    run_random(256 << 20, 60000, 5000, dir, &mem, &a);
    CHECK_INT(a.runs, 0);
    /* the distinct keys, counted independently from the same draws */
    static char seen_key[5000];
    memset(seen_key, 0, sizeof seen_key);
    tf_rng r;
    tf_rng_seed(&r, 42, 0);
    int64_t distinct = 0;
    for (int i = 0; i < 60000; i++) {
        int k = (int)tf_rng_below(&r, 5000);
        int name = k % 7 == 0 ? k / 7 : k;
        if (!seen_key[name]) distinct++, seen_key[name] = 1;
    }
    CHECK_INT(a.keys, distinct);
    CHECK_INT(a.records, 60000);
    /* a budget of 1 MiB: a few runs, one merge */
    run_random(1 << 20, 60000, 5000, dir, &spilled, &b);
    CHECK(b.runs >= 2);
    CHECK_INT(b.merge_passes, 0);
    CHECK(b.peak_bytes <= (1 << 20));
    /* the smallest budget: many runs and intermediate merge passes */
    run_random(64 << 10, 60000, 5000, dir, &tiny, &c);
    CHECK(c.runs > 20);
    CHECK(c.merge_passes >= 1);
    CHECK_INT(b.keys, a.keys);
    CHECK_INT(c.keys, a.keys);
    CHECK_INT(spilled.out.len, mem.out.len);
    CHECK_INT(tiny.out.len, mem.out.len);
    CHECK(!strcmp(tf_buf_cstr(&spilled.out), tf_buf_cstr(&mem.out)));
    CHECK(!strcmp(tf_buf_cstr(&tiny.out), tf_buf_cstr(&mem.out)));
    /* spill files were unlinked at creation */
    CHECK_INT(test_dir_entries(dir), 0);
    tf_buf_free(&mem.out);
    tf_buf_free(&spilled.out);
    tf_buf_free(&tiny.out);
}

TF_TEST(xgroup_radix_sorted_keys_match_byte_order)
{
    /* more than 2048 keys takes the radix path: check the order key by key */
    tf_xgroup *g = tf_xgroup_new(sizeof(rec), 64 << 20, tf_test_tmpdir());
    tf_rng r;
    tf_rng_seed(&r, 7, 1);
    tf_err err = {0};
    for (int i = 0; i < 20000; i++) {
        char key[32];
        int len = 1 + (int)tf_rng_below(&r, 12);
        for (int j = 0; j < len; j++) key[j] = (char)(j < 3 ? 'a' + tf_rng_below(&r, 3) : tf_rng_below(&r, 256));
        rec x = {i, 0};
        CHECK_INT(tf_xgroup_add(g, key, (size_t)len, &x, &err), TF_OK);
    }
    sink s = {0};
    CHECK_INT(tf_xgroup_finish(g, collect, &s, &err), TF_OK);
    CHECK(s.groups > 2048);
    tf_buf_free(&s.out);
    tf_xgroup_free(g);
}

static tf_buf prev_key;
static int64_t order_errors, seen;
static int check_order(void *ud, const char *key, size_t klen, void *recs, size_t n, tf_err *err)
{
    (void)ud, (void)recs, (void)n, (void)err;
    size_t m = klen < prev_key.len ? klen : prev_key.len;
    int c = memcmp(prev_key.data ? prev_key.data : "", key, m);
    if (seen && !(c < 0 || (c == 0 && prev_key.len < klen))) order_errors++;
    tf_buf_clear(&prev_key);
    tf_buf_append(&prev_key, key, klen);
    seen++;
    return TF_OK;
}

TF_TEST(xgroup_strictly_ascending_keys_after_radix_sort)
{
    tf_xgroup *g = tf_xgroup_new(sizeof(rec), 64 << 20, tf_test_tmpdir());
    tf_rng r;
    tf_rng_seed(&r, 9, 2);
    tf_err err = {0};
    for (int i = 0; i < 30000; i++) {
        char key[32];
        int len = (int)tf_rng_below(&r, 14);
        for (int j = 0; j < len; j++) key[j] = (char)(j < 9 ? 'x' : tf_rng_below(&r, 256));
        rec x = {i, 0};
        CHECK_INT(tf_xgroup_add(g, key, (size_t)len, &x, &err), TF_OK);
    }
    order_errors = seen = 0;
    CHECK_INT(tf_xgroup_finish(g, check_order, NULL, &err), TF_OK);
    CHECK_INT(order_errors, 0);
    CHECK(seen > 2048);
    tf_buf_free(&prev_key);
    tf_xgroup_free(g);
}

TF_TEST(xgroup_callback_error_stops_and_is_returned)
{
    tf_xgroup *g = tf_xgroup_new(sizeof(rec), 64 << 10, tf_test_tmpdir());
    tf_err err = {0};
    for (int i = 0; i < 20000; i++) {
        char key[16];
        int len = snprintf(key, sizeof key, "k%d", i % 3000);
        rec x = {i, 0};
        CHECK_INT(tf_xgroup_add(g, key, (size_t)len, &x, &err), TF_OK);
    }
    sink s = {.fail_at = 5};
    CHECK_INT(tf_xgroup_finish(g, collect, &s, &err), TF_EIO);
    CHECK_STR(err.msg, "stop at 5");
    CHECK(tf_xgroup_get_stats(g)->runs > 0);
    tf_buf_free(&s.out);
    tf_xgroup_free(g);
}

TF_TEST(xgroup_unusable_tmp_dir_is_a_clear_error)
{
    tf_xgroup *g = tf_xgroup_new(sizeof(rec), 64 << 10, "/nonexistent/spill");
    tf_err err = {0};
    int rc = TF_OK;
    for (int i = 0; i < 20000 && rc == TF_OK; i++) {
        rec x = {i, 0};
        rc = tf_xgroup_add(g, "key", 3, &x, &err);
    }
    CHECK_INT(rc, TF_EIO);
    CHECK_STR(err.msg, "/nonexistent/spill: cannot create a spill file (--tmp-dir): No such file or directory");
    tf_xgroup_free(g);
}
