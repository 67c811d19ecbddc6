/* sink_webhook.c — POST every run event as JSON to a URL (libcurl) from a
 * background thread, so a slow or dead listener never slows or fails a run.
 * Each event is tried up to 3 times (0.2 s, 0.5 s apart, 2 s timeout each);
 * at close the queue gets at most 5 s to drain, and whatever could not be
 * delivered is reported on stderr (see events.h). */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tripflow/events.h"
#include "tripflow/mem.h"
#include "tripflow/timeutil.h"

#define QUEUE_MAX 4096

typedef struct {
    char *url;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    char *queue[QUEUE_MAX];
    size_t head, count;
    int closing;
    double deadline; /* monotonic time after which the worker gives up */
    long delivered, failed, dropped;
    char last_error[256];
} webhook;

static size_t discard(char *p, size_t s, size_t n, void *ud)
{
    (void)p, (void)ud;
    return s * n;
}

static int post(webhook *w, CURL *c, const char *body)
{
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, w->url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    pthread_mutex_lock(&w->lock);
    if (rc != CURLE_OK) snprintf(w->last_error, sizeof w->last_error, "%s", curl_easy_strerror(rc));
    else if (status < 200 || status >= 300) snprintf(w->last_error, sizeof w->last_error, "HTTP status %ld", status);
    pthread_mutex_unlock(&w->lock);
    return rc == CURLE_OK && status >= 200 && status < 300;
}

static void nap(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static void *worker(void *ud)
{
    webhook *w = ud;
    CURL *c = curl_easy_init();
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (!w->count && !w->closing) pthread_cond_wait(&w->cond, &w->lock);
        if (!w->count || (w->closing && tf_mono_s() > w->deadline)) {
            pthread_mutex_unlock(&w->lock);
            break;
        }
        char *body = w->queue[w->head];
        w->head = (w->head + 1) % QUEUE_MAX;
        w->count--;
        pthread_mutex_unlock(&w->lock);
        int ok = 0;
        static const double backoff[] = {0.2, 0.5};
        for (int attempt = 0; attempt < 3 && !ok; attempt++) {
            if (attempt) {
                pthread_mutex_lock(&w->lock);
                int late = w->closing && tf_mono_s() + backoff[attempt - 1] > w->deadline;
                pthread_mutex_unlock(&w->lock);
                if (late) break;
                nap(backoff[attempt - 1]);
            }
            ok = c && post(w, c, body);
        }
        pthread_mutex_lock(&w->lock);
        if (ok) w->delivered++;
        else w->failed++;
        pthread_mutex_unlock(&w->lock);
        free(body);
    }
    if (c) curl_easy_cleanup(c);
    return NULL;
}

static void wh_emit(void *ud, const tf_event *ev)
{
    webhook *w = ud;
    pthread_mutex_lock(&w->lock);
    if (w->count == QUEUE_MAX) {
        /* a listener that cannot keep up loses the oldest events, never the run */
        free(w->queue[w->head]);
        w->head = (w->head + 1) % QUEUE_MAX;
        w->count--;
        w->dropped++;
    }
    w->queue[(w->head + w->count) % QUEUE_MAX] = tf_xstrdup(ev->text);
    w->count++;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void wh_close(void *ud)
{
    webhook *w = ud;
    pthread_mutex_lock(&w->lock);
    w->closing = 1;
    w->deadline = tf_mono_s() + 5.0;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    long lost = w->failed + w->dropped + (long)w->count;
    if (lost)
        fprintf(stderr, "tripflow: warning: webhook %s: %ld of %ld events not delivered (%s)\n", w->url, lost,
                lost + w->delivered, w->last_error[0] ? w->last_error : "listener too slow");
    while (w->count) {
        free(w->queue[w->head]);
        w->head = (w->head + 1) % QUEUE_MAX;
        w->count--;
    }
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    free(w->url);
    free(w);
}

static void curl_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    atexit(curl_global_cleanup);
}

tf_event_sink tf_sink_webhook(const char *url)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, curl_once);
    webhook *w = tf_xcalloc(1, sizeof *w);
    w->url = tf_xstrdup(url);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    pthread_create(&w->thread, NULL, worker, w);
    return (tf_event_sink){wh_emit, wh_close, w, 0};
}
