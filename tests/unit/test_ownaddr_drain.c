/*
 * How the own-address list (sniffer/ownaddr.h) decides to read the
 * addresses again: a netlink message that does not come from the kernel
 * (port id 0) is not an address event and changes nothing; more messages
 * than one update drains still mean "read again"; and without a netlink
 * socket (refused here by a seccomp filter in a child, for that socket
 * alone: getifaddrs keeps its own) the list is read again once
 * OWNADDR_REREAD_SECONDS have passed, and not before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/netlink.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "childrun.h"
#include "ownaddr.h"

/* n messages to the socket fd from a user-space netlink socket; 0, or
 * -1 when the kernel lets no process send to another (not root). */
static int
send_from_user(int fd, int n)
{
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(to);
	struct nlmsghdr h = { .nlmsg_len = sizeof(h), .nlmsg_type = NLMSG_NOOP };
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	assert_true(s >= 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&to, &len), 0);
	for (int i = 0; i < n; i++)
		if (sendto(s, &h, sizeof(h), 0, (struct sockaddr *)&to,
		    sizeof(to)) != (ssize_t)sizeof(h)) {
			assert_int_equal(errno, EPERM);
			close(s);
			return -1;
		}
	close(s);
	return 0;
}

static void
test_user_messages(void **state)
{
	struct ownaddr *o;
	unsigned long gen;

	(void)state;
	assert_int_equal(ownaddr_new("lo", &o), 0);
	if (ownaddr_fd(o) < 0) {
		ownaddr_free(o);
		print_message("no netlink socket here\n");
		skip();
	}
	gen = ownaddr_generation(o);
	assert_int_equal(ownaddr_update(o), 0);
	assert_int_equal(ownaddr_generation(o), gen);   /* nothing pending */
	/* A message from a process, not the kernel: no reading. */
	if (send_from_user(ownaddr_fd(o), 3) != 0) {
		ownaddr_free(o);
		print_message("no netlink messages between processes here\n");
		skip();
	}
	assert_int_equal(ownaddr_update(o), 0);
	assert_int_equal(ownaddr_generation(o), gen);
	/* More than one update drains (64): something was left unread,
	 * so the addresses are read again. */
	assert_int_equal(send_from_user(ownaddr_fd(o), 100), 0);
	assert_int_equal(ownaddr_update(o), 0);
	assert_int_equal(ownaddr_generation(o), gen + 1);
	ownaddr_free(o);
}

/* In the child: no netlink subscription, so the timer decides. */
static int
no_netlink_child(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct ownaddr *o;
	unsigned long gen;

	if (ctx == NULL ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT),
	    SCMP_SYS(socket), 2, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
	    SCMP_A1(SCMP_CMP_EQ, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC)) != 0 ||
	    seccomp_load(ctx) != 0)
		return 77;
	seccomp_release(ctx);
	if (ownaddr_new("lo", &o) != 0)
		return 10;
	if (ownaddr_fd(o) != -1)
		return 11;
	if (ownaddr_count(o) == 0)
		return 12;              /* getifaddrs still worked: lo's */
	gen = ownaddr_generation(o);
	if (ownaddr_update(o) != 0 || ownaddr_generation(o) != gen)
		return 13;              /* too soon */
	sleep(OWNADDR_REREAD_SECONDS + 1);
	if (ownaddr_update(o) != 0 || ownaddr_generation(o) != gen + 1)
		return 14;
	ownaddr_free(o);
	return 0;
}

static void
test_no_netlink_timer(void **state)
{
	(void)state;
	childrun(no_netlink_child, "no seccomp filter here");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_messages),
		cmocka_unit_test(test_no_netlink_timer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
