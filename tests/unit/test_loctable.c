/* The locator table: every user found for every epoch in the window, and
 * only those; refreshing follows the clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "loctable.h"
#include "wire_native.h"

#define NUSERS 500

struct fixture {
	struct mac_key keys[NUSERS];
	const struct mac_key *ptrs[NUSERS];
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	for (size_t u = 0; u < NUSERS; u++) {
		uint8_t k[32];

		assert_int_equal(crypto_random(k, sizeof(k)), 0);
		mac_key_init(&fx->keys[u], k, sizeof(k));
		fx->ptrs[u] = &fx->keys[u];
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

/* 1 when user u's locator for epoch is found, naming u and epoch. */
static int
found(const struct loc_table *t, const struct fixture *fx, size_t u,
    uint64_t epoch)
{
	struct loc_match m[LOC_MAX_MATCHES];
	uint8_t loc[8];
	size_t n;

	native_locator(&fx->keys[u], epoch, loc);
	n = loc_table_find(t, loc, m, LOC_MAX_MATCHES);
	for (size_t i = 0; i < n; i++)
		if (m[i].user == u && m[i].epoch == epoch)
			return 1;
	return 0;
}

static void
test_loctable_window(void **state)
{
	struct fixture *fx = *state;
	struct loc_table *t;
	int64_t now = 1764237030;       /* epoch 29403950, 30 s in */
	uint64_t e = (uint64_t)now / 60;

	assert_int_equal(loc_table_new(fx->ptrs, NUSERS, 60, &t), 0);
	loc_table_refresh(t, now);
	for (size_t u = 0; u < NUSERS; u++) {
		assert_true(found(t, fx, u, e - 1));
		assert_true(found(t, fx, u, e));
		assert_true(found(t, fx, u, e + 1));
		assert_false(found(t, fx, u, e - 2));
		assert_false(found(t, fx, u, e + 2));
	}
	/* A minute later the window has moved by one epoch. */
	loc_table_refresh(t, now + 60);
	assert_false(found(t, fx, 7, e - 1));
	assert_true(found(t, fx, 7, e + 2));
	/* Back in time (an offline capture may do that) works too. */
	loc_table_refresh(t, now - 600);
	assert_true(found(t, fx, 7, e - 10));
	assert_false(found(t, fx, 7, e));
	loc_table_free(t);
}

/* At an exact minute boundary the window [now-60, now+60] overlaps three
 * epochs; with window 0, just one. */
static void
test_loctable_edges(void **state)
{
	struct fixture *fx = *state;
	struct loc_table *t;
	uint8_t junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct loc_match m[LOC_MAX_MATCHES];

	assert_int_equal(loc_table_new(fx->ptrs, 3, 0, &t), 0);
	loc_table_refresh(t, 120);
	assert_true(found(t, fx, 2, 2));
	assert_false(found(t, fx, 2, 1));
	assert_false(found(t, fx, 2, 3));
	assert_int_equal(loc_table_find(t, junk, m, LOC_MAX_MATCHES), 0);
	loc_table_free(t);
	assert_int_equal(loc_table_new(fx->ptrs, 0, 60, &t), 0);
	loc_table_refresh(t, 120);
	assert_int_equal(loc_table_find(t, junk, m, LOC_MAX_MATCHES), 0);
	loc_table_free(t);
}

/* More matches than max: max are filled and max is returned, not the
 * number there were (six users sharing one locator key). */
static void
test_loctable_find_caps(void **state)
{
	struct fixture *fx = *state;
	const struct mac_key *same[6];
	struct loc_match m[8];
	struct loc_table *t;
	uint8_t loc[8];

	for (size_t u = 0; u < 6; u++)
		same[u] = &fx->keys[0];
	assert_int_equal(loc_table_new(same, 6, 0, &t), 0);
	loc_table_refresh(t, 150);
	native_locator(&fx->keys[0], 2, loc);
	assert_int_equal(loc_table_find(t, loc, m, 8), 6);
	assert_int_equal(loc_table_find(t, loc, m, 4), 4);
	assert_int_equal(loc_table_find(t, loc, m, 1), 1);
	assert_int_equal(loc_table_find(t, loc, m, 0), 0);
	loc_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loctable_window),
		cmocka_unit_test(test_loctable_edges),
		cmocka_unit_test(test_loctable_find_caps),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
