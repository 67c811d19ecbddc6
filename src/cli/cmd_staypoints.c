/* cmd_staypoints.c — the staypoints commands: `tripflow staypoints` (trips
 * to staypoints per user) and `tripflow gen staypoint-trips` (synthetic
 * input for it).  Option values become a tf_sp_job / tf_sp_gen_opts here;
 * the work is in src/pipeline/sp_job.c and src/ops/sp_gen.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tripflow/cli.h"
#include "tripflow/sp_gen.h"
#include "tripflow/sp_io.h"
#include "tripflow/sp_job.h"

typedef struct sp_conf {
    int format, input_format;
    int64_t row_group_rows, file_rows;
    const char *out, *rejects, *max_rejects, *tmp_dir, *tz;
    int64_t memory, threads;
    const char *min_dwell, *max_gap, *max_distance;
    int quiet;
} sp_conf;

static void mib(char *b, size_t n, int64_t bytes) { snprintf(b, n, "%.1f MiB", (double)bytes / (1024.0 * 1024.0)); }

static int run_staypoints(void *vc, int argc, char **argv, tf_err *err)
{
    (void)argc;
    sp_conf *c = vc;
    tf_sp_job j = {.input = argv[0], .input_format = c->input_format < 0 ? TF_SP_IN_AUTO : c->input_format,
                   .out = c->out, .format = c->format < 0 ? TF_SP_OUT_JSON : c->format,
                   .row_group_rows = c->row_group_rows, .file_rows = c->file_rows,
                   .memory = c->memory, .tmp_dir = c->tmp_dir, .max_rejects_text = c->max_rejects,
                   .threads = (int)c->threads};
    tf_sp_opts_init(&j.ops);
    if (c->memory < 1024 * 1024) return tf_errf(err, TF_EINVAL, "--memory: at least 1M is needed");
    if (c->threads < 0 || c->threads > 2) return tf_errf(err, TF_EINVAL, "--threads: expected 0, 1 or 2");
    if (c->row_group_rows < 1) return tf_errf(err, TF_EINVAL, "--row-group-rows: at least 1");
    if (c->file_rows < 1) return tf_errf(err, TF_EINVAL, "--file-rows: at least 1");
    if (j.format == TF_SP_OUT_PARQUET && !strcmp(c->out, "-"))
        return tf_errf(err, TF_EINVAL, "--format parquet writes a directory: give --out DIR");
    if (c->min_dwell && tf_parse_duration(c->min_dwell, &j.ops.min_dwell, err))
        return tf_err_prefix(err, "--min-dwell: ");
    if (c->max_gap && tf_parse_duration(c->max_gap, &j.ops.max_gap, err))
        return tf_err_prefix(err, "--max-gap: ");
    if (c->max_distance && tf_parse_distance(c->max_distance, &j.ops.max_distance, err))
        return tf_err_prefix(err, "--max-distance: ");
    if (tf_reject_limit_parse(c->max_rejects, &j.max_rejects, err)) return err->code;
    /* beside the output: out/ (a directory) gives out.rejects.csv, not out/.rejects.csv */
    size_t olen = strlen(c->out);
    while (olen > 1 && c->out[olen - 1] == '/') olen--;
    char *rejects = c->rejects ? tf_xstrdup(c->rejects)
                    : strcmp(c->out, "-") ? tf_xasprintf("%.*s.rejects.csv", (int)olen, c->out)
                                          : tf_xstrdup("staypoints.rejects.csv");
    j.rejects = rejects;
    tf_tz *tz = NULL;
    int rc = tf_tz_open(c->tz, &tz, err);
    if (rc) {
        free(rejects);
        return tf_err_prefix(err, "--timezone: ");
    }
    j.tz = tz;
    double t0 = tf_mono_s();
    tf_sp_result r;
    rc = tf_sp_job_run(&j, &r, err);
    if (!c->quiet && (rc == TF_OK || rc == TF_ELIMIT)) {
        fprintf(stderr, "staypoints: %lld rows read: %lld trips, %lld rejected%s%s%s\n", (long long)r.rows,
                (long long)r.trips, (long long)r.rejected, r.rejects_published ? " (see " : "",
                r.rejects_published ? rejects : "", r.rejects_published ? ")" : "");
    }
    if (!c->quiet && rc == TF_OK) {
        char a[32], b[32];
        fprintf(stderr, "staypoints: %lld users, %lld with staypoints; %lld staypoints written to %s\n",
                (long long)r.users, (long long)r.users_out, (long long)r.staypoints,
                strcmp(c->out, "-") ? c->out : "standard output");
        mib(a, sizeof a, r.group.peak_bytes);
        mib(b, sizeof b, c->memory);
        if (r.group.runs)
            fprintf(stderr, "staypoints: grouped with %lld spilled runs (", (long long)r.group.runs);
        else
            fprintf(stderr, "staypoints: grouped in memory (");
        if (r.group.runs) {
            char s[32];
            mib(s, sizeof s, r.group.spill_bytes);
            fprintf(stderr, "%s written to %s, %d intermediate merge passes; ", s, c->tmp_dir, r.group.merge_passes);
        }
        fprintf(stderr, "peak %s of --memory %s) in %.2f s\n", a, b, tf_mono_s() - t0);
    }
    tf_tz_close(tz);
    free(rejects);
    return rc;
}

static const tf_opt sp_opts[] = {
    {"format", TF_OPT_ENUM, offsetof(sp_conf, format), "json", NULL,
     "output format: JSON lines, CSV with the staypoints as a JSON array, or Hive-partitioned Parquet "
     "(OUT/p1=../p2=../part-NNNNN.parquet)",
     TF_SP_OUT_CHOICES, NULL},
    {"out", TF_OPT_STRING, offsetof(sp_conf, out), "-", "PATH",
     "output file (a directory for parquet), written under a temporary name and renamed when complete "
     "(- = standard output)",
     NULL, NULL},
    {"input-format", TF_OPT_ENUM, offsetof(sp_conf, input_format), "auto", NULL,
     "auto: a directory with metadata/ is an Iceberg table, another directory holds Parquet files, a file "
     "starting with PAR1 is Parquet, any other file (and -) CSV",
     TF_SP_IN_CHOICES, NULL},
    {"row-group-rows", TF_OPT_INT, offsetof(sp_conf, row_group_rows), "65536", "N",
     "parquet output: rows (users) per row group", NULL, NULL},
    {"file-rows", TF_OPT_INT, offsetof(sp_conf, file_rows), "1048576", "N",
     "parquet output: rows per file; a partition with more gets part-00001.parquet and so on", NULL, NULL},
    {"min-dwell", TF_OPT_STRING, offsetof(sp_conf, min_dwell), NULL, "DURATION",
     "keep a staypoint only when exit_time - enter_time >= DURATION (e.g. 5m)", NULL, NULL},
    {"max-gap", TF_OPT_STRING, offsetof(sp_conf, max_gap), NULL, "DURATION",
     "keep a staypoint only when exit_time - enter_time <= DURATION (e.g. 12h)", NULL, NULL},
    {"max-distance", TF_OPT_STRING, offsetof(sp_conf, max_distance), NULL, "DISTANCE",
     "keep a staypoint only when trip i ends within DISTANCE of where trip i+1 starts (e.g. 500m, 2km)", NULL, NULL},
    {"memory", TF_OPT_SIZE, offsetof(sp_conf, memory), "512M", "SIZE",
     "memory for grouping trips by user; more data than this is sorted in runs on disk and merged", NULL, NULL},
    {"tmp-dir", TF_OPT_STRING, offsetof(sp_conf, tmp_dir), "/tmp", "DIR",
     "where spill files go (unlinked at creation: nothing is left behind)", NULL, "TMPDIR"},
    {"reject", TF_OPT_STRING, offsetof(sp_conf, rejects), NULL, "PATH",
     "reject file (line,field,reason,record); default OUT.rejects.csv, or staypoints.rejects.csv with --out -",
     NULL, NULL},
    {"max-rejects", TF_OPT_STRING, offsetof(sp_conf, max_rejects), NULL, "N|P%",
     "fail (writing no output) when more rows than this are rejected; default: no limit", NULL, NULL},
    {"timezone", TF_OPT_STRING, offsetof(sp_conf, tz), NULL, "ZONE",
     "time zone of input times without an offset (default UTC); output times are UTC", NULL, "TRIPFLOW_TIMEZONE"},
    {"threads", TF_OPT_INT, offsetof(sp_conf, threads), "0", "N",
     "1: everything on one thread; 2: reading (from a file) and writing in threads of their own, overlapping "
     "the grouping; 0: 2 when there is more than one CPU",
     NULL, NULL},
    {"quiet", TF_OPT_FLAG, offsetof(sp_conf, quiet), NULL, NULL, "no summary on standard error", NULL, NULL},
    TF_OPT_END,
};

const tf_cmd tf_cmd_staypoints = {
    .name = "staypoints",
    .summary = "Turn each user's trips into staypoints (where the user stayed between trips)",
    .args = "INPUT",
    .min_args = 1,
    .max_args = 1,
    .opts = sp_opts,
    .conf_size = sizeof(sp_conf),
    .run = run_staypoints,
    .details =
        "INPUT has the columns user_id, trip_start_time, trip_end_time, start_lat, start_lng,\n"
        "end_lat, end_lng (any order; other columns are ignored): a CSV file, - for CSV on standard\n"
        "input, a Parquet file, a directory of Parquet files (Hive-partitioned or not), or an Iceberg\n"
        "table directory (its current snapshot).  Trips need not be sorted or grouped.  For each user, trips are ordered by\n"
        "start time, then end time, then input order; trip i and trip i+1 make one staypoint\n"
        "(enter_time = end of trip i, exit_time = start of trip i+1, lat/lng = end of trip i).\n"
        "Output rows are ordered by user_id (bytes); p1 and p2 are characters 1-2 and 3-4 of\n"
        "user_id.  See docs/staypoints.md.\n\n"
        "Examples:\n\n"
        "    tripflow staypoints trips.csv --format json --out staypoints.jsonl\n"
        "    tripflow staypoints trips.csv --format csv --out staypoints.csv --memory 256M\n"
        "    tripflow staypoints trips.parquet --format parquet --out staypoints/\n"
        "    tripflow staypoints warehouse/db/trips --format json --out staypoints.jsonl   # Iceberg\n"
        "    zcat trips.csv.gz | tripflow staypoints - --min-dwell 5m --max-gap 12h --max-distance 500m",
};

typedef struct gen_conf {
    int64_t users, seed, trips_per_user, row_group_rows;
    int id_style, format;
    double bad;
    const char *out;
} gen_conf;

static int run_gen(void *vc, int argc, char **argv, tf_err *err)
{
    (void)argc, (void)argv;
    gen_conf *c = vc;
    tf_sp_gen_opts o = {.users = c->users, .seed = (uint64_t)c->seed, .trips_per_user = c->trips_per_user,
                        .id_style = c->id_style < 0 ? TF_SP_ID_UUID : c->id_style, .bad = c->bad};
    tf_sp_gen_stats st;
    if (c->row_group_rows < 1) return tf_errf(err, TF_EINVAL, "--row-group-rows: at least 1");
    int rc = c->format == TF_SP_GEN_PARQUET ? tf_sp_gen_parquet(&o, c->out, c->row_group_rows, &st, err)
                                            : tf_sp_gen_csv(&o, c->out, &st, err);
    if (rc) return rc;
    fprintf(stderr, "gen staypoint-trips: %lld users, %lld trips, %lld bad rows written to %s\n",
            (long long)st.users, (long long)st.trips, (long long)st.bad_rows,
            strcmp(c->out, "-") ? c->out : "standard output");
    return TF_OK;
}

static const tf_opt gen_opts[] = {
    {"users", TF_OPT_INT, offsetof(gen_conf, users), "1000", "N", "number of users", NULL, NULL},
    {"seed", TF_OPT_INT, offsetof(gen_conf, seed), "1", "S", "random seed: the same seed gives the same file", NULL,
     NULL},
    {"trips-per-user", TF_OPT_INT, offsetof(gen_conf, trips_per_user), "10", "N",
     "mean trips per user (3% of users get a single trip)", NULL, NULL},
    {"id-style", TF_OPT_ENUM, offsetof(gen_conf, id_style), "uuid", NULL,
     "user ids: random UUIDs (like the seed's generator) or user-000001 (like its sample); 1% of ids are 1-3 "
     "characters and 1% are non-ASCII either way",
     TF_SP_ID_CHOICES, NULL},
    {"bad", TF_OPT_DOUBLE, offsetof(gen_conf, bad), "0", "FRACTION",
     "insert this many malformed rows per good row (the good rows stay the same)", NULL, NULL},
    {"format", TF_OPT_ENUM, offsetof(gen_conf, format), "csv", NULL,
     "output format: CSV, or one Parquet file with the same rows in the same order (TIMESTAMP and DOUBLE columns)",
     TF_SP_GEN_CHOICES, NULL},
    {"row-group-rows", TF_OPT_INT, offsetof(gen_conf, row_group_rows), "122880", "N",
     "parquet: rows per row group", NULL, NULL},
    {"out", TF_OPT_STRING, offsetof(gen_conf, out), "-", "PATH", "output file (- = standard output; CSV only)", NULL,
     NULL},
    TF_OPT_END,
};

const tf_cmd tf_cmd_gen_staypoint_trips = {
    .name = "gen staypoint-trips",
    .summary = "Generate trips for the staypoints job (deterministic for a seed)",
    .min_args = 0,
    .max_args = 0,
    .opts = gen_opts,
    .conf_size = sizeof(gen_conf),
    .run = run_gen,
    .details = "Users travel in one of 16 cities over a few days from 2025-01-01: a trip starts near where the\n"
               "last one ended and stays last 5 minutes to 14 hours; 2% of trips share the previous\n"
               "trip's start time (half of them its end time too) and 1.5% start before the previous\n"
               "trip ends.  Rows are shuffled.  Coordinates have 6 decimals.\n\n"
               "Examples:\n\n"
               "    tripflow gen staypoint-trips --users 100000 --seed 3 --out trips.csv\n"
               "    tripflow gen staypoint-trips --users 100000 --seed 3 --format parquet --out trips.parquet",
};
