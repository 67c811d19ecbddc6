/* sig.c — SIGINT/SIGTERM to a flag and a self-pipe (see sig.h). */
#include "tripflow/sig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got, stop, graceful;
static int pipefd[2] = {-1, -1};

static void on_signal(int s)
{
    int saved = errno;
    if (graceful && !stop) stop = s;
    else got = s;
    if (pipefd[1] >= 0) {
        ssize_t w = write(pipefd[1], "x", 1);
        (void)w;
    }
    errno = saved;
}

void tf_sig_install(void)
{
    if (pipefd[0] < 0 && pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) pipefd[0] = pipefd[1] = -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int tf_sig_interrupted(void) { return (int)got; }
void tf_sig_graceful(int on) { graceful = on; }
int tf_sig_stop_requested(void) { return (int)(stop || got); }

int tf_sig_fd(void) { return pipefd[0]; }
