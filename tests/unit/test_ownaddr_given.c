/*
 * A list of own addresses given by someone else (sniffer/ownaddr.h, as the
 * capture child gets the parent's): no socket, ownaddr_update reads
 * nothing and changes nothing, ownaddr_set replaces the list (an empty
 * one too) and counts a new generation each time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "addr.h"
#include "ownaddr.h"

static void
test_given_list(void **state)
{
	struct spa_addr a[2], other, loop;
	const struct spa_addr *list;
	struct ownaddr *o;
	unsigned long gen;
	size_t n;

	(void)state;
	assert_int_equal(addr_parse("192.0.2.1", &a[0]), 0);
	assert_int_equal(addr_parse("2001:db8::1", &a[1]), 0);
	assert_int_equal(addr_parse("198.51.100.1", &other), 0);
	assert_int_equal(addr_parse("127.0.0.1", &loop), 0);
	assert_int_equal(ownaddr_new_list(a, 2, &o), 0);
	assert_int_equal(ownaddr_fd(o), -1);
	gen = ownaddr_generation(o);

	/* never read: this host's loopback is not in it, and stays out */
	for (int i = 0; i < 3; i++)
		assert_int_equal(ownaddr_update(o), 0);
	assert_int_equal(ownaddr_generation(o), gen);
	assert_int_equal(ownaddr_count(o), 2);
	assert_false(ownaddr_contains(o, &loop));
	assert_true(ownaddr_contains(o, &a[1]));

	assert_int_equal(ownaddr_set(o, &other, 1), 0);
	assert_int_equal(ownaddr_generation(o), gen + 1);
	list = ownaddr_list(o, &n);
	assert_int_equal(n, 1);
	assert_true(addr_equal(&list[0], &other));
	assert_false(ownaddr_contains(o, &a[0]));

	assert_int_equal(ownaddr_set(o, NULL, 0), 0);
	assert_int_equal(ownaddr_count(o), 0);
	assert_int_equal(ownaddr_generation(o), gen + 2);
	assert_false(ownaddr_contains(o, &other));
	ownaddr_free(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_given_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
