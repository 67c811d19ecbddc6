/* sig.h — cooperative interruption: SIGINT/SIGTERM set a flag that long
 * loops check, so a run stops at a safe point and rolls back cleanly.
 * In graceful mode (watch) the first signal only asks to stop after the
 * current run; a second one interrupts it. */
#ifndef TF_SIG_H
#define TF_SIG_H

void tf_sig_install(void);
int tf_sig_interrupted(void); /* the signal number, or 0 */
/* a file descriptor that becomes readable when a signal arrived (for poll) */
int tf_sig_fd(void);
void tf_sig_graceful(int on);
int tf_sig_stop_requested(void); /* graceful mode: a first signal arrived */

#endif
