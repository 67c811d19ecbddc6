/* sink_tty.c — the live progress bar on a terminal: redrawn in place on
 * stderr for progress events, cleared when the run ends (see events.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/events.h"
#include "tripflow/mem.h"

typedef struct {
    FILE *tty;
    int drawn;
} tty_sink;

static double num(json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

static void human(double v, const char *unit, char *out, size_t n)
{
    if (v >= 1e9) snprintf(out, n, "%.2fG%s", v / 1e9, unit);
    else if (v >= 1e6) snprintf(out, n, "%.2fM%s", v / 1e6, unit);
    else if (v >= 1e3) snprintf(out, n, "%.1fk%s", v / 1e3, unit);
    else snprintf(out, n, "%.0f%s", v, unit);
}

static void clear(tty_sink *t)
{
    if (t->drawn) {
        fputs("\r\033[K", t->tty);
        t->drawn = 0;
    }
}

static void tty_emit(void *ud, const tf_event *ev)
{
    tty_sink *t = ud;
    if (!strcmp(ev->type, "progress")) {
        double bytes = num(ev->obj, "bytes"), total = num(ev->obj, "bytes_total");
        double rows = num(ev->obj, "rows"), rate = num(ev->obj, "bytes_per_s");
        const char *src = json_string_value(json_object_get(ev->obj, "source"));
        double frac = total > 0 ? bytes / total : 0;
        if (frac > 1) frac = 1;
        char bar[31];
        int fill = (int)(frac * 30);
        for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        char r[32], b[32];
        human(rows, " rows", r, sizeof r);
        human(rate, "B/s", b, sizeof b);
        double eta = rate > 0 && total > bytes ? (total - bytes) / rate : 0;
        fprintf(t->tty, "\r\033[K%s [%s] %3.0f%%  %s  %s  ETA %.0fs", src ? src : "", bar, frac * 100, r, b, eta);
        fflush(t->tty);
        t->drawn = 1;
    } else if (!strcmp(ev->type, "stage")) {
        const char *stage = json_string_value(json_object_get(ev->obj, "stage"));
        if (stage && strcmp(stage, "parsing")) {
            clear(t);
            fprintf(t->tty, "\r%s...", stage);
            fflush(t->tty);
            t->drawn = 1;
        }
    } else {
        clear(t);
    }
}

static void tty_close(void *ud)
{
    clear(ud);
    free(ud);
}

tf_event_sink tf_sink_tty(FILE *tty)
{
    tty_sink *t = tf_xcalloc(1, sizeof *t);
    t->tty = tty;
    return (tf_event_sink){tty_emit, tty_close, t, 0};
}
