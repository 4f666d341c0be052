/*
 * A check that must run in a process of its own (it loads a seccomp filter,
 * or changes what cannot be changed back): fork, run it, wait.
 */
#ifndef SPA_TEST_CHILDRUN_H
#define SPA_TEST_CHILDRUN_H

/* Runs fn in a forked child that exits with fn's value and waits for it.
 * The running test is skipped (saying skip_why) when it exited 77, and
 * fails unless it exited 0. */
void childrun(int (*fn)(void), const char *skip_why);

#endif
