/*
 * common/decimal.h: digits only, within bounds, no overflow; the one
 * reader behind the sniffer's configuration and knock's -p, -S, profile
 * ports and --stun HOST:PORT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>

#include "decimal.h"
#include "err.h"

static void
test_decimal_bounds(void **state)
{
	static const struct {
		const char *text;
		unsigned long min, max;
		int ok;
		unsigned long want;
	} cases[] = {
		{ "0", 0, 10, 1, 0 },
		{ "10", 0, 10, 1, 10 },
		{ "11", 0, 10, 0, 0 },
		{ "4", 5, 10, 0, 0 },
		{ "5", 5, 10, 1, 5 },
		{ "007", 1, 10, 1, 7 },
		{ "", 0, 10, 0, 0 },
		{ "+1", 0, 10, 0, 0 },
		{ "-1", 0, 10, 0, 0 },
		{ " 1", 0, 10, 0, 0 },
		{ "1 ", 0, 10, 0, 0 },
		{ "0x1", 0, 10, 0, 0 },
		{ "1e3", 0, 10000, 0, 0 },
		{ "9", 0, 8, 0, 0 },             /* one digit above max */
		{ "5", 0, 0, 0, 0 },
		{ "0", 0, 0, 1, 0 },
		{ "18446744073709551615", 0, ULONG_MAX, 1, ULONG_MAX },
		{ "18446744073709551616", 0, ULONG_MAX, 0, 0 },
		{ "99999999999999999999999", 0, ULONG_MAX, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long v = 12345;
		int rc = decimal_parse(cases[i].text, cases[i].min,
		    cases[i].max, &v);

		if (cases[i].ok) {
			if (rc != 0 || v != cases[i].want)
				fail_msg("\"%s\": rc %d value %lu", cases[i].text,
				    rc, v);
		} else if (rc != SPA_ERR_INVALID || v != 12345) {
			fail_msg("\"%s\" in %lu..%lu: rc %d, value %lu",
			    cases[i].text, cases[i].min, cases[i].max, rc, v);
		}
	}
}

static void
test_decimal_port(void **state)
{
	static const char *const bad[] = { "0", "65536", "", "-22", "+22",
	    " 22", "22 ", "22/tcp", "99999" };
	uint16_t port = 7;

	(void)state;
	assert_int_equal(decimal_port("1", &port), 0);
	assert_int_equal(port, 1);
	assert_int_equal(decimal_port("65535", &port), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(decimal_port("5001", &port), 0);
	assert_int_equal(port, 5001);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		port = 7;
		if (decimal_port(bad[i], &port) != SPA_ERR_INVALID || port != 7)
			fail_msg("\"%s\" read as a port", bad[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decimal_bounds),
		cmocka_unit_test(test_decimal_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
