/*
 * The replay cache's edges (common/replay.h): a bound of 0 or above
 * REPLAY_MAX_TAGS is refused with nothing allocated; an expiry at or
 * before the epoch is kept as 1 (the tag is remembered, then pruned like
 * any other); the same tag again with an earlier expiry keeps the later.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "replay.h"

static void
test_bounds_refused(void **state)
{
	struct replay_cache *rc = (struct replay_cache *)1;

	(void)state;
	assert_int_equal(replay_new_capped(0, &rc), SPA_ERR_INVALID);
	assert_null(rc);
	rc = (struct replay_cache *)1;
	assert_int_equal(replay_new_capped(REPLAY_MAX_TAGS + 1, &rc),
	    SPA_ERR_INVALID);
	assert_null(rc);
	assert_int_equal(replay_new_capped(REPLAY_MAX_TAGS, &rc), 0);
	replay_free(rc);
}

static void
test_expiry_edges(void **state)
{
	uint8_t a[SPA_MAC_LEN], b[SPA_MAC_LEN];
	struct replay_cache *rc;

	(void)state;
	memset(a, 0xa5, sizeof(a));
	memset(b, 0x5a, sizeof(b));
	assert_int_equal(replay_new(&rc), 0);
	assert_int_equal(replay_add(rc, a, -100, 0), 0);
	assert_int_equal(replay_add(rc, b, 0, 0), 0);
	assert_true(replay_seen(rc, a, 0));
	assert_true(replay_seen(rc, b, 0));
	assert_int_equal(replay_count(rc), 2);
	assert_int_equal(replay_prune(rc, 1), 0);       /* expiry 1: none stays */
	assert_int_equal(replay_count(rc), 0);
	assert_false(replay_seen(rc, a, 0));

	/* a later expiry wins, an earlier one does not shorten it */
	assert_int_equal(replay_add(rc, a, 500, 100), 0);
	assert_int_equal(replay_add(rc, a, 200, 100), 0);
	assert_int_equal(replay_prune(rc, 300), 1);
	assert_true(replay_seen(rc, a, 300));
	replay_free(rc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds_refused),
		cmocka_unit_test(test_expiry_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
