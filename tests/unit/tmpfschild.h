/*
 * Tests of a full disk: the code under test runs in a forked child that
 * has its own mount namespace with a small tmpfs on the test's directory
 * (as root; never the host's disk).  The child reports a failed check by
 * its exit status (CHECK), 77 when the host has no mount namespace.
 */
#ifndef SPA_TEST_TMPFSCHILD_H
#define SPA_TEST_TMPFSCHILD_H

#include <stdio.h>
#include <unistd.h>

#include "cov.h"

/* In the child: ends it with code, its coverage counts written first
 * (common/cov.h: _exit runs no exit handler, so they would be lost). */
#define tmpfschild_exit(code) do { fflush(stdout); cov_dump(); \
	_exit(code); } while (0)

/* In the child: when cond is false, prints it with its line and exits
 * code. */
#define CHECK(cond, code) do { if (!(cond)) { \
	printf("line %d: %s\n", __LINE__, #cond); tmpfschild_exit(code); \
	} } while (0)

/* Skips the running test, saying why, unless it runs as root. */
void tmpfschild_need_root(void);

/* In the child: a private mount namespace, and a tmpfs mounted on dir with
 * the options opts ("size=16k,mode=0755"); exits 77 when it cannot. */
void tmpfschild_mount(const char *dir, const char *opts);

/* Forks child(dir), which never returns (it calls tmpfschild_mount first
 * and tmpfschild_exit at its end), and waits for it; removes dir when
 * rmdir_after.
 * The running test is skipped when the child exited 77, and fails unless
 * it exited 0. */
void tmpfschild_run(const char *dir, void (*child)(const char *dir),
    int rmdir_after);

#endif
