/* commands.c — the command table: every command descriptor, in the order
 * `tripflow --help` lists them.  Adding a command = one line here. */
#include <stddef.h>

#include "tripflow/cli.h"

extern const tf_cmd tf_cmd_help, tf_cmd_version;
extern const tf_cmd tf_cmd_parquet_schema, tf_cmd_parquet_cat, tf_cmd_parquet_scan;

const tf_cmd *const tf_commands[] = {
    &tf_cmd_help,
    &tf_cmd_version,
    &tf_cmd_parquet_schema,
    &tf_cmd_parquet_cat,
    &tf_cmd_parquet_scan,
    NULL,
};
