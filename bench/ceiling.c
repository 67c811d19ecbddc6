/* ceiling.c — the streaming benchmark's helpers, plain hiredis without
 * tripflow: the ceiling (a minimal XREADGROUP + XACK loop draining a stream),
 * filling a stream and generating GA4-shaped events, so bench/stream.sh can
 * compare `tripflow stream` with what Redis and the pipe allow.
 *
 *   ceiling fill PORT KEY N SAMPLE.ndjson   XADD N events (lines of SAMPLE, cycled, time advancing 10 ms each)
 *   ceiling drain PORT KEY GROUP N          read N with XREADGROUP COUNT 1000 + XACK; prints events/s
 *   ceiling live PORT KEY RATE SECONDS SAMPLE.ndjson   XADD at RATE/s with event_timestamp = now
 *   ceiling gen N SAMPLE.ndjson             N events on stdout, event_timestamp advancing 10 ms each
 *   ceiling resp KEY FILE.ndjson            one XADD KEY * data LINE per non-blank line, in the Redis
 *                                           protocol on stdout (for redis-cli --pipe: replay's floor) */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char **line;
    size_t *len, *ts_off; /* offset of the 16 timestamp digits */
    int n;
} sample;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void load(const char *path, sample *s)
{
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(1); }
    char *l = NULL;
    size_t cap = 0;
    ssize_t r;
    memset(s, 0, sizeof *s);
    while ((r = getline(&l, &cap, f)) > 0) {
        while (r && (l[r - 1] == '\n' || l[r - 1] == '\r')) r--;
        char *p = strstr(l, "\"event_timestamp\":\"");
        if (!p) continue;
        s->line = realloc(s->line, (size_t)(s->n + 1) * sizeof *s->line);
        s->len = realloc(s->len, (size_t)(s->n + 1) * sizeof *s->len);
        s->ts_off = realloc(s->ts_off, (size_t)(s->n + 1) * sizeof *s->ts_off);
        s->line[s->n] = strndup(l, (size_t)r);
        s->len[s->n] = (size_t)r;
        s->ts_off[s->n] = (size_t)(p - l) + 19;
        s->n++;
    }
    free(l);
    fclose(f);
    if (!s->n) { fprintf(stderr, "%s: no events\n", path); exit(1); }
}

static void set_ts(sample *s, int i, long long us)
{
    char d[24];
    snprintf(d, sizeof d, "%016lld", us);
    memcpy(s->line[i] + s->ts_off[i], d, 16);
}

static redisContext *conn(const char *port)
{
    redisContext *c = redisConnect("127.0.0.1", atoi(port));
    if (!c || c->err) { fprintf(stderr, "connect: %s\n", c ? c->errstr : "oom"); exit(1); }
    return c;
}

/* XADD events from..from+n (sample lines cycled); ts0 >= 0: event_timestamp = ts0 + 10 ms * index */
static void xadd_batch(redisContext *c, const char *key, sample *s, long from, long n, long long ts0)
{
    for (long i = 0; i < n; i++) {
        int k = (int)((from + i) % s->n);
        if (ts0 >= 0) set_ts(s, k, ts0 + (from + i) * 10000LL);
        const char *argv[] = {"XADD", key, "*", "data", s->line[k]};
        size_t lens[] = {4, strlen(key), 1, 4, s->len[k]};
        redisAppendCommandArgv(c, 5, argv, lens);
    }
    for (long i = 0; i < n; i++) {
        redisReply *r;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) { fprintf(stderr, "XADD: %s\n", c->errstr); exit(1); }
        freeReplyObject(r);
    }
}

int main(int argc, char **argv)
{
    if (argc >= 6 && !strcmp(argv[1], "fill")) {
        sample s;
        load(argv[5], &s);
        redisContext *c = conn(argv[2]);
        long n = atol(argv[4]);
        for (long i = 0; i < n; i += 1000) xadd_batch(c, argv[3], &s, i, n - i < 1000 ? n - i : 1000, 1533279600000000LL);
        redisFree(c);
        return 0;
    }
    if (argc >= 6 && !strcmp(argv[1], "drain")) {
        redisContext *c = conn(argv[2]);
        long want = atol(argv[5]), got = 0;
        freeReplyObject(redisCommand(c, "XGROUP CREATE %s %s 0", argv[3], argv[4]));
        double t0 = now_s();
        while (got < want) {
            redisReply *r = redisCommand(c, "XREADGROUP GROUP %s c COUNT 1000 STREAMS %s >", argv[4], argv[3]);
            if (!r || r->type != REDIS_REPLY_ARRAY || !r->elements) { fprintf(stderr, "drain: stream ended early\n"); return 1; }
            redisReply *e = r->element[0]->element[1];
            const char **av = malloc((e->elements + 3) * sizeof *av);
            av[0] = "XACK", av[1] = argv[3], av[2] = argv[4];
            for (size_t i = 0; i < e->elements; i++) av[3 + i] = e->element[i]->element[0]->str;
            freeReplyObject(redisCommandArgv(c, (int)e->elements + 3, av, NULL));
            got += (long)e->elements;
            free(av);
            freeReplyObject(r);
        }
        double dt = now_s() - t0;
        printf("%ld %.3f\n", got, dt);
        redisFree(c);
        return 0;
    }
    if (argc >= 7 && !strcmp(argv[1], "live")) {
        sample s;
        load(argv[6], &s);
        redisContext *c = conn(argv[2]);
        double rate = atof(argv[4]), secs = atof(argv[5]), t0 = now_s();
        long sent = 0;
        while (now_s() - t0 < secs) {
            long due = (long)((now_s() - t0) * rate);
            for (; sent < due; sent++) {
                int k = (int)(sent % s.n);
                set_ts(&s, k, (long long)(now_s() * 1e6));
                xadd_batch(c, argv[3], &s, k, 1, -1);
            }
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        redisFree(c);
        return 0;
    }
    if (argc >= 4 && !strcmp(argv[1], "gen")) {
        sample s;
        load(argv[3], &s);
        long n = atol(argv[2]);
        long long t = 1533279600000000LL;
        static char out[1 << 20];
        setvbuf(stdout, out, _IOFBF, sizeof out);
        for (long i = 0; i < n; i++, t += 10000) {
            int k = (int)(i % s.n);
            set_ts(&s, k, t);
            fwrite(s.line[k], 1, s.len[k], stdout);
            putchar('\n');
        }
        return 0;
    }
    if (argc >= 4 && !strcmp(argv[1], "resp")) {
        FILE *f = fopen(argv[3], "r");
        if (!f) { perror(argv[3]); return 1; }
        static char out[1 << 20];
        setvbuf(stdout, out, _IOFBF, sizeof out);
        char *l = NULL;
        size_t cap = 0, klen = strlen(argv[2]);
        ssize_t r;
        while ((r = getline(&l, &cap, f)) > 0) {
            while (r && (l[r - 1] == '\n' || l[r - 1] == '\r')) r--;
            if (!r) continue;
            printf("*5\r\n$4\r\nXADD\r\n$%zu\r\n%s\r\n$1\r\n*\r\n$4\r\ndata\r\n$%zd\r\n", klen, argv[2], r);
            fwrite(l, 1, (size_t)r, stdout);
            fputs("\r\n", stdout);
        }
        free(l);
        fclose(f);
        return 0;
    }
    fprintf(stderr, "usage: see the comment at the top of bench/ceiling.c\n");
    return 2;
}
