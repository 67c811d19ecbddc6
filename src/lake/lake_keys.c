/* lake_keys.c — key index files beside the lake's Parquet files: every trip
 * key of the file, grouped by the top 6 bits, so a run reads only the keys
 * that can equal its own (see lake_int.h for the format). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lake_int.h"
#include "tripflow/fsutil.h"
#include "tripflow/parquet.h"

static const char MAGIC[8] = {'T', 'F', 'K', 'E', 'Y', 'S', '1', 0};
#define HEADER (8 + 8 + 8 * (TF_LAKE_KEY_BUCKETS + 1))

void keys_group(const tf_key128 *in, tf_key128 *out, int64_t n)
{
    int64_t start[TF_LAKE_KEY_BUCKETS + 1] = {0};
    for (int64_t i = 0; i < n; i++) start[(in[i].hi >> (64 - TF_LAKE_KEY_BITS)) + 1]++;
    for (int b = 0; b < TF_LAKE_KEY_BUCKETS; b++) start[b + 1] += start[b];
    for (int64_t i = 0; i < n; i++) out[start[in[i].hi >> (64 - TF_LAKE_KEY_BITS)]++] = in[i];
}

int keyfile_write(const char *path, const tf_key128 *keys, int64_t n, int sync, tf_err *err)
{
    uint64_t head[2 + TF_LAKE_KEY_BUCKETS + 1];
    memcpy(head, MAGIC, 8);
    head[1] = (uint64_t)n;
    uint64_t *start = head + 2;
    memset(start, 0, (TF_LAKE_KEY_BUCKETS + 1) * sizeof *start);
    for (int64_t i = 0; i < n; i++) {
        unsigned b = (unsigned)(keys[i].hi >> (64 - TF_LAKE_KEY_BITS));
        if (i && b < (unsigned)(keys[i - 1].hi >> (64 - TF_LAKE_KEY_BITS)))
            return tf_errf(err, TF_ESTATE, "internal: keys for %s are not grouped", path);
        start[b + 1]++;
    }
    for (int b = 0; b < TF_LAKE_KEY_BUCKETS; b++) start[b + 1] += start[b];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) return tf_errno(err, TF_EIO, "%s", path);
    int rc = TF_OK;
    const char *parts[2] = {(const char *)head, (const char *)keys};
    size_t sizes[2] = {sizeof head, (size_t)n * sizeof *keys};
    for (int p = 0; p < 2 && !rc; p++) {
        const char *q = parts[p];
        size_t left = sizes[p];
        while (left) {
            ssize_t w = write(fd, q, left);
            if (w < 0) {
                if (errno == EINTR) continue;
                rc = tf_errno(err, TF_EIO, "%s: write", path);
                break;
            }
            q += w;
            left -= (size_t)w;
        }
    }
    if (!rc && sync && fsync(fd) != 0) rc = tf_errno(err, TF_EIO, "%s: fsync", path);
    if (!rc && !sync) tf_start_writeback(fd);
    close(fd);
    if (rc) unlink(path);
    return rc;
}

int keyfile_open(const char *path, keyfile *kf, tf_err *err)
{
    kf->path = NULL;
    kf->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (kf->fd < 0) return tf_errno(err, TF_EIO, "%s", path);
    uint64_t head[2 + TF_LAKE_KEY_BUCKETS + 1];
    struct stat st;
    if (pread(kf->fd, head, sizeof head, 0) != (ssize_t)sizeof head || memcmp(head, MAGIC, 8) || fstat(kf->fd, &st))
        goto bad;
    memcpy(kf->start, head + 2, sizeof kf->start);
    if (kf->start[0] != 0 || kf->start[TF_LAKE_KEY_BUCKETS] != head[1]) goto bad;
    for (int b = 0; b < TF_LAKE_KEY_BUCKETS; b++)
        if (kf->start[b] > kf->start[b + 1]) goto bad;
    if ((uint64_t)st.st_size != HEADER + head[1] * 16) goto bad;
    kf->path = tf_xstrdup(path);
    return TF_OK;
bad:
    close(kf->fd);
    kf->fd = -1;
    return tf_errf(err, TF_EFORMAT, "%s: not a valid key index", path);
}

void keyfile_close(keyfile *kf)
{
    if (kf->fd >= 0) close(kf->fd);
    kf->fd = -1;
    free(kf->path);
    kf->path = NULL;
}

int keyfile_bucket(const keyfile *kf, int bucket, tf_buf *buf, int64_t *n, tf_err *err)
{
    uint64_t a = kf->start[bucket], b = kf->start[bucket + 1];
    *n = (int64_t)(b - a);
    tf_buf_clear(buf);
    if (!*n) return TF_OK;
    size_t bytes = (size_t)(b - a) * 16;
    tf_buf_reserve(buf, bytes);
    size_t got = 0;
    while (got < bytes) {
        ssize_t r = pread(kf->fd, buf->data + got, bytes - got, (off_t)(HEADER + a * 16 + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return r < 0 ? tf_errno(err, TF_EIO, "%s: read", kf->path)
                                 : tf_errf(err, TF_EFORMAT, "%s: truncated", kf->path);
        got += (size_t)r;
    }
    buf->len = bytes;
    return TF_OK;
}

int keyfile_rebuild(const char *parquet, const char *path, tf_err *err)
{
    tf_pq_file *f;
    int rc = tf_pq_open(parquet, NULL, &f, err);
    if (rc) return rc;
    int col = tf_pq_find_column(f, "trip_key");
    if (col < 0 || tf_pq_leaf(f, col)->physical != TF_PQ_FIXED || tf_pq_leaf(f, col)->type_length != 16) {
        tf_pq_close(f);
        return tf_errf(err, TF_EFORMAT, "%s: no trip_key column of 16 bytes", parquet);
    }
    int64_t n = tf_pq_num_rows(f), at = 0;
    tf_key128 *keys = tf_xmalloc((size_t)(n + 1) * sizeof *keys), *grouped = NULL;
    uint8_t *raw = NULL;
    tf_pq_batch b = {0};
    for (int rg = 0; rg < tf_pq_num_row_groups(f) && !rc; rg++) {
        int64_t rows = tf_pq_row_group_rows(f, rg);
        raw = tf_xrealloc(raw, (size_t)rows * 16 + 1);
        if ((rc = tf_pq_read_flat(f, rg, col, &b, raw, NULL, err))) break;
        for (int64_t i = 0; i < rows; i++) keys[at++] = tf_key_from_bytes(raw + i * 16);
    }
    if (!rc) {
        grouped = tf_xmalloc((size_t)(n + 1) * sizeof *grouped);
        keys_group(keys, grouped, n);
        char *tmp = tf_xasprintf("%s.tmp-%ld", path, (long)getpid());
        char *dir = tf_dirname(path);
        rc = tf_mkdir_p(dir, err);
        if (!rc) rc = keyfile_write(tmp, grouped, n, 1, err);
        if (!rc && rename(tmp, path) != 0) rc = tf_errno(err, TF_EIO, "%s: rename", tmp);
        free(dir);
        free(tmp);
    }
    tf_pq_batch_free(&b);
    free(raw);
    free(keys);
    free(grouped);
    tf_pq_close(f);
    return rc;
}

int lake_owner_lock(const char *staging, tf_err *err)
{
    char *p = tf_path_join(staging, ".owner");
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        tf_errno(err, TF_EIO, "%s", p);
    } else if (flock(fd, LOCK_EX) != 0) {
        tf_errno(err, TF_EIO, "%s: lock", p);
        close(fd);
        fd = -1;
    }
    free(p);
    return fd < 0 ? err->code : fd;
}

int lake_owner_alive(const char *staging)
{
    char *p = tf_path_join(staging, ".owner");
    int fd = open(p, O_RDWR | O_CLOEXEC);
    free(p);
    if (fd < 0) return 0;
    int alive = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd); /* releases our lock, if we got it */
    return alive;
}

char *lake_locate(const tf_lake *l, const char *rel, int64_t run_id, const char *kind)
{
    int keys = !strcmp(kind, "keys");
    char *place = keys ? lake_key_path(l->root, rel) : tf_path_join(l->root, rel);
    /* a file being moved is in one place or the other: look again a few times */
    for (int attempt = 0; attempt < 50; attempt++) {
        if (tf_exists(place)) return place;
        char *staged = keys ? tf_xasprintf("%s/_tripflow/staging/run-%lld/keys/%.*s.keys", l->root, (long long)run_id,
                                           (int)(strlen(rel) - 8), rel)
                            : tf_xasprintf("%s/_tripflow/staging/run-%lld/%s", l->root, (long long)run_id, rel);
        if (tf_exists(staged)) {
            free(place);
            return staged;
        }
        free(staged);
        usleep(2000);
    }
    return place;
}

char *lake_key_path(const char *root, const char *rel)
{
    size_t n = strlen(rel);
    if (n > 8 && !strcmp(rel + n - 8, ".parquet")) n -= 8;
    return tf_xasprintf("%s/_tripflow/keys/%.*s.keys", root, (int)n, rel);
}

void lake_month_text(int32_t month, char out[8])
{
    int y = 1970 + (month >= 0 ? month / 12 : -((-month + 11) / 12));
    int m = month - (y - 1970) * 12 + 1;
    out[0] = (char)('0' + y / 1000 % 10);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '\0';
}
