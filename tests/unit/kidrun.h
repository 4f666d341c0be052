/*
 * A check run in a forked child.  kidrun's child may end up in a state no
 * exit handler can live with: confined by a seccomp filter, chrooted
 * without /proc, no longer allowed to trace itself (ASan's leak check at
 * exit or _exit needs all three); it writes its coverage counts
 * (common/cov.h) and ends by the exit_group system call itself.
 * tests/unit/childrun.h and tmpfschild.h fork through kidrun_ending.
 */
#ifndef SPA_TEST_KIDRUN_H
#define SPA_TEST_KIDRUN_H

/* Runs fn(arg) in a forked child and waits for it: fn's value as the
 * child's exit code, or 128 + the signal that killed it. */
int kidrun(int (*fn)(const void *arg), const void *arg);

/* Ends the calling child with code, as kidrun's children end. */
void kidrun_exit(int code) __attribute__((noreturn));

/* kidrun whose child ends by end(fn's value) (exit: its exit handlers
 * run). */
int kidrun_ending(int (*fn)(const void *arg), const void *arg,
    void (*end)(int code));

#endif
