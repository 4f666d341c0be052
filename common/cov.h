/*
 * Coverage builds only (make coverage, -DSPA_COVERAGE): a forked child
 * that ends in execve() or _exit() never runs gcov's exit handler, so its
 * counts would be lost.  cov_dump() writes them first (gcov merges them
 * into the .gcda files, whatever user the child now runs as: they are
 * 0666, tests/run-coverage), then starts them again from zero, so that
 * a later cov_dump (an execve that failed) adds only what came after: a
 * second dump alone would be skipped.  In every other build it is nothing.
 *
 * The capture process (sniffer/child.c) dumps its counts while confined:
 * libgcov opens each .gcda file by its absolute path, so in coverage
 * builds cov_chroot() makes its chroot "/" instead of the empty
 * directory, and its seccomp filter lets libgcov open, lock and write
 * those files (sniffer/sandbox.c, doc/coverage.md).  In every other build
 * cov_chroot(dir) is dir.
 */
#ifndef SPA_COV_H
#define SPA_COV_H

#ifdef SPA_COVERAGE
void __gcov_dump(void);
void __gcov_reset(void);
#define cov_dump() (__gcov_dump(), __gcov_reset())
#define cov_chroot(dir) ((void)(dir), "/")
#else
#define cov_dump() ((void)0)
#define cov_chroot(dir) (dir)
#endif

#endif
