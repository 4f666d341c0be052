/*
 * Allocation failures for the unit tests test_nomem_*.c only: they are
 * linked with ld's --wrap for malloc, calloc, realloc, reallocarray,
 * strdup and strndup (GNUmakefile), so that each call from the project's
 * own code (common/, sniffer/, and the test) goes through here first.
 * Calls made inside shared libraries (OpenSSL, SQLite, libc itself) are
 * not counted.  No production code knows about it.
 *
 *	for (n = 0;; n++) {
 *		nomem_fail_after(n);
 *		rc = thing_new(&t);
 *		if (!nomem_off())
 *			break;                  (no allocation failed: done)
 *		assert_int_equal(rc, SPA_ERR_NOMEM);
 *	}
 */
#ifndef SPA_TEST_NOMEM_H
#define SPA_TEST_NOMEM_H

/* The allocation n from now (0: the next one) of this process fails with
 * ENOMEM, that one only; the counting starts again.  A process forked
 * meanwhile is never failed. */
void nomem_fail_after(unsigned long n);
/* Stops counting.  1 when an allocation was failed since the last
 * nomem_fail_after, else 0. */
int nomem_off(void);

/* How far the loops above go at most: a bound, never reached. */
#define NOMEM_MAX 100000ul

#endif
