/* consume.c — the two consumer drivers of `tripflow stream`: a Redis Streams
 * consumer group (own pending messages first, then claims of idle ones,
 * then new ones; XACK only after the checkpoint that holds them committed)
 * and JSON lines on stdin (resuming after the lines already committed).
 * docs/streaming.md explains the protocol. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "tripflow/sig.h"
#include "tripflow/timeutil.h"

/* ------------------------------------------------------------------ stdin */

static int run_stdin(engine *e, tf_err *err)
{
    tf_stream_position pos;
    if (engine_resync(e, &pos, err)) return err->code;
    int64_t skip = pos.lines, lineno = 0, seq;
    if (skip) engine_note(e, "resuming after line %" PRId64 " (committed before)", skip);
    tf_buf buf = {0};
    tf_buf_reserve(&buf, 1 << 20);
    int eof = 0, rc = TF_OK;
    size_t start = 0;
    while (!eof) {
        if (tf_sig_interrupted()) break;
        struct pollfd p[2] = {{0, POLLIN, 0}, {tf_sig_fd(), POLLIN, 0}};
        int64_t wait = e->o->commit_interval_us - (tf_now_us() - e->last_commit_us);
        int pr = poll(p, p[1].fd >= 0 ? 2 : 1, wait > 0 ? (int)((wait + 999) / 1000) : 0);
        if (pr > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            /* keep the unfinished line at the front */
            if (start) {
                memmove(buf.data, buf.data + start, buf.len - start);
                buf.len -= start;
                start = 0;
            }
            tf_buf_reserve(&buf, 1 << 20);
            ssize_t n = read(0, buf.data + buf.len, buf.cap - buf.len);
            if (n < 0 && errno != EINTR && errno != EAGAIN) {
                rc = tf_errno(err, TF_EIO, "stdin: read");
                break;
            }
            if (n == 0) eof = 1;
            if (n > 0) buf.len += (size_t)n;
            int64_t now = tf_now_us();
            for (;;) {
                char *nl = memchr(buf.data + start, '\n', buf.len - start);
                if (!nl && !(eof && start < buf.len)) break;
                size_t end = nl ? (size_t)(nl - buf.data) : buf.len;
                const char *line = buf.data + start;
                size_t len = end - start;
                start = nl ? end + 1 : buf.len;
                lineno++;
                if (lineno <= skip) continue;
                e->lines = lineno;
                if (len && line[len - 1] == '\r') len--;
                size_t k = 0;
                while (k < len && (line[k] == ' ' || line[k] == '\t')) k++;
                if (k == len) continue; /* blank lines are not messages */
                char id[40];
                snprintf(id, sizeof id, "line %" PRId64, lineno);
                engine_message(e, id, NULL, line, len, now);
            }
        }
        if (!eof && engine_due(e, tf_now_us()) && (rc = engine_checkpoint(e, 0, 0, &seq, err))) break;
    }
    if (rc == TF_OK) {
        if (lineno < skip && eof)
            engine_note(e, "stdin ended at line %" PRId64 " but %" PRId64 " lines were committed before", lineno, skip);
        /* end of input ends the stream: every window becomes final */
        rc = engine_checkpoint(e, 1, eof, &seq, err);
    }
    tf_buf_free(&buf);
    return rc;
}

/* ------------------------------------------------------------------ Redis */

enum { PH_PENDING, PH_CLAIM, PH_NEW };

/* Commands are pipelined on the connection: up to AHEAD reads of new
 * messages ahead of the batch being counted (so the broker builds the next
 * ones meanwhile), and acknowledgements whose replies are read later.
 * Replies come in the order the commands went out. */
#define AHEAD 2
#define SENT_MAX (2 * AHEAD + 2)
#define DRAINED_GAP_US 100000 /* commits of a drained stream: at most ten a second */

typedef struct sent {
    int ack;     /* 1: XACK, 0: XREADGROUP */
    int64_t seq; /* XACK: the checkpoint it acknowledges (0: none to note) */
} sent;

typedef struct rdrv {
    engine *e;
    const tf_stream_opts *o;
    tf_redis_uri u;
    redisContext *c;
    tf_sidset dups;         /* committed ids that may still be pending */
    TF_VEC(char *) acks;    /* ids to XACK after the next commit */
    tf_arena ack_arena;
    int phase;
    char cursor[48];
    int64_t startup_seq;    /* own inflight rows from before: acked once the pending phase is done */
    int64_t last_claim_us, last_msg_us;
    sent q[SENT_MAX];       /* commands sent whose replies are not read yet, oldest first */
    int nq;
    redisReply *ready[AHEAD]; /* replies of reads sent ahead, oldest first */
    int nready;
    TF_VEC(engine_msg) batch; /* a reply's messages, counted together */
    TF_VEC(tf_sid) sids;
} rdrv;

static int reads_ahead(const rdrv *d)
{
    int n = d->nready;
    for (int i = 0; i < d->nq; i++) n += !d->q[i].ack;
    return n;
}

/* Read the reply of the oldest command sent: a read's reply is kept in
 * d->ready, an acknowledgement's is checked (what it acknowledged may now
 * leave stream_inflight). */
static int read_one(rdrv *d, tf_err *err)
{
    sent s = d->q[0];
    memmove(d->q, d->q + 1, (size_t)(--d->nq) * sizeof *d->q);
    const char *what = s.ack ? "XACK" : "XREADGROUP";
    void *rp = NULL;
    if (redisGetReply(d->c, &rp) != REDIS_OK || !rp || ((redisReply *)rp)->type == REDIS_REPLY_ERROR) {
        /* an XACK that failed: committed but not acknowledged, the ids stay in stream_inflight */
        tf_redis_fail(d->c, rp, d->o->from, what, err);
        freeReplyObject(rp);
        return err->code;
    }
    if (s.ack) {
        freeReplyObject(rp);
        if (s.seq) d->e->acked_upto = s.seq;
        return TF_OK;
    }
    d->ready[d->nready++] = rp;
    return TF_OK;
}

/* Read every reply still to come. */
static int drain(rdrv *d, tf_err *err)
{
    while (d->nq)
        if (read_one(d, err)) return err->code;
    return TF_OK;
}

/* Send a command without waiting for its reply (read by read_one). */
static int send_ahead(rdrv *d, int ack, int64_t seq, int argc, const char **argv, tf_err *err)
{
    const char *what = ack ? "XACK" : "XREADGROUP";
    int done = 0;
    if (redisAppendCommandArgv(d->c, argc, argv, NULL) != REDIS_OK)
        return tf_redis_fail(d->c, NULL, d->o->from, what, err);
    while (!done)
        if (redisBufferWrite(d->c, &done) != REDIS_OK) return tf_redis_fail(d->c, NULL, d->o->from, what, err);
    d->q[d->nq++] = (sent){ack, seq};
    return TF_OK;
}

/* Forget what was sent ahead (the connection is dropped): reads ahead stay
 * pending at the broker and are read again. */
static void drop_ahead(rdrv *d)
{
    for (int i = 0; i < d->nready; i++) freeReplyObject(d->ready[i]);
    d->nready = 0;
    d->nq = 0;
}

static int redis_cmd(rdrv *d, redisReply **out, const char *what, int argc, const char **argv, tf_err *err)
{
    if (drain(d, err)) return err->code;
    redisReply *r = redisCommandArgv(d->c, argc, argv, NULL);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        tf_redis_fail(d->c, r, d->o->from, what, err);
        freeReplyObject(r);
        return err->code;
    }
    *out = r;
    return TF_OK;
}

/* Count the messages gathered in d->batch, in order. */
static void flush_batch(rdrv *d, int64_t now)
{
    engine_messages(d->e, d->batch.v, d->batch.n, now);
    d->batch.n = 0;
}

/* Entries ([id, [field, value, ...]]) of an XREADGROUP/XAUTOCLAIM reply. */
static void take_entries(rdrv *d, redisReply *entries, int check_dups, int64_t now)
{
    if (!entries) return;
    /* room for every entry up front: the batch points into sids */
    tf_vec_grow(&d->sids, entries->elements);
    tf_vec_grow(&d->batch, entries->elements);
    d->sids.n = d->batch.n = 0;
    for (size_t i = 0; i < entries->elements; i++) {
        redisReply *en = entries->element[i];
        if (en->type != REDIS_REPLY_ARRAY || en->elements < 2 || en->element[0]->type != REDIS_REPLY_STRING) continue;
        const char *id = en->element[0]->str;
        tf_sid *sid = &d->sids.v[d->sids.n];
        if (!tf_sid_parse(id, en->element[0]->len, sid)) continue;
        d->sids.n++;
        tf_vec_push(&d->acks, tf_arena_strdup(&d->ack_arena, id));
        snprintf(d->cursor, sizeof d->cursor, "%s", id);
        if (check_dups && tf_sidset_has(&d->dups, *sid)) {
            d->e->dups++; /* committed before: acknowledge only */
            continue;
        }
        redisReply *f = en->element[1];
        const redisReply *data = NULL;
        for (size_t k = 0; f->type == REDIS_REPLY_ARRAY && k + 1 < f->elements; k += 2)
            if (f->element[k]->type == REDIS_REPLY_STRING && !strcmp(f->element[k]->str, "data"))
                data = f->element[k + 1];
        if (f->type != REDIS_REPLY_ARRAY || !data || data->type != REDIS_REPLY_STRING) {
            flush_batch(d, now); /* in order */
            engine_dead(d->e, id, sid,
                        f->type != REDIS_REPLY_ARRAY ? "the entry was deleted from the stream before it was counted"
                                                     : "no 'data' field in the message",
                        "", 0, now);
            continue;
        }
        d->batch.v[d->batch.n++] = (engine_msg){id, sid, data->str, data->len};
    }
    flush_batch(d, now);
}

/* Commit, then acknowledge what the commit holds.  In the steady state the
 * XACK is pipelined (its reply is read with the next read's); otherwise,
 * and when stopping, it is waited for. */
static int commit_and_ack(rdrv *d, int stopping, int flush, tf_err *err)
{
    int64_t seq;
    if (engine_checkpoint(d->e, stopping, flush, &seq, err)) return err->code;
    /* test hook: die between the commit and the acknowledgement */
    if (d->acks.n && getenv("TRIPFLOW_TEST_CRASH_BEFORE_ACK")) _exit(137);
    if (d->acks.n) {
        if (d->nq == SENT_MAX && read_one(d, err)) return err->code;
        size_t argc = d->acks.n + 3;
        const char **argv = tf_xmalloc(argc * sizeof *argv);
        argv[0] = "XACK";
        argv[1] = d->u.key;
        argv[2] = d->o->group;
        for (size_t i = 0; i < d->acks.n; i++) argv[3 + i] = d->acks.v[i];
        int rc = send_ahead(d, 1, d->phase != PH_PENDING ? seq : 0, (int)argc, argv, err);
        free(argv);
        if (rc) return rc;
        /* the command is written out (hiredis copied the ids): the arena
         * can be reused; the reply is checked by read_one */
        d->acks.n = 0;
        tf_arena_reset(&d->ack_arena);
    } else if (seq && d->phase != PH_PENDING) {
        d->e->acked_upto = seq;
    }
    if ((stopping || d->phase != PH_NEW) && drain(d, err)) return err->code;
    return TF_OK;
}

static int setup(rdrv *d, tf_err *err)
{
    if (tf_redis_connect(d->o->from, &d->u, d->o->retry_for_us, d->o->quiet, &d->c, err)) return err->code;
    redisReply *r = redisCommand(d->c, "XGROUP CREATE %s %s 0 MKSTREAM", d->u.key, d->o->group);
    if (!r) return tf_redis_fail(d->c, r, d->o->from, "XGROUP CREATE", err);
    int bad = r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9);
    if (bad && tf_redis_transient(r)) { /* e.g. a restarted broker still reading its AOF */
        tf_redis_fail(d->c, r, d->o->from, "XGROUP CREATE", err);
        freeReplyObject(r);
        return err->code;
    }
    if (bad) {
        tf_errf(err, TF_EINVAL, "%s: cannot create the consumer group %s: %s", d->o->from, d->o->group, r->str);
        freeReplyObject(r);
        return err->code;
    }
    freeReplyObject(r);
    tf_stream_position pos;
    if (engine_resync(d->e, &pos, err)) return err->code;
    d->acks.n = 0;
    tf_arena_reset(&d->ack_arena);
    d->dups.n = 0;
    tf_sidset_free(&d->dups);
    int64_t max_seq;
    if (tf_stream_inflight_load(d->e->store, &d->e->job, d->o->consumer, &d->dups, &max_seq, err)) return err->code;
    if (max_seq > d->e->seq) d->e->seq = max_seq;
    d->startup_seq = d->e->seq;
    d->phase = PH_PENDING;
    strcpy(d->cursor, "0");
    d->last_msg_us = tf_now_us();
    return TF_OK;
}

static int step(rdrv *d, int *stop, tf_err *err)
{
    char count[24], block[24], idle[24];
    snprintf(count, sizeof count, "%" PRId64, d->o->batch);
    int64_t now = tf_now_us();
    redisReply *r = NULL;
    int caught_up = 0; /* a read of new messages came back short: the stream is drained for now */
    if (d->phase == PH_PENDING) {
        const char *argv[] = {"XREADGROUP", "GROUP", d->o->group, d->o->consumer, "COUNT", count, "STREAMS", d->u.key,
                              d->cursor};
        if (redis_cmd(d, &r, "XREADGROUP", 9, argv, err)) return err->code;
        redisReply *entries = r->type == REDIS_REPLY_ARRAY && r->elements ? r->element[0]->element[1] : NULL;
        if (!entries || !entries->elements) {
            freeReplyObject(r);
            /* everything pending from before is counted or known: acknowledge it all */
            if (commit_and_ack(d, 0, 0, err)) return err->code;
            d->e->acked_upto = d->e->seq;
            d->phase = PH_CLAIM;
            strcpy(d->cursor, "0-0");
            return TF_OK;
        }
        take_entries(d, entries, 1, now);
        d->last_msg_us = now;
    } else if (d->phase == PH_CLAIM) {
        if (d->cursor[0] == '0' && !strcmp(d->cursor, "0-0")) {
            /* a fresh round: what others committed may be pending still */
            tf_sidset_free(&d->dups);
            int64_t ms;
            if (tf_stream_inflight_load(d->e->store, &d->e->job, d->o->consumer, &d->dups, &ms, err)) return err->code;
        }
        snprintf(idle, sizeof idle, "%" PRId64, d->o->claim_idle_us / 1000);
        const char *argv[] = {"XAUTOCLAIM", d->u.key, d->o->group, d->o->consumer, idle, d->cursor, "COUNT", count};
        if (redis_cmd(d, &r, "XAUTOCLAIM", 8, argv, err)) return err->code;
        if (r->type != REDIS_REPLY_ARRAY || r->elements < 2) {
            freeReplyObject(r);
            return tf_errf(err, TF_ENET, "%s: XAUTOCLAIM: unexpected reply", d->o->from);
        }
        char next[48];
        snprintf(next, sizeof next, "%s", r->element[0]->str ? r->element[0]->str : "0-0");
        if (r->element[1]->elements) {
            engine_note(d->e, "claimed %zu messages pending too long at other consumers", r->element[1]->elements);
            take_entries(d, r->element[1], 1, now);
            d->last_msg_us = now;
        }
        snprintf(d->cursor, sizeof d->cursor, "%s", next);
        if (!strcmp(next, "0-0")) {
            d->phase = PH_NEW;
            d->last_claim_us = now;
        }
    } else {
        int64_t wait = d->o->commit_interval_us - (now - d->e->last_commit_us);
        if (wait > 1000000) wait = 1000000;
        if (wait < 1000) wait = 1000;
        snprintf(block, sizeof block, "%" PRId64, wait / 1000);
        const char *argv[] = {"XREADGROUP", "GROUP", d->o->group, d->o->consumer, "COUNT", count, "BLOCK", block,
                              "STREAMS", d->u.key, ">"};
        const char *ahead[] = {"XREADGROUP", "GROUP", d->o->group, d->o->consumer, "COUNT", count,
                               "STREAMS", d->u.key, ">"};
        while (!d->nready && reads_ahead(d))
            if (read_one(d, err)) return err->code;
        if (d->nready) {
            r = d->ready[0];
            memmove(d->ready, d->ready + 1, (size_t)(--d->nready) * sizeof *d->ready);
        } else if (redis_cmd(d, &r, "XREADGROUP", 11, argv, err)) {
            return err->code;
        }
        now = tf_now_us();
        redisReply *entries = r->type == REDIS_REPLY_ARRAY && r->elements ? r->element[0]->element[1] : NULL;
        /* a full batch: more is likely waiting, so the broker prepares the
         * next ones while this one is counted (what is read ahead stays
         * pending at the broker until it is committed and acknowledged).
         * Reads ahead do not block: an empty one says the stream is drained. */
        int full = entries && (int64_t)entries->elements >= d->o->batch;
        caught_up = !full;
        while (full && reads_ahead(d) < AHEAD && d->nq < SENT_MAX)
            if (send_ahead(d, 0, 0, 9, ahead, err)) {
                freeReplyObject(r);
                return err->code;
            }
        if (entries && entries->elements) {
            take_entries(d, entries, 0, now);
            d->last_msg_us = now;
        }
        int64_t every = d->o->claim_idle_us < 10000000 ? d->o->claim_idle_us : 10000000;
        if (now - d->last_claim_us >= every) {
            d->phase = PH_CLAIM;
            strcpy(d->cursor, "0-0");
        }
    }
    freeReplyObject(r);
    now = tf_now_us();
    if (d->o->exit_idle_us && d->phase == PH_NEW && now - d->last_msg_us >= d->o->exit_idle_us) {
        engine_note(d->e, "no message for %.1f s: the stream has ended", (double)(now - d->last_msg_us) / 1e6);
        *stop = 2;
        return TF_OK;
    }
    /* commit every commit interval while messages keep coming, and as soon
     * as the stream is drained (at most ten times a second, for a trickle of
     * messages): waiting longer would only delay the results */
    if (engine_due(d->e, now) || d->acks.n >= 100000 ||
        (caught_up && engine_pending(d->e) && now - d->e->last_commit_us >= DRAINED_GAP_US))
        return commit_and_ack(d, 0, 0, err);
    return TF_OK;
}

static int run_redis(engine *e, tf_err *err)
{
    rdrv d = {0};
    d.e = e;
    d.o = e->o;
    tf_arena_init(&d.ack_arena, 64 * 1024);
    int rc = tf_redis_uri_parse(e->o->from, &d.u, err);
    int64_t down_since = 0;
    while (rc == TF_OK) {
        rc = setup(&d, err);
        int stop = 0;
        while (rc == TF_OK && !stop) {
            if (tf_sig_interrupted()) {
                stop = 1;
                break;
            }
            rc = step(&d, &stop, err);
            if (rc == TF_OK) down_since = 0;
        }
        if (rc == TF_OK && stop) {
            rc = commit_and_ack(&d, 1, stop == 2, err);
            if (rc == TF_OK) break;
        }
        if (rc == TF_ESTATE) {
            engine_note(e, "%s; reading them again", err->msg);
            rc = TF_OK;
        } else if (rc == TF_ENET) {
            /* what was read but not committed is still pending at the broker */
            if (!down_since) down_since = tf_now_us();
            if (e->o->retry_for_us && tf_now_us() - down_since > e->o->retry_for_us) break;
            engine_note(e, "%s; reconnecting", err->msg);
            rc = TF_OK;
        } else {
            break;
        }
        engine_discard(e);
        drop_ahead(&d);
        redisFree(d.c);
        d.c = NULL;
        if (tf_sig_interrupted()) break;
        if (tf_sleep_us(100000)) break;
    }
    if (rc == TF_OK && tf_sig_interrupted() && d.c == NULL)
        engine_note(e, "interrupted while the broker was unreachable; nothing uncommitted is lost");
    drop_ahead(&d);
    redisFree(d.c);
    tf_sidset_free(&d.dups);
    tf_vec_free(&d.acks);
    tf_vec_free(&d.batch);
    tf_vec_free(&d.sids);
    tf_arena_free(&d.ack_arena);
    return rc;
}

int tf_stream_run(const tf_stream_opts *o, tf_stream_summary *sum, tf_err *err)
{
    memset(sum, 0, sizeof *sum);
    engine e;
    int rc = engine_open(&e, o, sum, err);
    if (rc == TF_OK) rc = !strcmp(o->from, "-") ? run_stdin(&e, err) : run_redis(&e, err);
    engine_close(&e);
    return rc;
}
