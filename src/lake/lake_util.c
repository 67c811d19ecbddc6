/* lake_util.c — small helpers of the lake's files: the owner lock of a run's
 * staging, where a catalogued file is now, month names (see lake_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lake_int.h"
#include "tripflow/fsutil.h"

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

char *lake_locate(const tf_lake *l, const char *rel, int64_t run_id)
{
    char *place = tf_path_join(l->root, rel);
    /* a file being moved is in one place or the other: look again a few times */
    for (int attempt = 0; attempt < 50; attempt++) {
        if (tf_exists(place)) return place;
        char *staged = tf_xasprintf("%s/_tripflow/staging/run-%lld/%s", l->root, (long long)run_id, rel);
        if (tf_exists(staged)) {
            free(place);
            return staged;
        }
        free(staged);
        usleep(2000);
    }
    return place;
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
