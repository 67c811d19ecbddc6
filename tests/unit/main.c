/* main.c — runs the registered unit tests: all, or those whose name contains
 * argv[1].  Exit status 1 when any check failed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define MAX_TESTS 1024
static struct {
    const char *name, *file;
    void (*fn)(void);
} tests[MAX_TESTS];
static int ntests, failures_in_test, total_failures;
static char tmpdir[256];

void tf_test_register(const char *name, void (*fn)(void), const char *file)
{
    if (ntests < MAX_TESTS) {
        tests[ntests].name = name;
        tests[ntests].file = file;
        tests[ntests].fn = fn;
        ntests++;
    }
}

void tf_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "  FAIL %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    failures_in_test++;
}

const char *tf_test_shared(const char *rel)
{
    static char path[4][1024];
    static int slot;
    const char *root = getenv("TRIPFLOW_SHARED");
    char *p = path[slot++ % 4];
    snprintf(p, 1024, "%s/%s", root ? root : "../shared/data", rel);
    if (access(p, R_OK) != 0) {
        fprintf(stderr, "  SKIP: %s is absent (set TRIPFLOW_SHARED to the shared data directory)\n", p);
        return NULL;
    }
    return p;
}

const char *tf_test_tmpdir(void)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/tripflow-unit-XXXXXX");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(1);
        }
    }
    static char dir[320];
    static int n;
    snprintf(dir, sizeof dir, "%s/t%d", tmpdir, n++);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd) != 0) exit(1);
    return dir;
}

int main(int argc, char **argv)
{
    int ran = 0;
    for (int i = 0; i < ntests; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1])) continue;
        failures_in_test = 0;
        tests[i].fn();
        ran++;
        if (failures_in_test) {
            fprintf(stderr, "FAIL %s (%s)\n", tests[i].name, tests[i].file);
            total_failures++;
        }
    }
    if (tmpdir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    printf("unit: %d tests, %d failed\n", ran, total_failures);
    return total_failures ? 1 : 0;
}
