/* fsutil.c — file-system helpers (see fsutil.h). */
#include "tripflow/fsutil.h"

#include "tripflow/publish.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int tf_mkdir_p(const char *path, tf_err *err)
{
    char *p = tf_xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            tf_errno(err, TF_EIO, "%s: cannot create directory", p);
            free(p);
            return TF_EIO;
        }
        *s = '/';
    }
    int rc = TF_OK;
    if (mkdir(p, 0777) != 0 && errno != EEXIST) rc = tf_errno(err, TF_EIO, "%s: cannot create directory", p);
    else if (!tf_is_dir(p)) rc = tf_errf(err, TF_EIO, "%s: exists and is not a directory", p);
    free(p);
    return rc;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

int tf_rm_rf(const char *path, tf_err *err)
{
    /* another process may be removing the same tree (two tripflows cleaning
     * one staging directory): what vanishes under the walk (ENOENT) is
     * gone, which is the point; walk again until the path itself is */
    for (int attempt = 0;; attempt++) {
        struct stat st;
        if (lstat(path, &st) != 0) return errno == ENOENT ? TF_OK : tf_errno(err, TF_EIO, "%s", path);
        if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0) return TF_OK;
        if (errno != ENOENT || attempt >= 8) return tf_errno(err, TF_EIO, "%s: cannot remove", path);
    }
}

int tf_fsync_path(const char *path, tf_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return tf_errno(err, TF_EIO, "%s: open for fsync", path);
    int rc = fsync(fd) != 0 && errno != EINVAL ? tf_errno(err, TF_EIO, "%s: fsync", path) : TF_OK;
    close(fd);
    return rc;
}

void tf_start_writeback(int fd)
{
#ifdef SYNC_FILE_RANGE_WRITE
    (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
#endif
}

char *tf_dirname(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s) return tf_xstrdup(".");
    if (s == path) return tf_xstrdup("/");
    return tf_xstrndup(path, (size_t)(s - path));
}

const char *tf_basename(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

char *tf_path_join(const char *a, const char *b)
{
    if (!a || !*a || b[0] == '/') return tf_xstrdup(b);
    size_t la = strlen(a);
    return tf_xasprintf("%s%s%s", a, a[la - 1] == '/' ? "" : "/", b);
}

int tf_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int tf_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int tf_map_open(const char *path, tf_map *m, tf_err *err)
{
    m->data = NULL;
    m->size = 0;
    m->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (m->fd < 0) return tf_errno(err, TF_EIO, "%s", path);
    struct stat st;
    if (fstat(m->fd, &st) != 0) {
        tf_errno(err, TF_EIO, "%s: stat", path);
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        tf_errf(err, TF_EIO, "%s: not a regular file", path);
        goto fail;
    }
    m->size = (size_t)st.st_size;
    if (m->size == 0) {
        m->data = "";
        return TF_OK;
    }
    void *p = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, m->fd, 0);
    if (p == MAP_FAILED) {
        tf_errno(err, TF_EIO, "%s: mmap", path);
        goto fail;
    }
    madvise(p, m->size, MADV_SEQUENTIAL);
    m->data = p;
    return TF_OK;
fail:
    close(m->fd);
    m->fd = -1;
    return TF_EIO;
}

void tf_map_close(tf_map *m)
{
    if (m->data && m->size) munmap((void *)m->data, m->size);
    if (m->fd >= 0) close(m->fd);
    m->data = NULL;
    m->size = 0;
    m->fd = -1;
}

int tf_read_all(const char *path, tf_buf *b, tf_err *err)
{
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0) return tf_errno(err, TF_EIO, "%s", path);
    for (;;) {
        tf_buf_reserve(b, 1 << 16);
        ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
        if (n < 0) {
            if (errno == EINTR) continue;
            tf_errno(err, TF_EIO, "%s: read", path);
            if (fd) close(fd);
            return TF_EIO;
        }
        if (n == 0) break;
        b->len += (size_t)n;
    }
    if (fd) close(fd);
    return TF_OK;
}

int tf_write_atomic(const char *path, const void *data, size_t n, tf_err *err)
{
    tf_outfile f;
    int rc = tf_outfile_open(&f, path, err);
    if (rc) return rc;
    if ((rc = tf_outfile_write(&f, data, n, err))) {
        tf_outfile_abort(&f);
        return rc;
    }
    return tf_outfile_commit(&f, err);
}
