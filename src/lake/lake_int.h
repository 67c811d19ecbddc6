/* lake_int.h — internals shared by the lake's files (lake.c, lake_write.c,
 * lake_util.c).  Not a public interface. */
#ifndef TF_LAKE_INT_H
#define TF_LAKE_INT_H

#include <pthread.h>

#include "tripflow/lake.h"
#include "tripflow/mem.h"

struct tf_lake {
    tf_store *store;
    char *root; /* absolute */
};

/* ---- runs in progress ----
 * A run's staging directory holds ".owner", which the run's process keeps
 * locked (flock) from its start until its files are in place; a lock that
 * can be taken means the process is gone. */
int lake_owner_lock(const char *staging, tf_err *err); /* the fd holding the lock */
int lake_owner_alive(const char *staging);
/* Where a catalogued file is now: in place, or still in its run's staging
 * (committed, not yet moved).  Heap string; the in-place path when neither
 * exists. */
char *lake_locate(const tf_lake *l, const char *rel, int64_t run_id);

/* "YYYY-MM" of a month index (months since 1970-01) */
void lake_month_text(int32_t month, char out[8]);

#endif
