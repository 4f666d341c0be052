#define _GNU_SOURCE     /* struct ucred */
#include "status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "err.h"

#define STATUS_SERVE_MAX 4      /* connections answered per call */

struct status_server {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

struct status_text {
	char *buf;
	size_t len, at;
	unsigned grants, shown;
};

int
status_path(const struct conf *c, char *buf, size_t len)
{
	const char *dir = c->sniffer.state[0] != '\0' ? c->sniffer.state :
	    STATUS_RUN_DIR;
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path);

	if ((size_t)snprintf(buf, len, "%s/%s", dir, STATUS_SOCKET_NAME) >=
	    (len < max ? len : max))
		return SPA_ERR_NOSPACE;
	return 0;
}

static int
status_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return SPA_ERR_INVALID;
	memcpy(sa->sun_path, path, strlen(path));
	return 0;
}

/* 0 only when nobody listens on path (connection refused): a socket left
 * by a run that ended.  Any other answer, or an error, counts as in use,
 * so a live daemon's socket is never taken away. */
static int
status_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int stale;

	if (fd < 0)
		return 1;
	stale = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0 &&
	    errno == ECONNREFUSED;
	close(fd);
	return !stale;
}

int
status_listen(const char *path, struct status_server **out, char *err,
    size_t errlen)
{
	struct status_server *s = calloc(1, sizeof(*s));
	struct sockaddr_un sa;
	struct stat sb;
	mode_t old;

	*out = NULL;
	if (s == NULL) {
		snprintf(err, errlen, "status socket %s: out of memory", path);
		return SPA_ERR_NOMEM;
	}
	if (status_addr(path, &sa) != 0) {
		snprintf(err, errlen, "status socket %s: path too long", path);
		free(s);
		return SPA_ERR_INVALID;
	}
	s->fd = -1;
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode) || status_in_use(&sa)) {
			snprintf(err, errlen, "status socket %s: %s", path,
			    S_ISSOCK(sb.st_mode) ? "another sniffer serves it" :
			    "exists and is not a socket");
			free(s);
			return SPA_ERR_INVALID;
		}
		(void)unlink(path);     /* left by a run that ended */
	}
	if (strncmp(path, STATUS_RUN_DIR "/", sizeof(STATUS_RUN_DIR)) == 0)
		(void)mkdir(STATUS_RUN_DIR, 0755);	/* as privsep's */
	old = umask(077);
	if ((s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) < 0 ||
	    bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0600) != 0 || listen(s->fd, 8) != 0) {
		snprintf(err, errlen, "status socket %s: %s", path,
		    strerror(errno));
		umask(old);
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return SPA_ERR_SYSTEM;
	}
	umask(old);
	memcpy(s->path, sa.sun_path, sizeof(s->path));
	*out = s;
	return 0;
}

int
status_fd(const struct status_server *s)
{
	return s != NULL ? s->fd : -1;
}

static void __attribute__((format(printf, 2, 3)))
status_put(struct status_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->at >= t->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->at, t->len - t->at, fmt, ap);
	va_end(ap);
	t->at = n < 0 ? t->len : t->at + (size_t)n;
}

static void
status_grant(void *ctx, const struct grantrec *r, unsigned failed_closes)
{
	struct status_text *t = ctx;
	char addr[SPA_ADDRSTRLEN], more[GRANTREC_TEXT_MAX];

	if (++t->grants > STATUS_GRANTS_MAX)
		return;
	t->shown++;
	/* Users and actions are conf.c names: no blanks or '='. */
	status_put(t, "grant user=%s address=%s proto=%s port=%u expiry=%lld "
	    "phase=%s failed-closes=%u", r->user[0] ? r->user : "-",
	    addr_format(&r->addr, addr), grantrec_proto_name(r),
	    (unsigned)r->port, (long long)r->expiry,
	    grant_phase_name(r->phase), failed_closes);
	/* A grant of several pairs, a forward: what else it is. */
	if (r->nmore > 0)
		status_put(t, " more=%s", grantrec_more_text(r, more));
	if (r->inner.family != 0)
		status_put(t, " inner=%s", grantrec_inner_text(r, more));
	status_put(t, "\n");
}

static void
status_report(const struct status_view *v, struct status_text *t)
{
	const struct metrics *m = v->metrics;

	status_put(t, "spa-status 1\npid %ld\nstarted %lld\nnow %lld\n",
	    (long)getpid(), (long long)v->started, (long long)v->now);
	status_put(t, "counter frames %llu\n",
	    (unsigned long long)metrics_frames(m));
	for (int i = 0; i < VERDICT_COUNT; i++)
		status_put(t, "counter verdict-%s %llu\n",
		    verdict_word((enum spa_verdict)i),
		    (unsigned long long)m->verdicts[i]);
	status_put(t, "counter dropped %llu\ncounter grants-open %llu\n"
	    "counter opened %llu\ncounter closed %llu\n"
	    "counter close-failures %llu\ncounter commands-refused %llu\n",
	    (unsigned long long)m->dropped,
	    (unsigned long long)m->grants_open, (unsigned long long)m->opened,
	    (unsigned long long)m->closed,
	    (unsigned long long)m->close_failed,
	    (unsigned long long)m->commands_refused);
	warden_each_grant(v->warden, status_grant, t);
	status_put(t, "end grants=%u shown=%u\n", t->grants, t->shown);
}

/* Root, or the user the daemon runs as. */
static int
status_peer_ok(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 &&
	    (cr.uid == 0 || cr.uid == geteuid());
}

void
status_serve(struct status_server *s, const struct status_view *v)
{
	struct status_text t = { .len = STATUS_REPORT_MAX };
	int fd;

	if (s == NULL)
		return;
	for (int i = 0; i < STATUS_SERVE_MAX &&
	    (fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0;
	    i++) {
		if (status_peer_ok(fd)) {
			if (t.buf == NULL && (t.buf = malloc(t.len)) != NULL)
				status_report(v, &t);
			/* One send, never waited on: a reader that lets the
			 * socket fill sees a report without its end line. */
			if (t.buf != NULL)
				(void)send(fd, t.buf, t.at < t.len ? t.at :
				    t.len - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		}
		close(fd);
	}
	free(t.buf);
}

void
status_close(struct status_server *s)
{
	if (s == NULL)
		return;
	close(s->fd);
	(void)unlink(s->path);
	free(s);
}
