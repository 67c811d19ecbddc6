/* test_stream.c — the streaming building blocks: the top-level JSON member
 * scanner (against jansson on tricky inputs), event key/time extraction,
 * window arithmetic, the count map, stream ids, and the checkpoint
 * transaction on a real SQLite store. */
#include <jansson.h>
#include <stdlib.h>

#include "harness.h"
#include "tripflow/fsutil.h"
#include "tripflow/jsonscan.h"
#include "tripflow/sqlutil.h"
#include "tripflow/store.h"
#include "tripflow/stream.h"
#include "tripflow/stream_store.h"
#include "tripflow/timeutil.h"

static const char *scan_err(const char *s)
{
    static tf_err err;
    const char *names[] = {"a"};
    tf_jv v;
    memset(&err, 0, sizeof err);
    if (tf_json_fields(s, strlen(s), names, 1, &v, &err) == TF_OK) return "ok";
    return err.msg;
}

TF_TEST(jsonscan_agrees_with_jansson_on_validity)
{
    const char *cases[] = {
        "{}", " {\"a\":1} ", "{\"a\":[1,2,{\"b\":[]}],\"c\":null}", "{\"a\":\"x\\\"}\\\\\"}",
        "{\"a\":\"\\u00e9\\ud83d\\ude00\"}", "{\"a\":-0.5e+10}", "{\"a\":\"\xc3\xa9\"}", "{\"a\":true,\"b\":false}",
        /* invalid */
        "", "{", "{\"a\":}", "{\"a\":1,}", "{\"a\" 1}", "[1]", "\"str\"", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}",
        "{\"a\":+1}", "{\"a\":tru}", "{\"a\":\"\x01\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\xc3\"}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xff\"}", "{\"a\":1} x", "{\"a\":[1 2]}",
        "{\"a\":{\"b\":1,}}", "{'a':1}", "{\"a\":NaN}", "{\"a\":1}}", "{\"a\":\"abc}", "{\"a\":-}", "{\"a\":1e}"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_error_t je;
        json_t *j = json_loads(cases[i], JSON_DECODE_ANY, &je);
        int jansson_ok = j && json_is_object(j);
        json_decref(j);
        int ours = !strcmp(scan_err(cases[i]), "ok");
        if (ours != jansson_ok) tf_test_fail(__FILE__, __LINE__, "case %zu [%s]: ours %d, jansson %d", i, cases[i], ours,
                                              jansson_ok);
    }
    /* a deep nest within the limit, and one past it */
    tf_buf b = {0};
    tf_buf_puts(&b, "{\"a\":");
    for (int i = 0; i < 2000; i++) tf_buf_putc(&b, '[');
    for (int i = 0; i < 2000; i++) tf_buf_putc(&b, ']');
    tf_buf_putc(&b, '}');
    CHECK_STR(scan_err(tf_buf_cstr(&b)), "ok");
    tf_buf_clear(&b);
    tf_buf_puts(&b, "{\"a\":");
    for (int i = 0; i < 3000; i++) tf_buf_putc(&b, '[');
    CHECK(strstr(scan_err(tf_buf_cstr(&b)), "nested too deep") != NULL);
    tf_buf_free(&b);
}

TF_TEST(jsonscan_error_messages)
{
    CHECK_STR(scan_err("not json"), "column 1: unexpected character");
    CHECK_STR(scan_err("{\"a\":1,}"), "column 8: expected a member name");
    CHECK_STR(scan_err("[1,2]"), "column 1: expected a JSON object, got an array");
    CHECK_STR(scan_err("{\"a\":1} x"), "column 9: text after the JSON object");
    CHECK_STR(scan_err("{\"a\":\"abc"), "column 10: unterminated string");
    CHECK_STR(scan_err(""), "column 1: empty message, expected a JSON object");
}

TF_TEST(jsonscan_finds_top_level_members_only)
{
    const char *s = "{\"x\":{\"user\":\"inner\",\"t\":1},\"us\\u0065r\":\"a\\u00e9\\n\",\"t\":\"123\","
                    "\"arr\":[{\"t\":9}],\"t\":456}";
    const char *names[] = {"user", "t", "missing"};
    tf_jv v[3];
    tf_err err = {0};
    CHECK_INT(tf_json_fields(s, strlen(s), names, 3, v, &err), TF_OK);
    CHECK_INT(v[0].type, TF_JV_STRING);
    tf_buf b = {0};
    tf_json_unescape(&v[0], &b);
    CHECK_STR(tf_buf_cstr(&b), "a\xc3\xa9\n");
    tf_buf_free(&b);
    CHECK_INT(v[1].type, TF_JV_NUMBER); /* the last duplicate counts */
    CHECK_INT(v[1].n, 3);
    CHECK(!memcmp(v[1].p, "456", 3));
    CHECK_INT(v[2].type, TF_JV_ABSENT);
}

static const char *extract(const char *msg, const char *tspec, char *key, int64_t *t)
{
    static tf_err err;
    memset(&err, 0, sizeof err);
    tf_time_spec ts;
    if (tf_time_spec_parse(tspec, &ts, &err)) return err.msg;
    tf_buf k = {0};
    int rc = tf_event_extract(msg, strlen(msg), "user_pseudo_id", &ts, 777, &k, t, &err);
    snprintf(key, 64, "%s", k.data ? tf_buf_cstr(&k) : "");
    tf_buf_free(&k);
    return rc ? err.msg : "ok";
}

TF_TEST(event_key_and_time)
{
    char key[64];
    int64_t t = 0;
    CHECK_STR(extract("{\"user_pseudo_id\":\"U1\",\"event_timestamp\":\"1533280438705040\"}", "event_timestamp:us", key, &t),
              "ok");
    CHECK_STR(key, "U1");
    CHECK_INT(t, INT64_C(1533280438705040));
    /* INT64 as a JSON number (Parquet rows from replay) reads as the same
     * INT64 as a string (BigQuery's JSON export): time and key alike */
    CHECK_STR(extract("{\"user_pseudo_id\":\"U1\",\"event_timestamp\":1533280438705040}", "event_timestamp:us", key, &t),
              "ok");
    CHECK_INT(t, INT64_C(1533280438705040));
    CHECK_STR(extract("{\"user_pseudo_id\":-797309714631473615,\"event_timestamp\":1}", "event_timestamp:us", key, &t),
              "ok");
    CHECK_STR(key, "-797309714631473615");
    CHECK_STR(extract("{\"user_pseudo_id\":\"-797309714631473615\",\"event_timestamp\":\"1\"}", "event_timestamp:us",
                      key, &t),
              "ok");
    CHECK_STR(key, "-797309714631473615");
    CHECK_INT(t, 1);
    CHECK_STR(extract("{\"user_pseudo_id\":\"u\",\"event_timestamp\":9223372036854775807}", "event_timestamp:us", key, &t),
              "event_timestamp: 9223372036854775807 is outside the years 1 to 9999");
    CHECK_STR(extract("{\"user_pseudo_id\":\"u\",\"event_timestamp\":\"9223372036854775807\"}", "event_timestamp:us", key,
                      &t),
              "event_timestamp: 9223372036854775807 is outside the years 1 to 9999");
    CHECK_STR(extract("{\"user_pseudo_id\":42,\"ts\":1533280438705}", "ts:ms", key, &t), "ok");
    CHECK_STR(key, "42");
    CHECK_INT(t, INT64_C(1533280438705000));
    CHECK_STR(extract("{\"user_pseudo_id\":\"u\",\"ts\":1533280438.5}", "ts:s", key, &t), "ok");
    CHECK_INT(t, INT64_C(1533280438500000));
    CHECK_STR(extract("{\"user_pseudo_id\":\"u\",\"ts\":\"2018-08-03T07:13:58.705Z\"}", "ts:iso", key, &t), "ok");
    CHECK_INT(t, INT64_C(1533280438705000));
    CHECK_STR(extract("{\"user_pseudo_id\":\"u\"}", "processing", key, &t), "ok");
    CHECK_INT(t, 777);
    /* bad messages say why */
    CHECK_STR(extract("oops", "event_timestamp:us", key, &t), "not a JSON object: column 1: unexpected character");
    CHECK_STR(extract("{\"event_timestamp\":1}", "event_timestamp:us", key, &t), "user_pseudo_id: missing");
    CHECK_STR(extract("{\"user_pseudo_id\":null,\"event_timestamp\":1}", "event_timestamp:us", key, &t),
              "user_pseudo_id: expected a string or an integer, got null");
    CHECK_STR(extract("{\"user_pseudo_id\":\"\",\"event_timestamp\":1}", "event_timestamp:us", key, &t),
              "user_pseudo_id: empty string");
    CHECK_STR(extract("{\"user_pseudo_id\":\"u\"}", "event_timestamp:us", key, &t), "event_timestamp: missing");
    CHECK_STR(extract("{\"user_pseudo_id\":\"u\",\"event_timestamp\":\"soon\"}", "event_timestamp:us", key, &t),
              "event_timestamp: expected a number of microseconds, got \"soon\"");
    CHECK_STR(extract("{\"user_pseudo_id\":\"u\",\"event_timestamp\":[1]}", "event_timestamp:us", key, &t),
              "event_timestamp: expected a number of microseconds, got an array");
    CHECK_STR(extract("{\"user_pseudo_id\":\"u\",\"ts\":99999999999999999}", "ts:s", key, &t),
              "ts: 99999999999999999 is outside the years 1 to 9999");
    CHECK_STR(extract("{\"user_pseudo_id\":\"u\",\"ts\":5}", "ts:iso", key, &t),
              "ts: expected an ISO 8601 time string, got a number");
    CHECK_STR(extract("{}", "ts:minutes", key, &t), "--time 'ts:minutes': unknown unit 'minutes' (us, ms, s or iso)");
}

TF_TEST(windows_and_watermark)
{
    tf_window_conf w = {60 * TF_US_PER_SEC, 10 * TF_US_PER_SEC, 0};
    CHECK_INT(tf_window_start(&w, 59999999), 0);
    CHECK_INT(tf_window_start(&w, 60000000), 60000000);
    CHECK_INT(tf_window_start(&w, -1), -60000000);
    /* [0, 60s) is final once the watermark reaches 70 s */
    CHECK(!tf_window_is_final(&w, 0, 69999999));
    CHECK(tf_window_is_final(&w, 0, 70000000));
    CHECK(!tf_window_is_final(&w, 0, TF_NO_TIME));
    CHECK_INT(tf_final_before(&w, 70000000), 60000000);
    CHECK_INT(tf_final_before(&w, 69999999), 0);
    w.ooo_us = 5 * TF_US_PER_SEC;
    CHECK_INT(tf_watermark(&w, 100 * TF_US_PER_SEC), 95 * TF_US_PER_SEC);
}

TF_TEST(count_map_and_ids)
{
    tf_counts m;
    tf_counts_init(&m);
    for (int i = 0; i < 5000; i++) {
        char k[16];
        int n = snprintf(k, sizeof k, "u%d", i % 700);
        tf_counts_add(&m, (i % 3) * 60, k, (size_t)n, 1);
    }
    CHECK_INT(m.total, 5000);
    CHECK_INT(m.e.n, 2100); /* 700 keys x 3 windows: i%700 and i%3 cover every pair */
    int64_t sum = 0;
    for (size_t i = 0; i < m.e.n; i++) sum += m.e.v[i].count;
    CHECK_INT(sum, 5000);
    tf_counts_clear(&m);
    CHECK_INT(m.e.n, 0);
    tf_counts_free(&m);

    tf_sid id;
    CHECK(tf_sid_parse("1533280438705-17", 16, &id));
    CHECK(id.ms == UINT64_C(1533280438705) && id.seq == 17);
    char b[48];
    tf_sid_format(id, b);
    CHECK_STR(b, "1533280438705-17");
    CHECK(!tf_sid_parse("15x-1", 5, &id));
    CHECK(!tf_sid_parse("151", 3, &id));
    tf_sidset s = {0};
    for (uint64_t i = 0; i < 1000; i++) tf_sidset_add(&s, (tf_sid){i, i * 3});
    CHECK_INT(s.n, 1000);
    CHECK(tf_sidset_has(&s, (tf_sid){999, 2997}));
    CHECK(!tf_sidset_has(&s, (tf_sid){999, 2998}));
    tf_sidset_free(&s);
}

static int64_t q(tf_store *s, const char *sql)
{
    int64_t v = -1;
    tf_err err = {0};
    if (tf_sql_int(tf_store_sqlite(s), sql, -1, &v, &err)) return -2;
    return v;
}

TF_TEST(checkpoint_commits_finalizes_and_turns_late)
{
    char *db = tf_path_join(tf_test_tmpdir(), "s.db");
    tf_store *s;
    tf_err err = {0};
    CHECK_INT(tf_store_open(db, &s, &err), TF_OK);
    tf_stream_job job = {0, "counts", "user_pseudo_id", "event_timestamp:us", "-", "g",
                         {60 * TF_US_PER_SEC, 0, 0}};
    CHECK_INT(tf_stream_job_open(s, &job, &err), TF_OK);
    tf_stream_position pos;
    CHECK_INT(tf_stream_consumer_start(s, &job, "a", tf_now_us(), &pos, &err), TF_OK);
    CHECK_INT(pos.max_event, TF_NO_TIME);
    tf_counts c, l;
    tf_counts_init(&c);
    tf_counts_init(&l);
    /* consumer a: 2 events in window 0 and one at 130 s */
    tf_counts_add(&c, 0, "u1", 2, 2);
    tf_counts_add(&c, 120 * TF_US_PER_SEC, "u1", 2, 1);
    tf_stream_ckpt k = {.consumer = "a", .counted = &c, .late = &l, .max_event = 130 * TF_US_PER_SEC, .events = 3,
                        .consumer_timeout_us = 60 * TF_US_PER_SEC, .now_us = tf_now_us()};
    tf_stream_ckpt_result r;
    CHECK_INT(tf_stream_checkpoint(s, &job, &k, &r, &err), TF_OK);
    CHECK_INT(r.windows_final, 1); /* a alone sets the watermark */
    CHECK_INT(r.final_before, 120 * TF_US_PER_SEC);
    CHECK_INT(q(s, "SELECT event_count FROM counts WHERE window_start = '1970-01-01 00:00:00' AND user_pseudo_id = 'u1'"),
              2);
    /* b joins: while it has committed no event, nothing more becomes final */
    CHECK_INT(tf_stream_consumer_start(s, &job, "b", tf_now_us(), &pos, &err), TF_OK);
    tf_counts_clear(&c);
    k.max_event = 300 * TF_US_PER_SEC;
    k.events = 0;
    k.now_us = tf_now_us();
    CHECK_INT(tf_stream_checkpoint(s, &job, &k, &r, &err), TF_OK);
    CHECK_INT(r.watermark, TF_NO_TIME);
    CHECK_INT(r.final_before, 120 * TF_US_PER_SEC);
    /* b then delivers an event for the final window 0: late at commit, per window and key */
    tf_counts_clear(&c);
    tf_counts_add(&c, 0, "u2", 2, 1);
    tf_counts_add(&c, 120 * TF_US_PER_SEC, "u1", 2, 4);
    k.consumer = "b";
    k.max_event = 125 * TF_US_PER_SEC;
    k.events = 5;
    k.now_us = tf_now_us();
    CHECK_INT(tf_stream_checkpoint(s, &job, &k, &r, &err), TF_OK);
    CHECK_INT(r.late_at_commit, 1);
    CHECK_INT(q(s, "SELECT late_count FROM stream_late_events WHERE key = 'u2' AND window_start = '1970-01-01 00:00:00'"),
              1);
    CHECK_INT(q(s, "SELECT event_count FROM stream_open WHERE key = 'u1'"), 5); /* summed over consumers */
    CHECK_INT(q(s, "SELECT late_events FROM stream_consumers WHERE consumer = 'b'"), 1);
    CHECK_INT(q(s, "SELECT events FROM stream_consumers WHERE consumer = 'b'"), 4);
    /* a stops at the end of the stream while b runs: nothing is flushed; then b ends it */
    tf_counts_clear(&c);
    k.consumer = "a";
    k.events = 0;
    k.stopping = k.flush = 1;
    k.now_us = tf_now_us();
    CHECK_INT(tf_stream_checkpoint(s, &job, &k, &r, &err), TF_OK);
    CHECK_INT(r.windows_final, 0);
    k.consumer = "b";
    CHECK_INT(tf_stream_checkpoint(s, &job, &k, &r, &err), TF_OK);
    CHECK_INT(r.windows_final, 1);
    CHECK_INT(q(s, "SELECT event_count FROM counts WHERE window_start = '1970-01-01 00:02:00'"), 5);
    CHECK_INT(q(s, "SELECT count(*) FROM stream_open"), 0);
    /* the same table with other options is refused */
    tf_stream_job other = job;
    other.win.window_us = 30 * TF_US_PER_SEC;
    CHECK_INT(tf_stream_job_open(s, &other, &err), TF_EINVAL);
    CHECK_STR(err.msg,
              "table counts is fed by a stream job with --window 60000000us; use the same options, or another --table");
    other = job;
    other.table = "bad-name";
    CHECK_INT(tf_stream_job_open(s, &other, &err), TF_EINVAL);
    CHECK_STR(err.msg, "--table 'bad-name': expected a plain name of letters, digits and _");
    tf_counts_free(&c);
    tf_counts_free(&l);
    tf_store_close(s);
    free(db);
}
