/* csvstream.h — CSV records from a file or a stream (path "-" = standard
 * input), read in blocks so that memory stays small whatever the input size.
 * A record that runs past the end of a block (a long line, or a quoted field
 * with newlines) is carried over to the next block, so records come out
 * exactly as tf_csv_next gives them for the whole input at once.  Records
 * point into the stream's buffer and stay valid until the next call. */
#ifndef TF_CSVSTREAM_H
#define TF_CSVSTREAM_H

#include <stdint.h>

#include "tripflow/csv.h"
#include "tripflow/err.h"
#include "tripflow/mem.h"

typedef struct tf_csv_stream {
    char *name; /* the path, or "stdin", for messages */
    int fd;
    tf_buf buf;
    size_t block;       /* bytes asked for per read */
    size_t max_record;  /* a record longer than this is cut where the buffer ends */
    int eof, started;
    tf_csv_reader rd;
    int64_t bytes_read;
} tf_csv_stream;

int tf_csv_stream_open(tf_csv_stream *s, const char *path, tf_err *err);
/* 1: a record; 0: end of input; negative: a read error (in err) */
int tf_csv_stream_next(tf_csv_stream *s, tf_csv_record *rec, tf_err *err);
/* tf_csv_resync for the record just returned */
void tf_csv_stream_resync(tf_csv_stream *s, const tf_csv_record *rec);
void tf_csv_stream_close(tf_csv_stream *s);

#endif
