#define _GNU_SOURCE     /* sigabbrev_np */
#include "privsep.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "child.h"
#include "err.h"
#include "spawn.h"

#define PRIVSEP_RELAY_MAX 64    /* log lines relayed per call */

_Static_assert(EAGAIN == EWOULDBLOCK, "one test of errno for both");

static void
privsep_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int
privsep_start(struct capchild *k, struct capture *cap,
    const struct privsep_args *a)
{
	int ch[2] = { -1, -1 }, lg[2] = { -1, -1 };
	pid_t parent = getpid(), pid;

	memset(k, 0, sizeof(*k));
	k->pidfd = k->channel = k->log = -1;
	k->cap = *cap;
	memset(cap, 0, sizeof(*cap));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ch) != 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, lg) != 0) {
		log_warn("privsep: socketpair: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) < 0) {
		log_warn("privsep: fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		struct child_setup s = { .conf = a->conf, .cap = &k->cap,
		    .own = a->own, .replay = a->replay, .channel = ch[1],
		    .log = lg[1], .parent = parent, .target = a->target,
		    .root = a->root };

		close(ch[0]);
		close(lg[0]);
		child_main(&s);
	}
	close(ch[1]);
	close(lg[1]);
	k->pid = pid;
	k->channel = ch[0];
	k->log = lg[0];
	k->started_ms = spawn_now_ms();
	k->addrs_sent = ownaddr_generation(a->own);
	if ((k->pidfd = pidfd_open(pid, 0)) < 0) {
		char why[128];

		log_warn("privsep: pidfd_open: %s", strerror(errno));
		privsep_reap(k, 1, why, sizeof(why));
		return SPA_ERR_SYSTEM;
	}
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		privsep_close(&ch[i]);
		privsep_close(&lg[i]);
	}
	capture_close(&k->cap);
	return SPA_ERR_SYSTEM;
}

void
privsep_send_addrs(struct capchild *k, const struct ownaddr *own)
{
	struct privmsg_addrs m;
	size_t n, at = 0;
	const struct spa_addr *a;

	if (k->pid == 0 || ownaddr_generation(own) == k->addrs_sent)
		return;
	a = ownaddr_list(own, &n);
	do {
		size_t take = n - at < PRIVMSG_ADDRS_CHUNK ? n - at :
		    PRIVMSG_ADDRS_CHUNK;

		memset(&m, 0, sizeof(m));
		m.type = PRIVMSG_ADDRS;
		m.count = (uint32_t)take;
		m.more = at + take < n;
		memcpy(m.addr, a + at, take * sizeof(*a));
		if (send(k->channel, &m, sizeof(m), MSG_DONTWAIT) !=
		    (ssize_t)sizeof(m))
			return;         /* tried again on the next change */
		at += take;
	} while (at < n);
	k->addrs_sent = ownaddr_generation(own);
}

int
privsep_receive(struct capchild *k, struct privmsg_grant *m,
    struct privmsg_counts *counts)
{
	uint8_t buf[PRIVMSG_MAX + 1];
	ssize_t len;
	int rc;

	do
		len = recv(k->channel, buf, sizeof(buf), MSG_DONTWAIT);
	while (len < 0 && errno == EINTR);
	if (len < 0 && errno == EAGAIN)    /* == EWOULDBLOCK on Linux */
		return 0;
	if (len <= 0)
		return SPA_ERR_TRUNCATED;
	if (privmsg_counts_decode(buf, (size_t)len, counts) == 0)
		return 2;
	if ((rc = privmsg_grant_decode(buf, (size_t)len, m)) != 0) {
		log_warn("privsep: a malformed message from the capture "
		    "process (%zd bytes: %s)", len, rc == SPA_ERR_TRUNCATED ?
		    "not the size of a grant" : "a field out of range");
		return SPA_ERR_INVALID;
	}
	return 1;
}

void
privsep_answer(struct capchild *k, enum privmsg_result r)
{
	struct privmsg_answer a = { .type = PRIVMSG_ANSWER, .result = r };

	(void)send(k->channel, &a, sizeof(a), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* The child's text as one line of ours: no newline or control character
 * of its can make a line that looks like another one. */
static void
privsep_sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			*s = '?';
}

void
privsep_relay_logs(struct capchild *k, struct log_limit *lim, int64_t now)
{
	char buf[LOG_LINE_MAX + 2];

	for (int i = 0; i < PRIVSEP_RELAY_MAX && k->log >= 0; i++) {
		ssize_t len = recv(k->log, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		int prio;

		if (len <= 0)
			return;
		buf[len] = '\0';
		prio = buf[0] - '0';
		if (len < 2 || !log_ratelimit(lim, now))
			continue;
		privsep_sanitize(buf + 1);
		if (prio == LOG_DEBUG)
			log_debug("%s", buf + 1);
		else if (prio == LOG_INFO || prio == LOG_NOTICE)
			log_info("%s", buf + 1);
		else
			log_warn("%s", buf + 1);
	}
}

int
privsep_reap(struct capchild *k, int kill_it, char *why, size_t len)
{
	int status = 0;
	pid_t r;

	snprintf(why, len, "not running");
	if (k->pid == 0)
		return -1;
	if (kill_it)
		kill(k->pid, SIGKILL);
	while ((r = waitpid(k->pid, &status, 0)) < 0 && errno == EINTR)
		continue;
	if (r < 0)
		snprintf(why, len, "lost (%s)", strerror(errno));
	else if (WIFEXITED(status))
		snprintf(why, len, "exit status %d", WEXITSTATUS(status));
	else if (WTERMSIG(status) == SIGSYS)
		snprintf(why, len, "killed by SIGSYS: a system call outside "
		    "its seccomp filter");
	else
		snprintf(why, len, "killed by signal %d (SIG%s)",
		    WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ?
		    sigabbrev_np(WTERMSIG(status)) : "?");
	privsep_close(&k->pidfd);
	privsep_close(&k->channel);
	privsep_close(&k->log);
	capture_close(&k->cap);
	k->pid = 0;
	return r < 0 ? -1 : status;
}
