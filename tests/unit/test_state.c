/* Durable state: what one run writes, the next run reads back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

static char dir[] = "/tmp/spa-state-XXXXXX";

static void
tag_of(uint8_t n, uint8_t tag[32])
{
	memset(tag, n, 32);
}

static void
test_state_replay_survives(void **state)
{
	char err[STATE_ERR_MAX], sub[64];
	struct replay_cache *rc;
	struct state *st;
	uint8_t tag[32];
	struct stat sb;
	(void)state;

	snprintf(sub, sizeof(sub), "%s/replay", dir);
	assert_int_equal(state_open(sub, &st, err), 0);
	tag_of(1, tag);
	assert_int_equal(state_replay_add(st, tag, 1000), 0);
	tag_of(2, tag);
	assert_int_equal(state_replay_add(st, tag, 2000), 0);
	state_close(st);
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* A later run, at time 1500: tag 1 has expired, tag 2 has not. */
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(replay_new(&rc), 0);
	assert_int_equal(state_replay_load(st, rc, 1500), 1);
	tag_of(1, tag);
	assert_false(replay_seen(rc, tag, 1500));
	tag_of(2, tag);
	assert_true(replay_seen(rc, tag, 1500));
	replay_free(rc);
	state_close(st);
}

struct seen {
	int n;
	struct state_grant last;
	char close0[64], close2[64];
};

static int
collect(void *ctx, const struct state_grant *g)
{
	struct seen *s = ctx;

	s->n++;
	s->last = *g;
	snprintf(s->close0, sizeof(s->close0), "%s", g->close_argv[0]);
	snprintf(s->close2, sizeof(s->close2), "%s", g->close_argv[2]);
	s->last.close_argv = NULL;
	return 0;
}

static void
test_state_grants(void **state)
{
	char *argv[] = { "/usr/sbin/iptables", "-D", "SPA one", NULL };
	char err[STATE_ERR_MAX], sub[64];
	struct state_grant g = { .proto = IPPROTO_TCP, .port = 22,
	    .expiry = 100, .close_argv = argv };
	struct seen seen = { 0 };
	struct state *st;
	(void)state;

	snprintf(sub, sizeof(sub), "%s/grants", dir);
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(addr_parse("2001:db8::7", &g.addr), 0);
	assert_int_equal(state_grant_put(st, &g), 0);
	g.expiry = 200;         /* the same grant, extended */
	assert_int_equal(state_grant_put(st, &g), 0);
	state_close(st);
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_grant_each(st, collect, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.last.expiry, 200);
	assert_int_equal(seen.last.port, 22);
	assert_int_equal(seen.last.addr.family, 6);
	assert_string_equal(seen.close0, "/usr/sbin/iptables");
	assert_string_equal(seen.close2, "SPA one");
	assert_int_equal(state_grant_delete(st, &g.addr, IPPROTO_TCP, 22), 0);
	seen.n = 0;
	assert_int_equal(state_grant_each(st, collect, &seen), 0);
	assert_int_equal(seen.n, 0);
	state_close(st);
}

static void
test_state_memory_and_errors(void **state)
{
	char err[STATE_ERR_MAX];
	struct state *st;
	uint8_t tag[32];
	(void)state;

	assert_int_equal(state_open("", &st, err), 0);
	tag_of(3, tag);
	assert_int_equal(state_replay_add(st, tag, 5), 0);
	state_close(st);
	assert_int_equal(state_open("/proc/spa-cannot-exist/x", &st, err), -1);
	assert_non_null(strstr(err, "/proc/spa-cannot-exist/x"));
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];
	(void)state;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_replay_survives),
		cmocka_unit_test(test_state_grants),
		cmocka_unit_test(test_state_memory_and_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
