/* commands.c — the command table: every command descriptor, in the order
 * `tripflow --help` lists them.  Adding a command = one line here. */
#include <stddef.h>

#include "tripflow/cli.h"

extern const tf_cmd tf_cmd_help, tf_cmd_version;
extern const tf_cmd tf_cmd_staypoints, tf_cmd_gen_staypoint_trips;
extern const tf_cmd tf_cmd_ingest, tf_cmd_gen_trips, tf_cmd_runs, tf_cmd_groups, tf_cmd_watch;
extern const tf_cmd tf_cmd_report_weekly, tf_cmd_report_latest, tf_cmd_report_regions;
extern const tf_cmd tf_cmd_stream, tf_cmd_stream_status, tf_cmd_replay;
extern const tf_cmd tf_cmd_parquet_schema, tf_cmd_parquet_cat, tf_cmd_parquet_scan;
extern const tf_cmd tf_cmd_lake_ls, tf_cmd_export_trips;

const tf_cmd *const tf_commands[] = {
    &tf_cmd_ingest,
    &tf_cmd_watch,
    &tf_cmd_runs,
    &tf_cmd_report_weekly,
    &tf_cmd_report_latest,
    &tf_cmd_report_regions,
    &tf_cmd_groups,
    &tf_cmd_lake_ls,
    &tf_cmd_export_trips,
    &tf_cmd_gen_trips,
    &tf_cmd_staypoints,
    &tf_cmd_gen_staypoint_trips,
    &tf_cmd_stream,
    &tf_cmd_stream_status,
    &tf_cmd_replay,
    &tf_cmd_parquet_schema,
    &tf_cmd_parquet_cat,
    &tf_cmd_parquet_scan,
    &tf_cmd_help,
    &tf_cmd_version,
    NULL,
};
