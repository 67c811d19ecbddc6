/* publish.c — temporary names, durability and rename into place for output
 * files and directories (see publish.h). */
#include "tripflow/publish.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tripflow/fsutil.h"

#define FLUSH_AT (1u << 20)

static char *temp_name(const char *path)
{
    char *dir = tf_dirname(path);
    char *base = tf_xasprintf(".%s.tmp-%ld", tf_basename(path), (long)getpid());
    char *tmp = tf_path_join(strcmp(dir, ".") ? dir : "", base);
    free(dir);
    free(base);
    return tmp;
}

int tf_publish_clean_stale(const char *path)
{
    char *dir = tf_dirname(path);
    char *prefix = tf_xasprintf(".%s.tmp-", tf_basename(path));
    size_t plen = strlen(prefix);
    int removed = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, prefix, plen)) continue;
        const char *num = e->d_name + plen;
        char *end;
        long pid = strtol(num, &end, 10);
        if (end == num || *end || pid <= 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char *p = tf_path_join(dir, e->d_name);
        tf_err ignored;
        if (tf_rm_rf(p, &ignored) == TF_OK) removed++;
        free(p);
    }
    if (d) closedir(d);
    free(prefix);
    free(dir);
    return removed;
}

static int sync_parent(const char *path, tf_err *err)
{
    char *dir = tf_dirname(path);
    int rc = tf_fsync_path(dir, err);
    free(dir);
    return rc;
}

char *tf_publish_temp(const char *path) { return temp_name(path); }

int tf_publish_rename(const char *tmp, const char *path, tf_err *err)
{
    if (rename(tmp, path) != 0) {
        int rc = tf_errno(err, TF_EIO, "%s: rename to %s", tmp, path);
        unlink(tmp);
        return rc;
    }
    return sync_parent(path, err);
}

int tf_outfile_open(tf_outfile *f, const char *path, tf_err *err)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->path = tf_xstrdup(path);
    if (!strcmp(path, "-")) {
        f->fd = 1;
        return TF_OK;
    }
    struct stat st;
    size_t n = strlen(path);
    if ((n && path[n - 1] == '/') || (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
        tf_errf(err, TF_EIO, "%s: is a directory (expected a file name)", path);
        goto fail;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device or a pipe (/dev/null, /dev/stdout, a FIFO): write into it
         * as it is; renaming over it would replace it */
        f->fd = open(path, O_WRONLY | O_CLOEXEC);
        if (f->fd < 0) {
            tf_errno(err, TF_EIO, "%s", path);
            goto fail;
        }
        return TF_OK;
    }
    char *dir = tf_dirname(path);
    int rc = tf_mkdir_p(dir, err);
    free(dir);
    if (rc) goto fail;
    tf_publish_clean_stale(path);
    f->tmp = temp_name(path);
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (f->fd < 0) {
        tf_errno(err, TF_EIO, "%s: cannot create", f->tmp);
        goto fail;
    }
    return TF_OK;
fail:
    free(f->path);
    free(f->tmp);
    memset(f, 0, sizeof *f);
    f->fd = -1;
    return err->code;
}

static int write_all(tf_outfile *f, const char *p, size_t n, tf_err *err)
{
    while (n) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return tf_errno(err, TF_EIO, "%s: write",
                            f->tmp ? f->tmp : strcmp(f->path, "-") ? f->path : "standard output");
        }
        p += w;
        n -= (size_t)w;
        f->bytes += w;
    }
    return TF_OK;
}

int tf_outfile_maybe_flush(tf_outfile *f, tf_err *err)
{
    if (f->buf.len < FLUSH_AT) return TF_OK;
    int rc = write_all(f, f->buf.data, f->buf.len, err);
    f->buf.len = 0;
    return rc;
}

int tf_outfile_write(tf_outfile *f, const void *p, size_t n, tf_err *err)
{
    tf_buf_append(&f->buf, p, n);
    return tf_outfile_maybe_flush(f, err);
}

static void release(tf_outfile *f)
{
    if (f->fd > 1) close(f->fd);
    tf_buf_free(&f->buf);
    free(f->path);
    free(f->tmp);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

int tf_outfile_commit(tf_outfile *f, tf_err *err)
{
    int rc = write_all(f, f->buf.data, f->buf.len, err);
    f->buf.len = 0;
    if (rc == TF_OK && f->tmp) {
        if (fsync(f->fd) != 0) rc = tf_errno(err, TF_EIO, "%s: fsync", f->tmp);
        else if (close(f->fd) != 0) rc = tf_errno(err, TF_EIO, "%s: close", f->tmp);
        f->fd = -1;
        if (rc == TF_OK && rename(f->tmp, f->path) != 0)
            rc = tf_errno(err, TF_EIO, "%s: rename to %s", f->tmp, f->path);
        if (rc == TF_OK) rc = sync_parent(f->path, err);
        else unlink(f->tmp);
    }
    release(f);
    return rc;
}

void tf_outfile_abort(tf_outfile *f)
{
    if (f->tmp) {
        if (f->fd > 1) close(f->fd);
        f->fd = -1;
        unlink(f->tmp);
    }
    release(f);
}

int tf_outdir_open(tf_outdir *d, const char *path, tf_err *err)
{
    d->path = d->tmp = NULL;
    if (tf_exists(path) && !tf_is_dir(path))
        return tf_errf(err, TF_EIO, "%s: exists and is not a directory", path);
    char *parent = tf_dirname(path);
    int rc = tf_mkdir_p(parent, err);
    free(parent);
    if (rc) return rc;
    tf_publish_clean_stale(path);
    d->path = tf_xstrdup(path);
    d->tmp = temp_name(path);
    if (mkdir(d->tmp, 0777) != 0) {
        tf_errno(err, TF_EIO, "%s: cannot create directory", d->tmp);
        free(d->path);
        free(d->tmp);
        d->path = d->tmp = NULL;
        return TF_EIO;
    }
    return TF_OK;
}

int tf_outdir_commit(tf_outdir *d, tf_err *err)
{
    int rc = TF_OK;
    int fd = open(d->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || syncfs(fd) != 0) rc = tf_errno(err, TF_EIO, "%s: sync", d->tmp);
    if (fd >= 0) close(fd);
    if (rc == TF_OK) {
        if (tf_is_dir(d->path)) {
            /* swap the old directory out in one step, then remove it */
            if (renameat2(AT_FDCWD, d->tmp, AT_FDCWD, d->path, RENAME_EXCHANGE) != 0)
                rc = tf_errno(err, TF_EIO, "%s: exchange with %s", d->tmp, d->path);
        } else if (rename(d->tmp, d->path) != 0) {
            rc = tf_errno(err, TF_EIO, "%s: rename to %s", d->tmp, d->path);
        }
    }
    if (rc == TF_OK) rc = sync_parent(d->path, err);
    tf_err ignored;
    tf_rm_rf(d->tmp, &ignored); /* the old directory after an exchange, or the failed output */
    free(d->path);
    free(d->tmp);
    d->path = d->tmp = NULL;
    return rc;
}

void tf_outdir_abort(tf_outdir *d)
{
    if (d->tmp) {
        tf_err ignored;
        tf_rm_rf(d->tmp, &ignored);
    }
    free(d->path);
    free(d->tmp);
    d->path = d->tmp = NULL;
}
