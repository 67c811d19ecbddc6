/* sp_sink_text.c — staypoints as JSON lines or CSV (user_id,p1,p2,
 * staypoints_json), written under a temporary name and renamed into place on
 * commit (see sp_io.h).  The JSON text matches the seed's sample output:
 * ", " and ": " separators, times as 'YYYY-MM-DD HH:MM:SS.mmm' (UTC,
 * milliseconds truncated), coordinates in shortest round-trip form. */
#include <stdlib.h>
#include <string.h>

#include "tripflow/csv.h"
#include "tripflow/jsonw.h"
#include "tripflow/publish.h"
#include "tripflow/sp_io.h"

typedef struct text_sink {
    tf_sp_sink base;
    int format;
    tf_outfile out;
    int committed;
    tf_buf arr; /* CSV: the staypoints array before quoting */
} text_sink;

static void put_time(tf_buf *b, int64_t us)
{
    char t[32];
    int n = tf_format_timestamp(us, TF_TS_MILLIS, t);
    tf_buf_putc(b, '"');
    tf_buf_append(b, t, (size_t)n);
    tf_buf_putc(b, '"');
}

/* [{"enter_time": "...", "exit_time": "...", "lat": x, "lng": y}, ...] */
static void put_staypoints(tf_buf *b, const tf_staypoint *sp, size_t n)
{
    tf_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) tf_buf_append(b, ", ", 2);
        tf_buf_append(b, "{\"enter_time\": ", 15);
        put_time(b, sp[i].enter);
        tf_buf_append(b, ", \"exit_time\": ", 15);
        put_time(b, sp[i].exit);
        tf_buf_append(b, ", \"lat\": ", 9);
        tf_jsonw_double(b, sp[i].lat);
        tf_buf_append(b, ", \"lng\": ", 9);
        tf_jsonw_double(b, sp[i].lng);
        tf_buf_putc(b, '}');
    }
    tf_buf_putc(b, ']');
}

static int text_write(tf_sp_sink *base, const tf_sp_row *r, tf_err *err)
{
    text_sink *s = (text_sink *)base;
    tf_buf *b = &s->out.buf;
    const char *id = r->user_id;
    if (s->format == TF_SP_OUT_JSON) {
        tf_buf_append(b, "{\"user_id\": ", 12);
        tf_jsonw_str(b, id, r->user_len);
        tf_buf_append(b, ", \"staypoints\": ", 16);
        put_staypoints(b, r->sp, r->n);
        tf_buf_append(b, ", \"p1\": ", 8);
        tf_jsonw_str(b, id, r->p1_len);
        tf_buf_append(b, ", \"p2\": ", 8);
        tf_jsonw_str(b, id + r->p2_off, r->p2_len);
        tf_buf_append(b, "}\n", 2);
    } else {
        tf_csv_write_field(b, id, r->user_len, ',');
        tf_buf_putc(b, ',');
        tf_csv_write_field(b, id, r->p1_len, ',');
        tf_buf_putc(b, ',');
        tf_csv_write_field(b, id + r->p2_off, r->p2_len, ',');
        tf_buf_putc(b, ',');
        tf_buf_clear(&s->arr);
        put_staypoints(&s->arr, r->sp, r->n);
        tf_csv_write_field(b, s->arr.data, s->arr.len, ',');
        tf_buf_putc(b, '\n');
    }
    base->rows++;
    base->staypoints += (int64_t)r->n;
    return tf_outfile_maybe_flush(&s->out, err);
}

static int text_commit(tf_sp_sink *base, tf_err *err)
{
    text_sink *s = (text_sink *)base;
    s->committed = 1;
    return tf_outfile_commit(&s->out, err);
}

static void text_close(tf_sp_sink *base)
{
    text_sink *s = (text_sink *)base;
    if (!s) return;
    if (!s->committed) tf_outfile_abort(&s->out);
    tf_buf_free(&s->arr);
    free(s);
}

int tf_sp_sink_text(const char *out, int format, tf_sp_sink **sink, tf_err *err)
{
    *sink = NULL;
    text_sink *s = tf_xcalloc(1, sizeof *s);
    s->base.write = text_write;
    s->base.commit = text_commit;
    s->base.close = text_close;
    s->format = format;
    if (tf_outfile_open(&s->out, out, err)) {
        free(s);
        return err->code;
    }
    if (format == TF_SP_OUT_CSV) tf_buf_puts(&s->out.buf, "user_id,p1,p2,staypoints_json\n");
    *sink = &s->base;
    return TF_OK;
}
