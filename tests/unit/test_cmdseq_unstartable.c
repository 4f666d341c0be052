/*
 * Command sequences (sniffer/cmdseq.h) whose command cannot be started
 * at all (a relative program name, which the spawner refuses): run
 * synchronously, the sequence fails and the log says the command could
 * not be started, even when it was allowed to fail ("-"); run through the
 * spawner, the sequence ends at once, not ok, with one line naming the
 * program.  With the spawner's queue full, a sequence ends not ok without
 * a line of its own (the spawner says so, once a burst).
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

#include "cmdseq.h"
#include "err.h"
#include "logcap.h"
#include "spawn.h"

static void
done_cb(void *cookie, int ok)
{
	*(int *)cookie = ok;
}

static void
test_sync_unstartable(void **state)
{
	char *words[] = { "relative-prog", "arg", NULL };
	char *tolerant[] = { "-relative-prog", NULL };
	const char *text;

	(void)state;
	(void)logcap_read();
	assert_int_equal(cmdseq_run_sync(words, NULL), SPA_ERR_COMMAND);
	text = logcap_read();
	/* refused (a relative path): no errno, the reason in words */
	if (strstr(text, "command failed (not started): relative-prog arg: "
	    "cannot start it: invalid value\n") == NULL)
		fail_msg("log: %s", text);
	/* "-": a failure it may have, not a command that never started */
	assert_int_equal(cmdseq_run_sync(tolerant, NULL), SPA_ERR_COMMAND);
}

static void
test_async_unstartable(void **state)
{
	char *words[] = { "relative-prog", NULL };
	struct spawner *sp;
	int ok = -1;

	(void)state;
	assert_int_equal(spawner_new(1, &sp), 0);
	(void)logcap_read();
	assert_int_equal(cmdseq_start(sp, words, NULL, done_cb, &ok), 0);
	assert_int_equal(ok, 0);                /* ended at once */
	assert_non_null(strstr(logcap_read(), "cannot start relative-prog\n"));
	spawner_free(sp);
}

static void
test_async_queue_full(void **state)
{
	char *sleeper[] = { "/bin/sleep", "30", NULL };
	char *words[] = { "/bin/true", NULL };
	struct spawner *sp;
	int ok = -1, rc = 0, n = 0;

	(void)state;
	assert_int_equal(spawner_new(1, &sp), 0);
	/* one running, then the queue filled */
	while (rc == 0 && n < SPAWN_QUEUE_MAX + 10) {
		rc = spawner_submit(sp, sleeper, NULL, NULL, NULL);
		n++;
	}
	assert_int_equal(rc, SPA_ERR_FULL);
	(void)logcap_read();
	assert_int_equal(cmdseq_start(sp, words, NULL, done_cb, &ok), 0);
	assert_int_equal(ok, 0);
	assert_null(strstr(logcap_read(), "cannot start /bin/true"));
	spawner_free(sp);               /* ends the sleepers */
}

static int
setup(void **state)
{
	(void)state;
	return logcap_start();
}

static int
teardown(void **state)
{
	(void)state;
	logcap_stop();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_unstartable),
		cmocka_unit_test(test_async_unstartable),
		cmocka_unit_test(test_async_queue_full),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
