/* The replay cache: tags expire, growth keeps every live tag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "replay.h"

static void
tag_of(unsigned i, uint8_t tag[32])
{
	memset(tag, 0, 32);
	/* Same first bytes for many tags: collisions in the hash. */
	tag[0] = (uint8_t)(i % 3);
	tag[30] = (uint8_t)(i >> 8);
	tag[31] = (uint8_t)i;
}

static void
test_replay_basic(void **state)
{
	struct replay_cache *rc;
	uint8_t tag[32];
	(void)state;

	assert_int_equal(replay_new(&rc), 0);
	tag_of(1, tag);
	assert_false(replay_seen(rc, tag, 100));
	assert_int_equal(replay_add(rc, tag, 200, 100), 0);
	assert_true(replay_seen(rc, tag, 100));
	assert_true(replay_seen(rc, tag, 199));
	assert_false(replay_seen(rc, tag, 200));
	/* A later expiry wins; an earlier one does not shorten it. */
	assert_int_equal(replay_add(rc, tag, 300, 100), 0);
	assert_int_equal(replay_add(rc, tag, 150, 100), 0);
	assert_true(replay_seen(rc, tag, 299));
	assert_int_equal(replay_count(rc), 1);
	assert_int_equal(replay_prune(rc, 300), 0);
	assert_false(replay_seen(rc, tag, 0));
	replay_free(rc);
}

static void
test_replay_growth_and_prune(void **state)
{
	struct replay_cache *rc;
	uint8_t tag[32];
	(void)state;

	assert_int_equal(replay_new(&rc), 0);
	for (unsigned i = 0; i < 5000; i++) {
		tag_of(i, tag);
		assert_int_equal(replay_add(rc, tag, 1000 + (i % 2) * 1000, 0), 0);
	}
	assert_int_equal(replay_count(rc), 5000);
	for (unsigned i = 0; i < 5000; i++) {
		tag_of(i, tag);
		assert_true(replay_seen(rc, tag, 999));
	}
	assert_int_equal(replay_prune(rc, 1000), 2500);
	for (unsigned i = 0; i < 5000; i++) {
		tag_of(i, tag);
		assert_int_equal(replay_seen(rc, tag, 1000), i % 2);
	}
	replay_free(rc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_basic),
		cmocka_unit_test(test_replay_growth_and_prune),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
