/*
 * common/conf.c at scale: loading grows linearly with the number of users
 * (duplicate names and shared keys are found by hash, not by scanning every
 * earlier user), and those refusals still name the right lines at 100,000.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "crypto.h"
#include "key.h"

#define USERS_SMALL 10000
#define USERS_LARGE 100000
#define RATIO_MAX 15            /* linear: 10; quadratic: 100 */
#define TRIES_LARGE 3           /* the large load again if a little over */
#define USER_TEXT_MAX 128       /* "[user uN]", key = and allow = lines */

/* Every user's key in base64: HMAC-SHA256 of its number, so each run
 * loads the same uniformly random-looking, distinct keys. */
static char (*keys)[SPA_KEY_B64_LEN + 1];

static int
keys_make(void **state)
{
	static const uint8_t seed[] = "test_conf_scale";
	struct mac_key mk;
	uint8_t key[SPA_MAC_LEN];

	(void)state;
	if ((keys = calloc(USERS_LARGE, sizeof(*keys))) == NULL)
		return -1;
	mac_key_init(&mk, seed, sizeof(seed));
	for (uint32_t i = 0; i < USERS_LARGE; i++) {
		struct mac_part part = { &i, sizeof(i) };

		mac_compute(&mk, &part, 1, key);
		key_encode(key, keys[i]);
	}
	mac_key_wipe(&mk);
	return 0;
}

static int
keys_free(void **state)
{
	(void)state;
	free(keys);
	return 0;
}

/* n users u0.. with three lines each (user i's header on line 3i + 1,
 * its key on 3i + 2), allow = ssh, then [action ssh] on line 3n + 1,
 * then tail.  Free it. */
static char *
conf_text(size_t n, const char *tail)
{
	size_t cap = n * USER_TEXT_MAX + 64 + strlen(tail), used = 0;
	char *t = malloc(cap);

	assert_non_null(t);
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(t + used, cap - used,
		    "[user u%zu]\nkey = %s\nallow = ssh\n", i, keys[i]);
	snprintf(t + used, cap - used, "[action ssh]\nopen = tcp/22\n%s",
	    tail);
	return t;
}

/* Seconds that loading text took; its n users must all be there. */
static double
load_time(const char *text, size_t n)
{
	struct timespec t0, t1;
	struct conf *c = NULL;
	char err[CONF_ERR_MAX] = "", last[32];
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = conf_load_string("t.conf", text, &c, err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != 0)
		fail_msg("conf_load_string: %s", err);
	assert_int_equal(c->nusers, n);
	snprintf(last, sizeof(last), "u%zu", n - 1);
	assert_string_equal(c->users[n - 1].name, last);
	assert_int_equal(c->users[n - 1].line, 3 * (n - 1) + 1);
	assert_non_null(conf_find_action(c, "ssh"));
	conf_free(c);
	return (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static void
test_linear(void **state)
{
	char *small = conf_text(USERS_SMALL, ""), *large;
	double t_small = 0, t_large = 0, t;

	(void)state;
	for (int i = 0; i < 3; i++)
		if ((t = load_time(small, USERS_SMALL)) < t_small || i == 0)
			t_small = t;
	free(small);
	large = conf_text(USERS_LARGE, "");
	/* One run, unless it was a little over, as a busy machine may make
	 * it; more than twice over is quadratic, not noise, and slow. */
	for (int i = 0; i < TRIES_LARGE; i++) {
		if ((t = load_time(large, USERS_LARGE)) < t_large || i == 0)
			t_large = t;
		if (t_large <= RATIO_MAX * t_small ||
		    t_large > 2 * RATIO_MAX * t_small)
			break;
	}
	free(large);
	printf("conf_load_string: %d users %.3f s, %d users %.3f s "
	    "(%.1f times)\n", USERS_SMALL, t_small, USERS_LARGE, t_large,
	    t_large / t_small);
	if (t_large > RATIO_MAX * t_small)
		fail_msg("%d users took %.1f times as long as %d: more than %d",
		    USERS_LARGE, t_large / t_small, USERS_SMALL, RATIO_MAX);
}

/* Loading text fails with exactly want. */
static void
expect_error(const char *text, const char *want)
{
	struct conf *c = (struct conf *)1;
	char err[CONF_ERR_MAX] = "";

	assert_int_equal(conf_load_string("t.conf", text, &c, err), -1);
	assert_null(c);
	assert_string_equal(err, want);
}

static void
test_duplicates_at_the_end(void **state)
{
	char tail[256], want[CONF_ERR_MAX], *t;
	const unsigned end = 3 * USERS_LARGE + 3;       /* after the action */

	(void)state;
	/* A name used long before. */
	snprintf(tail, sizeof(tail), "[user u54321]\nkey = %s\n", keys[0]);
	t = conf_text(USERS_LARGE - 1, tail);
	snprintf(want, sizeof(want), "t.conf:%u: [user u54321] appears twice "
	    "(first on line %u)", end - 3, 3 * 54321 + 1);
	expect_error(t, want);
	free(t);

	/* A key used long before, in the last section of the file. */
	snprintf(tail, sizeof(tail), "[user last]\nkey = %s\n", keys[12345]);
	t = conf_text(USERS_LARGE - 1, tail);
	snprintf(want, sizeof(want), "t.conf:%u: user last has the same key as "
	    "user u12345 (line %u): every knock would go to u12345; give each "
	    "user a key of its own (knock --keygen)", end - 2, 3 * 12345 + 2);
	expect_error(t, want);
	free(t);

	/* An action name used before. */
	snprintf(tail, sizeof(tail), "[action ssh]\nopen = tcp/2222\n");
	t = conf_text(USERS_LARGE - 1, tail);
	snprintf(want, sizeof(want), "t.conf:%u: [action ssh] appears twice "
	    "(first on line %u)", end - 3, end - 5);
	expect_error(t, want);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_duplicates_at_the_end),
	};

	return cmocka_run_group_tests(tests, keys_make, keys_free);
}
