/* cli.c — option parsing, help and markdown docs from command descriptors
 * (see cli.h).  Nothing here knows any particular command. */
#include "tripflow/cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tripflow/mem.h"
#include "tripflow/num.h"
#include "tripflow/timeutil.h"

static int set_value(const tf_cmd *cmd, const tf_opt *o, void *conf, const char *val, const char *origin, tf_err *err)
{
    char *field = (char *)conf + o->offset;
    switch (o->type) {
    case TF_OPT_STRING:
        *(const char **)field = val;
        return TF_OK;
    case TF_OPT_FLAG:
        if (!val || !strcmp(val, "1") || !strcmp(val, "true") || !strcmp(val, "yes")) *(int *)field = 1;
        else if (!strcmp(val, "0") || !strcmp(val, "false") || !strcmp(val, "no")) *(int *)field = 0;
        else return tf_errf(err, TF_EINVAL, "%s --%s: expected true or false, got '%s'", cmd->name, o->name, val);
        return TF_OK;
    case TF_OPT_INT: {
        int64_t v;
        if (!tf_parse_i64(val, strlen(val), &v))
            return tf_errf(err, TF_EINVAL, "%s --%s: expected an integer, got '%s'%s", cmd->name, o->name, val, origin);
        *(int64_t *)field = v;
        return TF_OK;
    }
    case TF_OPT_DOUBLE: {
        double v;
        if (!tf_parse_double(val, strlen(val), &v))
            return tf_errf(err, TF_EINVAL, "%s --%s: expected a number, got '%s'%s", cmd->name, o->name, val, origin);
        *(double *)field = v;
        return TF_OK;
    }
    case TF_OPT_DURATION:
        if (tf_parse_duration(val, (int64_t *)field, err)) return tf_err_prefix(err, "%s --%s: ", cmd->name, o->name);
        return TF_OK;
    case TF_OPT_SIZE:
        if (tf_parse_size(val, (int64_t *)field, err)) return tf_err_prefix(err, "%s --%s: ", cmd->name, o->name);
        return TF_OK;
    case TF_OPT_ENUM: {
        const char *c = o->choices;
        for (int i = 0; c && *c; i++) {
            const char *bar = strchr(c, '|');
            size_t len = bar ? (size_t)(bar - c) : strlen(c);
            if (strlen(val) == len && !strncmp(c, val, len)) {
                *(int *)field = i;
                return TF_OK;
            }
            c = bar ? bar + 1 : c + len;
        }
        return tf_errf(err, TF_EINVAL, "%s --%s: expected one of %s, got '%s'%s", cmd->name, o->name, o->choices, val,
                       origin);
    }
    }
    return tf_errf(err, TF_EINVAL, "internal: bad option type");
}

static const tf_opt *find_opt(const tf_cmd *cmd, const char *name, size_t len)
{
    for (const tf_opt *o = cmd->opts; o && o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, name, len)) return o;
    return NULL;
}

int tf_cli_parse(const tf_cmd *cmd, int argc, char **argv, void *conf, char ***pos, int *npos, tf_err *err)
{
    *pos = tf_xcalloc((size_t)argc + 1, sizeof(char *));
    *npos = 0;
    /* defaults, then the environment */
    for (const tf_opt *o = cmd->opts; o && o->name; o++) {
        if (o->type == TF_OPT_ENUM) *(int *)((char *)conf + o->offset) = -1;
        const char *env = o->env ? getenv(o->env) : NULL;
        if (env && *env) {
            char origin[96];
            snprintf(origin, sizeof origin, " (from $%s)", o->env);
            if (set_value(cmd, o, conf, env, origin, err)) return err->code;
        } else if (o->def) {
            if (set_value(cmd, o, conf, o->def, "", err)) return err->code;
        }
    }
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || !strcmp(a, "-")) {
            (*pos)[(*npos)++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = 1;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            tf_cli_help(cmd, stdout);
            return 1;
        }
        if (a[1] != '-')
            return tf_errf(err, TF_EINVAL, "%s: unknown option '%s' (options are long: --name; see tripflow %s --help)",
                           cmd->name, a, cmd->name);
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const tf_opt *o = find_opt(cmd, name, len);
        if (!o)
            return tf_errf(err, TF_EINVAL, "%s: unknown option '--%.*s' (see tripflow %s --help)", cmd->name, (int)len,
                           name, cmd->name);
        const char *val = eq ? eq + 1 : NULL;
        if (!val && o->type != TF_OPT_FLAG) {
            if (i + 1 >= argc)
                return tf_errf(err, TF_EINVAL, "%s: option --%s needs a value (%s)", cmd->name, o->name,
                               o->meta ? o->meta : "VALUE");
            val = argv[++i];
        }
        if (set_value(cmd, o, conf, val, "", err)) return err->code;
    }
    if (*npos < cmd->min_args || (cmd->max_args >= 0 && *npos > cmd->max_args)) {
        if (cmd->max_args == 0)
            return tf_errf(err, TF_EINVAL, "%s: takes no arguments, got '%s'", cmd->name, (*pos)[0]);
        return tf_errf(err, TF_EINVAL, "%s: expected %s%s (usage: tripflow %s [OPTIONS] %s)", cmd->name,
                       cmd->args ? cmd->args : "no arguments", *npos < cmd->min_args ? "" : " only", cmd->name,
                       cmd->args ? cmd->args : "");
    }
    return TF_OK;
}

static const char *type_meta(const tf_opt *o)
{
    if (o->meta) return o->meta;
    switch (o->type) {
    case TF_OPT_INT: return "N";
    case TF_OPT_DOUBLE: return "X";
    case TF_OPT_DURATION: return "DURATION";
    case TF_OPT_SIZE: return "SIZE";
    case TF_OPT_ENUM: return o->choices;
    case TF_OPT_FLAG: return NULL;
    default: return "VALUE";
    }
}

void tf_cli_help(const tf_cmd *cmd, FILE *out)
{
    fprintf(out, "usage: tripflow %s [OPTIONS]%s%s\n\n%s\n", cmd->name, cmd->args ? " " : "", cmd->args ? cmd->args : "",
            cmd->summary);
    if (cmd->opts && cmd->opts->name) {
        fprintf(out, "\noptions:\n");
        for (const tf_opt *o = cmd->opts; o->name; o++) {
            char head[128];
            const char *m = type_meta(o);
            snprintf(head, sizeof head, "--%s%s%s", o->name, m ? " " : "", m ? m : "");
            fprintf(out, "  %-30s %s", head, o->help);
            if (o->def) fprintf(out, " (default: %s)", o->def);
            if (o->env) fprintf(out, " [env: %s]", o->env);
            fputc('\n', out);
        }
    }
    fprintf(out, "  %-30s %s\n", "--help", "show this help");
    if (cmd->details) fprintf(out, "\n%s\n", cmd->details);
}

void tf_cli_overview(FILE *out)
{
    fprintf(out, "usage: tripflow COMMAND [OPTIONS] [ARGS]\n\n"
                 "tripflow moves mobility data: trip ingestion into a SQL model and a Parquet\n"
                 "lake, reports, staypoints and streaming counts, in one program.\n\ncommands:\n");
    for (int i = 0; tf_commands[i]; i++) fprintf(out, "  %-24s %s\n", tf_commands[i]->name, tf_commands[i]->summary);
    fprintf(out, "\n`tripflow COMMAND --help` lists a command's options.\n");
}

/* a Markdown table cell: '|' would end the cell */
static void cell(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|') fputc('\\', out);
        fputc(*s, out);
    }
}

void tf_cli_markdown(FILE *out)
{
    fprintf(out, "# tripflow command reference\n\n"
                 "Generated from the command descriptors by `tripflow help --markdown`;\n"
                 "a test fails when this file and the binary disagree.\n\n");
    for (int i = 0; tf_commands[i]; i++) {
        const tf_cmd *c = tf_commands[i];
        fprintf(out, "## tripflow %s\n\n%s\n\n```\ntripflow %s [OPTIONS]%s%s\n```\n\n", c->name, c->summary, c->name,
                c->args ? " " : "", c->args ? c->args : "");
        if (c->opts && c->opts->name) {
            fprintf(out, "| option | meaning | default |\n| --- | --- | --- |\n");
            for (const tf_opt *o = c->opts; o->name; o++) {
                const char *m = type_meta(o);
                fprintf(out, "| `--%s%s", o->name, m ? " " : "");
                cell(out, m);
                fputs("` | ", out);
                cell(out, o->help);
                if (o->env) fprintf(out, " (env `%s`)", o->env);
                fputs(" | ", out);
                cell(out, o->def);
                fputs(" |\n", out);
            }
            fputc('\n', out);
        }
        if (c->details) fprintf(out, "%s\n\n", c->details);
    }
}

const tf_cmd *tf_cli_find(int argc, char **argv, int *used)
{
    const tf_cmd *best = NULL;
    int best_words = 0;
    for (int i = 0; tf_commands[i]; i++) {
        const char *name = tf_commands[i]->name;
        int w = 0;
        const char *p = name;
        int ok = 1;
        while (*p) {
            const char *sp = strchr(p, ' ');
            size_t len = sp ? (size_t)(sp - p) : strlen(p);
            if (w >= argc || strlen(argv[w]) != len || strncmp(argv[w], p, len)) {
                ok = 0;
                break;
            }
            w++;
            p = sp ? sp + 1 : p + len;
        }
        if (ok && w > best_words) {
            best = tf_commands[i];
            best_words = w;
        }
    }
    *used = best_words;
    return best;
}

int tf_fmt_resolve(int fmt)
{
    if (fmt >= 0) return fmt;
    return isatty(1) ? TF_FMT_TABLE : TF_FMT_CSV;
}
