/*
 * The decision module's small promises (common/verify.h): every verdict
 * and deny reason has its word and nothing else has one; a signing user
 * whose public key is not a usable Ed25519 point (all zeros: small order)
 * makes verifier_new fail with nothing left allocated; verifier_free
 * takes NULL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "key.h"
#include "verify.h"

static void
test_words(void **state)
{
	static const char *const deny[] = { "", "expired", "from", "request",
	    "family", "replay-full" };

	(void)state;
	for (int v = 0; v < VERDICT_COUNT; v++) {
		assert_string_not_equal(verdict_word((enum spa_verdict)v), "?");
		for (int w = 0; w < v; w++)
			assert_string_not_equal(verdict_word((enum spa_verdict)v),
			    verdict_word((enum spa_verdict)w));
	}
	assert_string_equal(verdict_word(VERDICT_ACCEPTED), "accepted");
	assert_string_equal(verdict_word((enum spa_verdict)VERDICT_COUNT), "?");
	assert_string_equal(verdict_word((enum spa_verdict)-1), "?");
	for (int r = DENY_NONE; r <= DENY_REPLAY_FULL; r++)
		assert_string_equal(deny_reason_word((enum spa_deny_reason)r),
		    deny[r]);
	assert_string_equal(deny_reason_word((enum spa_deny_reason)99), "");
}

static void
test_bad_public_key(void **state)
{
	static const char *const requests[] = { "ssh" };
	struct verifier_user users[2] = {
		{ .name = "alice", .requests = requests, .nrequests = 1 },
		{ .name = "erin", .requests = requests, .nrequests = 1,
		  .has_public = 1 },      /* public_key all zero */
	};
	struct verifier_options opt = { .window = 60, .native = 1,
	    .signed_fmt = 1 };
	struct verifier *v = (struct verifier *)1;

	(void)state;
	assert_int_equal(key_decode("PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=",
	    users[0].secret, NULL), 0);
	assert_int_equal(key_decode("RgSmeolA53k0vigF4OiTK8E+81MwqS4G8QiCmnXnkA4=",
	    users[1].secret, NULL), 0);
	assert_int_equal(verifier_new(users, 2, &opt, &v), SPA_ERR_INVALID);
	assert_null(v);
	verifier_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_bad_public_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
