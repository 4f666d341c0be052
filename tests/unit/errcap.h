/*
 * Our stderr (where the log goes when it is not a socket), caught in a
 * file of a test's directory for the test to read.
 */
#ifndef SPA_TEST_ERRCAP_H
#define SPA_TEST_ERRCAP_H

/* stderr into dir/name from here (the file emptied first). */
void errcap_to(const char *dir, const char *name);

/* stderr back where it was; the text of dir/name (its first 8 KiB), in a
 * static buffer overwritten by the next call. */
const char *errcap_back(const char *dir, const char *name);

#endif
