/*
 * The capture process for real (sniffer/privsep.h, sniffer/child.c), as
 * root: each case runs in a process of its own with a network namespace
 * of its own, where a veth pair v0-v1 is made; privsep_start forks the
 * capture process over a live capture of v0, this test plays its parent
 * over the channel and log sockets, and knocks are frames sent on v1.
 *   - privsep_start when socketpair, fork or pidfd_open fail: it says
 *     which, returns SPA_ERR_SYSTEM, the capture is closed, no child is
 *     left;
 *   - the child's side: a message from the parent that is none of ours
 *     (also after an interrupted recv), an answer nobody asked for, the
 *     parent gone while it waits for an answer, the parent not answering
 *     within CHILD_ANSWER_MS, the channel refusing the grant or full
 *     for its first counters (sent a turn later), poll failing, SIGTERM, the drop or the filter failing (exit 70); the
 *     addresses the parent sends in chunks replace the child's (a knock
 *     to an address no longer ours gives no grant);
 *   - the capture interface taken down (it waits), up again, then down
 *     and deleted: "capture: the interface v0 disappeared", exit 74;
 *     deleted while up: the capture fails, exit 74; the look at it
 *     failing: EPERM is looked at again, ENXIO is gone too.
 * Each says so on the log socket and exits with the status the parent
 * acts on (sniffer/child.h).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "capture.h"
#include "childrun.h"
#include "conf.h"
#include "err.h"
#include "knockframe.h"
#include "log.h"
#include "logcap.h"
#include "ownaddr.h"
#include "privdrop.h"
#include "privmsg.h"
#include "privsep.h"
#include "replay.h"
#include "sysfail.h"
#include "vethns.h"

#define ALICE "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="

static const char conf_text[] =
    "[sniffer]\nport = 5001\nstate =\nwindow = 60\n"
    "[user alice]\nkey = " ALICE "\nallow = ssh\n"
    "[action ssh]\nopen = tcp/22\n";

#define SKIP_WHY "not root, or no veth in a network namespace of its own"

/* A failed check in a case's process: says where, returns 1. */
#define CHECK(cond) do {                                                \
	if (!(cond)) {                                                  \
		fprintf(stderr, "%s:%d: %s: failed: %s\n", __FILE__,    \
		    __LINE__, __func__, #cond);                         \
		return 1;                                               \
	}                                                               \
} while (0)

struct rig {
	struct conf *conf;
	struct ownaddr *own;
	struct replay_cache *replay;
	struct privdrop_target target;
	struct capture cap;
	struct capchild k;
	char root[64];
	char logs[16384];       /* the child's lines so far */
	size_t nlogs;
};

/* Everything privsep_start needs but the capture. 0, 77, or 1. */
static int
rig_init(struct rig *r)
{
	struct spa_addr own;
	char err[CONF_ERR_MAX];
	int rc;

	memset(r, 0, sizeof(*r));
	r->k.pidfd = r->k.channel = r->k.log = -1;
	if ((rc = vethns_new()) != 0)
		return rc;
	CHECK(conf_load_string("capchild.conf", conf_text, &r->conf, err) == 0);
	CHECK(addr_parse("198.51.100.2", &own) == 0);
	CHECK(ownaddr_new_list(&own, 1, &r->own) == 0);
	CHECK(replay_new(&r->replay) == 0);
	if (privdrop_lookup(&r->target, err, sizeof(err)) != 0)
		return 77;
	snprintf(r->root, sizeof(r->root), "/tmp/spa-capchild-XXXXXX");
	CHECK(mkdtemp(r->root) != NULL);
	CHECK(chmod(r->root, 0755) == 0);
	CHECK(privdrop_prepare_root(r->root, err, sizeof(err)) == 0);
	return 0;
}

static int
rig_capture(struct rig *r)
{
	char err[512];

	if (capture_open_live("v0", 5001, NULL, 1 << 20, &r->cap, err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	return 0;
}

static void
rig_free(struct rig *r)
{
	char why[128];

	sysfail_clear();
	if (r->k.pid != 0)
		privsep_reap(&r->k, 1, why, sizeof(why));
	capture_close(&r->cap);
	ownaddr_free(r->own);
	replay_free(r->replay);
	conf_free(r->conf);
	if (r->root[0] != '\0')
		rmdir(r->root);
}

/* privsep_start over a new capture of v0. */
static int
rig_start(struct rig *r)
{
	struct privsep_args a = { .conf = r->conf, .own = r->own,
	    .replay = r->replay, .target = &r->target, .root = r->root };

	if (rig_capture(r) != 0)
		return SPA_ERR_CAPTURE;
	return privsep_start(&r->k, &r->cap, &a);
}

/* Adds the child's waiting log lines to r->logs. */
static void
rig_read_logs(struct rig *r)
{
	char buf[LOG_LINE_MAX + 2];
	ssize_t n;

	while (r->k.log >= 0 &&
	    (n = recv(r->k.log, buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0) {
		buf[n] = '\0';
		r->nlogs += (size_t)snprintf(r->logs + r->nlogs,
		    sizeof(r->logs) - r->nlogs, "%s\n", buf + 1);
		if (r->nlogs >= sizeof(r->logs))
			r->nlogs = sizeof(r->logs) - 1;
	}
}

/* Waits up to ms for a log line of the child's containing text. */
static int
rig_log_has(struct rig *r, const char *text, int ms)
{
	for (int waited = 0; ; waited += 20) {
		rig_read_logs(r);
		if (strstr(r->logs, text) != NULL)
			return 1;
		if (waited >= ms)
			break;
		usleep(20000);
	}
	fprintf(stderr, "no \"%s\" in the child's log:\n%s", text, r->logs);
	return 0;
}

/* The next grant (1) or counters (2) from the child within ms, else 0
 * (or the negative code of privsep_receive). */
static int
rig_receive(struct rig *r, int ms, struct privmsg_grant *g)
{
	struct privmsg_counts c;
	struct pollfd p = { .fd = r->k.channel, .events = POLLIN };

	if (poll(&p, 1, ms) <= 0)
		return 0;
	return privsep_receive(&r->k, g, &c);
}

/* The child started, confined, and told so (its first counters). */
static int
rig_ready(struct rig *r)
{
	struct privmsg_grant g;

	CHECK(r->k.pid > 0);
	CHECK(rig_receive(r, 5000, &g) == 2);
	CHECK(rig_log_has(r, "seccomp filter on", 2000));
	return 0;
}

/* Sends a knock of alice's, nonce starting with n, on v1: it arrives on
 * v0, which the child captures. */
static int
rig_knock(uint8_t n)
{
	uint8_t frame[SEGMENT_MAX];
	size_t len = knock_frame(ALICE, (uint64_t)time(NULL), n, frame);

	CHECK(vethns_send(frame, len) == 0);
	return 0;
}

/* Sends knock n; the child's grant (its counters skipped) comes within
 * 3 s. */
static int
rig_granted(struct rig *r, uint8_t n)
{
	struct privmsg_grant g;
	int rc;

	CHECK(rig_knock(n) == 0);
	while ((rc = rig_receive(r, 3000, &g)) == 2)
		continue;
	CHECK(rc == 1);
	return 0;
}

/* v0 just put down: the child waits (a turn of its loop at least); up
 * again, it goes on: a knock is granted, and answered. */
static int
rig_waits_for_up(struct rig *r)
{
	usleep(1200000);
	CHECK(kill(r->k.pid, 0) == 0);
	CHECK(vethns_ip("link", "set", "v0", "up", NULL) == 0);
	usleep(1200000);
	CHECK(rig_granted(r, 1) == 0);
	privsep_answer(&r->k, PRIVMSG_DONE);
	return 0;
}

/* Waits up to ms for the child to end by itself (then kills it): its
 * exit status, or -1 when it did not exit. */
static int
rig_exit_status(struct rig *r, int ms)
{
	char why[128];
	int status;

	for (int waited = 0; waited < ms; waited += 20) {
		siginfo_t si = { .si_pid = 0 };

		if (waitid(P_PID, (id_t)r->k.pid, &si, WEXITED | WNOHANG |
		    WNOWAIT) == 0 && si.si_pid != 0)
			break;
		usleep(20000);
	}
	rig_read_logs(r);
	status = privsep_reap(&r->k, 1, why, sizeof(why));
	if (status < 0 || !WIFEXITED(status)) {
		fprintf(stderr, "child: %s\n", why);
		return -1;
	}
	return WEXITSTATUS(status);
}

/* ---- privsep_start failing. ---- */

static int
case_start_faults(void)
{
	static const struct {
		const char *call;
		unsigned skip;
		const char *says;
	} faults[] = {
		{ "socketpair", 0, "privsep: socketpair: Too many open files" },
		{ "socketpair", 1, "privsep: socketpair: Too many open files" },
		{ "fork", 0, "privsep: fork: Too many open files" },
		{ "pidfd_open", 0, "privsep: pidfd_open: Too many open files" },
	};
	struct rig r;
	int rc;

	if ((rc = rig_init(&r)) != 0)
		return rc;
	CHECK(logcap_start() == 0);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		const char *said;

		sysfail_arm(faults[i].call, faults[i].skip, EMFILE);
		rc = rig_start(&r);
		CHECK(sysfail_failed(faults[i].call) == 1);
		sysfail_clear();
		CHECK(rc == SPA_ERR_SYSTEM);
		CHECK(r.k.pid == 0);
		/* The capture moved into k and was closed there. */
		CHECK(r.cap.pcap == NULL && r.k.cap.pcap == NULL);
		CHECK(r.k.channel == -1 && r.k.log == -1 && r.k.pidfd == -1);
		said = logcap_read();
		if (strstr(said, faults[i].says) == NULL) {
			fprintf(stderr, "%s: said \"%s\"\n", faults[i].call,
			    said);
			return 1;
		}
		errno = 0;
		CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
	}
	logcap_stop();
	rig_free(&r);
	return 0;
}

static void
test_start_faults(void **state)
{
	(void)state;
	childrun(case_start_faults, SKIP_WHY);
}

/* ---- The child's side of the channel. ---- */

/* A started, confined child; arm (if not NULL) armed in it only. */
static int
rig_up(struct rig *r, const char *arm, unsigned skip, int err)
{
	int rc;

	if ((rc = rig_init(r)) != 0)
		return rc;
	if (arm != NULL)
		sysfail_arm(arm, skip, err);
	rc = rig_start(r);
	sysfail_clear();                /* the child keeps its copy */
	CHECK(rc == 0);
	return rig_ready(r);
}

static int
case_junk(void)
{
	static const uint8_t junk[5] = "junk";
	struct rig r;
	int rc;

	/* The first recv is interrupted: it is tried again. */
	if ((rc = rig_up(&r, "recv", 0, EINTR)) != 0)
		return rc;
	CHECK(send(r.k.channel, junk, sizeof(junk), 0) == sizeof(junk));
	CHECK(rig_exit_status(&r, 5000) == 0);
	CHECK(rig_log_has(&r, "privsep: a message from the parent of 5 bytes "
	    "that is none of ours", 0));
	rig_free(&r);
	return 0;
}

static void
test_junk_from_parent(void **state)
{
	(void)state;
	childrun(case_junk, SKIP_WHY);
}

static int
case_unasked_answer(void)
{
	struct rig r;
	int rc;

	if ((rc = rig_up(&r, NULL, 0, 0)) != 0)
		return rc;
	privsep_answer(&r.k, PRIVMSG_DONE);
	/* Its reaping is interrupted once: waited for again. */
	sysfail_arm("waitpid", 0, EINTR);
	CHECK(rig_exit_status(&r, 5000) == 1);
	CHECK(sysfail_failed("waitpid") == 1);
	sysfail_clear();
	CHECK(rig_log_has(&r, "privsep: an answer nobody asked for", 0));
	rig_free(&r);
	return 0;
}

static void
test_unasked_answer(void **state)
{
	(void)state;
	childrun(case_unasked_answer, SKIP_WHY);
}

static int
case_poll_fails(void)
{
	struct rig r;
	int rc;

	if ((rc = rig_up(&r, "poll", 0, EBADF)) != 0)
		return rc;
	CHECK(rig_exit_status(&r, 5000) == 1);
	CHECK(rig_log_has(&r, "poll: Bad file descriptor", 0));
	rig_free(&r);
	return 0;
}

static void
test_poll_fails(void **state)
{
	(void)state;
	childrun(case_poll_fails, SKIP_WHY);
}

/* A knock is granted (answered), refused while the addresses sent last
 * (in two chunks) lack its destination, granted again once they have it;
 * SIGTERM ends the child, status 0. */
static int
case_addresses_then_term(void)
{
	struct spa_addr a[40];
	struct ownaddr *other;
	struct privmsg_grant g;
	struct rig r;
	int rc;

	if ((rc = rig_up(&r, NULL, 0, 0)) != 0)
		return rc;
	/* Our recv interrupted: tried again. */
	sysfail_arm("recv", 0, EINTR);
	CHECK(rig_granted(&r, 1) == 0);
	CHECK(sysfail_failed("recv") == 1);
	/* Our recv failing: the channel is gone (SPA_ERR_TRUNCATED). */
	sysfail_arm("recv", 0, EIO);
	CHECK(privsep_receive(&r.k, &g, &(struct privmsg_counts){ 0 }) ==
	    SPA_ERR_TRUNCATED);
	sysfail_clear();
	privsep_answer(&r.k, PRIVMSG_DONE);

	for (size_t i = 0; i < 40; i++) {
		char text[32];

		snprintf(text, sizeof(text), "198.51.100.%zu", i + 10);
		CHECK(addr_parse(text, &a[i]) == 0);
	}
	CHECK(ownaddr_new_list(a, 40, &other) == 0);
	/* The channel full: not sent, tried again on the next change. */
	r.k.addrs_sent = 0;
	sysfail_arm("send", 0, EAGAIN);
	privsep_send_addrs(&r.k, other);
	CHECK(sysfail_failed("send") == 1);
	sysfail_clear();
	CHECK(r.k.addrs_sent == 0);
	privsep_send_addrs(&r.k, other);        /* 32 + 8 */
	CHECK(r.k.addrs_sent == ownaddr_generation(other));
	usleep(100000);
	CHECK(rig_knock(2) == 0);
	while ((rc = rig_receive(&r, 1000, &g)) == 2)
		continue;
	CHECK(rc == 0);                         /* not ours: no grant */

	r.k.addrs_sent = 0;
	privsep_send_addrs(&r.k, r.own);
	usleep(100000);
	CHECK(rig_granted(&r, 3) == 0);
	privsep_answer(&r.k, PRIVMSG_DONE);

	CHECK(kill(r.k.pid, SIGTERM) == 0);
	CHECK(rig_exit_status(&r, 5000) == 0);
	CHECK(strstr(r.logs, "out of memory") == NULL);
	ownaddr_free(other);
	rig_free(&r);
	return 0;
}

static void
test_addresses_then_term(void **state)
{
	(void)state;
	childrun(case_addresses_then_term, SKIP_WHY);
}

/* recv failing in the child otherwise than EINTR or EAGAIN: the parent
 * is gone, it ends quietly, status 0. */
static int
case_recv_fails(void)
{
	struct rig r;
	int rc;

	if ((rc = rig_up(&r, "recv", 0, ECONNRESET)) != 0)
		return rc;
	r.k.addrs_sent = 0;
	privsep_send_addrs(&r.k, r.own);        /* wakes it: its recv fails */
	CHECK(rig_exit_status(&r, 5000) == 0);
	CHECK(strstr(strstr(r.logs, "seccomp filter on"), "\n")[1] == '\0');
	rig_free(&r);
	return 0;
}

static void
test_recv_fails(void **state)
{
	(void)state;
	childrun(case_recv_fails, SKIP_WHY);
}

/* The channel full when the first counters go (send EAGAIN in the
 * child): they come a turn later. */
static int
case_counts_delayed(void)
{
	struct rig r;
	int rc;

	/* Its first send is the log line saying it is confined. */
	if ((rc = rig_up(&r, "send", 1, EAGAIN)) != 0)
		return rc;
	CHECK(kill(r.k.pid, 0) == 0);
	rig_free(&r);
	return 0;
}

static void
test_counts_delayed(void **state)
{
	(void)state;
	childrun(case_counts_delayed, SKIP_WHY);
}

/* The parent closes the channel while the child waits for its answer. */
static int
case_parent_gone_while_asked(void)
{
	struct rig r;
	int rc;

	if ((rc = rig_up(&r, NULL, 0, 0)) != 0)
		return rc;
	CHECK(rig_granted(&r, 1) == 0);
	close(r.k.channel);
	r.k.channel = -1;
	CHECK(rig_exit_status(&r, 5000) == 1);
	rig_free(&r);
	return 0;
}

static void
test_parent_gone_while_asked(void **state)
{
	(void)state;
	childrun(case_parent_gone_while_asked, SKIP_WHY);
}

/* The channel refuses the grant (the parent's end shut for reading). */
static int
case_grant_not_sent(void)
{
	struct rig r;
	int rc;

	if ((rc = rig_up(&r, NULL, 0, 0)) != 0)
		return rc;
	CHECK(shutdown(r.k.channel, SHUT_RD) == 0);
	CHECK(rig_knock(1) == 0);
	CHECK(rig_exit_status(&r, 5000) == 1);
	CHECK(rig_log_has(&r, "privsep: cannot reach the parent: ", 0));
	rig_free(&r);
	return 0;
}

static void
test_grant_not_sent(void **state)
{
	(void)state;
	childrun(case_grant_not_sent, SKIP_WHY);
}

/* The drop or the filter failing: exit 70, which the parent never
 * restarts, with the reason. */
static int
case_confine_fails(void)
{
	static const struct {
		const char *call;
		int err;
		const char *says;
	} faults[] = {
		{ "chroot", EPERM, "privsep: chroot " },
		{ "seccomp_load", EINVAL, "privsep: " },
	};

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		struct rig r;
		int rc;

		if ((rc = rig_init(&r)) != 0)
			return rc;
		sysfail_arm(faults[i].call, 0, faults[i].err);
		rc = rig_start(&r);
		sysfail_clear();
		CHECK(rc == 0);
		CHECK(rig_exit_status(&r, 5000) == 70);
		CHECK(rig_log_has(&r, faults[i].says, 0));
		CHECK(strstr(r.logs, "seccomp filter on") == NULL);
		rig_free(&r);
	}
	return 0;
}

static void
test_confine_fails(void **state)
{
	(void)state;
	childrun(case_confine_fails, SKIP_WHY);
}

/* v0 down: the child waits; up again: it goes on (a knock is granted);
 * down, then deleted while down (no error comes for that): it looks, and
 * finds it gone: "disappeared", exit 74. */
static int
case_interface_gone(void)
{
	struct rig r;
	int rc;

	if ((rc = rig_up(&r, NULL, 0, 0)) != 0)
		return rc;
	CHECK(vethns_ip("link", "set", "v0", "down", NULL) == 0);
	CHECK(rig_waits_for_up(&r) == 0);
	CHECK(vethns_ip("link", "set", "v0", "down", NULL) == 0);
	usleep(200000);
	CHECK(vethns_ip("link", "del", "v0", NULL) == 0);
	CHECK(rig_exit_status(&r, 5000) == 74);
	CHECK(rig_log_has(&r, "capture: the interface v0 disappeared", 0));
	rig_free(&r);
	return 0;
}

/* The look at the interface (ioctl) failing while v0 is down: EPERM is
 * no answer, it looks again on the next turn and goes on once v0 is up;
 * ENXIO says the device is gone, like ENODEV: exit 74. */
static int
case_look_fails(int err)
{
	struct rig r;
	int rc;

	if ((rc = rig_up(&r, "ioctl", 0, err)) != 0)
		return rc;
	CHECK(vethns_ip("link", "set", "v0", "down", NULL) == 0);
	if (err == ENXIO) {
		CHECK(rig_exit_status(&r, 5000) == 74);
		CHECK(rig_log_has(&r, "capture: the interface v0 disappeared",
		    0));
		rig_free(&r);
		return 0;
	}
	CHECK(rig_waits_for_up(&r) == 0);
	CHECK(kill(r.k.pid, SIGTERM) == 0);
	CHECK(rig_exit_status(&r, 5000) == 0);
	rig_free(&r);
	return 0;
}

static int
case_look_eperm(void)
{
	return case_look_fails(EPERM);
}

static int
case_look_enxio(void)
{
	return case_look_fails(ENXIO);
}

/* v0 deleted while up: libpcap's read fails, exit 74 (the capture
 * failed), said by libpcap's words after "capture: ". */
static int
case_interface_deleted(void)
{
	struct rig r;
	int rc;

	if ((rc = rig_up(&r, NULL, 0, 0)) != 0)
		return rc;
	CHECK(vethns_ip("link", "del", "v0", NULL) == 0);
	CHECK(rig_exit_status(&r, 5000) == 74);
	CHECK(rig_log_has(&r, "capture: ", 0));
	rig_free(&r);
	return 0;
}

/* The parent never answers: the child gives up after CHILD_ANSWER_MS
 * (10 s). */
static int
case_no_answer(void)
{
	struct rig r;
	int rc;

	if ((rc = rig_up(&r, NULL, 0, 0)) != 0)
		return rc;
	CHECK(rig_granted(&r, 1) == 0);
	CHECK(rig_exit_status(&r, 15000) == 1);
	CHECK(rig_log_has(&r, "privsep: no answer from the parent in 10000 ms",
	    0));
	rig_free(&r);
	return 0;
}

/* The slow cases start first, side by side, and are collected last. */
static struct {
	int (*fn)(void);
	pid_t pid;
} slow[] = {
	{ case_no_answer, 0 },
	{ case_interface_gone, 0 },
	{ case_interface_deleted, 0 },
	{ case_look_eperm, 0 },
	{ case_look_enxio, 0 },
};

static int
start_slow(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(slow) / sizeof(slow[0]); i++) {
		fflush(NULL);
		if ((slow[i].pid = fork()) == 0)
			exit(slow[i].fn());
		if (slow[i].pid < 0)
			return -1;
	}
	return 0;
}

static void
collect_slow(size_t i)
{
	int status;

	assert_int_equal(waitpid(slow[i].pid, &status, 0), slow[i].pid);
	childrun_verdict(WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status), SKIP_WHY);
}

static void
test_no_answer(void **state)
{
	(void)state;
	collect_slow(0);
}

static void
test_interface_gone(void **state)
{
	(void)state;
	collect_slow(1);
}

static void
test_interface_deleted(void **state)
{
	(void)state;
	collect_slow(2);
}

static void
test_look_fails(void **state)
{
	(void)state;
	collect_slow(3);
	collect_slow(4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_faults),
		cmocka_unit_test(test_junk_from_parent),
		cmocka_unit_test(test_unasked_answer),
		cmocka_unit_test(test_poll_fails),
		cmocka_unit_test(test_addresses_then_term),
		cmocka_unit_test(test_parent_gone_while_asked),
		cmocka_unit_test(test_recv_fails),
		cmocka_unit_test(test_counts_delayed),
		cmocka_unit_test(test_grant_not_sent),
		cmocka_unit_test(test_confine_fails),
		cmocka_unit_test(test_interface_gone),
		cmocka_unit_test(test_interface_deleted),
		cmocka_unit_test(test_look_fails),
		cmocka_unit_test(test_no_answer),
	};

	log_init("spa-test", 1, 0);
	return cmocka_run_group_tests(tests, start_slow, NULL);
}
