/*
 * common/conf.c at scale: 100,000 users load whole, and duplicate names and
 * shared keys (found by hash, not by scanning every earlier user) are still
 * refused with the right lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "crypto.h"
#include "key.h"

#define USERS_LARGE 100000
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

/* 100,000 users load whole, each on its own lines.  How the time grows
 * with the number of users is measured by make bench (tests/bench/users.sh),
 * never asserted here. */
static void
test_load_large(void **state)
{
	char *text = conf_text(USERS_LARGE, ""), last[32];
	struct conf *c = NULL;
	char err[CONF_ERR_MAX] = "";

	(void)state;
	if (conf_load_string("t.conf", text, &c, err) != 0)
		fail_msg("conf_load_string: %s", err);
	free(text);
	assert_int_equal(c->nusers, USERS_LARGE);
	snprintf(last, sizeof(last), "u%d", USERS_LARGE - 1);
	assert_string_equal(c->users[USERS_LARGE - 1].name, last);
	assert_int_equal(c->users[USERS_LARGE - 1].line, 3 * (USERS_LARGE - 1) + 1);
	assert_non_null(conf_find_action(c, "ssh"));
	conf_free(c);
}

/* Loading text fails with exactly want. */
static void
expect_error(const char *text, const char *want)
{
	struct conf *c = (struct conf *)1;
	char err[CONF_ERR_MAX] = "";

	assert_int_equal(conf_load_string("t.conf", text, &c, err),
	    SPA_ERR_CONFIG);
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
		cmocka_unit_test(test_load_large),
		cmocka_unit_test(test_duplicates_at_the_end),
	};

	return cmocka_run_group_tests(tests, keys_make, keys_free);
}
