/* test_publish.c — all-or-nothing outputs: nothing under the final name
 * until commit, abort removes the temporary, directories replace old ones
 * whole, temporaries of dead processes are cleaned, devices are written in
 * place and never replaced. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "tripflow/fsutil.h"
#include "tripflow/publish.h"

/* entries in dir, . and .. aside (also used by test_extgroup.c) */
int test_dir_entries(const char *dir);
int test_dir_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

static char *slurp(const char *path)
{
    tf_buf b = {0};
    tf_err err = {0};
    if (tf_read_all(path, &b, &err)) {
        tf_buf_free(&b);
        return NULL;
    }
    tf_buf_cstr(&b);
    return b.data;
}

TF_TEST(outfile_appears_only_on_commit)
{
    const char *dir = tf_test_tmpdir();
    char *path = tf_path_join(dir, "sub/out.jsonl");
    tf_outfile f;
    tf_err err = {0};
    CHECK_INT(tf_outfile_open(&f, path, &err), TF_OK);
    tf_buf_puts(&f.buf, "hello ");
    CHECK_INT(tf_outfile_write(&f, "world\n", 6, &err), TF_OK);
    CHECK(!tf_exists(path));
    char *sub = tf_path_join(dir, "sub");
    CHECK_INT(test_dir_entries(sub), 1); /* the hidden temporary */
    CHECK_INT(tf_outfile_commit(&f, &err), TF_OK);
    char *got = slurp(path);
    CHECK_STR(got, "hello world\n");
    CHECK_INT(test_dir_entries(sub), 1);
    free(got);
    /* abort leaves the old file as it was */
    CHECK_INT(tf_outfile_open(&f, path, &err), TF_OK);
    tf_buf_puts(&f.buf, "partial");
    tf_outfile_abort(&f);
    got = slurp(path);
    CHECK_STR(got, "hello world\n");
    CHECK_INT(test_dir_entries(sub), 1);
    free(got);
    free(sub);
    free(path);
}

TF_TEST(outfile_refuses_a_directory_and_writes_devices_in_place)
{
    const char *dir = tf_test_tmpdir();
    tf_outfile f;
    tf_err err = {0};
    CHECK_INT(tf_outfile_open(&f, dir, &err), TF_EIO);
    char want[600];
    snprintf(want, sizeof want, "%s: is a directory (expected a file name)", dir);
    CHECK_STR(err.msg, want);
    CHECK_INT(tf_outfile_open(&f, "/dev/null", &err), TF_OK);
    CHECK(f.tmp == NULL);
    CHECK_INT(tf_outfile_write(&f, "x", 1, &err), TF_OK);
    CHECK_INT(tf_outfile_commit(&f, &err), TF_OK);
    struct stat st;
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
}

TF_TEST(publish_removes_temporaries_of_dead_processes_only)
{
    const char *dir = tf_test_tmpdir();
    char *path = tf_path_join(dir, "out.csv");
    /* pid 2^22 + 1 is above the default pid_max, so no such process */
    char *dead = tf_path_join(dir, ".out.csv.tmp-4194305");
    char *dead_dir = tf_path_join(dir, ".out.csv.tmp-4194306");
    char *mine = tf_xasprintf("%s/.out.csv.tmp-%ld", dir, (long)getppid());
    char *other = tf_path_join(dir, ".other.csv.tmp-4194305");
    FILE *fp;
    const char *files[] = {dead, mine, other};
    for (int i = 0; i < 3; i++) {
        fp = fopen(files[i], "w");
        fclose(fp);
    }
    mkdir(dead_dir, 0777);
    char *inner = tf_path_join(dead_dir, "part-0.parquet");
    fp = fopen(inner, "w");
    fclose(fp);
    CHECK_INT(tf_publish_clean_stale(path), 2);
    CHECK(!tf_exists(dead));
    CHECK(!tf_exists(dead_dir));
    CHECK(tf_exists(mine)); /* a live process (our parent) */
    CHECK(tf_exists(other));
    free(path);
    free(dead);
    free(dead_dir);
    free(mine);
    free(other);
    free(inner);
}

TF_TEST(outdir_replaces_a_directory_whole)
{
    const char *dir = tf_test_tmpdir();
    char *path = tf_path_join(dir, "staypoints");
    tf_err err = {0};
    for (int round = 0; round < 2; round++) {
        tf_outdir d;
        CHECK_INT(tf_outdir_open(&d, path, &err), TF_OK);
        char *p = tf_xasprintf("%s/p1=us/round%d.txt", d.tmp, round);
        char *pdir = tf_dirname(p);
        CHECK_INT(tf_mkdir_p(pdir, &err), TF_OK);
        FILE *fp = fopen(p, "w");
        fputs("x", fp);
        fclose(fp);
        /* before commit: the previous round (or nothing) under the final name */
        char *old = tf_xasprintf("%s/p1=us/round0.txt", path);
        CHECK_INT(tf_exists(old), round == 1);
        CHECK_INT(tf_outdir_commit(&d, &err), TF_OK);
        char *now = tf_xasprintf("%s/p1=us/round%d.txt", path, round);
        CHECK(tf_exists(now));
        CHECK_INT(tf_exists(old), round == 0); /* the old directory is gone whole */
        CHECK_INT(test_dir_entries(dir), 1);
        free(p);
        free(pdir);
        free(old);
        free(now);
    }
    /* abort removes everything */
    tf_outdir d;
    CHECK_INT(tf_outdir_open(&d, path, &err), TF_OK);
    CHECK_INT(test_dir_entries(dir), 2);
    tf_outdir_abort(&d);
    CHECK_INT(test_dir_entries(dir), 1);
    /* a file where the directory should go */
    char *file = tf_path_join(dir, "plain");
    FILE *fp = fopen(file, "w");
    fclose(fp);
    CHECK_INT(tf_outdir_open(&d, file, &err), TF_EIO);
    char want[600];
    snprintf(want, sizeof want, "%s: exists and is not a directory", file);
    CHECK_STR(err.msg, want);
    free(file);
    free(path);
}
