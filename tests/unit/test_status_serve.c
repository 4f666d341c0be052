/*
 * The daemon's side of sniffer --status (sniffer/status.h) with a real
 * warden: each connection waiting gets the report (a grant of no known
 * user shown as user=-, one of several pairs with the others, a forward
 * with its inner host), a few per call and the others at the next; a
 * peer that is neither root nor the daemon's user gets nothing.  Without
 * a state directory the socket goes to /run/spa, made when missing (in a
 * mount namespace of the test's own, on a tmpfs: never the host's /run).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cov.h"
#include "metrics.h"
#include "state.h"
#include "status.h"
#include "conf.h"
#include "statusrig.h"
#include "testfile.h"
#include "tmpfschild.h"
#include "wardenrig.h"

static char *const dir = testfile_dir;  /* testfile_dir_setup() */
static char *const sock = statusrig_sock;      /* statusrig_setup() */

static int
dial(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* What came on fd until the server closed it. */
static size_t
answer(int fd, char *buf, size_t len)
{
	size_t at = 0;
	ssize_t n;

	while (at < len - 1 && (n = read(fd, buf + at, len - 1 - at)) > 0)
		at += (size_t)n;
	buf[at] = '\0';
	close(fd);
	return at;
}

static void
test_serve(void **state)
{
	struct grantrec g = { .proto = IPPROTO_TCP, .port = 22,
	    .phase = GRANT_OPEN };
	char sub[128], err[512], buf[8192];
	struct status_server *s;
	struct metrics m = { .opened = 7 };
	struct state *st;
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	int fds[5];
	(void)state;

	/* a grant recorded by an older run, of no known user */
	snprintf(sub, sizeof(sub), "%s/state", dir);
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(addr_parse("198.51.100.50", &g.addr), 0);
	g.expiry = now + 600;
	assert_int_equal(state_grant_put(st, &g), 0);
	/* one of two pairs, and a forward */
	strcpy(g.user, "alice");
	strcpy(g.action, "ssh");
	assert_int_equal(addr_parse("198.51.100.51", &g.addr), 0);
	g.more[0] = (struct grant_port){ IPPROTO_UDP, 53 };
	g.nmore = 1;
	assert_int_equal(state_grant_put(st, &g), 0);
	g.nmore = 0;
	assert_int_equal(addr_parse("198.51.100.52", &g.addr), 0);
	assert_int_equal(addr_parse("192.0.2.10", &g.inner), 0);
	g.inner_port = 2222;
	assert_int_equal(state_grant_put(st, &g), 0);
	state_close(st);
	wardenrig_backend(dir, WARDENRIG_FORWARDS);
	assert_int_equal(wardenrig_start_alice(&r, dir, sub, now), 0);
	assert_int_equal(status_listen(sock, &s, err, sizeof(err)), 0);

	for (int i = 0; i < 5; i++)
		fds[i] = dial();
	status_serve(s, &(struct status_view){ &m, r.w, now - 5, now });
	for (int i = 0; i < 4; i++) {
		assert_true(answer(fds[i], buf, sizeof(buf)) > 0);
		assert_non_null(strstr(buf, "spa-status 1\n"));
		assert_non_null(strstr(buf, "\ncounter opened 7\n"));
		assert_non_null(strstr(buf, "\ngrant user=- address="
		    "198.51.100.50 proto=tcp port=22 "));
		assert_non_null(strstr(buf, "address=198.51.100.51 proto=tcp "
		    "port=22 "));
		assert_non_null(strstr(buf, " more=udp/53\n"));
		assert_non_null(strstr(buf, " inner=192.0.2.10:2222\n"));
		assert_non_null(strstr(buf, "\nend grants=3 shown=3\n"));
	}
	/* the fifth waits for the next call */
	assert_int_equal(recv(fds[4], buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	status_serve(s, &(struct status_view){ &m, r.w, now - 5, now });
	assert_non_null(strstr((answer(fds[4], buf, sizeof(buf)), buf),
	    "\nend grants=3 shown=3\n"));

	status_close(s);
	rig_down(&r);
}

/* As nobody, through a socket it may open: served nothing. */
static void
test_other_user_gets_nothing(void **state)
{
	struct status_server *s;
	struct rig r;
	char err[512], sub[128];
	int status = -1;
	pid_t pid;
	struct metrics m = { 0 };
	int64_t now = (int64_t)time(NULL);
	(void)state;

	if (geteuid() != 0) {
		print_message("needs root (the client runs as nobody)\n");
		skip();
	}
	snprintf(sub, sizeof(sub), "%s/state2", dir);
	wardenrig_backend(dir, 0);
	assert_int_equal(wardenrig_start_alice(&r, dir, sub, now), 0);
	assert_int_equal(status_listen(sock, &s, err, sizeof(err)), 0);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chmod(sock, 0666), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[256];
		int code;

		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(99);
		/* connected: served nothing, closed */
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
			code = 2;
		else
			code = answer(fd, buf, sizeof(buf)) == 0 ? 0 : 1;
		cov_dump();
		_exit(code);
	}
	for (int i = 0; i < 200 && waitpid(pid, &status, WNOHANG) == 0; i++) {
		struct pollfd p = { status_fd(s), POLLIN, 0 };

		(void)poll(&p, 1, 10);
		status_serve(s, &(struct status_view){ &m, r.w, now, now });
	}
	assert_int_equal(chmod(dir, 0700), 0);
	status_close(s);
	rig_down(&r);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* In a mount namespace of its own, a tmpfs on /run: the socket of a
 * memory-only state goes to /run/spa, made 0755 when missing. */
static void
run_dir_child(const char *where)
{
	static const char text[] = "[sniffer]\nstate =\n[user alice]\n"
	    "key = " WARDENRIG_ALICE_KEY "\nallow = ssh\n"
	    "[action ssh]\nopen = tcp/22\n";
	char path[108], err[512];
	struct status_server *s;
	struct conf *c;
	struct stat sb;

	tmpfschild_mount(where, "size=64k,mode=0755");
	CHECK(conf_load_string("t.conf", text, &c, err) == 0, 2);
	CHECK(status_path(c, path, sizeof(path)) == 0, 3);
	CHECK(strcmp(path, STATUS_RUN_DIR "/" STATUS_SOCKET_NAME) == 0, 4);
	CHECK(status_listen(path, &s, err, sizeof(err)) == 0, 5);
	CHECK(stat(STATUS_RUN_DIR, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    (sb.st_mode & 0777) == 0755, 6);
	CHECK(stat(path, &sb) == 0 && S_ISSOCK(sb.st_mode), 7);
	status_close(s);
	conf_free(c);
	tmpfschild_exit(0);
}

static void
test_run_dir(void **state)
{
	(void)state;
	tmpfschild_need_root();
	tmpfschild_run("/run", run_dir_child, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serve),
		cmocka_unit_test(test_other_user_gets_nothing),
		cmocka_unit_test(test_run_dir),
	};

	return cmocka_run_group_tests(tests, statusrig_setup,
	    testfile_dir_teardown);
}
