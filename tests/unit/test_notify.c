/*
 * systemd readiness (sniffer/notify.h) against a fake NOTIFY_SOCKET: a
 * datagram socket of our own gets READY=1, RELOADING=1 with the monotonic
 * time, STOPPING=1, and a STATUS= line only when it changed; without
 * NOTIFY_SOCKET every call does nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

static char sock_dir[] = "/tmp/spa-notify-XXXXXX";
static char sock_path[64];

static int
listener(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	assert_non_null(mkdtemp(sock_dir));
	snprintf(sock_path, sizeof(sock_path), "%s/notify", sock_dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* The next datagram, or "" when none is waiting. */
static const char *
next(int fd)
{
	static char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void
test_notify(void **state)
{
	int fd = listener();
	(void)state;

	/* Unset: nothing is sent, nothing fails. */
	unsetenv("NOTIFY_SOCKET");
	notify_ready();
	notify_status(1, 2);
	assert_string_equal(next(fd), "");
	assert_int_equal(setenv("NOTIFY_SOCKET", sock_path, 1), 0);
	notify_ready();
	assert_string_equal(next(fd), "READY=1");
	notify_reloading();
	assert_true(strncmp(next(fd), "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
	notify_status(1, 2);
	assert_string_equal(next(fd), "STATUS=1 grants open, 2 knocks accepted");
	notify_status(1, 2);
	assert_string_equal(next(fd), "");
	notify_status(0, 3);
	assert_string_equal(next(fd), "STATUS=0 grants open, 3 knocks accepted");
	notify_stopping();
	assert_string_equal(next(fd), "STOPPING=1");
	close(fd);
	unlink(sock_path);
	rmdir(sock_dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_notify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
