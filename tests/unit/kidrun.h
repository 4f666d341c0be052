/*
 * A check run in a forked child that may end up in a state no exit
 * handler can live with: confined by a seccomp filter, chrooted without
 * /proc, no longer allowed to trace itself (ASan's leak check at exit or
 * _exit needs all three).  The child writes its coverage counts
 * (common/cov.h) and ends by the exit_group system call itself.
 */
#ifndef SPA_TEST_KIDRUN_H
#define SPA_TEST_KIDRUN_H

/* Runs fn(arg) in a forked child and waits for it: fn's value as the
 * child's exit code, or 128 + the signal that killed it. */
int kidrun(int (*fn)(const void *arg), const void *arg);

/* Ends the calling child with code, as kidrun's children end. */
void kidrun_exit(int code) __attribute__((noreturn));

#endif
