/*
 * knock/inject.c: the raw socket that sends a knock.  Its error exits
 * (frames too short for their header, no CAP_NET_RAW, no route), that no
 * descriptor is left open, and, as root in a network namespace of the
 * test's own, that the datagram a packet socket sees leave lo is byte for
 * byte the frame segment_build made: IPv4 and IPv6, spoofed sources, the
 * three payload sizes.  Nothing here can reach a real network: every
 * send happens in a fresh namespace.
 *
 * With arguments, this binary is instead the sender the root test
 * tests/root/knock_wire.sh uses (`test_knock_inject wire ...`, see
 * wire_main): one frame written with pcapout_write, as `knock -w` writes
 * it, then sent with inject_send, so tcpdump can compare the two.
 */
#define _GNU_SOURCE     /* unshare(2) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "err.h"
#include "inject.h"
#include "pcapout.h"
#include "segment.h"

#define CHILD_SKIP 77
#define PAYLOAD_NATIVE_LEN 115
#define PAYLOAD_CLASSIC_LEN 35
#define PAYLOAD_SIGNED_LEN 179

/* One frame as knock builds it, with a payload of len recognisable bytes. */
static int
build_frame(const char *src, const char *dst, uint16_t dport, size_t len,
    uint8_t frame[SEGMENT_MAX], size_t *frame_len)
{
	struct segment_input in = { .sport = 40000, .dport = dport,
	    .seq = 0x01020304u, .ip_id = 0x4242, .flags = 0x02 };
	uint8_t payload[256];
	char err[SEGMENT_ERR_MAX];

	if (len > sizeof(payload) || addr_parse(src, &in.src) != 0 ||
	    addr_parse(dst, &in.dst) != 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		payload[i] = (uint8_t)(0xa5 ^ i);
	if (segment_build(&in, payload, len, frame, frame_len, err) != 0) {
		fprintf(stderr, "segment_build: %s\n", err);
		return -1;
	}
	return 0;
}

/* The lowest free descriptor: the same before and after a call that
 * leaves nothing open. */
static int
lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

static void
test_inject_short_frames(void **state)
{
	uint8_t frame[SEGMENT_MAX] = { 0x45 };
	char err[INJECT_ERR_MAX] = "";
	int fd = lowest_free_fd();
	(void)state;

	assert_int_equal(inject_send(4, frame, 19, err), SPA_ERR_NETWORK);
	assert_non_null(strstr(err, "not an IPv4 datagram (19 bytes)"));
	frame[0] = 0x60;
	assert_int_equal(inject_send(6, frame, 39, err), SPA_ERR_NETWORK);
	assert_non_null(strstr(err, "not an IPv6 datagram (39 bytes)"));
	assert_int_equal(inject_send(5, frame, 60, err), SPA_ERR_NETWORK);
	assert_int_equal(inject_send(0, frame, 0, err), SPA_ERR_NETWORK);
	assert_int_equal(lowest_free_fd(), fd);
}

/* Runs fn in a child; its exit status: 0 passed, CHILD_SKIP skipped,
 * anything else the step that failed. */
static void
run_child(int (*fn)(void), const char *what)
{
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == CHILD_SKIP)
		skip();
	if (WEXITSTATUS(status) != 0)
		fail_msg("%s: step %d failed", what, WEXITSTATUS(status));
}

/* Root: a namespace of the child's own, with no route anywhere, so that
 * nothing can leave even if a check below is wrong. */
static int
child_netns(void)
{
	return geteuid() == 0 && unshare(CLONE_NEWNET) == 0 ? 0 : -1;
}

static int
drop_net_raw(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) != 0)
		return -1;
	d[0].effective &= ~(1u << CAP_NET_RAW);
	d[0].permitted &= ~(1u << CAP_NET_RAW);
	d[0].inheritable &= ~(1u << CAP_NET_RAW);
	if (syscall(SYS_capset, &h, d) != 0 || syscall(SYS_capget, &h, d) != 0)
		return -1;
	return (d[0].effective & (1u << CAP_NET_RAW)) ? -1 : 0;
}

/* Without CAP_NET_RAW: SPA_ERR_PERMISSION (knock's exit 77), with the
 * kernel's reason, for both families, and nothing left open. */
static int
child_not_permitted(void)
{
	uint8_t frame[SEGMENT_MAX];
	size_t len;
	char err[INJECT_ERR_MAX] = "";
	int fd;

	if (geteuid() == 0 && child_netns() != 0)
		return CHILD_SKIP;
	if (drop_net_raw() != 0)
		return CHILD_SKIP;
	fd = lowest_free_fd();
	if (build_frame("192.0.2.7", "192.0.2.10", 5001, PAYLOAD_NATIVE_LEN,
	    frame, &len) != 0)
		return 1;
	if (inject_send(4, frame, len, err) != SPA_ERR_PERMISSION ||
	    strstr(err, "cannot open a raw socket (Operation not permitted)") == NULL)
		return 2;
	if (build_frame("2001:db8::7", "2001:db8::10", 5001, PAYLOAD_CLASSIC_LEN,
	    frame, &len) != 0)
		return 3;
	if (inject_send(6, frame, len, err) != SPA_ERR_PERMISSION)
		return 4;
	return lowest_free_fd() == fd ? 0 : 5;
}

static void
test_inject_not_permitted(void **state)
{
	(void)state;
	run_child(child_not_permitted, "no CAP_NET_RAW");
}

/* No route: SPA_ERR_NETWORK (knock's exit 69) saying why, nothing open. */
static int
child_unreachable(void)
{
	uint8_t frame[SEGMENT_MAX];
	size_t len;
	char err[INJECT_ERR_MAX] = "";
	int fd;

	if (child_netns() != 0)
		return CHILD_SKIP;
	fd = lowest_free_fd();
	if (build_frame("192.0.2.7", "192.0.2.10", 5001, PAYLOAD_NATIVE_LEN,
	    frame, &len) != 0)
		return 1;
	if (inject_send(4, frame, len, err) != SPA_ERR_NETWORK ||
	    strstr(err, "sendto: Network is unreachable") == NULL) {
		fprintf(stderr, "IPv4: %s\n", err);
		return 2;
	}
	if (build_frame("2001:db8::7", "2001:db8::10", 5001, PAYLOAD_NATIVE_LEN,
	    frame, &len) != 0)
		return 3;
	/* IPv6 says EADDRNOTAVAIL: no address to route from, lo down. */
	if (inject_send(6, frame, len, err) != SPA_ERR_NETWORK ||
	    strncmp(err, "sendto: ", 8) != 0) {
		fprintf(stderr, "IPv6: %s\n", err);
		return 4;
	}
	return lowest_free_fd() == fd ? 0 : 5;
}

static void
test_inject_unreachable(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	run_child(child_unreachable, "no route");
}

static int
lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

/* A packet socket on lo: it sees each datagram as it leaves, link header
 * removed, whatever happens to it next (a spoofed source is dropped on
 * the way in, not on the way out). */
static int
lo_tap(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
	    .sll_protocol = htons(ETH_P_ALL) };
	struct timeval tv = { .tv_sec = 1 };
	int fd;

	sll.sll_ifindex = (int)if_nametoindex("lo");
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return -1;
	if (sll.sll_ifindex == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether a datagram comes from build_frame's source port: the kernel
 * answers each SYN to a closed port on lo with a reset, from 5001. */
static int
from_test_port(const uint8_t *d, size_t n)
{
	size_t off = (d[0] >> 4) == 4 ? (size_t)(d[0] & 0x0f) * 4 : 40;

	return n >= off + 2 && d[off] == 40000 >> 8 && d[off + 1] == (40000 & 0xff);
}

/* Sends the frame and returns 0 when the first outgoing datagram of its
 * family and source port on lo is exactly the frame. */
static int
sent_as_built(int tap, int family, const char *src, const char *dst,
    size_t payload_len)
{
	uint8_t frame[SEGMENT_MAX], seen[2048];
	size_t len;
	char err[INJECT_ERR_MAX] = "";
	uint16_t proto = htons(family == 4 ? ETH_P_IP : ETH_P_IPV6);
	struct sockaddr_ll from;
	socklen_t fromlen;
	ssize_t n;

	if (build_frame(src, dst, 5001, payload_len, frame, &len) != 0)
		return -1;
	if (inject_send(family, frame, len, err) != 0) {
		fprintf(stderr, "%s > %s: %s\n", src, dst, err);
		return -1;
	}
	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(tap, seen, sizeof(seen), 0,
		    (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			fprintf(stderr, "%s > %s: nothing seen on lo\n", src, dst);
			return -1;
		}
		if (from.sll_pkttype == PACKET_OUTGOING &&
		    from.sll_protocol == proto && from_test_port(seen, (size_t)n))
			break;
	}
	if ((size_t)n != len || memcmp(seen, frame, len) != 0) {
		fprintf(stderr, "%s > %s: %zd bytes left lo, not the %zu built\n",
		    src, dst, n, len);
		return -1;
	}
	return 0;
}

static int
child_loopback(void)
{
	int tap, rc = 0;

	if (child_netns() != 0 || lo_up() != 0 || (tap = lo_tap()) < 0)
		return CHILD_SKIP;
	if (sent_as_built(tap, 4, "127.0.0.1", "127.0.0.1", PAYLOAD_NATIVE_LEN) != 0)
		rc = 1;
	else if (sent_as_built(tap, 4, "192.0.2.7", "127.0.0.1", PAYLOAD_CLASSIC_LEN) != 0)
		rc = 2;
	else if (sent_as_built(tap, 4, "203.0.113.9", "127.0.0.1", PAYLOAD_SIGNED_LEN) != 0)
		rc = 3;
	else if (sent_as_built(tap, 6, "::1", "::1", PAYLOAD_NATIVE_LEN) != 0)
		rc = 4;
	else if (sent_as_built(tap, 6, "2001:db8::7", "::1", PAYLOAD_CLASSIC_LEN) != 0)
		rc = 5;
	else if (sent_as_built(tap, 6, "2001:db8::9", "::1", PAYLOAD_SIGNED_LEN) != 0)
		rc = 6;
	close(tap);
	return rc;
}

static void
test_inject_bytes_on_lo(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	run_child(child_loopback, "the datagram on lo");
}

/*
 * test_knock_inject wire FILE.pcap SRC DST DPORT PAYLOAD_LEN: writes one
 * frame to FILE.pcap as `knock -w` does, then sends that frame.  Exit
 * status as knock's: 0 sent, 64 usage, 73 not written, 77 not permitted,
 * 69 not sent.
 */
static int
wire_main(int argc, char **argv)
{
	uint8_t frame[SEGMENT_MAX];
	size_t len;
	char err[INJECT_ERR_MAX];
	struct timeval now;
	int rc;

	if (argc != 7 || build_frame(argv[3], argv[4], (uint16_t)atoi(argv[5]),
	    (size_t)atoi(argv[6]), frame, &len) != 0) {
		fputs("usage: test_knock_inject wire FILE.pcap SRC DST DPORT "
		    "PAYLOAD_LEN\n", stderr);
		return EX_USAGE;
	}
	gettimeofday(&now, NULL);
	if (pcapout_write(argv[2], frame, len, &now, err) != 0) {
		fprintf(stderr, "test_knock_inject: %s\n", err);
		return EX_CANTCREAT;
	}
	rc = inject_send(frame[0] >> 4 == 6 ? 6 : 4, frame, len, err);
	if (rc != 0)
		fprintf(stderr, "test_knock_inject: %s\n", err);
	if (rc == SPA_ERR_PERMISSION)
		return EX_NOPERM;
	return rc == 0 ? 0 : EX_UNAVAILABLE;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inject_short_frames),
		cmocka_unit_test(test_inject_not_permitted),
		cmocka_unit_test(test_inject_unreachable),
		cmocka_unit_test(test_inject_bytes_on_lo),
	};

	if (argc > 1 && strcmp(argv[1], "wire") == 0)
		return wire_main(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
