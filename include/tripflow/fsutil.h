/* fsutil.h — file-system helpers: directories, atomic publication
 * (write under a temporary name, fsync, rename), read-only mappings. */
#ifndef TF_FSUTIL_H
#define TF_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/err.h"
#include "tripflow/mem.h"

int tf_mkdir_p(const char *path, tf_err *err);
/* remove a file or a whole tree; a missing path is not an error */
int tf_rm_rf(const char *path, tf_err *err);
int tf_fsync_path(const char *path, tf_err *err); /* a file or a directory */
/* Start writing fd's dirty pages to disk without waiting (a later fsync
 * finds less to do); a hint: failures are left to that fsync. */
void tf_start_writeback(int fd);
/* the directory part of path ("." when none), heap string */
char *tf_dirname(const char *path);
const char *tf_basename(const char *path);
char *tf_path_join(const char *a, const char *b); /* heap string */
int tf_is_dir(const char *path);
int tf_exists(const char *path);

/* A whole file mapped read-only (empty files map to a valid empty range). */
typedef struct tf_map {
    const char *data;
    size_t size;
    int fd;
} tf_map;
int tf_map_open(const char *path, tf_map *m, tf_err *err);
void tf_map_close(tf_map *m);

/* Read a whole file or stream (path "-" = stdin) into b. */
int tf_read_all(const char *path, tf_buf *b, tf_err *err);
/* Write data to path atomically (publish.h: a hidden temporary, fsync, rename). */
int tf_write_atomic(const char *path, const void *data, size_t n, tf_err *err);

#endif
