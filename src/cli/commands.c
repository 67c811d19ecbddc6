/* commands.c — the command table: every command descriptor, in the order
 * `tripflow --help` lists them.  Adding a command = one line here. */
#include <stddef.h>

#include "tripflow/cli.h"

extern const tf_cmd tf_cmd_help, tf_cmd_version;
extern const tf_cmd tf_cmd_staypoints, tf_cmd_gen_staypoint_trips;

const tf_cmd *const tf_commands[] = {
    &tf_cmd_help,
    &tf_cmd_version,
    &tf_cmd_staypoints,
    &tf_cmd_gen_staypoint_trips,
    NULL,
};
