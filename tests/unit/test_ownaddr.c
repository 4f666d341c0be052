/*
 * The host's own addresses against the real loopback interface, and, as
 * root, their update through netlink: in a new network namespace of a
 * child process (the host's interfaces are never touched), an address
 * added to lo is seen once the descriptor is readable, and its removal too;
 * so is one with an IPv4 label of lo (lo:9), never one of an interface
 * whose name only begins with lo.
 */
#define _GNU_SOURCE     /* unshare(2) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ownaddr.h"

static struct spa_addr
addr_of(const char *text)
{
	struct spa_addr a;

	assert_int_equal(addr_parse(text, &a), 0);
	return a;
}

static bool
has(const struct ownaddr *o, const char *text)
{
	struct spa_addr a = addr_of(text);

	return ownaddr_contains(o, &a);
}

/* Whether lo has ::1 (IPv6 may be off on this host). */
static bool
lo_has_ipv6(void)
{
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/net/if_inet6", "r");

	if (f == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strncmp(line, "00000000000000000000000000000001 ",
		    33) == 0;
	fclose(f);
	return found;
}

static void
test_ownaddr_lo(void **state)
{
	struct ownaddr *o;
	(void)state;

	assert_int_equal(ownaddr_new("lo", &o), 0);
	assert_true(has(o, "127.0.0.1"));
	if (lo_has_ipv6())
		assert_true(has(o, "::1"));
	assert_false(has(o, "192.0.2.99"));
	assert_false(has(o, "2001:db8::99"));
	/* The same 16 bytes as 127.0.0.1, as an IPv6 address: not lo's. */
	assert_false(has(o, "::ffff:127.0.0.1"));
	assert_true(ownaddr_count(o) >= 1);
	ownaddr_free(o);
}

/* "any" (and NULL) is every interface; another name, or a prefix of a name,
 * is only that interface. */
static void
test_ownaddr_names(void **state)
{
	struct ownaddr *any, *all, *lo, *l, *none;
	(void)state;

	assert_int_equal(ownaddr_new("any", &any), 0);
	assert_int_equal(ownaddr_new(NULL, &all), 0);
	assert_int_equal(ownaddr_new("lo", &lo), 0);
	assert_int_equal(ownaddr_new("l", &l), 0);
	assert_int_equal(ownaddr_new("spa-no-such0", &none), 0);
	assert_true(has(any, "127.0.0.1"));
	assert_true(has(all, "127.0.0.1"));
	assert_false(has(any, "192.0.2.99"));
	assert_true(ownaddr_count(any) >= ownaddr_count(lo));
	assert_int_equal(ownaddr_count(all), ownaddr_count(any));
	assert_int_equal(ownaddr_count(l), 0);
	assert_false(has(l, "127.0.0.1"));
	assert_int_equal(ownaddr_count(none), 0);
	ownaddr_free(any);
	ownaddr_free(all);
	ownaddr_free(lo);
	ownaddr_free(l);
	ownaddr_free(none);
}

/* The descriptor to poll is non-blocking and close-on-exec; an update with
 * nothing to hear changes nothing. */
static void
test_ownaddr_fd_and_quiet_update(void **state)
{
	struct ownaddr *o;
	size_t n;
	int fd;
	(void)state;

	assert_int_equal(ownaddr_new("lo", &o), 0);
	fd = ownaddr_fd(o);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	n = ownaddr_count(o);
	assert_int_equal(ownaddr_update(o), 0);
	assert_int_equal(ownaddr_update(o), 0);
	assert_int_equal(ownaddr_count(o), n);
	assert_true(has(o, "127.0.0.1"));
	ownaddr_free(o);
	ownaddr_free(NULL);
}

/* Runs ip(8) with args; its exit status, or -1. */
static int
run_ip(char *const args[])
{
	static const char *const paths[] = { "/usr/sbin/ip", "/sbin/ip",
	    "/usr/bin/ip", "/bin/ip" };
	int status;
	pid_t pid;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (access(paths[i], X_OK) != 0)
			continue;
		if ((pid = fork()) < 0)
			return -1;
		if (pid == 0) {
			execv(paths[i], args);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			return -1;
		return WEXITSTATUS(status);
	}
	return -1;
}

/* Waits (at most 2 s) for the descriptor, then updates; 0 or -1. */
static int
wait_and_update(struct ownaddr *o)
{
	struct pollfd p = { .fd = ownaddr_fd(o), .events = POLLIN };

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return ownaddr_update(o) == 0 ? 0 : -1;
}

/* In the child's own network namespace: 0 when the address added to lo
 * was seen, then its removal; else the number of the step that failed;
 * 77 when this cannot run here. */
static int
netns_child(void)
{
	char *add[] = { "ip", "addr", "add", "192.0.2.99/32", "dev", "lo", NULL };
	char *del[] = { "ip", "addr", "del", "192.0.2.99/32", "dev", "lo", NULL };
	char *label[] = { "ip", "addr", "add", "192.0.2.98/32", "dev", "lo",
	    "label", "lo:9", NULL };
	char *veth[] = { "ip", "link", "add", "lob", "type", "veth", "peer",
	    "name", "loc", NULL };
	char *other[] = { "ip", "addr", "add", "192.0.2.97/32", "dev", "lob",
	    NULL };
	struct spa_addr a = addr_of("192.0.2.99"), b = addr_of("192.0.2.98");
	struct spa_addr c = addr_of("192.0.2.97");
	struct ownaddr *o;

	if (unshare(CLONE_NEWNET) != 0)
		return 77;
	if (ownaddr_new("lo", &o) != 0 || ownaddr_fd(o) < 0)
		return 1;
	if (ownaddr_contains(o, &a))
		return 2;
	if (run_ip(add) != 0)
		return 77;
	if (wait_and_update(o) != 0 || !ownaddr_contains(o, &a))
		return 3;
	if (run_ip(del) != 0)
		return 4;
	if (wait_and_update(o) != 0 || ownaddr_contains(o, &a))
		return 5;
	/* An IPv4 label of lo ("lo:9") is lo's; an interface whose name
	 * only begins with "lo" ("lob") is not. */
	if (run_ip(label) != 0)
		return 77;
	if (wait_and_update(o) != 0 || !ownaddr_contains(o, &b))
		return 6;
	if (run_ip(veth) != 0 || run_ip(other) != 0)
		return 77;
	if (wait_and_update(o) != 0 || ownaddr_contains(o, &c) ||
	    !ownaddr_contains(o, &b))
		return 7;
	ownaddr_free(o);
	return 0;
}

static void
test_ownaddr_follows_changes(void **state)
{
	int status;
	pid_t pid;
	(void)state;

	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(netns_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	if (WEXITSTATUS(status) != 0)
		fail_msg("netlink update: step %d failed", WEXITSTATUS(status));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ownaddr_lo),
		cmocka_unit_test(test_ownaddr_names),
		cmocka_unit_test(test_ownaddr_fd_and_quiet_update),
		cmocka_unit_test(test_ownaddr_follows_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
