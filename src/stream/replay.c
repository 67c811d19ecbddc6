/* replay.c — `tripflow replay`: events from a file (or stdin), JSON lines or
 * Parquet rows, into a Redis stream in input order, paced by a rate or by
 * event time.  Each message gets an explicit id BASE_MS-N (N counts the
 * messages), so after the broker drops the connection or restarts, replay
 * asks the stream for its last id and resumes exactly after it: no message
 * is sent twice or lost. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "tripflow/fsutil.h"
#include "tripflow/num.h"
#include "tripflow/parquet.h"
#include "tripflow/sig.h"
#include "tripflow/timeutil.h"

/* ---- event sources: one message per call, in input order ----
 * JSON lines (one message per non-blank line) or Parquet (one message per
 * row, the row as one JSON object with nested columns assembled).  Parquet
 * is recognised by its PAR1 magic, or by the .parquet suffix. */
typedef struct evsrc {
    int (*next)(struct evsrc *s, const char **msg, size_t *len, tf_err *err); /* 1 msg, 0 end */
    void (*close)(struct evsrc *s);
    const char *name;
} evsrc;

/* JSON lines, read with read(2) so that a pipe's lines go out as they come */
typedef struct ndjson_src {
    evsrc base;
    int fd; /* 0 for stdin */
    tf_buf buf;
    size_t start; /* the first byte not returned yet */
    int eof;
} ndjson_src;

static int ndjson_next(evsrc *s, const char **msg, size_t *len, tf_err *err)
{
    ndjson_src *n = (ndjson_src *)s;
    for (;;) {
        char *nl = memchr(n->buf.data + n->start, '\n', n->buf.len - n->start);
        if (!nl && !n->eof) {
            /* keep the unfinished line at the front, read more */
            memmove(n->buf.data, n->buf.data + n->start, n->buf.len - n->start);
            n->buf.len -= n->start;
            n->start = 0;
            tf_buf_reserve(&n->buf, 1 << 16);
            ssize_t r = read(n->fd, n->buf.data + n->buf.len, n->buf.cap - n->buf.len);
            if (r < 0 && errno != EINTR) return tf_errno(err, TF_EIO, "%s: read", s->name);
            if (r == 0) n->eof = 1;
            if (r > 0) n->buf.len += (size_t)r;
            continue;
        }
        if (!nl && n->start == n->buf.len) return 0;
        size_t end = nl ? (size_t)(nl - n->buf.data) : n->buf.len;
        const char *line = n->buf.data + n->start;
        size_t l = end - n->start;
        n->start = nl ? end + 1 : end;
        while (l > 0 && line[l - 1] == '\r') l--;
        size_t k = 0;
        while (k < l && (line[k] == ' ' || line[k] == '\t')) k++;
        if (k == l) continue; /* blank lines are not messages */
        *msg = line;
        *len = l;
        return 1;
    }
}

static void ndjson_close(evsrc *s)
{
    ndjson_src *n = (ndjson_src *)s;
    if (n->fd > 0) close(n->fd);
    tf_buf_free(&n->buf);
    free(n);
}

typedef struct parquet_src {
    evsrc base;
    tf_pq_file *f;
    tf_pq_rows *rows;
    tf_buf row;
    tf_buf bytes; /* stdin's bytes: tf_pq_open_mem does not copy them */
} parquet_src;

static int parquet_next(evsrc *s, const char **msg, size_t *len, tf_err *err)
{
    parquet_src *p = (parquet_src *)s;
    tf_buf_clear(&p->row);
    int r = tf_pq_rows_next(p->rows, TF_PQ_JSON, &p->row, err);
    if (r != 1) return r;
    *msg = p->row.data;
    *len = p->row.len;
    return 1;
}

static void parquet_close(evsrc *s)
{
    parquet_src *p = (parquet_src *)s;
    tf_pq_rows_close(p->rows);
    tf_pq_close(p->f);
    tf_buf_free(&p->row);
    tf_buf_free(&p->bytes);
    free(p);
}

/* stdin's Parquet bytes are read whole (the footer is at the end); head
 * holds what was read already */
static int parquet_open(const char *path, int fd, tf_buf *head, evsrc **out, tf_err *err)
{
    parquet_src *p = tf_xcalloc(1, sizeof *p);
    p->base.next = parquet_next;
    p->base.close = parquet_close;
    p->base.name = path;
    int rc;
    if (fd == 0) {
        p->bytes = *head;
        *head = (tf_buf){0};
        rc = tf_read_all("-", &p->bytes, err);
        if (rc == TF_OK) rc = tf_pq_open_mem(p->bytes.data, p->bytes.len, "stdin", NULL, &p->f, err);
    } else {
        close(fd);
        rc = tf_pq_open(path, NULL, &p->f, err);
    }
    if (rc == TF_OK) rc = tf_pq_rows_open(p->f, NULL, 0, &p->rows, err);
    if (rc) {
        parquet_close(&p->base);
        return rc;
    }
    *out = &p->base;
    return TF_OK;
}

static int source_open(const char *path, evsrc **out, tf_err *err)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0) return tf_errno(err, TF_EIO, "%s", path);
    /* the first bytes tell Parquet from JSON lines; they stay in head */
    tf_buf head = {0};
    tf_buf_reserve(&head, 1 << 16);
    while (head.len < 4) {
        ssize_t r = read(fd, head.data + head.len, head.cap - head.len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int rc = tf_errno(err, TF_EIO, "%s: read", path);
            if (fd > 0) close(fd);
            tf_buf_free(&head);
            return rc;
        }
        if (r == 0) break;
        head.len += (size_t)r;
    }
    size_t l = strlen(path);
    int parquet = (head.len >= 4 && !memcmp(head.data, "PAR1", 4)) || (l > 8 && !strcmp(path + l - 8, ".parquet"));
    if (parquet) {
        int rc = parquet_open(path, fd, &head, out, err);
        tf_buf_free(&head);
        return rc;
    }
    ndjson_src *n = tf_xcalloc(1, sizeof *n);
    n->base.next = ndjson_next;
    n->base.close = ndjson_close;
    n->base.name = path;
    n->fd = fd;
    n->buf = head;
    n->eof = head.len < 4;
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
    int64_t t0 = TF_NO_TIME, unpaced = 0;
    tf_err first_unpaced = {0};
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
            } else if (!unpaced++) {
                first_unpaced = terr;
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
    if (rc == TF_OK && r < 0) {
        /* unreadable input: what was read before it still goes out */
        rc = err->code;
        tf_err ferr = {0};
        if (s.c) flush_retry(&s, &ferr);
    }
    if (rc == TF_OK) rc = flush_retry(&s, err);
    *sent = s.sent;
    if (unpaced && !o->quiet)
        fprintf(stderr, "tripflow replay: %" PRId64 " messages had no usable event time for --speedup (the first: %s); "
                "they were sent without waiting\n", unpaced, first_unpaced.msg);
    if (src) src->close(src);
    redisFree(s.c);
    tf_buf_free(&s.text);
    tf_vec_free(&s.off);
    tf_vec_free(&s.seq);
    return rc;
}
