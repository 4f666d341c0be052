/*
 * The logging module (common/log.h) and the error strings (common/err.h):
 * lines to stderr with the tag, debug only when verbose, the capture
 * child's datagrams (priority digit, text cut at LOG_LINE_MAX), fatal()'s
 * exit status, the rate limit; and, as root in a private mount namespace
 * with a syslog socket of our own at /dev/log, RFC 3164 lines to syslog,
 * the reconnection after the socket went away and the fall-back to stderr
 * when it stays away.  Every SPA_ERR_* code has its own message.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

/* Runs fn in a child with stderr going to a file; returns what the child
 * wrote there and sets *status to its wait status. */
static char *
in_child(void (*fn)(void *), void *arg, int *status)
{
	char path[] = "/tmp/spa-log-XXXXXX";
	static char text[8192];
	int fd = mkstemp(path);
	ssize_t n;
	pid_t pid;

	assert_true(fd >= 0);
	unlink(path);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fd, STDERR_FILENO);
		fn(arg);
		exit(0);
	}
	assert_int_equal(waitpid(pid, status, 0), pid);
	n = pread(fd, text, sizeof(text) - 1, 0);
	assert_true(n >= 0);
	text[n] = '\0';
	close(fd);
	return text;
}

static void
stderr_lines(void *arg)
{
	(void)arg;
	log_init("spa-test", 1, 0);
	log_info("one %d", 1);
	log_warn("two %s", "w");
	log_debug("not shown");
	log_init("spa-test", 1, 1);
	log_debug("three");
}

static void
test_log_stderr(void **state)
{
	int status;
	char *text = in_child(stderr_lines, NULL, &status);

	(void)state;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_string_equal(text, "spa-test: one 1\nspa-test: two w\n"
	    "spa-test: three\n");
}

static void
fatal_line(void *arg)
{
	(void)arg;
	log_init("spa-test", 1, 0);
	fatal(71, "cannot go on: %s", "broken");
}

static void
test_fatal_exits(void **state)
{
	int status;
	char *text = in_child(fatal_line, NULL, &status);

	(void)state;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 71);
	assert_string_equal(text, "spa-test: cannot go on: broken\n");
}

/* The capture child's lines: one datagram each, the priority's digit
 * first; a line longer than LOG_LINE_MAX is cut; a full socket drops. */
static void
test_log_to_socket(void **state)
{
	char buf[LOG_LINE_MAX + 64], *longer;
	int sv[2];
	ssize_t n;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	log_init("spa-test", 1, 1);
	log_to_socket(sv[0]);
	log_info("hello %s", "there");
	n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, 12);
	assert_memory_equal(buf, "6hello there", 12);
	log_warn("w");
	assert_int_equal(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 2);
	assert_memory_equal(buf, "4w", 2);
	log_debug("d");
	assert_int_equal(recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 2);
	assert_memory_equal(buf, "7d", 2);

	longer = malloc(3 * LOG_LINE_MAX);
	assert_non_null(longer);
	memset(longer, 'x', 3 * LOG_LINE_MAX - 1);
	longer[3 * LOG_LINE_MAX - 1] = '\0';
	log_info("%s", longer);
	n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, LOG_LINE_MAX);      /* digit + LOG_LINE_MAX - 1 */
	assert_int_equal(buf[0], '6');
	assert_int_equal(buf[n - 1], 'x');
	free(longer);

	/* Nobody reads: lines are dropped, never block. */
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	for (int i = 0; i < 10000; i++)
		log_info("flood %d", i);
	log_to_socket(-1);
	close(sv[0]);
	close(sv[1]);
}

static void
test_ratelimit(void **state)
{
	struct log_limit l = { .interval = 10, .burst = 3 };

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(log_ratelimit(&l, 100), 1);
	assert_int_equal(log_ratelimit(&l, 100), 0);
	assert_int_equal(log_ratelimit(&l, 109), 0);
	assert_int_equal(l.suppressed, 2);
	assert_int_equal(log_ratelimit(&l, 110), 1);    /* a new window */
	assert_int_equal(l.used, 1);
}

/* ---- syslog, as root in a mount namespace of our own ---- */

static int syslog_fd = -1;

static int
syslog_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/dev/log");
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	return fd;
}

static void
syslog_check(const char *want)
{
	char buf[2048];
	ssize_t n = recv(syslog_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	if (n < 0) {
		fprintf(stdout, "no datagram for %s\n", want);
		exit(10);
	}
	buf[n] = '\0';
	/* <PRI>Mmm dd hh:mm:ss tag[pid]: text */
	if (strncmp(buf, want, 4) != 0 || strstr(buf, " spa-test[") == NULL ||
	    strcmp(strstr(buf, "]: ") + 3, want + 4) != 0) {
		fprintf(stdout, "got %s, wanted %s\n", buf, want);
		exit(11);
	}
}

static void
syslog_child(void *arg)
{
	(void)arg;
	/* A /dev of our own: the host's is never touched. */
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", "/dev", "tmpfs", 0, "size=64k,mode=0755") != 0)
		exit(20);
	/* No syslog yet: one line says so, then everything on stderr. */
	log_init("spa-test", 0, 0);
	log_info("before syslog");
	if ((syslog_fd = syslog_listen()) < 0)
		exit(21);
	log_init("spa-test", 0, 1);
	log_info("to syslog %d", 1);
	syslog_check("<30>to syslog 1");
	log_warn("warned");
	syslog_check("<28>warned");
	log_debug("debugged");
	syslog_check("<31>debugged");
	/* A line longer than a datagram's room is cut, not dropped. */
	{
		static char longer[3 * LOG_LINE_MAX], buf[4 * LOG_LINE_MAX];
		ssize_t n;

		memset(longer, 'y', sizeof(longer) - 1);
		log_info("%s", longer);
		n = recv(syslog_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n != LOG_LINE_MAX + 127 || buf[n - 1] != 'y')
			exit(12);
	}
	/* Set up again while connected: the old connection is closed. */
	log_init("spa-test", 0, 1);
	log_info("again");
	syslog_check("<30>again");
	/* A tag too long for the line's head: the line goes to stderr. */
	{
		static char tag[2 * LOG_LINE_MAX];

		memset(tag, 't', sizeof(tag) - 1);
		log_init(tag, 0, 0);
		log_info("tagged");
		if (recv(syslog_fd, tag, 1, MSG_DONTWAIT) >= 0)
			exit(13);
		log_init("spa-test", 0, 1);
	}
	/* syslogd restarted: the same path, a new socket; one reconnection. */
	close(syslog_fd);
	unlink("/dev/log");
	if ((syslog_fd = syslog_listen()) < 0)
		exit(22);
	log_info("after restart");
	syslog_check("<30>after restart");
	/* Gone for good: the line goes to stderr, never lost. */
	close(syslog_fd);
	unlink("/dev/log");
	log_warn("syslog gone");
	exit(0);
}

static void
test_syslog(void **state)
{
	int status;
	char *text;

	(void)state;
	if (geteuid() != 0) {
		print_message("needs root (a mount namespace with its own "
		    "/dev/log)\n");
		skip();
	}
	text = in_child(syslog_child, NULL, &status);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 20) {
		print_message("no mount namespace here\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_non_null(strstr(text, "spa-test: syslog unavailable (/dev/log: "));
	assert_non_null(strstr(text, "logging to stderr\nspa-test: before "
	    "syslog\n"));
	assert_non_null(strstr(text, "spa-test: syslog gone\n"));
	assert_non_null(strstr(text, "ttttt: tagged\n"));
	assert_null(strstr(text, "to syslog 1"));
}

/* Every code from -1 down to the last one has its own message; past the
 * last, and for positive numbers, "unknown error". */
static void
test_err_str(void **state)
{
	const char *seen[64] = { 0 };
	int last;

	(void)state;
	assert_string_equal(err_str(SPA_OK), "success");
	for (last = -1; last > -64; last--) {
		const char *s = err_str(last);

		if (strcmp(s, "unknown error") == 0)
			break;
		for (int j = 0; j < -last - 1; j++)
			assert_string_not_equal(s, seen[j]);
		seen[-last - 1] = s;
	}
	assert_true(last < SPA_ERR_KEY_NOT_FILE);
	for (int code = last; code > last - 100; code--)
		assert_string_equal(err_str(code), "unknown error");
	assert_string_equal(err_str(1), "unknown error");
	assert_string_equal(err_str(SPA_ERR_NOMEM), "out of memory");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_stderr),
		cmocka_unit_test(test_fatal_exits),
		cmocka_unit_test(test_log_to_socket),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_syslog),
		cmocka_unit_test(test_err_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
