/*
 * The command log of the unit tests' fake firewall backends: each script
 * (fw.sh in a test's directory) appends "VERB WORDS..." to dir/log, and
 * the tests count and read those lines.
 */
#ifndef SPA_TEST_CMDLOG_H
#define SPA_TEST_CMDLOG_H

/* How many lines of dir/log start with prefix (0 when there is no log). */
int cmdlog_count(const char *dir, const char *prefix);

/* The whole of dir/log (its first 4 KiB), for messages and for order; a
 * static buffer, overwritten by the next call. */
const char *cmdlog_text(const char *dir);

/* Removes dir/log (a cmocka setup: a fresh log for each case).  0. */
int cmdlog_fresh(const char *dir);

#endif
