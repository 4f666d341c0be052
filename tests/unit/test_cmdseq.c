/* Command sequences: flattened lists, run in order, synchronously or
 * through the spawner, and the check probe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdseq.h"
#include "err.h"
#include "template.h"
#include "log.h"

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
	cmdlist_free(&m);
	/* Without may_fail, the commands marked keep their mark alone. */
	assert_int_equal(cmdlist_extend(&m, l.words, 0), 0);
	assert_string_equal(m.words[0], "/bin/true");
	assert_string_equal(m.words[3], "-/bin/false");
	cmdlist_free(&l);
	cmdlist_free(&m);
}

/* A command of more words than a template makes keeps the first ones. */
static void
test_cmdlist_long_command(void **state)
{
	char *words[TEMPLATE_MAX_WORDS + 8];
	struct cmdlist m = { 0 };
	size_t n = 0;
	(void)state;

	words[n++] = "/bin/echo";
	while (n < TEMPLATE_MAX_WORDS + 6)
		words[n++] = "w";
	words[n] = NULL;
	assert_int_equal(cmdlist_extend(&m, words, 0), 0);
	assert_int_equal(m.n, TEMPLATE_MAX_WORDS);
	assert_string_equal(m.words[0], "/bin/echo");
	assert_null(m.words[TEMPLATE_MAX_WORDS]);
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

		assert_int_equal(run_words(ok), 0);
		assert_int_equal(access(mark, F_OK), 0);
		assert_int_equal(run_words(stops), SPA_ERR_COMMAND);
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
	/* a command that may fail, killed: not a failure it may have, the
	 * sequence stops; with options given */
	{
		char *killed[] = { "-/bin/sh", "-c", "kill -9 $$", "",
		    "/bin/true", NULL };
		struct spawn_opts opts = { .limit_ms = 5000 };

		done_calls = 0;
		assert_int_equal(cmdseq_start(sp, killed, &opts, on_done, NULL),
		    0);
		wait_done(sp);
		assert_int_equal(done_calls, 1);
		assert_int_equal(done_ok, 0);
	}
	spawner_free(sp);
}

/* A check: every command exited 0 (1), one exited non-zero (0), one
 * could not run (-1). */
static void
test_cmdseq_probe(void **state)
{
	char *yes[] = { "/bin/true", "", "/bin/true", NULL };
	char *no[] = { "/bin/true", "", "/bin/false", NULL };
	char *cannot[] = { "/nonexistent/spa-check", NULL };
	char *killed[] = { "/bin/sh", "-c", "kill -9 $$", NULL };
	int all_zero;
	(void)state;

	assert_int_equal(cmdseq_probe(yes, &all_zero), 0);
	assert_int_equal(all_zero, 1);
	assert_int_equal(cmdseq_probe(no, &all_zero), 0);
	assert_int_equal(all_zero, 0);
	/* exec failure is exit 127 from the child: "ran, non-zero" would
	 * call a missing check binary proof of absence, so it is not. */
	assert_int_equal(cmdseq_probe(cannot, &all_zero), SPA_ERR_COMMAND);
	assert_int_equal(cmdseq_probe(killed, &all_zero), SPA_ERR_COMMAND);
	/* 126: found, not executable; also proves nothing */
	{
		char *noexec[] = { "/bin/sh", "-c", "exit 126", NULL };

		assert_int_equal(cmdseq_probe(noexec, &all_zero),
		    SPA_ERR_COMMAND);
		assert_int_equal(all_zero, 0);
	}
}

static void
test_cmdwords_dup(void **state)
{
	char *words[] = { "/bin/true", "", "x", NULL };
	char **copy = cmdwords_dup(words);
	(void)state;

	assert_non_null(copy);
	assert_string_equal(copy[0], "/bin/true");
	assert_string_equal(copy[1], "");
	assert_string_equal(copy[2], "x");
	assert_null(copy[3]);
	template_argv_free(copy);
	template_argv_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdlist_flatten),
		cmocka_unit_test(test_cmdseq_sync),
		cmocka_unit_test(test_cmdseq_async),
		cmocka_unit_test(test_cmdseq_probe),
		cmocka_unit_test(test_cmdlist_long_command),
		cmocka_unit_test(test_cmdwords_dup),
	};

	log_init("test_cmdseq", 1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
