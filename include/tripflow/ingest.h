/* ingest.h — the trips ingest job: one input file (or stdin) into the data
 * model as one all-or-nothing run.
 *
 * Stages: content hash (a file loaded before is recognised and changes
 * nothing), parallel parse of line-aligned chunks, rejects to the reject file,
 * dedupe per (region, month, key bucket), aggregation into hourly facts and
 * trip groups, then one transaction that writes everything and marks the run
 * loaded.  Events report each stage as it happens. */
#ifndef TF_INGEST_H
#define TF_INGEST_H

#include <stdint.h>

#include "tripflow/err.h"
#include "tripflow/events.h"
#include "tripflow/reject.h"
#include "tripflow/runs.h"
#include "tripflow/store.h"
#include "tripflow/timeutil.h"
#include "tripflow/tripagg.h"

typedef struct tf_lake tf_lake;

/* The default memory for rows: a 5M-row file is one segment, and a run of
 * any size stays under 1 GiB. */
#define TF_INGEST_MEMORY (INT64_C(640) << 20)

typedef struct tf_ingest_opts {
    tf_lake *lake;               /* the raw layer the trips go to */
    const char *reject_path;     /* NULL: <db without .db>.rejects/run-<id>.csv */
    tf_reject_limit max_rejects;
    int threads;                 /* <= 0: all online CPUs */
    tf_grid grid;                /* used when the database has no grid yet */
    int grid_given;              /* the user named --cell-precision/--time-bucket */
    const tf_tz *tz;             /* naive times are in this zone (NULL: UTC) */
    const char *options_json;    /* recorded with the run */
    int64_t chunk_bytes;         /* parse unit (default 8 MiB); tests use small ones */
    int64_t file_rows;           /* most rows per lake file (<= 0: the lake's default) */
    int64_t memory;              /* bytes for a segment's rows (<= 0: TF_INGEST_MEMORY); bigger inputs go in segments */
} tf_ingest_opts;

typedef struct tf_ingest_result {
    int64_t run_id;
    char status[24];     /* loaded, already_loaded, failed */
    tf_run_counts counts;
    int64_t same_as;     /* already_loaded: the run that loaded this content */
    int64_t bytes;
    double seconds;
    char *reject_file;   /* heap, NULL when nothing was rejected */
} tf_ingest_result;

/* Ingest one file ("-" = stdin).  TF_OK for loaded and already_loaded; an
 * error code (with the reason in err, the run recorded as failed) otherwise.
 * res is filled in both cases; free res->reject_file. */
int tf_ingest_file(tf_store *s, tf_events *bus, const char *path, const tf_ingest_opts *o, tf_ingest_result *res,
                   tf_err *err);

#endif
