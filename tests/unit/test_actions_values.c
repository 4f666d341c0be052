/*
 * The values a command's placeholders get (sniffer/actions.h): a grant's
 * {timeout} is at least 1 and at most 2^32-1 seconds however far its
 * expiry, its pair's proto and port are the pair asked for, a forward's
 * {inner_addr} and {inner_port} come from its record; for a decision, a
 * forward action gives its inner host and a program (run =) no port,
 * nor a pair past its last.  A dry run prints each pair's open commands,
 * a program's line, nothing for no action, and says so when a command
 * cannot be expanded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "addr.h"
#include "conf.h"
#include "firewall.h"
#include "server.h"
#include "testfile.h"

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
	/* a pair past the forward's one: no port */
	actions_values(&d, fwd, 1, &v);
	assert_null(v.v.port);
	assert_string_equal(v.v.inner_port, "22");
	conf_free(c);
}

static const struct conf_action *
find(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nactions; i++)
		if (strcmp(c->actions[i].name, name) == 0)
			return &c->actions[i];
	fail_msg("no action %s", name);
	return NULL;
}

static void
test_dry_run(void **state)
{
	static const char text[] = "[sniffer]\nstate =\n"
	    "[user alice]\nkey = PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=\n"
	    "allow = web prog\n"
	    "[action web]\nopen = tcp/80 udp/443\n"
	    "[action prog]\nrun = /bin/echo {user}\n";
	char dir[] = "/tmp/spa-dryrun-XXXXXX", err[CONF_ERR_MAX], out[2048];
	struct firewall *fw;
	struct conf *c;
	struct server_frame f = { .decision = { .user_name = "alice",
	    .request = "web" } };
	struct actions_dry_run dry;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	testfile_write(dir, "rules", "[ipv4]\nopen = /sbin/fw open {addr} "
	    "{proto} {port}\nclose = /sbin/fw close {addr}\n[ipv6]\n"
	    "open = /sbin/fw open6 {addr}\nclose = /sbin/fw close6 {addr}\n",
	    0644);
	if (conf_load_string("dry.conf", text, &c, err) != 0)
		fail_msg("%s", err);
	if (firewall_load(dir, "rules", &fw, err) != 0)
		fail_msg("%s", err);
	dry = (struct actions_dry_run){ c, fw };
	assert_int_equal(addr_parse("198.51.100.8", &f.decision.allow), 0);

	memset(out, 0, sizeof(out));
	assert_non_null(fp = fmemopen(out, sizeof(out) - 1, "w"));
	f.action = find(c, "web");
	actions_print_dry_run(&dry, &f, fp);
	f.action = find(c, "prog");
	actions_print_dry_run(&dry, &f, fp);
	f.action = NULL;                /* nothing to run: nothing said */
	actions_print_dry_run(&dry, &f, fp);
	/* a program's {user} without a user: cannot be expanded */
	f.action = find(c, "prog");
	f.decision.user_name = NULL;
	actions_print_dry_run(&dry, &f, fp);
	fclose(fp);
	assert_string_equal(out,
	    "run: /sbin/fw open 198.51.100.8 tcp 80\n"
	    "run: /sbin/fw open 198.51.100.8 udp 443\n"
	    "run: /bin/echo alice\n"
	    "run: (cannot expand the commands of action prog)\n");
	firewall_free(fw);
	conf_free(c);
	assert_int_equal(testfile_remove_tree(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_values),
		cmocka_unit_test(test_decision_values),
		cmocka_unit_test(test_dry_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
