/* sp_io.c — trip batches, and the choice of trip source for an input path
 * and of staypoint sink for an output format (see sp_io.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tripflow/fsutil.h"
#include "tripflow/sp_io.h"

void tf_trip_batch_clear(tf_trip_batch *b)
{
    b->n = 0;
    tf_buf_clear(&b->ids);
}

void tf_trip_batch_push(tf_trip_batch *b, const char *uid, size_t uid_len, const tf_sp_trip *t, int64_t pos)
{
    if (b->n == b->cap) {
        size_t c = b->cap ? b->cap * 2 : 1024;
        b->uid_off = tf_xrealloc(b->uid_off, c * sizeof *b->uid_off);
        b->uid_len = tf_xrealloc(b->uid_len, c * sizeof *b->uid_len);
        b->start = tf_xrealloc(b->start, c * sizeof *b->start);
        b->end = tf_xrealloc(b->end, c * sizeof *b->end);
        b->start_lat = tf_xrealloc(b->start_lat, c * sizeof *b->start_lat);
        b->start_lng = tf_xrealloc(b->start_lng, c * sizeof *b->start_lng);
        b->end_lat = tf_xrealloc(b->end_lat, c * sizeof *b->end_lat);
        b->end_lng = tf_xrealloc(b->end_lng, c * sizeof *b->end_lng);
        b->pos = tf_xrealloc(b->pos, c * sizeof *b->pos);
        b->cap = c;
    }
    size_t i = b->n++;
    b->uid_off[i] = b->ids.len;
    b->uid_len[i] = (uint32_t)uid_len;
    tf_buf_append(&b->ids, uid, uid_len);
    b->start[i] = t->start;
    b->end[i] = t->end;
    b->start_lat[i] = t->start_lat;
    b->start_lng[i] = t->start_lng;
    b->end_lat[i] = t->end_lat;
    b->end_lng[i] = t->end_lng;
    b->pos[i] = pos;
}

void tf_trip_batch_free(tf_trip_batch *b)
{
    tf_buf_free(&b->ids);
    free(b->uid_off);
    free(b->uid_len);
    free(b->start);
    free(b->end);
    free(b->start_lat);
    free(b->start_lng);
    free(b->end_lat);
    free(b->end_lng);
    free(b->pos);
    memset(b, 0, sizeof *b);
}

/* Parquet files start with the magic "PAR1".  Only regular files are
 * looked at: reading from a pipe would consume its first bytes. */
static int looks_like_parquet(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char m[4];
    int yes = fread(m, 1, 4, f) == 4 && !memcmp(m, "PAR1", 4);
    fclose(f);
    return yes;
}

/* an Iceberg table keeps its metadata in DIR/metadata */
static int looks_like_iceberg(const char *dir)
{
    char *m = tf_path_join(dir, "metadata");
    int yes = tf_is_dir(m);
    free(m);
    return yes;
}

int tf_trip_source_open(const char *path, const tf_trip_source_opts *o, tf_trip_source **out, tf_err *err)
{
    *out = NULL;
    int fmt = o->format;
    if (!strcmp(path, "-")) {
        if (fmt != TF_SP_IN_AUTO && fmt != TF_SP_IN_CSV)
            return tf_errf(err, TF_EINVAL, "standard input (-) is read as CSV only (Parquet and Iceberg need a path)");
        return tf_trip_source_csv(path, o, out, err);
    }
    if (!tf_exists(path)) return tf_errf(err, TF_ENOTFOUND, "%s: no such file or directory", path);
    int dir = tf_is_dir(path);
    if (fmt == TF_SP_IN_AUTO)
        fmt = dir ? (looks_like_iceberg(path) ? TF_SP_IN_ICEBERG : TF_SP_IN_PARQUET)
                  : looks_like_parquet(path) ? TF_SP_IN_PARQUET
                                             : TF_SP_IN_CSV;
    switch (fmt) {
    case TF_SP_IN_CSV:
        if (dir) return tf_errf(err, TF_EINVAL, "%s: is a directory (CSV input is a file)", path);
        return tf_trip_source_csv(path, o, out, err);
    case TF_SP_IN_PARQUET: return tf_trip_source_parquet(path, o, out, err);
    case TF_SP_IN_ICEBERG:
        if (!dir) return tf_errf(err, TF_EINVAL, "%s: not a directory (an Iceberg table is a directory)", path);
        return tf_trip_source_iceberg(path, o, out, err);
    default: return tf_errf(err, TF_EINVAL, "unknown input format %d", fmt);
    }
}

int tf_sp_sink_open(const char *out, const tf_sp_sink_opts *o, tf_sp_sink **s, tf_err *err)
{
    *s = NULL;
    switch (o->format) {
    case TF_SP_OUT_JSON:
    case TF_SP_OUT_CSV: return tf_sp_sink_text(out, o->format, s, err);
    case TF_SP_OUT_PARQUET: return tf_sp_sink_parquet(out, o, s, err);
    default: return tf_errf(err, TF_EINVAL, "unknown staypoint output format %d", o->format);
    }
}
