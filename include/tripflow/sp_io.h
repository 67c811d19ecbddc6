/* sp_io.h — where the staypoint job reads trips and writes staypoints.
 *
 * A trip source yields batches of valid trips in input order; a row it
 * cannot use goes to the reject file with its line, field and reason and is
 * counted, never guessed at.  tf_trip_source_open picks the source for a
 * path: "-" (CSV on standard input), a CSV file, a Parquet file, a directory
 * of Parquet files (Hive-partitioned or not), or an Iceberg table directory
 * (its current snapshot).
 *
 * A staypoint sink receives one row per user that has staypoints, in
 * ascending user_id byte order (so the rows of one (p1, p2) partition are
 * contiguous), and publishes its output all at once on commit; closing it
 * uncommitted removes everything it wrote. */
#ifndef TF_SP_IO_H
#define TF_SP_IO_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/err.h"
#include "tripflow/mem.h"
#include "tripflow/reject.h"
#include "tripflow/staypoints.h"
#include "tripflow/timeutil.h"

/* ---- trips in ---- */
typedef struct tf_trip_batch {
    size_t n, cap;
    tf_buf ids;                /* user_id bytes of the batch */
    size_t *uid_off;           /* user_id i = ids.data + uid_off[i], uid_len[i] bytes */
    uint32_t *uid_len;
    int64_t *start, *end;      /* µs UTC */
    double *start_lat, *start_lng, *end_lat, *end_lng;
    int64_t *pos;              /* where the row is in the input (CSV: its line) */
} tf_trip_batch;

void tf_trip_batch_clear(tf_trip_batch *b);
/* append a trip (the id is copied) */
void tf_trip_batch_push(tf_trip_batch *b, const char *uid, size_t uid_len, const tf_sp_trip *t, int64_t pos);
void tf_trip_batch_free(tf_trip_batch *b);

enum { TF_SP_IN_AUTO = 0, TF_SP_IN_CSV = 1, TF_SP_IN_PARQUET = 2, TF_SP_IN_ICEBERG = 3 };
#define TF_SP_IN_CHOICES "auto|csv|parquet|iceberg"

typedef struct tf_trip_source_opts {
    int format;           /* TF_SP_IN_*: auto = by the path (see tf_trip_source_open) */
    const tf_tz *tz;      /* naive times are in this zone; NULL: UTC */
    tf_rejects *rejects;  /* required */
    size_t batch_rows;    /* 0: a default */
} tf_trip_source_opts;

typedef struct tf_trip_source tf_trip_source;
struct tf_trip_source {
    const char *kind; /* "csv", "parquet", "iceberg" */
    /* fill b with the trips of the next rows (all of them may have been
     * rejected): 1, or 0 at the end of the input (b empty), or a negative
     * tf_code */
    int (*next)(tf_trip_source *s, tf_trip_batch *b, tf_err *err);
    void (*close)(tf_trip_source *s);
    int64_t rows;     /* data rows read so far, rejected ones included */
    int64_t rejected; /* rows sent to the reject file */
};

/* auto: "-" is CSV; a directory with a metadata/ directory is an Iceberg
 * table, another directory holds Parquet files; a file starting with PAR1 is
 * Parquet, any other file CSV */
int tf_trip_source_open(const char *path, const tf_trip_source_opts *o, tf_trip_source **out, tf_err *err);
/* CSV with a header naming user_id, trip_start_time, trip_end_time,
 * start_lat, start_lng, end_lat, end_lng (any order, other columns ignored) */
int tf_trip_source_csv(const char *path, const tf_trip_source_opts *o, tf_trip_source **out, tf_err *err);
/* Parquet: one file, or every file under a directory (recursively, in path
 * order; names starting with . or _ skipped).  Columns are found by name
 * (exact, else case-insensitive); user_id BYTE_ARRAY (STRING), times INT64
 * TIMESTAMP in any unit or INT96, coordinates DOUBLE or FLOAT.  A column the
 * files lack is taken from a Hive key=value directory of that name.  A null,
 * an id that is not UTF-8 or a bad value rejects the row (its record names
 * the file, the row group and the row in it). */
int tf_trip_source_parquet(const char *path, const tf_trip_source_opts *o, tf_trip_source **out, tf_err *err);
/* An Iceberg table directory (format versions 1 and 2): the data files of
 * its current snapshot, columns matched by field id; delete files refused. */
int tf_trip_source_iceberg(const char *path, const tf_trip_source_opts *o, tf_trip_source **out, tf_err *err);

/* ---- staypoints out ---- */
typedef struct tf_sp_row {
    const char *user_id;
    size_t user_len;
    size_t p1_len, p2_off, p2_len; /* partition keys inside user_id */
    const tf_staypoint *sp;
    size_t n;
} tf_sp_row;

enum { TF_SP_OUT_JSON = 0, TF_SP_OUT_CSV = 1, TF_SP_OUT_PARQUET = 2 };
#define TF_SP_OUT_CHOICES "json|csv|parquet"
#define TF_SP_PQ_ROW_GROUP_ROWS 65536
#define TF_SP_PQ_FILE_ROWS 1048576

typedef struct tf_sp_sink_opts {
    int format;             /* TF_SP_OUT_* */
    int64_t row_group_rows; /* parquet: rows (users) per row group; 0: TF_SP_PQ_ROW_GROUP_ROWS */
    int64_t file_rows;      /* parquet: rows per file before the next part file; 0: TF_SP_PQ_FILE_ROWS */
} tf_sp_sink_opts;

typedef struct tf_sp_sink tf_sp_sink;
struct tf_sp_sink {
    int (*write)(tf_sp_sink *s, const tf_sp_row *r, tf_err *err);
    int (*commit)(tf_sp_sink *s, tf_err *err);
    void (*close)(tf_sp_sink *s); /* frees; removes the output unless committed */
    int64_t rows, staypoints;
};

/* the sink for a format; out: a file path, or "-" for standard output
 * (text formats), or a directory (parquet) */
int tf_sp_sink_open(const char *out, const tf_sp_sink_opts *o, tf_sp_sink **s, tf_err *err);
/* JSON lines or CSV text */
int tf_sp_sink_text(const char *out, int format, tf_sp_sink **s, tf_err *err);
/* Hive-partitioned Parquet: out/p1=<p1>/p2=<p2>/part-NNNNN.parquet */
int tf_sp_sink_parquet(const char *out, const tf_sp_sink_opts *o, tf_sp_sink **s, tf_err *err);

/* ---- pipelining (sp_async.c) ---- */
/* Read inner a few batches ahead in a thread of its own (takes ownership).
 * For inputs whose reads cannot block for ever: files, not pipes. */
tf_trip_source *tf_trip_source_prefetch(tf_trip_source *inner);
/* Hand rows to inner from a writer thread of its own (takes ownership);
 * write errors come back from a later write or from commit. */
tf_sp_sink *tf_sp_sink_async(tf_sp_sink *inner);

#endif
