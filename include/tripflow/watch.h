/* watch.h — automated ingestion of a landing directory: every file that is
 * closed after writing or moved into the directory is ingested once, then
 * moved to DIR/done/ or DIR/failed/ under a name carrying its run id. */
#ifndef TF_WATCH_H
#define TF_WATCH_H

#include "tripflow/ingest.h"

typedef struct tf_watch_opts {
    const tf_ingest_opts *ingest;
    int once; /* ingest what is there, then return */
    /* called after each file with its result and where it went */
    void (*on_file)(void *ud, const char *name, const tf_ingest_result *r, int rc, const tf_err *err,
                    const char *moved_to);
    void *ud;
} tf_watch_opts;

/* Runs until SIGINT/SIGTERM (after finishing the current file) or, with
 * once, until the directory holds no ready file. */
int tf_watch(tf_store *s, tf_events *bus, const char *dir, const tf_watch_opts *o, tf_err *err);

#endif
