/*
 * sniffer -S (sniffer/statuscli.h) against a status socket served here,
 * and the socket's own set-up (sniffer/status.h): a report becomes text
 * and JSON, with hostile words (quotes, backslashes, control bytes, long
 * words) made harmless; a report without its end line, or not a report at
 * all, is a protocol error; without a daemon the grants come from the
 * state database, read only; a state path too long for a socket is a
 * configuration error; as another user, the root-only socket is refused
 * by name.  status_listen refuses a path too long, a file that is not a
 * socket and a socket someone serves, and replaces one left by a run that
 * ended.
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
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "cov.h"
#include "conf.h"
#include "err.h"
#include "state.h"
#include "status.h"
#include "statuscli.h"
#include "statusrig.h"
#include "testfile.h"

static char *const dir = testfile_dir;  /* testfile_dir_setup() */
static char *const sock = statusrig_sock;      /* statusrig_setup() */

static const char good_report[] =
    "spa-status 1\npid 4242\nstarted 1764237000\nnow 1764237100\n"
    "counter frames 12\ncounter verdict-accepted 3\n"
    "grant user=alice address=198.51.100.1 proto=tcp port=22 "
    "expiry=1764237130 phase=open failed-closes=0 future=ignored\n"
    "grant user=bob address=2001:db8::1 proto=udp port=53 "
    "expiry=1764237000 phase=close-failed failed-closes=2\n"
    "something the client does not know\n"
    "end grants=2 shown=2\n";

static void
test_report_text_and_json(void **state)
{
	struct conf *c = statusrig_conf(dir);
	char err[1024], *text;
	int rc;

	(void)state;
	{
		pid_t pid = statusrig_serve_once(sock, good_report);

		text = statusrig_query(c, 0, &rc, err, sizeof(err));
		statusrig_reap(pid);
	}
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "sniffer running: pid 4242, since "
	    "2025-11-27T09:50:00Z\n"));
	assert_non_null(strstr(text, "grants: 2\n"));
	assert_non_null(strstr(text, "alice        198.51.100.1         "
	    "tcp/22    expires 2025-11-27T09:52:10Z (in 30 s) open"));
	assert_non_null(strstr(text, "(100 s) close-failed"));
	assert_non_null(strstr(text, "(expired 100 s ago: its close is due "
	    "or failed)\n"));
	assert_non_null(strstr(text, "counters: frames=12 verdict-accepted=3\n"));

	{
		pid_t pid = statusrig_serve_once(sock, good_report);

		text = statusrig_query(c, 1, &rc, err, sizeof(err));
		statusrig_reap(pid);
	}
	assert_int_equal(rc, 0);
	assert_string_equal(text, "{\"source\":\"daemon\",\"pid\":4242,"
	    "\"started\":1764237000,\"now\":1764237100,\"grants_total\":2,"
	    "\"grants\":[{\"user\":\"alice\",\"address\":\"198.51.100.1\","
	    "\"proto\":\"tcp\",\"port\":22,\"expiry\":1764237130,"
	    "\"phase\":\"open\",\"failed_closes\":0},{\"user\":\"bob\","
	    "\"address\":\"2001:db8::1\",\"proto\":\"udp\",\"port\":53,"
	    "\"expiry\":1764237000,\"phase\":\"close-failed\","
	    "\"failed_closes\":2}],\"counters\":{\"frames\":12,"
	    "\"verdict-accepted\":3}}\n");
	conf_free(c);
}

/* A grant of several pairs and a forward: their more= and inner= fields
 * in the text and in the JSON, and no such keys for a plain grant. */
static void
test_report_pairs_and_forward(void **state)
{
	static const char report[] =
	    "spa-status 1\npid 7\nstarted 1764237000\nnow 1764237100\n"
	    "grant user=carol address=198.51.100.1 proto=tcp port=22 "
	    "expiry=1764237130 phase=open failed-closes=0 "
	    "more=tcp/443,udp/51820\n"
	    "grant user=carol address=2001:db8::1 proto=tcp port=2222 "
	    "expiry=1764237130 phase=open failed-closes=0 "
	    "inner=[2001:db8:1::10]:22\n"
	    "end grants=2 shown=2\n";
	struct conf *c = statusrig_conf(dir);
	char err[1024], *text;
	pid_t pid;
	int rc;

	(void)state;
	pid = statusrig_serve_once(sock, report);
	text = statusrig_query(c, 0, &rc, err, sizeof(err));
	statusrig_reap(pid);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "open          failed-closes=0\n"
	    "    and tcp/443,udp/51820\n"));
	assert_non_null(strstr(text, "    forwarded to [2001:db8:1::10]:22\n"));
	pid = statusrig_serve_once(sock, report);
	text = statusrig_query(c, 1, &rc, err, sizeof(err));
	statusrig_reap(pid);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "\"failed_closes\":0,"
	    "\"more\":\"tcp/443,udp/51820\"},"));
	assert_non_null(strstr(text, "\"failed_closes\":0,"
	    "\"inner\":\"[2001:db8:1::10]:22\"}]"));
	conf_free(c);
}

/* Words from the socket never break the JSON or the terminal. */
static void
test_hostile_words(void **state)
{
	struct conf *c = statusrig_conf(dir);
	char report[4096], err[1024], *text;
	int rc;
	pid_t pid;

	(void)state;
	snprintf(report, sizeof(report), "spa-status 1\npid 1\n"
	    "grant user=a\"b\\c\x1b[31m address=%0200d proto=tcp\"x port=1\n"
	    "counter we\"ird 5\n"
	    "end grants=1 shown=1\n", 7);
	pid = statusrig_serve_once(sock, report);
	text = statusrig_query(c, 1, &rc, err, sizeof(err));
	statusrig_reap(pid);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "\"user\":\"a?b?c?[31m\""));
	assert_non_null(strstr(text, "\"proto\":\"tcp?x\""));
	assert_non_null(strstr(text, "\"we?ird\":5"));
	/* the address is cut to 63 bytes */
	{
		const char *a = strstr(text, "\"address\":\"");

		assert_non_null(a);
		assert_int_equal(strcspn(a + 11, "\""), 63);
	}
	conf_free(c);
}

/* More counters than kept, a time gmtime cannot show, bytes no word may
 * hold (DEL and above, space): each shown as what it can be. */
static void
test_report_edges(void **state)
{
	struct conf *c = statusrig_conf(dir);
	char report[8192], err[1024], *text;
	size_t len;
	int rc;
	pid_t pid;

	(void)state;
	len = (size_t)snprintf(report, sizeof(report), "spa-status 1\npid 9\n"
	    "started 9223372036854775807\nnow 1764237000\n"
	    "grant user=x\x7f\x80y address=192.0.2.1 proto=tcp port=1 "
	    "expiry=1764237060 phase=open\n");
	for (int i = 0; i < 40; i++)
		len += (size_t)snprintf(report + len, sizeof(report) - len,
		    "counter c%d %d\n", i, i);
	snprintf(report + len, sizeof(report) - len, "end grants=1 shown=1\n");
	pid = statusrig_serve_once(sock, report);
	text = statusrig_query(c, 1, &rc, err, sizeof(err));
	statusrig_reap(pid);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "\"user\":\"x??y\""));
	assert_non_null(strstr(text, "\"c31\":31}"));       /* the 32 first */
	assert_null(strstr(text, "\"c32\""));
	pid = statusrig_serve_once(sock, report);
	text = statusrig_query(c, 0, &rc, err, sizeof(err));
	statusrig_reap(pid);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(text, "sniffer running: pid 9, since "
	    "9223372036854775807\n"));
	conf_free(c);
}

/* No daemon, a state directory whose name holds a quote: the reason is
 * cleaned for the terminal and JSON; a grant of no known user shows "-". */
static void
test_no_daemon_odd_names(void **state)
{
	struct grantrec r = { .proto = 6, .port = 22, .expiry = 1764237130,
	    .phase = GRANT_OPEN };
	char sub[128], err[STATE_ERR_MAX], e2[1024], *text;
	struct state *st;
	struct conf *c;
	int rc;

	(void)state;
	snprintf(sub, sizeof(sub), "%s/q\"x", dir);
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(addr_parse("203.0.113.6", &r.addr), 0);
	assert_int_equal(state_grant_put(st, &r), 0);
	state_close(st);
	c = statusrig_conf(sub);
	text = statusrig_query(c, 0, &rc, e2, sizeof(e2));
	assert_int_equal(rc, EX_UNAVAILABLE);
	assert_non_null(strstr(e2, "no sniffer running: no socket at "));
	assert_non_null(strstr(e2, "/q?x/"));
	assert_non_null(strstr(text, "\n  -            203.0.113.6 "));
	text = statusrig_query(c, 1, &rc, e2, sizeof(e2));
	assert_non_null(strstr(text, "/q?x/"));
	assert_null(strstr(text, "q\"x"));
	assert_non_null(strstr(text, "\"user\":\"-\""));
	conf_free(c);
}

static void
test_not_a_report(void **state)
{
	struct conf *c = statusrig_conf(dir);
	char err[1024];
	int rc;
	pid_t pid;

	(void)state;
	/* cut short: no end line */
	pid = statusrig_serve_once(sock,
	    "spa-status 1\npid 7\ngrant user=a port=1\n");
	(void)statusrig_query(c, 0, &rc, err, sizeof(err));
	statusrig_reap(pid);
	assert_int_equal(rc, EX_PROTOCOL);
	assert_non_null(strstr(err, "the report was cut short or is not one"));
	/* not one at all */
	pid = statusrig_serve_once(sock,
	    "HTTP/1.0 200 OK\r\n\r\nend grants=0\n");
	(void)statusrig_query(c, 0, &rc, err, sizeof(err));
	statusrig_reap(pid);
	assert_int_equal(rc, EX_PROTOCOL);
	conf_free(c);
}

static int
db_grant(void *ctx, const struct grantrec *r)
{
	(void)ctx;
	(void)r;
	return 0;
}

/* No daemon: why not, then the database's grants, read only. */
static void
test_no_daemon_reads_database(void **state)
{
	struct grantrec r = { .proto = 6, .port = 22, .expiry = 1764237130,
	    .phase = GRANT_OPEN };
	char err[STATE_ERR_MAX], e2[1024], *text;
	struct state *st;
	struct conf *c;
	int rc;

	(void)state;
	unlink(sock);
	c = statusrig_conf(dir);
	/* nothing recorded yet: no database, said so */
	text = statusrig_query(c, 0, &rc, e2, sizeof(e2));
	assert_int_equal(rc, EX_UNAVAILABLE);
	assert_non_null(strstr(e2, "no sniffer running: no socket at "));
	assert_non_null(strstr(e2, "state.db"));

	assert_int_equal(state_open(dir, &st, err), 0);
	assert_int_equal(addr_parse("203.0.113.5", &r.addr), 0);
	strcpy(r.user, "alice");
	strcpy(r.action, "ssh");
	strcpy(r.backend, "iptables");
	assert_int_equal(state_grant_put(st, &r), 0);
	assert_int_equal(state_grant_each(st, db_grant, NULL, NULL), 0);
	state_close(st);

	text = statusrig_query(c, 0, &rc, e2, sizeof(e2));
	assert_int_equal(rc, EX_UNAVAILABLE);
	assert_non_null(strstr(text, "; the grants recorded in the state "
	    "database (no counters without the daemon):\ngrants: 1\n"));
	assert_non_null(strstr(text, "alice        203.0.113.5"));
	text = statusrig_query(c, 1, &rc, e2, sizeof(e2));
	assert_int_equal(rc, EX_UNAVAILABLE);
	assert_non_null(strstr(text, "{\"source\":\"database\",\"daemon\":"
	    "\"no sniffer running: no socket at "));
	assert_non_null(strstr(text, "\"counters\":null}\n"));

	/* A socket nobody serves any more: "nobody answers". */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
	}
	(void)statusrig_query(c, 0, &rc, e2, sizeof(e2));
	assert_int_equal(rc, EX_UNAVAILABLE);
	assert_non_null(strstr(e2, "no sniffer running: nobody answers at "));
	unlink(sock);
	conf_free(c);
}

static void
test_path_too_long(void **state)
{
	char longdir[130], e2[1024];
	struct conf *c;
	int rc;

	(void)state;
	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	c = statusrig_conf(longdir);
	(void)statusrig_query(c, 0, &rc, e2, sizeof(e2));
	assert_int_equal(rc, EX_CONFIG);
	assert_non_null(strstr(e2, "too long a path for the status socket"));
	conf_free(c);
}

/* As another user: the root-only socket is refused by name. */
static void
test_other_user_refused(void **state)
{
	struct status_server *s;
	char err[256];
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		print_message("needs root (the client runs as nobody)\n");
		skip();
	}
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(status_listen(sock, &s, err, sizeof(err)), 0);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct conf *c = statusrig_conf(dir);
		int rc;

		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(99);
		rc = statuscli_run(c, 0, stdout);
		conf_free(c);   /* memcheck looks for leaks at _exit too */
		fflush(stdout);
		cov_dump();     /* its coverage counts, before _exit */
		_exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	status_close(s);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EX_NOPERM);
}

static void
test_listen_refusals(void **state)
{
	struct status_server *s, *s2;
	char err[256], longpath[200];

	(void)state;
	unlink(sock);
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(status_listen(longpath, &s, err, sizeof(err)),
	    SPA_ERR_INVALID);
	assert_null(s);
	assert_non_null(strstr(err, "path too long"));

	testfile_write(NULL, sock, "not a socket", 0600);
	assert_int_equal(status_listen(sock, &s, err, sizeof(err)),
	    SPA_ERR_INVALID);
	assert_non_null(strstr(err, "exists and is not a socket"));
	unlink(sock);

	assert_int_equal(status_listen(sock, &s, err, sizeof(err)), 0);
	assert_true(status_fd(s) >= 0);
	{
		struct stat sb;

		assert_int_equal(stat(sock, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
	}
	assert_int_equal(status_listen(sock, &s2, err, sizeof(err)),
	    SPA_ERR_INVALID);
	assert_non_null(strstr(err, "another sniffer serves it"));
	status_close(s);
	assert_int_equal(access(sock, F_OK), -1);

	/* Left by a run that ended (nobody listens): replaced. */
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(fd);
	}
	assert_int_equal(status_listen(sock, &s, err, sizeof(err)), 0);
	status_close(s);

	{
		char nodir[160];

		snprintf(nodir, sizeof(nodir), "%s/no/such.sock", dir);
		assert_int_equal(status_listen(nodir, &s, err, sizeof(err)),
		    SPA_ERR_SYSTEM);
		assert_non_null(strstr(err, "No such file or directory"));
	}
	assert_int_equal(status_fd(NULL), -1);
	status_close(NULL);
	status_serve(NULL, NULL);
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
		cmocka_unit_test(test_report_text_and_json),
		cmocka_unit_test(test_report_pairs_and_forward),
		cmocka_unit_test(test_hostile_words),
		cmocka_unit_test(test_report_edges),
		cmocka_unit_test(test_no_daemon_odd_names),
		cmocka_unit_test(test_not_a_report),
		cmocka_unit_test(test_no_daemon_reads_database),
		cmocka_unit_test(test_path_too_long),
		cmocka_unit_test(test_other_user_refused),
		cmocka_unit_test(test_listen_refusals),
	};

	return cmocka_run_group_tests(tests, setup, testfile_dir_teardown);
}
