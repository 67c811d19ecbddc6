/* watch.c — the landing-directory watcher (see watch.h).
 *
 * Readiness: a file is read only when nobody has it open for writing, which
 * the kernel tells us by refusing a read lease (F_SETLEASE) — so a file
 * still being written is left alone until its IN_CLOSE_WRITE arrives.
 * Hidden files (.name) and names ending in .part or .tmp are never taken:
 * writers that rename into place use them.  Files present at start are
 * ingested too, in name order. */
#include "tripflow/watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tripflow/fsutil.h"
#include "tripflow/sig.h"

static int wanted(const char *name)
{
    size_t n = strlen(name);
    if (name[0] == '.') return 0;
    if (n > 5 && !strcmp(name + n - 5, ".part")) return 0;
    if (n > 4 && !strcmp(name + n - 4, ".tmp")) return 0;
    return 1;
}

/* 1 ready, 0 still open for writing somewhere, -1 gone */
static int ready(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    int r = 1;
    if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0) fcntl(fd, F_SETLEASE, F_UNLCK);
    else if (errno == EAGAIN || errno == EBUSY) r = 0; /* a writer holds it open */
    /* other errors (no lease support): trust the close-after-write event */
    close(fd);
    return r;
}

typedef TF_VEC(char *) name_vec;

static void enqueue(name_vec *q, const char *name)
{
    for (size_t i = 0; i < q->n; i++)
        if (!strcmp(q->v[i], name)) return;
    tf_vec_push(q, tf_xstrdup(name));
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int scan(const char *dir, name_vec *q, tf_err *err)
{
    DIR *d = opendir(dir);
    if (!d) return tf_errno(err, TF_EIO, "%s", dir);
    struct dirent *e;
    size_t start = q->n;
    while ((e = readdir(d))) {
        if (!wanted(e->d_name)) continue;
        char *p = tf_path_join(dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) enqueue(q, e->d_name);
        free(p);
    }
    closedir(d);
    qsort(q->v + start, q->n - start, sizeof *q->v, cmp_names);
    return TF_OK;
}

static void drain_inotify(int fd, name_vec *q)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            if (ev->len && !(ev->mask & IN_ISDIR) && wanted(ev->name)) enqueue(q, ev->name);
            p += sizeof *ev + ev->len;
        }
    }
}

static int process(tf_store *s, tf_events *bus, const char *dir, const char *name, const tf_watch_opts *o)
{
    char *path = tf_path_join(dir, name);
    int r = ready(path);
    if (r <= 0) {
        free(path);
        return r; /* 0: later, when its writer closes it */
    }
    tf_ingest_result res;
    tf_err e = {0};
    int rc = tf_ingest_file(s, bus, path, o->ingest, &res, &e);
    const char *sub = rc == TF_OK ? "done" : "failed";
    char *target = res.run_id ? tf_xasprintf("%s/%s/run-%lld-%s", dir, sub, (long long)res.run_id, name)
                              : tf_xasprintf("%s/%s/%s", dir, sub, name);
    if (rename(path, target) != 0) {
        tf_err me;
        tf_errno(&me, TF_EIO, "%s: cannot move to %s", path, target);
        fprintf(stderr, "tripflow watch: %s\n", me.msg);
    }
    if (o->on_file) o->on_file(o->ud, name, &res, rc, &e, target);
    free(res.reject_file);
    free(target);
    free(path);
    return 1;
}

int tf_watch(tf_store *s, tf_events *bus, const char *dir, const tf_watch_opts *o, tf_err *err)
{
    if (!tf_is_dir(dir)) return tf_errf(err, TF_ENOTFOUND, "%s: not a directory", dir);
    char *done = tf_path_join(dir, "done"), *failed = tf_path_join(dir, "failed");
    int rc = tf_mkdir_p(done, err);
    if (!rc) rc = tf_mkdir_p(failed, err);
    free(done);
    free(failed);
    if (rc) return rc;
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0) return tf_errno(err, TF_EIO, "inotify");
    /* watch first, then scan: a file landing in between is seen by one or both */
    if (inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
        rc = tf_errno(err, TF_EIO, "%s: inotify watch", dir);
        close(fd);
        return rc;
    }
    name_vec q = {0};
    tf_sig_graceful(1);
    if ((rc = scan(dir, &q, err))) goto out;
    for (;;) {
        drain_inotify(fd, &q);
        /* take the queue; files not ready yet wait for their close event */
        name_vec work = q;
        memset(&q, 0, sizeof q);
        for (size_t i = 0; i < work.n; i++) {
            if (!tf_sig_stop_requested()) process(s, bus, dir, work.v[i], o);
            free(work.v[i]);
        }
        tf_vec_free(&work);
        if (tf_sig_stop_requested()) break;
        drain_inotify(fd, &q);
        if (q.n) continue;
        if (o->once) break;
        struct pollfd p[2] = {{fd, POLLIN, 0}, {tf_sig_fd(), POLLIN, 0}};
        if (poll(p, tf_sig_fd() >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) {
            rc = tf_errno(err, TF_EIO, "poll");
            break;
        }
    }
out:
    for (size_t i = 0; i < q.n; i++) free(q.v[i]);
    tf_vec_free(&q);
    tf_sig_graceful(0);
    close(fd);
    return rc;
}
