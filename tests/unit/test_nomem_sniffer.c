/*
 * Allocation failures in sniffer/ (tests/unit/nomem.h): each allocation
 * of a call fails in turn until the call succeeds; each failure must be
 * the documented code (and message), leave the object it was to change as
 * it was, and leak nothing (make asan, make valgrind).  Nothing here
 * starts a command.
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
#include "cluster.h"
#include "cmdseq.h"
#include "conf.h"
#include "err.h"
#include "firewall.h"
#include "grant.h"
#include "lockout.h"
#include "nomem.h"
#include "ownaddr.h"
#include "replay.h"
#include "server.h"
#include "spawn.h"
#include "state.h"
#include "status.h"
#include "template.h"

#define KEY32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_OTHER "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="
#define PUB_ERIN "P9s/UbGMmbj6FJA8WaQl+l66rJuMBKX4UT9xMMeY+io="

static struct conf *
load(const char *text)
{
	char err[CONF_ERR_MAX] = "";
	struct conf *c = NULL;

	if (conf_load_string("t.conf", text, &c, err) != 0)
		fail_msg("conf_load_string: %s", err);
	return c;
}

/* server_new: the users' keys, the verifier, the lockout; the code of
 * what failed, and the message says it. */
static void
test_server_new(void **state)
{
	struct conf *c = load("[sniffer]\nlockout = 5/60\n"
	    "[user erin]\nkey = " KEY32 "\npublic = " PUB_ERIN "\n"
	    "allow = ssh\nfrom = 192.0.2.0/24\n"
	    "[user bob]\nkey = " KEY_OTHER "\nallow = ssh\n"
	    "[action ssh]\nopen = tcp/22\n");
	struct replay_cache *replay;
	struct server *s = NULL;
	char err[256];
	unsigned long n;
	int rc = -1;

	(void)state;
	assert_int_equal(replay_new(&replay), 0);
	for (n = 0; n < NOMEM_MAX; n++) {
		s = (struct server *)1;
		err[0] = '\0';
		nomem_fail_after(n);
		rc = server_new(c, replay, NULL, &s, err, sizeof(err));
		if (!nomem_off())
			break;
		if (rc != SPA_ERR_NOMEM || s != NULL ||
		    strstr(err, "out of memory") == NULL)
			fail_msg("allocation %lu: rc %d, %s", n, rc, err);
	}
	if (rc != 0)
		fail_msg("server_new: %s", err);
	assert_true(n > 10);
	server_free(s);
	replay_free(replay);
	conf_free(c);
}

/* The state database's handle (SQLite's own allocations are not ours). */
static void
test_state_open(void **state)
{
	char err[STATE_ERR_MAX];
	struct state *st = (struct state *)1;

	(void)state;
	nomem_fail_after(0);
	assert_int_equal(state_open(NULL, &st, err), SPA_ERR_STATE);
	assert_true(nomem_off());
	assert_null(st);
	assert_string_equal(err, "state: out of memory");
	st = (struct state *)1;
	nomem_fail_after(0);
	assert_int_equal(state_open_readonly("/nonexistent", &st, err),
	    SPA_ERR_STATE);
	assert_true(nomem_off());
	assert_null(st);
	assert_string_equal(err, "state: out of memory");
	assert_int_equal(state_open(NULL, &st, err), 0);
	state_close(st);
}

/* Own addresses: new (read from the kernel), given, and replaced (a
 * failed replacement keeps the previous set). */
static void
test_ownaddr(void **state)
{
	struct spa_addr a[2], b[1];
	const struct spa_addr *l;
	struct ownaddr *o = NULL;
	unsigned long n;
	size_t len;
	int rc = -1;

	(void)state;
	for (n = 0; n < NOMEM_MAX; n++) {
		o = (struct ownaddr *)1;
		nomem_fail_after(n);
		rc = ownaddr_new("lo", &o);
		if (!nomem_off())
			break;
		assert_int_equal(rc, SPA_ERR_NOMEM);
		assert_null(o);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 3);         /* itself, the name, the list */
	ownaddr_free(o);
	assert_int_equal(addr_parse("192.0.2.1", &a[0]), 0);
	assert_int_equal(addr_parse("2001:db8::1", &a[1]), 0);
	assert_int_equal(addr_parse("198.51.100.1", &b[0]), 0);
	for (n = 0; n < NOMEM_MAX; n++) {
		o = (struct ownaddr *)1;
		nomem_fail_after(n);
		rc = ownaddr_new_list(a, 2, &o);
		if (!nomem_off())
			break;
		assert_int_equal(rc, SPA_ERR_NOMEM);
		assert_null(o);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 2);
	nomem_fail_after(0);
	assert_int_equal(ownaddr_set(o, b, 1), SPA_ERR_NOMEM);
	assert_true(nomem_off());
	l = ownaddr_list(o, &len);
	assert_int_equal(len, 2);
	assert_true(addr_equal(&l[1], &a[1]));
	assert_int_equal(ownaddr_set(o, b, 1), 0);
	assert_true(ownaddr_contains(o, &b[0]));
	assert_false(ownaddr_contains(o, &a[0]));
	ownaddr_free(o);
}

/* Small objects: the lockout table, the spawner, the grant engine, the
 * status socket. */
static void
test_small(void **state)
{
	char dir[] = "/tmp/spa-nomem-XXXXXX", path[64], err[FIREWALL_ERR_MAX];
	struct status_server *ss = (struct status_server *)1;
	struct grant_engine *e = (struct grant_engine *)1;
	struct lockout *l = (struct lockout *)1;
	struct spawner *sp = (struct spawner *)1;
	struct firewall *fw;
	unsigned long n;
	int rc = -1;

	(void)state;
	nomem_fail_after(0);
	assert_int_equal(lockout_new(5, 60, &l), SPA_ERR_NOMEM);
	assert_true(nomem_off());
	assert_null(l);
	nomem_fail_after(0);
	assert_int_equal(spawner_new(2, &sp), SPA_ERR_NOMEM);
	assert_true(nomem_off());
	assert_null(sp);
	assert_int_equal(spawner_new(2, &sp), 0);
	assert_int_equal(firewall_load("rules", "iptables", &fw, err), 0);
	for (n = 0; n < NOMEM_MAX; n++) {
		e = (struct grant_engine *)1;
		nomem_fail_after(n);
		rc = grant_engine_new(NULL, sp, fw, "rules", &e);
		if (!nomem_off())
			break;
		assert_int_equal(rc, SPA_ERR_NOMEM);
		assert_null(e);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(n, 2);
	grant_engine_free(e);
	firewall_free(fw);
	spawner_free(sp);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/status.sock", dir);
	nomem_fail_after(0);
	assert_int_equal(status_listen(path, &ss, err, sizeof(err)),
	    SPA_ERR_NOMEM);
	assert_true(nomem_off());
	assert_null(ss);
	assert_non_null(strstr(err, "out of memory"));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(rmdir(dir), 0);
}

/* A firewall backend: "NAME: out of memory" or the line's "out of
 * memory", SPA_ERR_CONFIG, no backend, for each allocation. */
static void
test_firewall_load(void **state)
{
	static const char *const names[] = { "iptables", "nft" };
	char err[FIREWALL_ERR_MAX];
	struct firewall *fw = NULL;
	unsigned long n;
	int rc = -1;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		for (n = 0; n < NOMEM_MAX; n++) {
			fw = (struct firewall *)1;
			nomem_fail_after(n);
			rc = firewall_load("rules", names[i], &fw, err);
			if (!nomem_off())
				break;
			if (rc != SPA_ERR_CONFIG || fw != NULL ||
			    strstr(err, "out of memory") == NULL)
				fail_msg("%s, allocation %lu: rc %d, %s",
				    names[i], n, rc, err);
		}
		if (rc != 0)
			fail_msg("%s: %s", names[i], err);
		assert_true(n > 5);
		firewall_free(fw);
	}
}

/* Three appends to a list, the last past its first 16 words. */
static int
cmdlist_three(struct cmdlist *l, char *const *words)
{
	int rc = 0;

	for (int i = 0; i < 3 && rc == 0; i++)
		rc = cmdlist_append(l, words, i == 1);
	return rc;
}

/* Command lists: a copy is NULL or whole; a failed append or extend says
 * SPA_ERR_NOMEM and leaves a list still NULL-terminated, which
 * cmdlist_free frees whole. */
static void
test_cmdlist(void **state)
{
	char *words[] = { "/sbin/iptables", "-I", "INPUT", "-s",
	    "192.0.2.7", "-j", "ACCEPT", NULL };
	struct cmdlist l = { 0 }, m = { 0 };
	char **copy;
	unsigned long n;
	int rc = -1;

	(void)state;
	for (n = 0; n < NOMEM_MAX; n++) {
		nomem_fail_after(n);
		copy = cmdwords_dup(words);
		if (!nomem_off())
			break;
		assert_null(copy);
	}
	assert_non_null(copy);
	assert_int_equal(n, 8);
	assert_string_equal(copy[6], "ACCEPT");
	template_argv_free(copy);
	for (n = 0; n < NOMEM_MAX; n++) {
		nomem_fail_after(n);
		rc = cmdlist_three(&l, words);
		if (!nomem_off())
			break;
		assert_int_equal(rc, SPA_ERR_NOMEM);
		assert_true(l.words == NULL || l.words[l.n] == NULL);
		cmdlist_free(&l);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(l.n, 23);
	assert_int_equal(n, 25);        /* 23 words, two arrays */
	for (n = 0; n < NOMEM_MAX; n++) {
		nomem_fail_after(n);
		rc = cmdlist_extend(&m, l.words, 1);
		if (!nomem_off())
			break;
		assert_int_equal(rc, SPA_ERR_NOMEM);
		assert_true(m.words == NULL || m.words[m.n] == NULL);
		cmdlist_free(&m);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(m.n, 23);
	assert_string_equal(m.words[0], "-/sbin/iptables");
	cmdlist_free(&m);
	cmdlist_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_new),
		cmocka_unit_test(test_state_open),
		cmocka_unit_test(test_ownaddr),
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_firewall_load),
		cmocka_unit_test(test_cmdlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
