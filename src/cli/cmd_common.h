/* cmd_common.h — option pieces and config structs shared by several
 * commands (ingest and watch share the ingest options). */
#ifndef TF_CMD_COMMON_H
#define TF_CMD_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "tripflow/cli.h"
#include "tripflow/events.h"
#include "tripflow/ingest.h"
#include "tripflow/sig.h"

#define TF_OPT_DB(T)                                                                                           \
    {"db", TF_OPT_STRING, offsetof(T, db), "tripflow.db", "PATH", "the SQLite database file", NULL, "TRIPFLOW_DB"}
#define TF_OPT_FORMAT(T)                                                                                       \
    {"format", TF_OPT_ENUM, offsetof(T, format), NULL, NULL, "output format (default: table on a terminal, else csv)", \
     TF_FMT_CHOICES, NULL}

#define TF_OPT_LAKE(T)                                                                                         \
    {"lake", TF_OPT_STRING, offsetof(T, lake), NULL, "DIR",                                                     \
     "the raw layer's directory (default: lake next to the database)", NULL, "TRIPFLOW_LAKE"}

typedef struct ingest_conf {
    const char *db, *lake, *reject, *max_rejects, *notify_url, *timezone;
    int events, quiet;
    int64_t threads, cell_precision, time_bucket, chunk_size, file_rows, memory;
    /* watch only */
    int64_t settle;
} ingest_conf;

int tf_ingest_setup(ingest_conf *c, tf_ingest_opts *o, tf_tz **tz, tf_err *err);
char *tf_ingest_options_json(const ingest_conf *c, const tf_ingest_opts *o);
tf_events *tf_ingest_bus(const ingest_conf *c, tf_store *s);
void tf_ingest_summary(const ingest_conf *c, const tf_ingest_result *r, const char *source);

#endif
