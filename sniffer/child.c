#define _GNU_SOURCE     /* close_range(2) */
#include "child.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "commit.h"
#include "cov.h"
#include "err.h"
#include "log.h"
#include "privmsg.h"
#include "sandbox.h"
#include "watch.h"

#define CHILD_ANSWER_MS 10000   /* the parent commits within STATE_BUSY_MS */
#define CHILD_ADDRS_MAX 4096    /* own addresses kept at most */

_Static_assert(VERDICT_COUNT <= PRIVMSG_VERDICTS, "privmsg_counts too small");
_Static_assert(EAGAIN == EWOULDBLOCK, "one test of errno for both");

static volatile sig_atomic_t child_stop;

/* _exit(2), after writing the counts in coverage builds (common/cov.h):
 * no exit handler runs in the child.  In every other build, _exit. */
static void __attribute__((noreturn))
child_exit(int status)
{
	/* One line: a line after cov_dump() would never count. */
	(cov_dump(), _exit(status));
}

struct child {
	const struct child_setup *s;
	struct watch watch;
	struct ownaddr *own;
	struct spa_addr *next;          /* address chunks being received */
	size_t nnext;
	struct commit_pruner pruner;
	struct privmsg_counts sent;     /* the counters the parent has */
	int64_t sent_at;
	int capture_down;               /* the capture socket reported an error */
};

static void
child_on_signal(int sig)
{
	(void)sig;
	child_stop = 1;
}

static void
child_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = child_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* The parent reloads; a SIGHUP for the process group is its own. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
}

static int
child_fd_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Closes every descriptor but stdio, the capture and the two sockets: the
 * state database, the firewall's, a directory (a way out of a chroot)
 * stay with the parent. */
static void
child_close_others(const struct child_setup *s)
{
	int keep[] = { 2, pcap_get_selectable_fd(s->cap->pcap), s->channel,
	    s->log };
	int from = 3;

	qsort(keep, sizeof(keep) / sizeof(keep[0]), sizeof(keep[0]),
	    child_fd_cmp);
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if (keep[i] > from)
			(void)close_range((unsigned)from,
			    (unsigned)keep[i] - 1, 0);
		if (keep[i] + 1 > from)
			from = keep[i] + 1;
	}
	(void)close_range((unsigned)from, ~0u, 0);
}

/* An address chunk: kept until the last one, then the set is replaced. */
static int
child_addrs(struct child *k, const struct privmsg_addrs *m)
{
	size_t room = CHILD_ADDRS_MAX - k->nnext;
	size_t n = m->count < room ? m->count : room;
	int rc = 0;

	if (k->next == NULL &&
	    (k->next = calloc(CHILD_ADDRS_MAX, sizeof(*k->next))) == NULL)
		return SPA_ERR_NOMEM;
	memcpy(k->next + k->nnext, m->addr, n * sizeof(*k->next));
	k->nnext += n;
	if (m->more)
		return 0;
	rc = ownaddr_set(k->own, k->next, k->nnext);
	k->nnext = 0;
	return rc;
}

/* One message from the parent, if any: 1 an answer (in *ans), 0 nothing
 * more to read now (addresses were applied), -1 the channel closed or
 * carried something the parent never sends (logged). */
static int
child_receive(struct child *k, struct privmsg_answer *ans)
{
	uint8_t buf[PRIVMSG_MAX + 1];
	struct privmsg_addrs addrs;
	ssize_t len;

	for (;;) {
		len = recv(k->s->channel, &buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && errno == EAGAIN)    /* == EWOULDBLOCK */
			return 0;
		if (len <= 0)
			return -1;      /* the parent is gone */
		if (privmsg_answer_decode(buf, (size_t)len, ans) == 0)
			return 1;
		if (privmsg_addrs_decode(buf, (size_t)len, &addrs) != 0) {
			log_warn("privsep: a message from the parent of %zd "
			    "bytes that is none of ours", len);
			return -1;
		}
		if (child_addrs(k, &addrs) != 0)
			log_warn("own addresses: out of memory, the previous "
			    "ones stay");
	}
}

#ifdef SPA_TEST_FAULTS
/* Test builds only (tests/root/sniffer_privsep.sh): a knock for the
 * request "fault-malformed" sends the parent a message one byte short,
 * one for "fault-impossible" a grant for a user it does not have, one
 * for "fault-syscall" makes a system call outside the filter. */
static void
child_fault(const struct child *k, const struct privmsg_grant *m)
{
	const char *name = m->action < k->s->conf->nactions ?
	    k->s->conf->actions[m->action].name : "";

	/* The parent (or SIGSYS) ends it for each: the counts first, on
	 * the same line as the call (a line after cov_dump never counts). */
	if (strcmp(name, "fault-malformed") == 0) {
		(void)(cov_dump(), send(k->s->channel, m, sizeof(*m) - 1, 0));
	} else if (strcmp(name, "fault-impossible") == 0) {
		struct privmsg_grant bad = *m;

		bad.user = (uint32_t)k->s->conf->nusers;
		(void)(cov_dump(), send(k->s->channel, &bad, sizeof(bad), 0));
	} else if (strcmp(name, "fault-syscall") == 0) {
		(void)(cov_dump(), socket(AF_INET, SOCK_DGRAM, 0));
	}
}
#endif

/* watch_accept_fn: the grant to the parent, then its answer. */
static enum privmsg_result
child_accept(void *ctx, const struct privmsg_grant *m)
{
	struct child *k = ctx;
	struct privmsg_answer ans;
	struct timespec start, t;
	int rc;

#ifdef SPA_TEST_FAULTS
	child_fault(k, m);
#endif
	if (send(k->s->channel, m, sizeof(*m), 0) != (ssize_t)sizeof(*m)) {
		log_warn("privsep: cannot reach the parent: %s",
		    strerror(errno));
		child_exit(CHILD_EXIT_CHANNEL);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = k->s->channel, .events = POLLIN };
		long waited;

		if ((rc = child_receive(k, &ans)) == 1)
			return (enum privmsg_result)ans.result;
		if (rc < 0)
			child_exit(CHILD_EXIT_CHANNEL);
		clock_gettime(CLOCK_MONOTONIC, &t);
		waited = (t.tv_sec - start.tv_sec) * 1000L +
		    (t.tv_nsec - start.tv_nsec) / 1000000L;
		if (waited >= CHILD_ANSWER_MS) {
			log_warn("privsep: no answer from the parent in %d ms",
			    CHILD_ANSWER_MS);
			child_exit(CHILD_EXIT_CHANNEL);
		}
		(void)poll(&p, 1, (int)(CHILD_ANSWER_MS - waited));
	}
}

/* Everything that needs files or privileges, before the drop: the users'
 * keys are derived here, while OpenSSL can still read its configuration. */
static void
child_prepare(struct child *k)
{
	const struct child_setup *s = k->s;
	const struct spa_addr *a;
	char err[512];
	size_t n;

	/* gmtime_r reads the time zone file on its first call (classic). */
	tzset();
	a = ownaddr_list(s->own, &n);
	if (ownaddr_new_list(a, n, &k->own) != 0) {
		log_warn("privsep: out of memory");
		child_exit(CHILD_EXIT_SETUP);
	}
	if (watch_init(&k->watch, s->conf, s->replay, k->own, s->cap,
	    child_accept, k, err, sizeof(err)) != 0) {
		log_warn("%s", err);
		child_exit(CHILD_EXIT_SETUP);
	}
	k->pruner.last = (int64_t)time(NULL);
}

static void
child_confine(const struct child_setup *s)
{
	struct sandbox_fds fds = {
		.capture = pcap_get_selectable_fd(s->cap->pcap),
		.channel = s->channel, .log = s->log };
	char err[512];

	/* In coverage builds the chroot is "/" (common/cov.h). */
	if (privdrop_drop(s->target, cov_chroot(s->root), err,
	    sizeof(err)) != 0) {
		log_warn("privsep: %s", err);
		child_exit(CHILD_EXIT_SETUP);
	}
	/* Armed after the drop, which clears it; the parent may be gone
	 * already, so look. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 ||
	    getppid() != s->parent)
		child_exit(0);
	if (sandbox_enter(&fds, err, sizeof(err)) != 0) {
		log_warn("privsep: %s", err);
		child_exit(CHILD_EXIT_SETUP);
	}
}

/* The counters to the parent when they changed (force: even when not),
 * at most once a second.  A full channel only delays them. */
static void
child_send_counts(struct child *k, int64_t now, int force)
{
	struct privmsg_counts c;

	if (!force && now == k->sent_at)
		return;
	watch_counts(&k->watch, &c);
	if (!force && memcmp(&c, &k->sent, sizeof(c)) == 0)
		return;
	if (send(k->s->channel, &c, sizeof(c), MSG_DONTWAIT) ==
	    (ssize_t)sizeof(c)) {
		k->sent = c;
		k->sent_at = now;
	}
}

/* Once the capture socket has reported an error (the device went down),
 * looks for the device once a loop: gone means the capture has failed.
 * libpcap tells only when it reads the error after the device is gone: an
 * "ip link del" first takes the device down, and when libpcap reads that
 * error while the device still exists it keeps capturing; no error comes
 * for the removal itself, so it would wait forever. */
static void
child_check_device(struct child *k)
{
	const struct capture *cap = k->s->cap;
	struct ifreq ifr;

	if (strcmp(cap->iface, "any") == 0 || cap->iface[0] == '\0') {
		k->capture_down = 0;
		return;
	}
	memset(&ifr, 0, sizeof(ifr));
	_Static_assert(sizeof(ifr.ifr_name) == sizeof(cap->iface),
	    "an interface name fits ifr_name");
	memcpy(ifr.ifr_name, cap->iface, sizeof(ifr.ifr_name));
	if (ioctl(pcap_get_selectable_fd(cap->pcap), SIOCGIFFLAGS, &ifr) == 0) {
		if (ifr.ifr_flags & IFF_UP)
			k->capture_down = 0;
		return;
	}
	if (errno == ENODEV || errno == ENXIO) {
		log_warn("capture: the interface %s disappeared", cap->iface);
		child_exit(CHILD_EXIT_CAPTURE);
	}
}

static void __attribute__((noreturn))
child_loop(struct child *k)
{
	struct pollfd fds[2] = {
		{ .fd = pcap_get_selectable_fd(k->s->cap->pcap),
		  .events = POLLIN },
		{ .fd = k->s->channel, .events = POLLIN },
	};
	struct privmsg_answer ans;

	while (!child_stop) {
		int64_t now;

		if (poll(fds, 2, 1000) < 0 && errno != EINTR) {
			log_warn("poll: %s", strerror(errno));
			child_exit(CHILD_EXIT_CHANNEL);
		}
		if (fds[1].revents != 0) {
			int rc = child_receive(k, &ans);

			if (rc < 0)
				child_exit(0);
			if (rc == 1) {
				log_warn("privsep: an answer nobody asked for");
				child_exit(CHILD_EXIT_CHANNEL);
			}
		}
		if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) &&
		    watch_dispatch(&k->watch) != 0)
			child_exit(CHILD_EXIT_CAPTURE);
		if (fds[0].revents & POLLERR)
			k->capture_down = 1;
		if (k->capture_down)
			child_check_device(k);
		now = (int64_t)time(NULL);
		watch_stats(&k->watch, now);
		child_send_counts(k, now, 0);
		(void)commit_prune(&k->pruner, k->s->replay, NULL, now);
		/* The parent ends it with SIGKILL: counts at each turn. */
		cov_dump();
	}
	child_exit(0);
}

void
child_main(const struct child_setup *s)
{
	struct child k = { .s = s };

	child_signals();
	log_to_socket(s->log);
	child_close_others(s);
	child_prepare(&k);
	child_confine(s);
	log_info("privsep: capture process %ld runs as %s (uid %lu) in %s, "
	    "seccomp filter on", (long)getpid(), s->target->user,
	    (unsigned long)s->target->uid, cov_chroot(s->root));
	/* The first counters tell the parent the capture runs confined. */
	child_send_counts(&k, (int64_t)time(NULL), 1);
	child_loop(&k);
}
