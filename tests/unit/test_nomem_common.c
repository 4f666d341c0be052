/*
 * Allocation failures in common/: each allocation of a call is made to
 * fail in turn (tests/unit/nomem.h), n = 0, 1, 2, ... until the call
 * succeeds; each failing call must say so with its documented code and
 * leave nothing behind (no output, no leak: make asan and make valgrind
 * run this with their leak checkers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "conf.h"
#include "err.h"
#include "key.h"
#include "nomem.h"
#include "replay.h"
#include "sign.h"
#include "template.h"
#include "testfile.h"
#include "verify.h"

#define KEY32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_OTHER "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="
#define PUB_ERIN "P9s/UbGMmbj6FJA8WaQl+l66rJuMBKX4UT9xMMeY+io="

/* Every kind of thing the parser allocates: users with allow lists,
 * networks, a signing key; run templates; a cluster with a password
 * file; paths relative to the configuration's directory. */
static const char conf_text[] =
	"[sniffer]\n"
	"interface = eth0\n"
	"public_address = 203.0.113.5 2001:db8::5\n"
	"formats = native signed classic\n"
	"firewall = nft\n"
	"state = spa-state\n"
	"stats_file = spa.prom\n"
	"[user erin]\n"
	"key = " KEY32 "\n"
	"public = " PUB_ERIN "\n"
	"allow = ssh backup web6\n"
	"from = 192.0.2.0/24 2001:db8::/32\n"
	"[user bob]\n"
	"key = " KEY_OTHER "\n"
	"allow = ssh\n"
	"nat = yes\n"
	"classic = yes\n"
	"[action ssh]\n"
	"open = tcp/22\n"
	"timeout = 30\n"
	"[action web6]\n"
	"forward = tcp/443 [2001:db8::10]:443\n"
	"[action backup]\n"
	"run = /usr/local/sbin/spa-backup --from={addr} {user} {{x}}\n"
	"[cluster]\n"
	"redis = 192.0.2.7:6379\n"
	"node = gw-1\n"
	"key = " KEY32 "\n"
	"password_file = %s\n";

/* conf_load_string: "out of memory" (SPA_ERR_CONFIG) and no configuration,
 * for each allocation, then the whole configuration. */
static void
test_conf_load(void **state)
{
	char dir[] = "/tmp/spa-nomem-XXXXXX", path[64], *text;
	char err[CONF_ERR_MAX];
	struct conf *c = NULL;
	unsigned long n;
	int rc = -1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	testfile_write(dir, "redis.pw", "sesame\n", 0600);
	snprintf(path, sizeof(path), "%s/redis.pw", dir);
	text = malloc(sizeof(conf_text) + strlen(path));
	assert_non_null(text);
	snprintf(text, sizeof(conf_text) + strlen(path), conf_text, path);
	for (n = 0; n < NOMEM_MAX; n++) {
		c = (struct conf *)1;
		err[0] = '\0';
		nomem_fail_after(n);
		rc = conf_load_string("/etc/spa/sniffer.conf", text, &c, err);
		if (!nomem_off())
			break;
		if (rc != SPA_ERR_CONFIG || c != NULL ||
		    strstr(err, "out of memory") == NULL)
			fail_msg("allocation %lu: rc %d, %s", n, rc, err);
	}
	if (rc != 0)
		fail_msg("rc %d: %s", rc, err);
	/* Every kind above allocates: users, names, lists, paths... */
	assert_true(n > 20);
	assert_int_equal(c->nusers, 2);
	assert_string_equal(c->sniffer.state, "/etc/spa/spa-state");
	assert_string_equal(c->cluster.password, "sesame");
	conf_free(c);
	free(text);
	assert_int_equal(testfile_remove_tree(dir), 0);
}

/* verifier_new: SPA_ERR_NOMEM and no verifier, for each allocation (the
 * users' copies, the locator table, the signing keys). */
static void
test_verifier_new(void **state)
{
	static const char *const requests[] = { "ssh", "backup" };
	static const uint8_t family[] = { 0, 6 };
	struct verifier_user users[2];
	struct spa_net from[2];
	struct spa_addr pub[1];
	struct verifier_options opt = { .window = 60, .native = true,
	    .signed_fmt = true, .classic = true, .public_addrs = pub,
	    .npublic = 1 };
	struct verifier *v = NULL;
	unsigned long n;
	int rc = -1;

	(void)state;
	memset(users, 0, sizeof(users));
	memset(from, 0, sizeof(from));
	assert_int_equal(addr_parse("192.0.2.0", &from[0].addr), 0);
	from[0].prefix = 24;
	assert_int_equal(addr_parse("2001:db8::", &from[1].addr), 0);
	from[1].prefix = 32;
	assert_int_equal(addr_parse("203.0.113.5", &pub[0]), 0);
	users[0].name = "erin";
	assert_int_equal(key_decode(KEY32, users[0].secret, NULL), 0);
	users[0].requests = requests;
	users[0].request_family = family;
	users[0].nrequests = 2;
	users[0].from = from;
	users[0].nfrom = 2;
	users[0].has_public = true;
	assert_int_equal(key_decode(PUB_ERIN, users[0].public_key, NULL), 0);
	users[1].name = "bob";
	assert_int_equal(key_decode(KEY_OTHER, users[1].secret, NULL), 0);
	users[1].requests = requests;
	users[1].nrequests = 1;
	users[1].classic = true;
	for (n = 0; n < NOMEM_MAX; n++) {
		v = (struct verifier *)1;
		nomem_fail_after(n);
		rc = verifier_new(users, 2, &opt, &v);
		if (!nomem_off())
			break;
		if (rc != SPA_ERR_NOMEM || v != NULL)
			fail_msg("allocation %lu: rc %d", n, rc);
	}
	assert_int_equal(rc, 0);
	assert_true(n > 10);
	verifier_free(v);
}

/* The replay cache: new, copied, and grown past its first table (the
 * tag that needed the room is refused, the others stay). */
static void
test_replay(void **state)
{
	struct replay_cache *rc = NULL, *copy = NULL;
	uint8_t tag[SPA_MAC_LEN];
	unsigned long n;
	int r = -1, refused = 0;

	(void)state;
	for (n = 0; n < NOMEM_MAX; n++) {
		rc = (struct replay_cache *)1;
		nomem_fail_after(n);
		r = replay_new(&rc);
		if (!nomem_off())
			break;
		assert_int_equal(r, SPA_ERR_NOMEM);
		assert_null(rc);
	}
	assert_int_equal(r, 0);
	assert_int_equal(n, 2);
	memset(tag, 0, sizeof(tag));
	/* Enough tags to grow the table four times.  An add that must grow
	 * prunes first (its first allocation: a failure there only leaves
	 * the expired tags, the add goes on), then allocates the larger
	 * table (a failure there refuses the tag, which is then not there).
	 * Each tag: its second allocation failing, then its first. */
	for (uint32_t i = 0; i < 2000; i++) {
		memcpy(tag, &i, sizeof(i));
		nomem_fail_after(1);
		r = replay_add(rc, tag, 1000, 10);
		if (nomem_off()) {
			assert_int_equal(r, SPA_ERR_NOMEM);
			assert_int_equal(replay_seen(rc, tag, 10), 0);
			refused++;
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(replay_seen(rc, tag, 10), 1);
			continue;
		}
		nomem_fail_after(0);
		assert_int_equal(replay_add(rc, tag, 1000, 10), 0);
		assert_true(nomem_off());
		assert_int_equal(replay_seen(rc, tag, 10), 1);
	}
	assert_int_equal(refused, 4);   /* 128, 256, 512, 1024 tags */
	assert_int_equal(replay_count(rc), 2000);
	for (n = 0; n < NOMEM_MAX; n++) {
		copy = (struct replay_cache *)1;
		nomem_fail_after(n);
		r = replay_copy(rc, &copy);
		if (!nomem_off())
			break;
		assert_int_equal(r, SPA_ERR_NOMEM);
		assert_null(copy);
	}
	assert_int_equal(r, 0);
	assert_int_equal(n, 2);
	assert_int_equal(replay_count(copy), 2000);
	replay_free(copy);
	replay_free(rc);
}

/* template_parse: "out of memory" (SPA_ERR_CONFIG), nothing kept;
 * template_expand: SPA_ERR_NOMEM (not the SPA_ERR_INVALID of a missing
 * value), no argv. */
static void
test_template(void **state)
{
	const struct template_values v = { .addr = "192.0.2.7",
	    .user = "erin", .port = "22", .proto = "tcp" };
	char err[TEMPLATE_ERR_MAX], **argv = NULL;
	struct template t;
	unsigned long n;
	int rc = -1;

	(void)state;
	for (n = 0; n < NOMEM_MAX; n++) {
		err[0] = '\0';
		nomem_fail_after(n);
		rc = template_parse("/bin/echo {addr} {user} {proto}/{port} "
		    "--", 1, &t, err);
		if (!nomem_off())
			break;
		assert_int_equal(rc, SPA_ERR_CONFIG);
		assert_null(t.words);
		assert_non_null(strstr(err, "out of memory"));
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 6);         /* the array, then each word */
	for (n = 0; n < NOMEM_MAX; n++) {
		argv = (char **)1;
		nomem_fail_after(n);
		rc = template_expand(&t, &v, &argv);
		if (!nomem_off())
			break;
		assert_int_equal(rc, SPA_ERR_NOMEM);
		assert_null(argv);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 6);
	assert_string_equal(argv[3], "tcp/22");
	template_argv_free(argv);
	template_free(&t);
}

/* sign_verifier_new: SPA_ERR_NOMEM, no verifier. */
static void
test_sign_verifier(void **state)
{
	struct sign_verifier *v = NULL;
	uint8_t pub[SIGN_PUBLIC_LEN];

	(void)state;
	assert_int_equal(key_decode(PUB_ERIN, pub, NULL), 0);
	nomem_fail_after(0);
	assert_int_equal(sign_verifier_new(pub, &v), SPA_ERR_NOMEM);
	assert_true(nomem_off());
	assert_null(v);
	assert_int_equal(sign_verifier_new(pub, &v), 0);
	sign_verifier_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_load),
		cmocka_unit_test(test_verifier_new),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_sign_verifier),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
