/* cmd_gen.c — `tripflow gen trips`: synthetic trip CSV for tests, demos and
 * benchmarks. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tripflow/cli.h"
#include "tripflow/gen_trips.h"
#include "tripflow/timeutil.h"

typedef struct {
    int64_t rows, seed, days;
    double duplicates, bad;
    const char *start, *out;
    int crlf;
} gen_conf;

static const tf_opt gen_opts[] = {
    {"rows", TF_OPT_INT, offsetof(gen_conf, rows), "1000", NULL, "rows to generate (the header not counted)", NULL,
     NULL},
    {"seed", TF_OPT_INT, offsetof(gen_conf, seed), "1", NULL, "the same seed gives the same file", NULL, NULL},
    {"start", TF_OPT_STRING, offsetof(gen_conf, start), "2018-05-01", "DATE", "first day of trips (UTC)", NULL, NULL},
    {"days", TF_OPT_INT, offsetof(gen_conf, days), "35", NULL, "number of days trips spread over", NULL, NULL},
    {"duplicates", TF_OPT_DOUBLE, offsetof(gen_conf, duplicates), "0", "FRACTION",
     "fraction of rows that exactly repeat an earlier row", NULL, NULL},
    {"bad", TF_OPT_DOUBLE, offsetof(gen_conf, bad), "0", "FRACTION",
     "fraction of malformed rows, cycling through every reject reason", NULL, NULL},
    {"crlf", TF_OPT_FLAG, offsetof(gen_conf, crlf), NULL, NULL, "end lines with CRLF", NULL, NULL},
    {"out", TF_OPT_STRING, offsetof(gen_conf, out), "-", "PATH", "output file (- for stdout)", NULL, NULL},
    TF_OPT_END,
};

static int run_gen(void *vconf, int argc, char **argv, tf_err *err)
{
    (void)argc, (void)argv;
    gen_conf *c = vconf;
    int64_t start_day;
    if (tf_parse_date(c->start, strlen(c->start), &start_day, err)) return tf_err_prefix(err, "--start: ");
    tf_gen_trips_opts o = {
        .rows = c->rows,
        .seed = (uint64_t)c->seed,
        .duplicates = c->duplicates,
        .bad = c->bad,
        .start_us = start_day * TF_US_PER_DAY,
        .days = c->days > 400 ? 401 : (int)c->days,
        .crlf = c->crlf,
    };
    int fd = 1;
    if (strcmp(c->out, "-")) {
        fd = open(c->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) return tf_errno(err, TF_EIO, "%s", c->out);
    }
    int rc = tf_gen_trips(&o, fd, err);
    if (fd != 1 && close(fd) != 0 && rc == TF_OK) rc = tf_errno(err, TF_EIO, "%s: close", c->out);
    return rc;
}

const tf_cmd tf_cmd_gen_trips = {
    .name = "gen trips",
    .summary = "Generate realistic trip CSV (deterministic for a seed)",
    .min_args = 0,
    .max_args = 0,
    .opts = gen_opts,
    .conf_size = sizeof(gen_conf),
    .run = run_gen,
    .details = "Trips in Turin, Prague and Hamburg from the sample's datasources, clustered around\n"
               "hotspots so similar trips occur, with daily and weekly rhythms.\n\n"
               "Examples:\n\n"
               "    tripflow gen trips --rows 1000000 --seed 7 > trips.csv\n"
               "    tripflow gen trips --rows 100000 --duplicates 0.1 --bad 0.01 --out dirty.csv",
};
