/*
 * Files the unit tests write for the code under test to read (keys,
 * configurations, rules, scripts).
 */
#ifndef SPA_TEST_TESTFILE_H
#define SPA_TEST_TESTFILE_H

#include <sys/types.h>

/* Writes text to dir/name (to name when dir is NULL), replacing what was
 * there, then sets mode; any failure fails the running cmocka test. */
void testfile_write(const char *dir, const char *name, const char *text,
    mode_t mode);

/* Removes dir and everything under it (a test's temporary tree).  0 or
 * -1. */
int testfile_remove_tree(const char *dir);

/* A temporary directory for a group of tests (or for each test):
 * testfile_dir_setup makes /tmp/spa-PROGRAM-XXXXXX and names it in
 * testfile_dir, testfile_dir_teardown removes it and everything under it.
 * They are cmocka setup and teardown functions (0 or -1), or can begin and
 * end ones that do more. */
extern char testfile_dir[];
int testfile_dir_setup(void **state);
int testfile_dir_teardown(void **state);

/* testfile_dir/name, in one of four buffers used in turn (a call may take
 * several). */
const char *testfile_at(const char *name);

#endif
