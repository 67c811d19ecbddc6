/* cmd_meta.c — commands about tripflow itself: version and help. */
#include <stdio.h>
#include <string.h>

#include "tripflow/cli.h"
#include "tripflow/version.h"

typedef struct {
    int markdown;
} help_conf;

static int run_help(void *vconf, int argc, char **argv, tf_err *err)
{
    help_conf *c = vconf;
    if (c->markdown) {
        tf_cli_markdown(stdout);
        return TF_OK;
    }
    if (argc == 0) {
        tf_cli_overview(stdout);
        return TF_OK;
    }
    int used = 0;
    const tf_cmd *cmd = tf_cli_find(argc, argv, &used);
    if (!cmd || used != argc) return tf_errf(err, TF_EINVAL, "no command '%s' (see tripflow --help)", argv[0]);
    tf_cli_help(cmd, stdout);
    return TF_OK;
}

static const tf_opt help_opts[] = {
    {"markdown", TF_OPT_FLAG, offsetof(help_conf, markdown), NULL, NULL,
     "print the reference of every command as Markdown (docs/cli.md)", NULL, NULL},
    TF_OPT_END,
};

const tf_cmd tf_cmd_help = {
    .name = "help",
    .summary = "Show the commands, one command's options, or the whole reference",
    .args = "[COMMAND...]",
    .min_args = 0,
    .max_args = -1,
    .opts = help_opts,
    .conf_size = sizeof(help_conf),
    .run = run_help,
    .details = "Example:\n\n    tripflow help ingest\n    tripflow help --markdown > docs/cli.md",
};

static int run_version(void *conf, int argc, char **argv, tf_err *err)
{
    (void)conf, (void)argc, (void)argv, (void)err;
    printf("tripflow %s (build %s)\n", TF_VERSION, TF_BUILD_ID);
    return TF_OK;
}

const tf_cmd tf_cmd_version = {
    .name = "version",
    .summary = "Print the version and build",
    .min_args = 0,
    .max_args = 0,
    .run = run_version,
};
