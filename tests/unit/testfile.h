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

#endif
