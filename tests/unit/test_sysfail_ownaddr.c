/*
 * The own-address list (sniffer/ownaddr.h) when a system call fails
 * (tests/unit/sysfail.h), on the real loopback interface:
 *   - getifaddrs failing: ownaddr_new returns SPA_ERR_SYSTEM and nothing;
 *     ownaddr_update returns it and keeps the previous addresses, then
 *     reads them again on the next update (the reading is stale);
 *   - the netlink socket's bind failing: no socket, the list is read
 *     again on a timer instead;
 *   - the monotonic clock failing: taken as 0, so the timer says "read
 *     again" at the next update;
 *   - recvfrom interrupted (tried again) or failing otherwise than EAGAIN
 *     (messages were lost, ENOBUFS): read again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "err.h"
#include "ownaddr.h"
#include "sysfail.h"

static int
setup(void **state)
{
	(void)state;
	sysfail_clear();
	return 0;
}

static void
test_getifaddrs_fails(void **state)
{
	struct ownaddr *o;
	unsigned long gen;
	size_t n;
	(void)state;

	sysfail_arm("getifaddrs", 0, ENOMEM);
	assert_int_equal(ownaddr_new("lo", &o), SPA_ERR_SYSTEM);
	assert_null(o);
	assert_int_equal(sysfail_failed("getifaddrs"), 1);

	assert_int_equal(ownaddr_new("lo", &o), 0);
	n = ownaddr_count(o);
	assert_true(n >= 1);                    /* 127.0.0.1 at least */
	gen = ownaddr_generation(o);
	/* A netlink message missed: read again, which fails. */
	sysfail_arm("recvfrom", 0, ENOBUFS);
	sysfail_arm("getifaddrs", 0, EIO);
	assert_int_equal(ownaddr_update(o), SPA_ERR_SYSTEM);
	assert_int_equal(sysfail_failed("recvfrom"), 1);
	assert_int_equal(sysfail_failed("getifaddrs"), 1);
	assert_int_equal(ownaddr_count(o), n);  /* the previous ones stay */
	assert_int_equal(ownaddr_generation(o), gen);
	/* Stale: the next update reads again, with nothing pending. */
	assert_int_equal(ownaddr_update(o), 0);
	assert_int_equal(ownaddr_generation(o), gen + 1);
	assert_int_equal(ownaddr_count(o), n);
	/* Nothing pending, not stale: no reading. */
	assert_int_equal(ownaddr_update(o), 0);
	assert_int_equal(ownaddr_generation(o), gen + 1);
	ownaddr_free(o);
}

static void
test_recvfrom_interrupted(void **state)
{
	struct ownaddr *o;
	unsigned long gen;
	(void)state;

	assert_int_equal(ownaddr_new("lo", &o), 0);
	(void)ownaddr_update(o);                /* whatever came meanwhile */
	gen = ownaddr_generation(o);
	/* Interrupted, then nothing (EAGAIN): no reading. */
	sysfail_arm("recvfrom", 0, EINTR);
	assert_int_equal(ownaddr_update(o), 0);
	assert_int_equal(sysfail_failed("recvfrom"), 1);
	assert_int_equal(ownaddr_generation(o), gen);
	ownaddr_free(o);
}

static void
test_no_socket_timer(void **state)
{
	struct ownaddr *o;
	unsigned long gen;
	(void)state;

	/* bind refused: no socket; the clock failing at the reading makes
	 * it look as old as can be. */
	sysfail_arm("bind", 0, EADDRINUSE);
	sysfail_arm("clock_gettime", 0, EINVAL);
	assert_int_equal(ownaddr_new("lo", &o), 0);
	assert_int_equal(sysfail_failed("bind"), 1);
	assert_int_equal(sysfail_failed("clock_gettime"), 1);
	assert_int_equal(ownaddr_fd(o), -1);
	gen = ownaddr_generation(o);
	assert_int_equal(ownaddr_update(o), 0); /* the timer: read again */
	assert_int_equal(ownaddr_generation(o), gen + 1);
	assert_int_equal(ownaddr_update(o), 0); /* just read: not again */
	assert_int_equal(ownaddr_generation(o), gen + 1);
	ownaddr_free(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_getifaddrs_fails, setup),
		cmocka_unit_test_setup(test_recvfrom_interrupted, setup),
		cmocka_unit_test_setup(test_no_socket_timer, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
