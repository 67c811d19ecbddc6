/* sp_job.h — the staypoints job: trips from a source, grouped by user within
 * a memory budget, turned into staypoints, written to a sink; rejected rows
 * to a reject file (docs/staypoints.md). */
#ifndef TF_SP_JOB_H
#define TF_SP_JOB_H

#include <stdint.h>

#include "tripflow/err.h"
#include "tripflow/extgroup.h"
#include "tripflow/reject.h"
#include "tripflow/staypoints.h"
#include "tripflow/timeutil.h"

typedef struct tf_sp_job {
    const char *input;       /* a path, or "-" for CSV on standard input */
    int input_format;        /* TF_SP_IN_* (sp_io.h); auto by the path */
    const char *out;         /* a path, or "-" for standard output; a directory for parquet */
    int format;              /* TF_SP_OUT_* (sp_io.h) */
    int64_t row_group_rows;  /* parquet output: rows per row group (0: default) */
    int64_t file_rows;       /* parquet output: rows per file (0: default) */
    const char *rejects;     /* the reject file */
    tf_reject_limit max_rejects;
    const char *max_rejects_text; /* as the user gave it, for messages */
    int64_t memory;          /* bytes for grouping */
    const char *tmp_dir;     /* spill files */
    const tf_tz *tz;         /* naive input times; NULL = UTC */
    tf_sp_opts ops;
    int threads;             /* 1: one thread; 2: reading and writing in threads of
                              * their own; 0: 2 when there is more than one CPU */
} tf_sp_job;

typedef struct tf_sp_result {
    int64_t rows;       /* data rows read */
    int64_t trips;      /* rows accepted */
    int64_t rejected;
    int64_t users;      /* distinct user_id values */
    int64_t users_out;  /* users with at least one staypoint (output rows) */
    int64_t staypoints;
    tf_xgroup_stats group;
    int rejects_published; /* the reject file exists */
} tf_sp_result;

int tf_sp_job_run(const tf_sp_job *j, tf_sp_result *r, tf_err *err);

#endif
