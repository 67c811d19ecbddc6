/* replay.c — `tripflow replay`: events from a file (or stdin) into a Redis
 * stream, in file order, paced by a rate or by event time.  Each message
 * gets an explicit id BASE_MS-LINE, so after the broker drops the
 * connection, replay asks the stream for its last id and resumes exactly
 * after it: no message is sent twice or lost. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "tripflow/num.h"
#include "tripflow/sig.h"
#include "tripflow/timeutil.h"

/* ---- event sources: one message per call, in input order ---- */
typedef struct evsrc {
    int (*next)(struct evsrc *s, const char **msg, size_t *len, tf_err *err); /* 1 msg, 0 end */
    void (*close)(struct evsrc *s);
    const char *name;
} evsrc;

typedef struct ndjson_src {
    evsrc base;
    FILE *f;
    char *line;
    size_t cap;
    int64_t lineno;
} ndjson_src;

static int ndjson_next(evsrc *s, const char **msg, size_t *len, tf_err *err)
{
    ndjson_src *n = (ndjson_src *)s;
    for (;;) {
        errno = 0;
        ssize_t r = getline(&n->line, &n->cap, n->f);
        if (r < 0) {
            if (ferror(n->f)) return tf_errno(err, TF_EIO, "%s: read", s->name);
            return 0;
        }
        n->lineno++;
        while (r > 0 && (n->line[r - 1] == '\n' || n->line[r - 1] == '\r')) r--;
        ssize_t k = 0;
        while (k < r && (n->line[k] == ' ' || n->line[k] == '\t')) k++;
        if (k == r) continue; /* blank lines are not messages */
        *msg = n->line;
        *len = (size_t)r;
        return 1;
    }
}

static void ndjson_close(evsrc *s)
{
    ndjson_src *n = (ndjson_src *)s;
    if (n->f && n->f != stdin) fclose(n->f);
    free(n->line);
    free(n);
}

static int source_open(const char *path, evsrc **out, tf_err *err)
{
    size_t l = strlen(path);
    int parquet = l > 8 && !strcmp(path + l - 8, ".parquet");
    FILE *f = NULL;
    if (!strcmp(path, "-")) f = stdin;
    else if (!(f = fopen(path, "rb"))) return tf_errno(err, TF_EIO, "%s", path);
    if (!parquet && f != stdin) {
        char magic[4];
        parquet = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "PAR1", 4);
        rewind(f);
    }
    if (parquet) {
        if (f != stdin) fclose(f);
        return tf_errf(err, TF_EUNSUPPORTED, "%s: Parquet input needs the Parquet reader, not built yet", path);
    }
    ndjson_src *n = tf_xcalloc(1, sizeof *n);
    n->base.next = ndjson_next;
    n->base.close = ndjson_close;
    n->base.name = path;
    n->f = f;
    *out = &n->base;
    return TF_OK;
}

int tf_rate_parse(const char *s, double *per_s, tf_err *err)
{
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    double v, div = 1;
    if (!tf_parse_double(s, n, &v) || v <= 0)
        return tf_errf(err, TF_EINVAL, "--rate '%s': expected a positive number per second, e.g. 5000/s", s);
    if (slash) {
        if (!strcmp(slash, "/s")) div = 1;
        else if (!strcmp(slash, "/m") || !strcmp(slash, "/min")) div = 60;
        else if (!strcmp(slash, "/h")) div = 3600;
        else return tf_errf(err, TF_EINVAL, "--rate '%s': unknown unit '%s' (/s, /m or /h)", s, slash);
    }
    *per_s = v / div;
    return TF_OK;
}

/* ---- the pipelined sender ---- */
typedef struct sender {
    const tf_replay_opts *o;
    tf_redis_uri u;
    redisContext *c;
    uint64_t base_ms;
    /* the batch not yet confirmed: messages with their seq */
    tf_buf text;
    TF_VEC(size_t) off;
    TF_VEC(uint64_t) seq;
    int64_t sent;
} sender;

/* the stream's last generated id, or 0-0 when the stream does not exist */
static int last_id(sender *s, tf_sid *out, tf_err *err)
{
    out->ms = out->seq = 0;
    redisReply *r = redisCommand(s->c, "XINFO STREAM %s", s->u.key);
    if (!r) return tf_redis_fail(s->c, r, s->o->to, "XINFO STREAM", err);
    int rc = TF_OK;
    if (r->type == REDIS_REPLY_ERROR) {
        if (tf_redis_transient(r)) rc = tf_redis_fail(s->c, r, s->o->to, "XINFO STREAM", err);
        else if (!strstr(r->str, "no such key")) rc = tf_errf(err, TF_EINVAL, "%s: XINFO STREAM: %s", s->o->to, r->str);
    } else if (r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i + 1 < r->elements; i += 2)
            if (r->element[i]->type == REDIS_REPLY_STRING && !strcmp(r->element[i]->str, "last-generated-id"))
                tf_sid_parse(r->element[i + 1]->str, r->element[i + 1]->len, out);
    }
    freeReplyObject(r);
    return rc;
}

/* Connect (tf_redis_connect retries while the broker refuses, up to
 * --retry-for: its failure is final) and learn where the stream stands.  On
 * TF_ENET after connecting (the broker went away again, or is still loading
 * its data after a restart) *again is set and no connection is kept: sending
 * before the last id is known could send a message twice. */
static int sender_connect(sender *s, int *again, tf_err *err)
{
    *again = 0;
    if (tf_redis_connect(s->o->to, &s->u, s->o->retry_for_us, s->o->quiet, &s->c, err)) return err->code;
    *again = 1;
    tf_sid last;
    if (last_id(s, &last, err)) {
        redisFree(s->c);
        s->c = NULL;
        return err->code;
    }
    if (!s->base_ms) {
        uint64_t now_ms = (uint64_t)(tf_now_us() / 1000);
        s->base_ms = last.ms >= now_ms ? last.ms + 1 : now_ms;
        return TF_OK;
    }
    /* reconnected: drop what the stream already has */
    size_t keep = 0;
    for (size_t i = 0; i < s->seq.n; i++) {
        tf_sid id = {s->base_ms, s->seq.v[i]};
        if (tf_sid_cmp(id, last) <= 0) {
            s->sent++;
            keep = i + 1;
        }
    }
    if (keep) {
        size_t cut = keep < s->off.n ? s->off.v[keep] : s->text.len;
        memmove(s->text.data, s->text.data + cut, s->text.len - cut);
        s->text.len -= cut;
        for (size_t i = keep; i < s->off.n; i++) {
            s->off.v[i - keep] = s->off.v[i] - cut;
            s->seq.v[i - keep] = s->seq.v[i];
        }
        s->off.n -= keep;
        s->seq.n -= keep;
    }
    return TF_OK;
}

/* send the batch pipelined and read every reply */
static int flush_batch(sender *s, tf_err *err)
{
    if (!s->off.n) return TF_OK;
    for (size_t i = 0; i < s->off.n; i++) {
        char id[48];
        tf_sid_format((tf_sid){s->base_ms, s->seq.v[i]}, id);
        size_t end = i + 1 < s->off.n ? s->off.v[i + 1] : s->text.len;
        const char *argv[] = {"XADD", s->u.key, id, "data", s->text.data + s->off.v[i]};
        size_t lens[] = {4, strlen(s->u.key), strlen(id), 4, end - s->off.v[i]};
        redisAppendCommandArgv(s->c, 5, argv, lens);
    }
    for (size_t i = 0; i < s->off.n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(s->c, (void **)&r) != REDIS_OK) return tf_redis_fail(s->c, NULL, s->o->to, "XADD", err);
        if (r->type == REDIS_REPLY_ERROR) {
            /* a broker that is loading after a restart: reconnect, resume after its last id */
            int rc = tf_redis_transient(r)
                         ? tf_redis_fail(s->c, r, s->o->to, "XADD", err)
                         : tf_errf(err, TF_EINVAL, "%s: XADD: %s (another writer on the stream?)", s->o->to, r->str);
            freeReplyObject(r);
            return rc;
        }
        freeReplyObject(r);
    }
    s->sent += (int64_t)s->off.n;
    s->off.n = s->seq.n = 0;
    s->text.len = 0;
    return TF_OK;
}

/* flush, (re)connecting and resuming while the broker is down or loading;
 * with no connection (s->c NULL) it connects first.  down_since: when the
 * broker was first found unusable (0: not yet), for --retry-for */
static int flush_retry_since(sender *s, int64_t down_since, tf_err *err)
{
    int64_t delay = 100000;
    for (;;) {
        int rc = s->c ? flush_batch(s, err) : TF_ENET;
        if (rc != TF_ENET) return rc;
        if (!down_since) down_since = tf_now_us();
        if (s->o->retry_for_us && tf_now_us() - down_since > s->o->retry_for_us) return rc;
        if (!s->o->quiet)
            fprintf(stderr, "tripflow replay: %s; %s in %.1f s\n", err->msg, s->c ? "reconnecting" : "retrying",
                    (double)delay / 1e6);
        int lost = s->c != NULL;
        redisFree(s->c);
        s->c = NULL;
        if (tf_sleep_us(delay)) return tf_errf(err, TF_ECANCELED, "interrupted");
        if (!lost) delay = delay * 2 > 2000000 ? 2000000 : delay * 2; /* still loading: back off */
        int again;
        rc = sender_connect(s, &again, err);
        if (rc && !(rc == TF_ENET && again)) return rc;
    }
}

static int flush_retry(sender *s, tf_err *err) { return flush_retry_since(s, 0, err); }

int tf_replay_run(const tf_replay_opts *o, int64_t *sent, tf_err *err)
{
    *sent = 0;
    sender s = {0};
    s.o = o;
    evsrc *src = NULL;
    int rc = tf_redis_uri_parse(o->to, &s.u, err);
    if (rc == TF_OK) rc = source_open(o->input, &src, err);
    int64_t connect_start = tf_now_us();
    int again = 0;
    if (rc == TF_OK) rc = sender_connect(&s, &again, err);
    if (rc == TF_ENET && again) rc = flush_retry_since(&s, connect_start, err); /* e.g. the broker is loading */
    size_t batch = 1000;
    if (o->rate > 0 && o->rate < 100000) batch = (size_t)fmax(1, o->rate / 100);
    if (o->speedup > 0) batch = 1;
    double start = tf_mono_s();
    int64_t t0 = TF_NO_TIME;
    uint64_t seq = 0;
    const char *msg;
    size_t len = 0;
    int r = 0;
    while (rc == TF_OK && (r = src->next(src, &msg, &len, err)) == 1) {
        if (tf_sig_interrupted()) {
            rc = tf_errf(err, TF_ECANCELED, "interrupted after %" PRId64 " messages", s.sent);
            break;
        }
        /* pacing: wait until this message is due */
        double due = -1;
        if (o->rate > 0) due = start + (double)seq / o->rate;
        if (o->speedup > 0) {
            int64_t t;
            tf_err terr = {0};
            if (tf_event_time(msg, len, &o->time, &t, &terr) == TF_OK) {
                if (t0 == TF_NO_TIME) t0 = t;
                double d = start + (double)(t - t0) / 1e6 / o->speedup;
                if (d > due) due = d;
            }
        }
        if (due > tf_mono_s()) {
            if ((rc = flush_retry(&s, err))) break;
            double left = due - tf_mono_s();
            if (left > 0 && tf_sleep_us((int64_t)(left * 1e6))) continue;
        }
        seq++;
        tf_vec_push(&s.off, s.text.len);
        tf_vec_push(&s.seq, seq);
        tf_buf_append(&s.text, msg, len);
        if (s.off.n >= batch && (rc = flush_retry(&s, err))) break;
    }
    if (rc == TF_OK && r < 0) rc = err->code;
    if (rc == TF_OK) rc = flush_retry(&s, err);
    *sent = s.sent;
    if (src) src->close(src);
    redisFree(s.c);
    tf_buf_free(&s.text);
    tf_vec_free(&s.off);
    tf_vec_free(&s.seq);
    return rc;
}
