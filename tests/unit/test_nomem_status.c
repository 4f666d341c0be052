/*
 * Allocation failures in sniffer -S (sniffer/statuscli.c), against a
 * server child that answers one report (tests/unit/nomem.h): each
 * allocation of the client fails in turn, it says "out of memory" and
 * exits EX_OSERR, printing nothing; then the report is shown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "nomem.h"
#include "status.h"
#include "statuscli.h"
#include "statusrig.h"
#include "testfile.h"

static const char report[] =
    "spa-status 1\npid 4242\nstarted 1764237000\nnow 1764237100\n"
    "counter frames 12\n"
    "grant user=alice address=198.51.100.1 proto=tcp port=22 "
    "expiry=1764237130 phase=open failed-closes=0\n"
    "end grants=1 shown=1\n";

static void
test_statuscli(void **state)
{
	char dir[] = "/tmp/spa-nomem-XXXXXX", conftext[256], path[108];
	char text[4096], err[1024], cerr[CONF_ERR_MAX];
	struct conf *c;
	unsigned long n;
	int rc = -1, status, hit;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(conftext, sizeof(conftext), "[sniffer]\nstate = %s\n", dir);
	if (conf_load_string("t.conf", conftext, &c, cerr) != 0)
		fail_msg("%s", cerr);
	assert_int_equal(status_path(c, path, sizeof(path)), 0);
	for (n = 0; n < NOMEM_MAX; n++) {
		pid = statusrig_serve_once(path, report);
		memset(text, 0, sizeof(text));
		nomem_fail_after(n);
		statusrig_query_into(c, 0, &rc, text, sizeof(text), err,
		    sizeof(err));
		hit = nomem_off();
		kill(pid, SIGKILL);     /* when it was never asked */
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!hit)
			break;
		assert_int_equal(rc, EX_OSERR);
		assert_non_null(strstr(err, "out of memory"));
		assert_string_equal(text, "");
	}
	if (rc != 0)
		fail_msg("rc %d: %s", rc, err);
	assert_int_equal(n, 2);         /* the report, the buffer */
	assert_non_null(strstr(text, "alice"));
	conf_free(c);
	unlink(path);
	assert_int_equal(testfile_remove_tree(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statuscli),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
