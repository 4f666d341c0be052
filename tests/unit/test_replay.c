/* The replay cache: tags expire, growth keeps every live tag, the number of
 * tags is bounded and a full cache reclaims expired tags before refusing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
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

/* A full cache refuses a new tag (and keeps every old one), still takes
 * a later expiry for a tag it holds, and takes new tags again once old
 * ones have expired. */
static void
test_replay_cap_refuses_when_full(void **state)
{
	struct replay_cache *rc;
	uint8_t tag[32];
	(void)state;

	assert_int_equal(replay_new_capped(4, &rc), 0);
	for (unsigned i = 0; i < 4; i++) {
		tag_of(i, tag);
		assert_int_equal(replay_add(rc, tag, 100 + i, 0), 0);
	}
	tag_of(4, tag);
	assert_int_equal(replay_add(rc, tag, 500, 50), SPA_ERR_NOSPACE);
	assert_false(replay_seen(rc, tag, 50));
	assert_int_equal(replay_count(rc), 4);
	for (unsigned i = 0; i < 4; i++) {
		tag_of(i, tag);
		assert_true(replay_seen(rc, tag, 99));
	}
	/* A tag already there: its expiry is extended, nothing is added. */
	tag_of(0, tag);
	assert_int_equal(replay_add(rc, tag, 600, 50), 0);
	assert_true(replay_seen(rc, tag, 599));
	assert_int_equal(replay_count(rc), 4);
	replay_free(rc);
}

/* When full, the tags expired at now are reclaimed first: exactly as many
 * new tags fit as have expired, and the live ones stay. */
static void
test_replay_cap_reclaims_expired(void **state)
{
	struct replay_cache *rc;
	uint8_t tag[32];
	(void)state;

	assert_int_equal(replay_new_capped(4, &rc), 0);
	for (unsigned i = 0; i < 4; i++) {
		tag_of(i, tag);
		/* Tags 0 and 1 expire at 100, tags 2 and 3 at 1000. */
		assert_int_equal(replay_add(rc, tag, i < 2 ? 100 : 1000, 0), 0);
	}
	tag_of(10, tag);
	assert_int_equal(replay_add(rc, tag, 2000, 99), SPA_ERR_NOSPACE);
	assert_int_equal(replay_add(rc, tag, 2000, 100), 0);
	tag_of(11, tag);
	assert_int_equal(replay_add(rc, tag, 2000, 100), 0);
	tag_of(12, tag);
	assert_int_equal(replay_add(rc, tag, 2000, 100), SPA_ERR_NOSPACE);
	assert_int_equal(replay_count(rc), 4);
	for (unsigned i = 2; i < 12; i++) {
		tag_of(i, tag);
		assert_int_equal(replay_seen(rc, tag, 100), i < 4 || i >= 10);
	}
	replay_free(rc);
}

/* The cap must be 1..REPLAY_MAX_TAGS, and replay_new's cache has that
 * cap: REPLAY_MAX_TAGS live tags fit, one more does not. */
static void
test_replay_cap_bounds(void **state)
{
	struct replay_cache *rc = NULL;
	uint8_t tag[32] = { 0 };
	(void)state;

	assert_int_equal(replay_new_capped(0, &rc), SPA_ERR_INVALID);
	assert_null(rc);
	assert_int_equal(replay_new_capped(REPLAY_MAX_TAGS + 1, &rc),
	    SPA_ERR_INVALID);
	assert_null(rc);
	assert_int_equal(replay_new(&rc), 0);
	for (uint32_t i = 0; i <= REPLAY_MAX_TAGS; i++) {
		/* Spread over the hash's low bits (replay_home reads the
		 * first 8 bytes big-endian: byte 7 is the lowest), unlike
		 * tag_of; in bytes 0 to 3 every tag had the same home slot
		 * and the test took minutes of linear probing. */
		for (int b = 0; b < 4; b++)
			tag[7 - b] = (uint8_t)(i >> (8 * b));
		assert_int_equal(replay_add(rc, tag, 1000, 0),
		    i < REPLAY_MAX_TAGS ? 0 : SPA_ERR_NOSPACE);
	}
	assert_int_equal(replay_count(rc), REPLAY_MAX_TAGS);
	replay_free(rc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_basic),
		cmocka_unit_test(test_replay_growth_and_prune),
		cmocka_unit_test(test_replay_cap_refuses_when_full),
		cmocka_unit_test(test_replay_cap_reclaims_expired),
		cmocka_unit_test(test_replay_cap_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
