/*
 * The daemon's own files when a system call fails (tests/unit/sysfail.h):
 * the metrics file (sniffer/metrics.h) whose temporary cannot be made
 * readable is not written, the old one stays; the status socket
 * (sniffer/status.h) that cannot be made fails to listen, and one left
 * there that cannot be probed counts as another sniffer's, never taken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"
#include "metrics.h"
#include "status.h"
#include "sysfail.h"
#include "testfile.h"

static char dir[] = "/tmp/spa-sysfail-files-XXXXXX";

static void
test_metrics_fchmod_fails(void **state)
{
	struct metrics m = { .opened = 3 };
	char path[128], tmp[136], text[64];
	FILE *fp;
	(void)state;

	snprintf(path, sizeof(path), "%s/m.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(metrics_write(&m, path), 0);
	m.opened = 4;
	sysfail_arm("fchmod", 0, EPERM);
	errno = 0;
	assert_int_equal(metrics_write(&m, path), SPA_ERR_SYSTEM);
	assert_int_equal(errno, EPERM);
	assert_int_equal(sysfail_failed("fchmod"), 1);
	sysfail_clear();
	assert_int_equal(access(tmp, F_OK), -1);        /* nothing left */
	/* the old file, as it was */
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(text, sizeof(text), fp) != NULL &&
	    strncmp(text, "spa_sniffer_grants_opened_total ", 32) != 0)
		;
	fclose(fp);
	assert_string_equal(text, "spa_sniffer_grants_opened_total 3\n");
}

static void
test_status_socket_fails(void **state)
{
	struct status_server *s;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[96], err[256];
	struct stat sb;
	int fd;
	(void)state;

	snprintf(path, sizeof(path), "%s/%s", dir, STATUS_SOCKET_NAME);
	sysfail_arm("socket", 0, EMFILE);
	assert_int_equal(status_listen(path, &s, err, sizeof(err)),
	    SPA_ERR_SYSTEM);
	sysfail_clear();
	assert_null(s);
	assert_non_null(strstr(err, "Too many open files"));
	assert_int_equal(access(path, F_OK), -1);

	/* A socket left there, which nobody serves: when it cannot be probed
	 * it is someone's, left alone. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_true((fd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	sysfail_arm("socket", 0, EMFILE);
	assert_int_equal(status_listen(path, &s, err, sizeof(err)),
	    SPA_ERR_INVALID);
	assert_int_equal(sysfail_failed("socket"), 1);
	sysfail_clear();
	assert_non_null(strstr(err, "another sniffer serves it"));
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	/* probed, it is stale: replaced */
	assert_int_equal(status_listen(path, &s, err, sizeof(err)), 0);
	status_close(s);
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
	(void)state;
	sysfail_clear();
	return testfile_remove_tree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_fchmod_fails),
		cmocka_unit_test(test_status_socket_fails),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
