/*
 * The values a command's placeholders get (sniffer/actions.h): a grant's
 * {timeout} is at least 1 and at most 2^32-1 seconds however far its
 * expiry, its pair's proto and port are the pair asked for, a forward's
 * {inner_addr} and {inner_port} come from its record; for a decision, a
 * forward action gives its inner host and a program (run =) no port.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "actions.h"
#include "addr.h"
#include "conf.h"

static void
test_grant_values(void **state)
{
	struct grantrec r = { .proto = IPPROTO_UDP, .port = 53,
	    .user = "alice", .action = "dns" };
	struct action_values v;

	(void)state;
	assert_int_equal(addr_parse("2001:db8::5", &r.addr), 0);
	actions_grant_values(&r, 0, -7, &v);
	assert_string_equal(v.v.timeout, "1");
	assert_string_equal(v.v.addr, "2001:db8::5");
	assert_string_equal(v.v.family, "6");
	assert_string_equal(v.v.proto, "udp");
	assert_string_equal(v.v.port, "53");
	assert_string_equal(v.v.user, "alice");
	assert_string_equal(v.v.request, "dns");
	assert_null(v.v.inner_addr);
	actions_grant_values(&r, 0, (int64_t)1 << 40, &v);
	assert_string_equal(v.v.timeout, "4294967295");
	actions_grant_values(&r, 0, 4294967295LL, &v);
	assert_string_equal(v.v.timeout, "4294967295");

	/* a forward: tcp/2222 to 192.0.2.10:22 */
	r.proto = IPPROTO_TCP;
	r.port = 2222;
	assert_int_equal(addr_parse("198.51.100.9", &r.addr), 0);
	assert_int_equal(addr_parse("192.0.2.10", &r.inner), 0);
	r.inner_port = 22;
	actions_grant_values(&r, 0, 30, &v);
	assert_string_equal(v.v.timeout, "30");
	assert_string_equal(v.v.family, "4");
	assert_string_equal(v.v.port, "2222");
	assert_string_equal(v.v.inner_addr, "192.0.2.10");
	assert_string_equal(v.v.inner_port, "22");
}

static void
test_decision_values(void **state)
{
	static const char text[] = "[sniffer]\nport = 5001\nstate =\n"
	    "[user alice]\nkey = PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=\n"
	    "allow = fwd prog\n"
	    "[action fwd]\nforward = tcp/2222 [2001:db8::10]:22\ntimeout = 40\n"
	    "[action prog]\nrun = /bin/true {addr}\n";
	char err[CONF_ERR_MAX];
	struct spa_decision d = { .user_name = "alice", .request = "fwd" };
	const struct conf_action *fwd = NULL, *prog = NULL;
	struct action_values v;
	struct conf *c;

	(void)state;
	if (conf_load_string("actions.conf", text, &c, err) != 0)
		fail_msg("%s", err);
	for (size_t i = 0; i < c->nactions; i++) {
		if (strcmp(c->actions[i].name, "fwd") == 0)
			fwd = &c->actions[i];
		if (strcmp(c->actions[i].name, "prog") == 0)
			prog = &c->actions[i];
	}
	assert_non_null(fwd);
	assert_non_null(prog);
	assert_int_equal(addr_parse("2001:db8::77", &d.allow), 0);
	actions_values(&d, fwd, 0, &v);
	assert_string_equal(v.v.addr, "2001:db8::77");
	assert_string_equal(v.v.timeout, "40");
	assert_string_equal(v.v.proto, "tcp");
	assert_string_equal(v.v.port, "2222");
	assert_string_equal(v.v.inner_addr, "2001:db8::10");
	assert_string_equal(v.v.inner_port, "22");
	assert_string_equal(v.v.request, "fwd");

	actions_values(&d, prog, 0, &v);
	assert_string_equal(v.v.addr, "2001:db8::77");
	assert_null(v.v.port);
	assert_null(v.v.inner_addr);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_values),
		cmocka_unit_test(test_decision_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
