/* main.c — the tripflow binary: find the command, parse its options from
 * its descriptor, run it, map the result to an exit status
 * (0 success, 1 failure, 2 usage error). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "tripflow/cli.h"
#include "tripflow/mem.h"
#include "tripflow/sig.h"

int main(int argc, char **argv)
{
#ifdef __GLIBC__
    /* A fixed mmap threshold: glibc would otherwise raise it after each
     * large free and keep freed buffers (chunk rows, writer pages) in the
     * heap, so a run bounded by --memory would hold twice its budget. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        tf_cli_overview(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    int used = 0;
    const tf_cmd *cmd = tf_cli_find(argc - 1, argv + 1, &used);
    if (!cmd) {
        fprintf(stderr, "tripflow: unknown command '%s'", argv[1]);
        int shown = 0;
        for (int i = 0; tf_commands[i]; i++) {
            size_t l = strlen(argv[1]);
            if (!strncmp(tf_commands[i]->name, argv[1], l) && tf_commands[i]->name[l] == ' ') {
                fprintf(stderr, "%s tripflow %s", shown++ ? "," : "; try", tf_commands[i]->name);
            }
        }
        fprintf(stderr, "%s\n", shown ? "" : " (see tripflow --help)");
        return 2;
    }
    tf_sig_install();
    void *conf = tf_xcalloc(1, cmd->conf_size ? cmd->conf_size : 1);
    char **pos = NULL;
    int npos = 0;
    tf_err err = {0};
    int rc = tf_cli_parse(cmd, argc - 1 - used, argv + 1 + used, conf, &pos, &npos, &err);
    int status;
    if (rc == 1) {
        status = 0;
    } else if (rc != TF_OK) {
        fprintf(stderr, "tripflow %s\n", err.msg);
        status = 2;
    } else {
        rc = cmd->run(conf, npos, pos, &err);
        if (rc == TF_OK) {
            status = 0;
        } else {
            if (err.msg[0]) fprintf(stderr, "tripflow %s: %s\n", cmd->name, err.msg);
            status = rc == TF_EINVAL ? 2 : 1;
        }
    }
    free(pos);
    free(conf);
    return status;
}
