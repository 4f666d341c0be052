/*
 * What needs random bytes when OpenSSL has none (tests/unit/sysfail.h,
 * RAND_bytes): the lockout table, whose hash is seeded with them, is not
 * made (SPA_ERR_CRYPTO, nothing returned) rather than made predictable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "err.h"
#include "lockout.h"
#include "sysfail.h"

static void
test_lockout_unseeded(void **state)
{
	struct lockout *l = (struct lockout *)1;
	(void)state;

	sysfail_arm("RAND_bytes", 0, EIO);
	assert_int_equal(lockout_new(3, 60, &l), SPA_ERR_CRYPTO);
	assert_int_equal(sysfail_failed("RAND_bytes"), 1);
	sysfail_clear();
	assert_null(l);
	assert_int_equal(lockout_new(3, 60, &l), 0);
	lockout_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lockout_unseeded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
