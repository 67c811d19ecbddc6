/* commands.c — the command table: every command descriptor, in the order
 * `tripflow --help` lists them.  Adding a command = one line here. */
#include <stddef.h>

#include "tripflow/cli.h"

extern const tf_cmd tf_cmd_help, tf_cmd_version;
extern const tf_cmd tf_cmd_ingest, tf_cmd_gen_trips;
extern const tf_cmd tf_cmd_stream, tf_cmd_stream_status, tf_cmd_replay;

const tf_cmd *const tf_commands[] = {
    &tf_cmd_ingest,
    &tf_cmd_gen_trips,
    &tf_cmd_stream,
    &tf_cmd_stream_status,
    &tf_cmd_replay,
    &tf_cmd_help,
    &tf_cmd_version,
    NULL,
};
