/*
 * The privileged side (sniffer/warden.h) when its surroundings fail, with
 * a backend whose commands only log a line (fw.sh) and fail on request (a
 * file named after the verb in the directory makes that verb exit 1): a
 * state directory that cannot be opened and a firewall setup that fails
 * each stop the start with their exit status; a grant whose close fails
 * at stop (and that the backend's check still finds) is kept in the state
 * as a failed close, said in a warning, and closed by the next start once
 * the backend works (its expiry brought to the stop); a teardown that
 * fails is said.  Log lines are read
 * from a socket (log_to_socket).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "firewall.h"
#include "cmdlog.h"
#include "log.h"
#include "logcap.h"
#include "spawn.h"
#include "testfile.h"
#include "verify.h"
#include "wardenrig.h"

static char dir[] = "/tmp/spa-wardenf-XXXXXX";

static void
fail_verb(const char *verb, int on)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, verb);
	if (on)
		testfile_write(NULL, path, "", 0600);
	else
		unlink(path);
}

static void
test_start_failures(void **state)
{
	char path[128];
	struct rig r;

	(void)state;
	/* a file where the state directory should be */
	snprintf(path, sizeof(path), "%s/afile", dir);
	testfile_write(NULL, path, "x", 0600);
	assert_int_equal(wardenrig_start_alice(&r, dir, path,
	    (int64_t)time(NULL)), EX_CANTCREAT);
	assert_non_null(strstr(logcap_read(), "not a directory"));
	wardenrig_free(&r);

	/* the backend's setup fails: not started, said so */
	snprintf(path, sizeof(path), "%s/s1", dir);
	fail_verb("setup", 1);
	assert_int_equal(wardenrig_start_alice(&r, dir, path,
	    (int64_t)time(NULL)), EX_UNAVAILABLE);
	assert_non_null(strstr(logcap_read(), "setup failed"));
	fail_verb("setup", 0);
	wardenrig_free(&r);
}

static void
test_unclosable_grant_kept(void **state)
{
	struct privmsg_grant m;
	char path[128];
	const char *text;
	struct rig r;

	(void)state;
	snprintf(path, sizeof(path), "%s/s2", dir);
	assert_int_equal(wardenrig_start_alice(&r, dir, path,
	    (int64_t)time(NULL)), 0);
	m = wardenrig_alice_ssh(&r, "198.51.100.7");
	assert_int_equal(warden_grant(r.w, &m, (int64_t)time(NULL)),
	    WARDEN_DONE);
	wait_for(&r, "open 198.51.100.7", 1);
	wait_for(&r, "open", 1);
	assert_int_equal(warden_grant_count(r.w), 1);
	(void)logcap_read();

	/* Its close fails and the rule is still there; teardown fails. */
	fail_verb("close", 1);
	fail_verb("teardown", 1);
	testfile_write(dir, "present", "", 0600);
	warden_stop(r.w);
	text = logcap_read();
	if (strstr(text, "stopping: 1 grants could not be closed; they stay "
	    "recorded and the next start closes them") == NULL)
		fail_msg("no warning for the grant left: %s", text);
	assert_non_null(strstr(text, "teardown failed"));
	wardenrig_free(&r);

	/* The next start, with a working backend, closes it at once: its
	 * expiry was brought to the stop. */
	fail_verb("close", 0);
	fail_verb("teardown", 0);
	fail_verb("present", 0);
	assert_int_equal(wardenrig_start_alice(&r, dir, path,
	    (int64_t)time(NULL)), 0);
	text = logcap_read();
	if (strstr(text, "closed 198.51.100.7 tcp/22: it expired while the "
	    "sniffer was down") == NULL)
		fail_msg("not closed at start: %s", text);
	assert_int_equal(cmdlog_count(dir, "close 198.51.100.7"), 2);
	assert_int_equal(warden_grant_count(r.w), 0);
	warden_stop(r.w);
	wardenrig_free(&r);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	wardenrig_backend(dir, WARDENRIG_FAULTS);
	return logcap_start();
}

static int
teardown(void **state)
{
	(void)state;
	logcap_stop();
	return testfile_remove_tree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_failures),
		cmocka_unit_test(test_unclosable_grant_kept),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
