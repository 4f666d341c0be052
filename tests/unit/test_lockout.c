/* Lockout: N failures within the window ignore a source for a while. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "lockout.h"

static struct spa_addr
addr(const char *text)
{
	struct spa_addr a;

	assert_int_equal(addr_parse(text, &a), 0);
	return a;
}

static void
test_lockout_counts_failures(void **state)
{
	struct spa_addr a = addr("198.51.100.1"), b = addr("2001:db8::1");
	struct lockout *l;
	(void)state;

	assert_int_equal(lockout_new(3, 60, &l), 0);
	/* Only bad-mac, replay and stale count. */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(lockout_record(l, &a, VERDICT_UNKNOWN, 100), 0);
		assert_int_equal(lockout_record(l, &a, VERDICT_DENIED, 100), 0);
		assert_int_equal(lockout_record(l, &a, VERDICT_ACCEPTED, 100), 0);
	}
	assert_false(lockout_blocked(l, &a, 100));
	assert_int_equal(lockout_record(l, &a, VERDICT_BAD_MAC, 100), 0);
	assert_int_equal(lockout_record(l, &a, VERDICT_REPLAY, 101), 0);
	assert_false(lockout_blocked(l, &a, 101));
	assert_int_equal(lockout_record(l, &a, VERDICT_STALE, 102), 1);
	assert_true(lockout_blocked(l, &a, 102));
	/* more failures while locked: not locked anew, not for longer */
	assert_int_equal(lockout_record(l, &a, VERDICT_BAD_MAC, 103), 0);
	assert_true(lockout_blocked(l, &a, 161));
	assert_false(lockout_blocked(l, &a, 162));      /* 102 + 60 */
	assert_false(lockout_blocked(l, &b, 102));      /* others unaffected */
	lockout_free(l);
}

static void
test_lockout_window(void **state)
{
	struct spa_addr a = addr("198.51.100.1");
	struct lockout *l;
	(void)state;

	assert_int_equal(lockout_new(2, 10, &l), 0);
	assert_int_equal(lockout_record(l, &a, VERDICT_BAD_MAC, 100), 0);
	/* The second failure comes after the window: counting restarts. */
	assert_int_equal(lockout_record(l, &a, VERDICT_BAD_MAC, 111), 0);
	assert_false(lockout_blocked(l, &a, 111));
	assert_int_equal(lockout_record(l, &a, VERDICT_BAD_MAC, 112), 1);
	assert_true(lockout_blocked(l, &a, 112));
	lockout_free(l);
}

/* A flood of failing spoofed sources does not free a locked source early,
 * and memory stays fixed. */
static void
test_lockout_flood(void **state)
{
	struct spa_addr victim = addr("203.0.113.7");
	struct lockout *l;
	char text[64];
	(void)state;

	assert_int_equal(lockout_new(2, 60, &l), 0);
	lockout_record(l, &victim, VERDICT_BAD_MAC, 100);
	assert_int_equal(lockout_record(l, &victim, VERDICT_BAD_MAC, 100), 1);
	for (unsigned i = 0; i < 100000; i++) {
		struct spa_addr s;

		snprintf(text, sizeof(text), "2001:db8::%x:%x", i >> 16,
		    i & 0xffff);
		s = addr(text);
		/* first seen at different times: the oldest slot goes */
		lockout_record(l, &s, VERDICT_BAD_MAC, 101 + i % 30);
	}
	assert_true(lockout_blocked(l, &victim, 131));
	/* a source never seen, among full slots: not blocked */
	{
		struct spa_addr other = addr("192.0.2.99");

		assert_false(lockout_blocked(l, &other, 131));
	}
	lockout_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lockout_counts_failures),
		cmocka_unit_test(test_lockout_window),
		cmocka_unit_test(test_lockout_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
