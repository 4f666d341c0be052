/*
 * sniffer -S (sniffer/statuscli.h) on its less travelled paths: a report
 * listing more grants than a report may hold keeps the first
 * STATUS_GRANTS_MAX and says so, words without "=" are ignored, a report
 * without counters has "counters":null in JSON, one with more counters
 * than it keeps shows the first, and a time no calendar shows is printed
 * in seconds; with no daemon a socket nobody serves is told apart from a
 * missing one, a memory-only configuration has no database to list, and a
 * state directory that cannot be opened is reported, each with
 * EX_UNAVAILABLE; a database with more grants than a report lists shows
 * the first and the total.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <sqlite3.h>

#include "addr.h"
#include "cov.h"
#include "conf.h"
#include "grantrec.h"
#include "state.h"
#include "status.h"
#include "statuscli.h"
#include "statusrig.h"
#include "testfile.h"

/* The counters a report keeps (SC_COUNTERS_MAX in sniffer/statuscli.c). */
#define SC_COUNTERS_MAX_TEST 32

/* A forked child's end: its coverage counts written first (common/cov.h;
 * nothing outside coverage builds), then _exit. */
#define child_exit(n) do { \
	fflush(stdout); \
	cov_dump(); \
	_exit(n); \
} while (0)

static char *const dir = testfile_dir;  /* testfile_dir_setup() */
static char *const sock = statusrig_sock;      /* statusrig_setup() */

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
test_too_many_grants(void **state)
{
	size_t len = (STATUS_GRANTS_MAX + 20) * 96 + 256, at = 0;
	char *report = malloc(len), err[1024], *out;
	struct conf *c = statusrig_conf(dir);
	int rc;
	pid_t pid;

	(void)state;
	assert_non_null(report);
	at += (size_t)snprintf(report, len, "spa-status 1\npid 99\n"
	    "started 1764237000\nnow 1764237100\n");
	for (int i = 0; i < STATUS_GRANTS_MAX + 20; i++)
		at += (size_t)snprintf(report + at, len - at, "grant user=u%d "
		    "noequals address=198.51.100.%d proto=tcp port=22 "
		    "expiry=1764237200 phase=open\n", i, i % 250 + 1);
	snprintf(report + at, len - at, "end grants=%d\n",
	    STATUS_GRANTS_MAX + 20);

	pid = statusrig_serve_once(sock, report);
	out = statusrig_query(c, 0, &rc, err, sizeof(err));
	statusrig_reap(pid);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "grants: 520 (the first shown)\n"));
	assert_int_equal(count(out, " expires "), STATUS_GRANTS_MAX);
	assert_non_null(strstr(out, "  u499 "));
	assert_null(strstr(out, "  u500 "));
	assert_null(strstr(out, "noequals"));
	assert_null(strstr(out, "counters:"));

	pid = statusrig_serve_once(sock, report);
	out = statusrig_query(c, 1, &rc, err, sizeof(err));
	statusrig_reap(pid);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"grants_total\":520,"));
	assert_int_equal(count(out, "{\"user\":"), STATUS_GRANTS_MAX);
	assert_non_null(strstr(out, "],\"counters\":null}\n"));
	free(report);
	conf_free(c);
}

static void
test_nobody_answers(void **state)
{
	struct conf *c = statusrig_conf(dir);
	char err[1024];
	int rc, fd;

	(void)state;
	/* a socket, but nobody listens */
	fd = statusrig_bound(sock, 0);
	(void)statusrig_query(c, 0, &rc, err, sizeof(err));
	close(fd);
	unlink(sock);
	assert_int_equal(rc, EX_UNAVAILABLE);
	if (strstr(err, "sniffer: no sniffer running: nobody answers at ") ==
	    NULL || strstr(err, sock) == NULL)
		fail_msg("stderr: %s", err);
	conf_free(c);
}

/* The memory-only check, in this process: 0 when it held, else 1. */
static int
memory_only_check(void)
{
	struct conf *c = statusrig_conf("");
	char err[1024];
	int rc, ok;

	(void)statusrig_query(c, 1, &rc, err, sizeof(err));
	ok = rc == EX_UNAVAILABLE &&
	    strstr(err, "no sniffer running: no socket at " STATUS_RUN_DIR
	    "/" STATUS_SOCKET_NAME) != NULL &&
	    strstr(err, "sniffer: state = (memory only): no recorded grants "
	    "to show\n") != NULL;
	if (!ok)
		printf("status %d, stderr: %s", rc, err);
	conf_free(c);
	return !ok;
}

/* Memory only: the socket is under STATUS_RUN_DIR, where a sniffer of
 * this host may answer; as root, a child with its own mount namespace
 * and an empty /run looks there instead. */
static void
test_memory_only(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		struct stat sb;

		if (lstat(STATUS_RUN_DIR "/" STATUS_SOCKET_NAME, &sb) == 0) {
			print_message("SKIPPED: a sniffer of this host may "
			    "answer at " STATUS_RUN_DIR "/" STATUS_SOCKET_NAME
			    " (run as root to test in a namespace)\n");
			skip();
		}
		assert_int_equal(memory_only_check(), 0);
		return;
	}
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) != 0 ||
		    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("tmpfs", "/run", "tmpfs", 0, "size=16k") != 0)
			child_exit(77);
		status = memory_only_check();
		fflush(stdout);
		child_exit(status);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		print_message("SKIPPED: no mount namespace here\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_state_unreadable(void **state)
{
	char sub[128], err[2048];
	struct conf *c;
	int rc;

	(void)state;
	/* The state directory is a file: no socket, no database. */
	snprintf(sub, sizeof(sub), "%s/plain", dir);
	testfile_write(dir, "plain", "not a directory\n", 0600);
	c = statusrig_conf(sub);
	(void)statusrig_query(c, 0, &rc, err, sizeof(err));
	assert_int_equal(rc, EX_UNAVAILABLE);
	assert_non_null(strstr(err, "sniffer: no sniffer running: "));
	/* a second line: the database could not be opened */
	assert_non_null(strchr(strchr(err, '\n') + 1, '\n'));
	assert_non_null(strstr(strchr(err, '\n') + 1, "sniffer: "));
	assert_non_null(strstr(strchr(err, '\n') + 1, sub));
	conf_free(c);
}

/* More counters than a report keeps: the first SC_COUNTERS_MAX; a time no
 * calendar can show is printed as its number of seconds. */
static void
test_counters_and_times(void **state)
{
	char report[16384], err[1024], *out, want[128];
	struct conf *c = statusrig_conf(dir);
	size_t at = 0;
	int rc;
	pid_t pid;

	(void)state;
	at += (size_t)snprintf(report, sizeof(report), "spa-status 1\npid 5\n"
	    "started 9223372036854775807\nnow 1764237100\n"
	    "grant user=a address=192.0.2.1 proto=tcp port=22 "
	    "expiry=9223372036854775807 phase=open\n");
	for (int i = 0; i < 80; i++)
		at += (size_t)snprintf(report + at, sizeof(report) - at,
		    "counter c%d %d\n", i, i);
	snprintf(report + at, sizeof(report) - at, "end grants=1\n");
	pid = statusrig_serve_once(sock, report);
	out = statusrig_query(c, 0, &rc, err, sizeof(err));
	statusrig_reap(pid);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "since 9223372036854775807\n"));
	assert_non_null(strstr(out, " expires 9223372036854775807 ("));
	snprintf(want, sizeof(want), " c%d=%d", SC_COUNTERS_MAX_TEST - 1,
	    SC_COUNTERS_MAX_TEST - 1);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof(want), " c%d=", SC_COUNTERS_MAX_TEST);
	assert_null(strstr(out, want));
	conf_free(c);
}

/* No daemon, more grants recorded than a report lists: the first shown,
 * the total said. */
static void
test_database_many_grants(void **state)
{
	struct grantrec g = { .proto = 6, .port = 1, .expiry = 2000000000,
	    .phase = GRANT_OPEN, .user = "alice", .action = "ssh",
	    .backend = "iptables" };
	char sub[128], db[160], err[1024], serr[STATE_ERR_MAX], *out;
	struct state *st;
	struct conf *c;
	sqlite3 *h;
	int rc;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/many", dir);
	snprintf(db, sizeof(db), "%s/state.db", sub);
	assert_int_equal(addr_parse("192.0.2.9", &g.addr), 0);
	assert_int_equal(state_open(sub, &st, serr), 0);
	assert_int_equal(state_grant_put(st, &g), 0);
	state_close(st);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "WITH RECURSIVE n(i) AS (SELECT 2 "
	    "UNION ALL SELECT i + 1 FROM n WHERE i < 520) INSERT INTO "
	    "grant_rows (family, addr, proto, port, user, action, backend, "
	    "expiry, phase) SELECT family, addr, proto, i, user, action, "
	    "backend, expiry, phase FROM grant_rows, n", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	c = statusrig_conf(sub);
	out = statusrig_query(c, 0, &rc, err, sizeof(err));
	assert_int_equal(rc, EX_UNAVAILABLE);
	assert_non_null(strstr(out, "grants: 520 (the first shown)\n"));
	assert_int_equal(count(out, " expires "), STATUS_GRANTS_MAX);
	conf_free(c);
}

static int
setup(void **state)
{
	signal(SIGPIPE, SIG_IGN);
	return statusrig_setup(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_too_many_grants),
		cmocka_unit_test(test_nobody_answers),
		cmocka_unit_test(test_memory_only),
		cmocka_unit_test(test_state_unreadable),
		cmocka_unit_test(test_counters_and_times),
		cmocka_unit_test(test_database_many_grants),
	};

	return cmocka_run_group_tests(tests, setup, testfile_dir_teardown);
}
