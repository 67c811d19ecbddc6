/* cli.h — command descriptors: one static table per command names its
 * options (mapped into a config struct by offsetof), its arguments and its
 * run function.  Parsing, validation, --help and docs/cli.md all come from
 * these tables (the Fluent Bit config_map habit). */
#ifndef TF_CLI_H
#define TF_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tripflow/err.h"

typedef enum tf_opt_type {
    TF_OPT_STRING,   /* const char *            */
    TF_OPT_INT,      /* int64_t                 */
    TF_OPT_DOUBLE,   /* double                  */
    TF_OPT_FLAG,     /* int, 0 or 1             */
    TF_OPT_DURATION, /* int64_t microseconds    */
    TF_OPT_SIZE,     /* int64_t bytes           */
    TF_OPT_ENUM      /* int index into choices, -1 when unset without default */
} tf_opt_type;

typedef struct tf_opt {
    const char *name;    /* long name, used as --name */
    tf_opt_type type;
    size_t offset;       /* offsetof(config, field) */
    const char *def;     /* default as the user would type it, or NULL */
    const char *meta;    /* value placeholder in help (PATH, N, ...) */
    const char *help;
    const char *choices; /* TF_OPT_ENUM: "table|csv|json" */
    const char *env;     /* environment variable consulted before def */
} tf_opt;

typedef struct tf_cmd {
    const char *name;    /* "ingest", "report weekly" */
    const char *summary; /* one line */
    const char *args;    /* positional arguments in help ("FILE...") */
    int min_args, max_args; /* max -1: unlimited */
    const tf_opt *opts;  /* ends with TF_OPT_END */
    size_t conf_size;
    /* argv holds the positional arguments only */
    int (*run)(void *conf, int argc, char **argv, tf_err *err);
    const char *details; /* paragraphs and examples for --help and docs */
} tf_cmd;

#define TF_OPT_END {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL}

/* The command table (src/cli/commands.c). */
extern const tf_cmd *const tf_commands[];

/* Parse argv (after the command words) into conf using cmd's table.  Fills
 * pos and npos with the positional arguments (pointers into argv; the array is
 * heap-allocated, free it).  Returns TF_OK, TF_EINVAL with a message, or 1
 * when --help was asked (help already printed). */
int tf_cli_parse(const tf_cmd *cmd, int argc, char **argv, void *conf, char ***pos, int *npos, tf_err *err);
void tf_cli_help(const tf_cmd *cmd, FILE *out);
void tf_cli_overview(FILE *out);
void tf_cli_markdown(FILE *out);
/* Find the command named by the leading words of argv; *used = words consumed. */
const tf_cmd *tf_cli_find(int argc, char **argv, int *used);

/* output formats shared by reports and listings */
enum { TF_FMT_TABLE = 0, TF_FMT_CSV = 1, TF_FMT_JSON = 2 };
#define TF_FMT_CHOICES "table|csv|json"
/* -1 (unset) becomes table on a TTY and csv otherwise */
int tf_fmt_resolve(int fmt);

#endif
