/* publish.h — all-or-nothing outputs.  A file or a directory is written
 * under a hidden temporary name beside its final name (.NAME.tmp-PID), made
 * durable, and renamed into place when the run succeeds; a failed run removes
 * it.  A killed run (SIGKILL) leaves nothing under the final name, and the
 * next run that writes the same name removes temporaries whose process is
 * gone.  "-" as a file path means standard output; an existing device or
 * pipe (/dev/null, a FIFO) is written directly: neither can be atomic. */
#ifndef TF_PUBLISH_H
#define TF_PUBLISH_H

#include <stdint.h>

#include "tripflow/err.h"
#include "tripflow/mem.h"

typedef struct tf_outfile {
    char *path; /* final path, or "-" */
    char *tmp;  /* temporary path; NULL for standard output */
    int fd;
    tf_buf buf; /* append here, then tf_outfile_maybe_flush */
    int64_t bytes;
} tf_outfile;

int tf_outfile_open(tf_outfile *f, const char *path, tf_err *err);
/* write the buffer out when it holds more than 1 MiB */
int tf_outfile_maybe_flush(tf_outfile *f, tf_err *err);
int tf_outfile_write(tf_outfile *f, const void *p, size_t n, tf_err *err);
/* flush, fsync, rename into place; the tf_outfile is released either way */
int tf_outfile_commit(tf_outfile *f, tf_err *err);
/* remove the temporary and release; harmless after commit or on a zeroed struct */
void tf_outfile_abort(tf_outfile *f);

typedef struct tf_outdir {
    char *path; /* final directory */
    char *tmp;  /* write everything under here */
} tf_outdir;

/* creates the (empty) temporary directory; an existing non-directory at path is an error */
int tf_outdir_open(tf_outdir *d, const char *path, tf_err *err);
/* sync the file system, then swap it into place (an existing directory at
 * path is replaced in one atomic exchange and removed) */
int tf_outdir_commit(tf_outdir *d, tf_err *err);
void tf_outdir_abort(tf_outdir *d);

/* For files another writer creates (the Parquet writer): the temporary name
 * tf_outfile would use (heap), and the move of the finished, synced
 * temporary into place. */
char *tf_publish_temp(const char *path);
int tf_publish_rename(const char *tmp, const char *path, tf_err *err);

/* remove .NAME.tmp-PID entries beside path whose process no longer exists;
 * returns how many were removed */
int tf_publish_clean_stale(const char *path);

#endif
