/* redis.c — Redis connection helpers shared by the consumer and replay
 * (see engine.h): URIs, connecting with retries and backoff, errors. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "tripflow/sig.h"
#include "tripflow/timeutil.h"

int tf_redis_uri_parse(const char *uri, tf_redis_uri *out, tf_err *err)
{
    memset(out, 0, sizeof *out);
    if (!uri || strncmp(uri, "redis://", 8))
        return tf_errf(err, TF_EINVAL, "'%s': expected redis://HOST[:PORT]/STREAM", uri ? uri : "");
    const char *h = uri + 8, *slash = strchr(h, '/');
    if (!slash || !slash[1]) return tf_errf(err, TF_EINVAL, "'%s': no stream key (redis://HOST[:PORT]/STREAM)", uri);
    const char *colon = memchr(h, ':', (size_t)(slash - h));
    size_t hl = (size_t)((colon ? colon : slash) - h);
    if (!hl || hl >= sizeof out->host) return tf_errf(err, TF_EINVAL, "'%s': no host", uri);
    memcpy(out->host, h, hl);
    out->port = 6379;
    if (colon) {
        char *end;
        long p = strtol(colon + 1, &end, 10);
        if (end != slash || p < 1 || p > 65535) return tf_errf(err, TF_EINVAL, "'%s': bad port", uri);
        out->port = (int)p;
    }
    if (strlen(slash + 1) >= sizeof out->key) return tf_errf(err, TF_EINVAL, "'%s': stream key too long", uri);
    strcpy(out->key, slash + 1);
    return TF_OK;
}

int tf_sleep_us(int64_t us)
{
    if (tf_sig_interrupted()) return 1;
    struct pollfd p = {tf_sig_fd(), POLLIN, 0};
    int64_t end = tf_now_us() + us;
    for (;;) {
        int64_t left = end - tf_now_us();
        if (left <= 0) return 0;
        int r = poll(p.fd >= 0 ? &p : NULL, p.fd >= 0 ? 1 : 0, (int)((left + 999) / 1000));
        if (tf_sig_interrupted()) return 1;
        if (r < 0 && errno != EINTR) return 0;
    }
}

int tf_redis_connect(const char *uri, const tf_redis_uri *u, int64_t retry_for_us, int quiet, redisContext **out,
                     tf_err *err)
{
    int64_t start = tf_now_us(), delay = 100000;
    int failed = 0;
    for (;;) {
        struct timeval tv = {2, 0};
        redisContext *c = redisConnectWithTimeout(u->host, u->port, tv);
        if (c && !c->err) {
            struct timeval rt = {30, 0};
            redisSetTimeout(c, rt);
            if (failed && !quiet) fprintf(stderr, "tripflow: %s: connected\n", uri);
            *out = c;
            return TF_OK;
        }
        char why[256];
        snprintf(why, sizeof why, "%s", c ? c->errstr : "out of memory");
        redisFree(c);
        failed = 1;
        if (retry_for_us > 0 && tf_now_us() - start + delay > retry_for_us)
            return tf_errf(err, TF_ENET, "%s: cannot connect: %s (gave up after %.1f s)", uri, why,
                           (double)(tf_now_us() - start) / 1e6);
        if (!quiet) fprintf(stderr, "tripflow: %s: cannot connect: %s; retrying in %.1f s\n", uri, why, delay / 1e6);
        if (tf_sleep_us(delay)) return tf_errf(err, TF_ECANCELED, "%s: interrupted while waiting for the broker", uri);
        delay = delay * 2 > 5000000 ? 5000000 : delay * 2;
    }
}

int tf_redis_fail(redisContext *c, redisReply *r, const char *uri, const char *what, tf_err *err)
{
    if (!r) return tf_errf(err, TF_ENET, "%s: %s: %s", uri, what, c->errstr[0] ? c->errstr : "connection lost");
    int rc = r->type == REDIS_REPLY_ERROR ? tf_errf(err, TF_ENET, "%s: %s: %s", uri, what, r->str)
                                          : tf_errf(err, TF_ENET, "%s: %s: unexpected reply type %d", uri, what, r->type);
    return rc;
}

int tf_redis_transient(const redisReply *r)
{
    static const char *const codes[] = {"LOADING ", "BUSY ", "MASTERDOWN ", "TRYAGAIN "};
    if (!r || r->type != REDIS_REPLY_ERROR || !r->str) return 0;
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
        if (!strncmp(r->str, codes[i], strlen(codes[i]))) return 1;
    return 0;
}

void tf_stream_broker_counts(const char *uri, const char *group, int64_t *pending, int64_t *lag, char *note, size_t nn)
{
    *pending = *lag = -1;
    tf_redis_uri u;
    tf_err e = {0};
    if (tf_redis_uri_parse(uri, &u, &e)) return;
    struct timeval tv = {1, 0};
    redisContext *c = redisConnectWithTimeout(u.host, u.port, tv);
    if (!c || c->err) {
        snprintf(note, nn, "broker unreachable: %s", c ? c->errstr : "out of memory");
        redisFree(c);
        return;
    }
    redisReply *r = redisCommand(c, "XINFO GROUPS %s", u.key);
    for (size_t g = 0; r && r->type == REDIS_REPLY_ARRAY && g < r->elements; g++) {
        redisReply *m = r->element[g];
        int mine = 0;
        int64_t p = -1, l = -1;
        for (size_t i = 0; m->type == REDIS_REPLY_ARRAY && i + 1 < m->elements; i += 2) {
            const char *k = m->element[i]->str;
            redisReply *v = m->element[i + 1];
            if (!strcmp(k, "name") && v->type == REDIS_REPLY_STRING && !strcmp(v->str, group)) mine = 1;
            if (!strcmp(k, "pending") && v->type == REDIS_REPLY_INTEGER) p = v->integer;
            if (!strcmp(k, "lag") && v->type == REDIS_REPLY_INTEGER) l = v->integer;
        }
        if (mine) *pending = p, *lag = l;
    }
    if (r && r->type == REDIS_REPLY_ERROR) snprintf(note, nn, "%s", r->str);
    freeReplyObject(r);
    redisFree(c);
}


int tf_stream_uri_check(const char *uri, tf_err *err)
{
    tf_redis_uri u;
    return tf_redis_uri_parse(uri, &u, err);
}
