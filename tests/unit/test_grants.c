/* Grants and command sequences: what the live sniffer schedules and runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdseq.h"
#include "grants.h"
#include "log.h"

static char *close_a[] = { "/usr/sbin/iptables", "-D", "SPA", "a", NULL };

static void
test_grants_schedule(void **state)
{
	struct spa_addr a, b;
	struct grants *g;
	struct grant *due;
	(void)state;

	assert_int_equal(addr_parse("198.51.100.1", &a), 0);
	assert_int_equal(addr_parse("2001:db8::1", &b), 0);
	assert_int_equal(grants_new(&g), 0);
	assert_int_equal(grants_next_expiry(g, 0), -1);
	assert_int_equal(grants_add(g, &a, IPPROTO_TCP, 22, 130, close_a), 0);
	assert_int_equal(grants_add(g, &b, IPPROTO_TCP, 22, 110, close_a), 0);
	assert_int_equal(grants_add(g, &a, IPPROTO_UDP, 53, 120, close_a), 0);
	assert_non_null(grants_find(g, &a, IPPROTO_TCP, 22));
	assert_null(grants_find(g, &a, IPPROTO_TCP, 23));
	assert_null(grants_find(g, &b, IPPROTO_UDP, 53));
	assert_int_equal(grants_next_expiry(g, 100), 10);
	/* A pending grant is neither due nor counted for the next expiry. */
	assert_int_equal(grants_pending(g), 0);
	grants_find(g, &b, IPPROTO_TCP, 22)->pending = 1;
	assert_int_equal(grants_pending(g), 1);
	assert_int_equal(grants_next_expiry(g, 100), 20);
	assert_non_null(due = grants_next_due(g, 200));
	assert_int_equal(due->expiry, 120);     /* the earliest first */
	assert_string_equal(due->close_argv[3], "a");
	/* Closing makes it pending: the next one is due now. */
	due->pending = due->closing = 1;
	assert_non_null(due = grants_next_due(g, 200));
	assert_int_equal(due->expiry, 130);
	assert_null(grants_next_due(g, 129));
	grants_drop(g, due);
	due = grants_find(g, &a, IPPROTO_UDP, 53);
	due->reopen = grants_argv_dup(close_a);         /* freed by drop */
	grants_drop(g, due);
	assert_null(grants_next_due(g, 1000));
	assert_int_equal(grants_count(g), 1);
	grants_drop(g, grants_find(g, &b, IPPROTO_TCP, 22));
	assert_int_equal(grants_count(g), 0);
	grants_free(g);
}

static void
test_cmdlist_flatten(void **state)
{
	char *one[] = { "/bin/true", "x y", NULL };
	char *two[] = { "/bin/false", NULL };
	struct cmdlist l = { 0 }, m = { 0 };
	(void)state;

	assert_int_equal(cmdlist_append(&l, one, 0), 0);
	assert_int_equal(cmdlist_append(&l, two, 1), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.words[0], "/bin/true");
	assert_string_equal(l.words[1], "x y");
	assert_string_equal(l.words[2], "");
	assert_string_equal(l.words[3], "-/bin/false");
	assert_null(l.words[4]);
	/* Extending with may_fail marks every command of it. */
	assert_int_equal(cmdlist_extend(&m, l.words, 1), 0);
	assert_string_equal(m.words[0], "-/bin/true");
	assert_string_equal(m.words[3], "-/bin/false");
	cmdlist_free(&l);
	cmdlist_free(&m);
}

static int
run_words(char **words)
{
	return cmdseq_run_sync(words, NULL);
}

/* A failure stops a sequence unless it was expected ('-'). */
static void
test_cmdseq_sync(void **state)
{
	char dir[] = "/tmp/spa-seq-XXXXXX", mark[64];
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(mark, sizeof(mark), "%s/m", dir);
	{
		char *ok[] = { "/bin/true", "", "-/bin/false", "", "/usr/bin/touch",
		    mark, NULL };
		char *stops[] = { "/bin/false", "", "/bin/rm", mark, NULL };

		assert_int_equal(run_words(ok), 1);
		assert_int_equal(access(mark, F_OK), 0);
		assert_int_equal(run_words(stops), 0);
		assert_int_equal(access(mark, F_OK), 0);        /* rm never ran */
	}
	unlink(mark);
	rmdir(dir);
}

static int done_calls, done_ok;

static void
on_done(void *cookie, int ok)
{
	(void)cookie;
	done_calls++;
	done_ok = ok;
}

static void
wait_done(struct spawner *sp)
{
	for (int i = 0; i < 500 && done_calls == 0; i++) {
		struct pollfd pfd = { spawner_fd(sp), POLLIN, 0 };

		(void)poll(&pfd, 1, 10);
		spawner_poll(sp, spawn_now_ms());
	}
}

static void
test_cmdseq_async(void **state)
{
	char *ok[] = { "/bin/true", "", "-/bin/false", "", "/bin/true", NULL };
	char *bad[] = { "/bin/true", "", "/bin/false", NULL };
	struct spawner *sp;
	(void)state;

	assert_int_equal(spawner_new(2, &sp), 0);
	done_calls = 0;
	assert_int_equal(cmdseq_start(sp, ok, NULL, on_done, NULL), 0);
	wait_done(sp);
	assert_int_equal(done_calls, 1);
	assert_int_equal(done_ok, 1);
	done_calls = 0;
	assert_int_equal(cmdseq_start(sp, bad, NULL, on_done, NULL), 0);
	wait_done(sp);
	assert_int_equal(done_calls, 1);
	assert_int_equal(done_ok, 0);
	spawner_free(sp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grants_schedule),
		cmocka_unit_test(test_cmdlist_flatten),
		cmocka_unit_test(test_cmdseq_sync),
		cmocka_unit_test(test_cmdseq_async),
	};

	log_init("test_grants", 1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
