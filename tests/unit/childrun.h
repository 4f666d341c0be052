/*
 * A check that must run in a process of its own (it loads a seccomp filter,
 * or changes what cannot be changed back): fork, run it, wait
 * (tests/unit/kidrun.h).
 */
#ifndef SPA_TEST_CHILDRUN_H
#define SPA_TEST_CHILDRUN_H

/* Runs fn in a forked child that exits with fn's value (exit(3): its exit
 * handlers run) and waits for it; then childrun_verdict. */
void childrun(int (*fn)(void), const char *skip_why);

/* The running test is skipped (saying skip_why) when the child's code (as
 * kidrun returns it) is 77, and fails unless it is 0. */
void childrun_verdict(int code, const char *skip_why);

#endif
