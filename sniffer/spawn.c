/*
 * Children without a shell (spawn.h), after OpenSSH subprocess() (misc.c).
 *
 * How the loop learns that a child ended: one pidfd per child, all in one
 * epoll set with the stderr pipes, and that epoll descriptor is the one fd
 * the caller polls.  Not a SIGCHLD handler with a self-pipe: that needs a
 * process-wide handler (doc/style.md item 14 keeps handlers to flags) and a
 * waitpid(-1) that would steal the statuses of other children.  Not a
 * signalfd: SIGCHLD would have to stay blocked in every thread, and the
 * mask is inherited across execve.  A pidfd names exactly one process, so
 * a recycled pid can never be signalled or reaped by mistake, and it needs
 * no global state (Linux 5.3, glibc 2.36 for pidfd_open; Debian 12 has
 * both).  The pipe is not the end-of-child signal: a grandchild can keep
 * it open; it is drained as it fills so a chatty child never blocks.
 */
/* _GNU_SOURCE, in this file only: pipe2 with O_CLOEXEC, close_range,
 * setresuid/setresgid and strerrorname_np. */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cov.h"
#include "err.h"
#include "log.h"

#define SPAWN_EXEC_FAILED 127   /* as a shell says "command not found" */
#define CLOSE_FALLBACK_MAX 65536 /* descriptors closed one by one */

struct spawn_job {
	struct spawn_job *next;
	char **argv;                    /* owned copy */
	struct spawn_opts opts;
	spawn_done_fn *done;
	void *cookie;
	pid_t pid;
	int pidfd;                      /* -1 once reaped */
	int errfd;                      /* read end of stderr; -1 at EOF */
	int64_t deadline;
	int killed;                     /* we sent SIGKILL for the limit */
	struct spawn_status st;
	size_t errlen;
	char err[SPAWN_ERR_MAX];
};

struct spawn_list {
	struct spawn_job *head, *tail;
	size_t n;
};

struct spawner {
	int epfd;
	int nullfd;                     /* /dev/null, for stdin and stdout */
	int wakefd;                     /* eventfd in the epoll set: readable
	                                 * while ended jobs wait */
	unsigned max_running;
	struct spawn_list running;      /* unordered */
	struct spawn_list queue;        /* FIFO */
	struct spawn_list ended;        /* spawner_submit_ended, FIFO */
	uint64_t refused;               /* submissions the full queue refused */
	uint64_t refused_logged;        /* refused when "full" was logged */
	int full;                       /* refusing since the last "room" */
};

/* The whole environment of a child: OpenSSH subprocess() also gives its
 * children a fixed, minimal one instead of the daemon's. */
static char *const child_env[] = { SPAWN_PATH, NULL };

static void
list_push(struct spawn_list *l, struct spawn_job *j)
{
	j->next = NULL;
	if (l->tail != NULL)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
	l->n++;
}

static struct spawn_job *
list_shift(struct spawn_list *l)
{
	struct spawn_job *j = l->head;

	if (j == NULL)
		return NULL;
	if ((l->head = j->next) == NULL)
		l->tail = NULL;
	l->n--;
	j->next = NULL;
	return j;
}

/* Unlinks j, whose predecessor is prev (NULL: j is the head). */
static void
list_unlink(struct spawn_list *l, struct spawn_job *prev, struct spawn_job *j)
{
	if (prev != NULL)
		prev->next = j->next;
	else
		l->head = j->next;
	if (l->tail == j)
		l->tail = prev;
	l->n--;
	j->next = NULL;
}

int64_t
spawn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- In the child, between fork and execve: only system calls. ---- */

/* Writes "spawn: WHAT PATH: ENAME" to fd and exits 127.  No stdio nor
 * strerror after fork: strerrorname_np only indexes a static table. */
static void __attribute__((noreturn))
child_fail(int fd, const char *what, const char *path)
{
	const char *name = strerrorname_np(errno);
	const char *parts[] = { "spawn: ", what, " ", path, ": ",
	    name != NULL ? name : "unknown error", "\n" };

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (write(fd, parts[i], strlen(parts[i])) < 0)
			break;
	(cov_dump(), _exit(SPAWN_EXEC_FAILED));  /* one line: see child.c */
}

/* Every descriptor from 3 up, with or without close_range (Linux 5.9). */
static void
child_close_from_3(void)
{
	struct rlimit rl;
	int max = CLOSE_FALLBACK_MAX;

	if (close_range(3, ~0U, 0) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (int fd = 3; fd < max; fd++)
		close(fd);
}

/* The daemon may ignore or block signals; its children must not inherit
 * that (execve keeps ignored dispositions and the mask). */
static void
child_reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);   /* fails harmlessly for KILL, STOP */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Drops to uid/gid for good, then proves root cannot come back (OpenSSH
 * permanently_set_uid() in uidswap.c; doc/style.md item 7). */
static void
child_set_ids(const struct spawn_opts *o, const char *path)
{
	if (setgroups(1, &o->gid) != 0)
		child_fail(2, "setgroups for", path);
	if (setresgid(o->gid, o->gid, o->gid) != 0)
		child_fail(2, "setresgid for", path);
	if (setresuid(o->uid, o->uid, o->uid) != 0)
		child_fail(2, "setresuid for", path);
	if (o->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		errno = EPERM;
		child_fail(2, "could regain root after dropping it for", path);
	}
}

/* stdin and stdout on /dev/null, stderr into the pipe, then nothing else
 * open.  Both are first moved above 2, in case the daemon was started
 * with 0, 1 or 2 closed and one of them is already such a number. */
static void
child_exec(char *const argv[], const struct spawn_opts *o, int nullfd,
    int errfd)
{
	int null_hi, err_hi;

	setpgid(0, 0);  /* its own group: the time limit kills all of it */
	if ((err_hi = fcntl(errfd, F_DUPFD, 3)) < 0)
		child_fail(errfd, "dup", argv[0]);
	if ((null_hi = fcntl(nullfd, F_DUPFD, 3)) < 0)
		child_fail(err_hi, "dup", argv[0]);
	if (dup2(null_hi, 0) < 0 || dup2(null_hi, 1) < 0 ||
	    dup2(err_hi, 2) < 0)
		child_fail(err_hi, "dup2", argv[0]);
	child_close_from_3();
	child_reset_signals();
	if (o->set_ids)
		child_set_ids(o, argv[0]);
	cov_dump();
	execve(argv[0], argv, child_env);
	child_fail(2, "execve", argv[0]);
}

/* ---- In the parent. ---- */

static void
job_free(struct spawn_job *j)
{
	if (j->argv != NULL)
		for (size_t i = 0; j->argv[i] != NULL; i++)
			free(j->argv[i]);
	free(j->argv);
	free(j);
}

static struct spawn_job *
job_new(char *const argv[], const struct spawn_opts *opts,
    spawn_done_fn *done, void *cookie)
{
	struct spawn_job *j = calloc(1, sizeof(*j));
	size_t n = 0;

	if (j == NULL)
		return NULL;
	while (argv[n] != NULL)
		n++;
	if ((j->argv = calloc(n + 1, sizeof(*j->argv))) == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++)
		if ((j->argv[i] = strdup(argv[i])) == NULL)
			goto fail;
	if (opts != NULL)
		j->opts = *opts;
	if (j->opts.limit_ms == 0)
		j->opts.limit_ms = SPAWN_LIMIT_DEFAULT_MS;
	j->done = done;
	j->cookie = cookie;
	j->pidfd = j->errfd = -1;
	return j;
fail:
	job_free(j);
	return NULL;
}

/* Leaves the epoll set explicitly, then closes *fd and sets it to -1.
 * close() alone removes an fd from the set only when no other process
 * holds the same open file, and a child between fork and exec holds a
 * copy of every descriptor: left in the set, an ended child's pidfd stays
 * readable and the caller's poll() spins until that copy is gone. */
static void
spawner_forget_fd(struct spawner *sp, int *fd)
{
	if (*fd < 0)
		return;
	epoll_ctl(sp->epfd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

/* Closes the stderr pipe, leaving the epoll set with it. */
static void
job_close_err(struct spawner *sp, struct spawn_job *j)
{
	spawner_forget_fd(sp, &j->errfd);
}

/* Reads what the child wrote to stderr so far, keeping the first
 * SPAWN_ERR_MAX - 1 bytes and discarding the rest so a chatty child never
 * blocks on a full pipe.  Closes the pipe at end of file. */
static void
job_drain(struct spawner *sp, struct spawn_job *j)
{
	char discard[4096];
	ssize_t n;

	while (j->errfd >= 0) {
		if (j->errlen < sizeof(j->err) - 1)
			n = read(j->errfd, j->err + j->errlen,
			    sizeof(j->err) - 1 - j->errlen);
		else
			n = read(j->errfd, discard, sizeof(discard));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			job_close_err(sp, j);
			return;
		}
		if (j->errlen < sizeof(j->err) - 1)
			j->errlen += (size_t)n;
	}
}

static int
epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	ev.data.fd = fd;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void
job_close_pidfd(struct spawner *sp, struct spawn_job *j)
{
	spawner_forget_fd(sp, &j->pidfd);
}

/* A child that started but cannot be watched: kill and reap it now. */
static void
job_abort_child(struct spawner *sp, struct spawn_job *j)
{
	kill(-j->pid, SIGKILL);
	kill(j->pid, SIGKILL);
	while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		continue;
	job_close_pidfd(sp, j);
}

/* After fork: the parent's half of the set-up.  0, or -1 with errno. */
static int
job_watch(struct spawner *sp, struct spawn_job *j)
{
	int saved;

	/* Also here, not only in the child: the group must exist before
	 * any kill(-pid) we may send.  EACCES (it has exec'd) or ESRCH (it
	 * has already ended): the child made its group itself. */
	if (setpgid(j->pid, j->pid) != 0 && errno != EACCES && errno != ESRCH)
		goto fail;
	if ((j->pidfd = pidfd_open(j->pid, 0)) < 0 ||
	    fcntl(j->pidfd, F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(j->errfd, F_SETFL, O_NONBLOCK) != 0 ||
	    epoll_add(sp->epfd, j->pidfd) != 0 ||
	    epoll_add(sp->epfd, j->errfd) != 0)
		goto fail;
	return 0;
fail:
	saved = errno;
	job_abort_child(sp, j);
	job_close_err(sp, j);
	errno = saved;
	return -1;
}

/* Forks and execs j.  0, or -1 with errno and nothing left behind. */
static int
job_start(struct spawner *sp, struct spawn_job *j, int64_t now)
{
	int pipefd[2], saved;

	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return -1;
	if ((j->pid = fork()) < 0) {
		saved = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		errno = saved;
		return -1;
	}
	if (j->pid == 0)
		child_exec(j->argv, &j->opts, sp->nullfd, pipefd[1]);
	close(pipefd[1]);
	j->errfd = pipefd[0];
	if (job_watch(sp, j) != 0)
		return -1;
	j->deadline = now + (int64_t)j->opts.limit_ms;
	return 0;
}

/* waitid failed: with SIGCHLD ignored the kernel reaped the child and its
 * status is gone (ECHILD).  End the job rather than poll it forever. */
static int
job_status_lost(struct spawner *sp, struct spawn_job *j)
{
	if (errno == EINTR)
		return 0;
	/* No kill(-pid): the pid is free and may already be someone else's. */
	j->st = (struct spawn_status){ SPAWN_FAILED, errno };
	job_close_pidfd(sp, j);
	job_drain(sp, j);
	job_close_err(sp, j);
	return 1;
}

/* Has j ended?  Kills what it left in its group (a background grandchild
 * would escape the time limit), then reaps it.  1 with j->st, or 0. */
static int
job_reap(struct spawner *sp, struct spawn_job *j)
{
	siginfo_t si = { .si_pid = 0 };
	int status;

	/* WNOWAIT: while the child is an unreaped zombie its pid, and so its
	 * group id, cannot be reused, so kill(-pid) reaches only its group. */
	if (waitid(P_PIDFD, (id_t)j->pidfd, &si, WEXITED | WNOHANG |
	    WNOWAIT) != 0)
		return job_status_lost(sp, j);
	if (si.si_pid == 0)
		return 0;
	kill(-j->pid, SIGKILL);
	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		continue;
	job_close_pidfd(sp, j);
	job_drain(sp, j);
	job_close_err(sp, j);
	if (WIFEXITED(status))
		j->st = (struct spawn_status){ SPAWN_EXITED, WEXITSTATUS(status) };
	else if (j->killed)
		j->st = (struct spawn_status){ SPAWN_TIMEDOUT, WTERMSIG(status) };
	else
		j->st = (struct spawn_status){ SPAWN_SIGNALED, WTERMSIG(status) };
	return 1;
}

/* Kills j's process group once its time limit has passed. */
static void
job_enforce_limit(struct spawn_job *j, int64_t now)
{
	if (j->killed || now < j->deadline)
		return;
	kill(-j->pid, SIGKILL);
	kill(j->pid, SIGKILL);  /* in case it left its group */
	j->killed = 1;
}

/* Moves the running jobs that ended to done, in the order they started;
 * enforces limits on the others. */
static void
collect_ended(struct spawner *sp, struct spawn_list *done, int64_t now)
{
	struct spawn_job *prev = NULL, *j = sp->running.head, *next;

	for (; j != NULL; j = next) {
		next = j->next;
		job_drain(sp, j);
		if (job_reap(sp, j)) {
			list_unlink(&sp->running, prev, j);
			list_push(done, j);
			continue;
		}
		job_enforce_limit(j, now);
		prev = j;
	}
}

/* Starts queued jobs while there is room; those that cannot start end at
 * once, SPAWN_FAILED. */
static void
start_queued(struct spawner *sp, struct spawn_list *done, int64_t now)
{
	struct spawn_job *j;

	while (sp->running.n < sp->max_running &&
	    (j = list_shift(&sp->queue)) != NULL) {
		if (job_start(sp, j, now) == 0) {
			list_push(&sp->running, j);
			continue;
		}
		j->st = (struct spawn_status){ SPAWN_FAILED, errno };
		list_push(done, j);
	}
}

int
spawner_poll(struct spawner *sp, int64_t now)
{
	struct spawn_list done = sp->ended;
	struct spawn_job *j;
	uint64_t count;
	int called = 0;

	/* Jobs that ended in-process before this call come first; those
	 * the callbacks below submit wait for the next call, so a callback
	 * that submits again never loops here. */
	sp->ended = (struct spawn_list){ NULL, NULL, 0 };
	while (read(sp->wakefd, &count, sizeof(count)) < 0 && errno == EINTR)
		continue;
	/* No epoll_wait: every running job is looked at, and poll() on the
	 * epoll descriptor re-checks its ready items, so once pipes are
	 * drained and pidfds closed it is quiet again. */
	collect_ended(sp, &done, now);
	start_queued(sp, &done, now);
	/* Room again once half the queue drained: one line per episode. */
	if (sp->full && sp->queue.n <= SPAWN_QUEUE_MAX / 2) {
		sp->full = 0;
		log_info("commands: the queue has room again (%llu refused "
		    "while it was full)", (unsigned long long)(sp->refused -
		    sp->refused_logged));
	}
	/* Callbacks last, with the spawner consistent: they may submit. */
	while ((j = list_shift(&done)) != NULL) {
		j->err[j->errlen] = '\0';
		if (j->done != NULL)
			j->done(j->cookie, &j->st, j->err);
		job_free(j);
		called++;
	}
	return called;
}

int
spawner_submit(struct spawner *sp, char *const argv[],
    const struct spawn_opts *opts, spawn_done_fn *done, void *cookie)
{
	struct spawn_job *j;
	int saved;

	if (argv == NULL || argv[0] == NULL || argv[0][0] != '/')
		return SPA_ERR_INVALID;
	if (sp->queue.n >= SPAWN_QUEUE_MAX) {
		sp->refused++;
		if (!sp->full) {
			sp->full = 1;
			sp->refused_logged = sp->refused - 1;
			log_warn("commands: %zu wait to start, the most there "
			    "may be: refusing new ones (%s first) until the "
			    "queue drains", sp->queue.n, argv[0]);
		}
		return SPA_ERR_FULL;
	}
	if ((j = job_new(argv, opts, done, cookie)) == NULL)
		return SPA_ERR_NOMEM;
	/* FIFO: nothing starts before a job that is already waiting. */
	if (sp->queue.n > 0 || sp->running.n >= sp->max_running) {
		list_push(&sp->queue, j);
		return 0;
	}
	if (job_start(sp, j, spawn_now_ms()) != 0) {
		saved = errno;
		job_free(j);
		errno = saved;
		return SPA_ERR_SYSTEM;
	}
	list_push(&sp->running, j);
	return 0;
}

int
spawner_submit_ended(struct spawner *sp, const struct spawn_status *st,
    const char *err, spawn_done_fn *done, void *cookie)
{
	struct spawn_job *j = calloc(1, sizeof(*j));
	uint64_t one = 1;
	ssize_t wrote;

	if (j == NULL)
		return SPA_ERR_NOMEM;
	j->st = *st;
	j->done = done;
	j->cookie = cookie;
	j->pidfd = j->errfd = -1;
	j->errlen = strnlen(err, sizeof(j->err) - 1);
	memcpy(j->err, err, j->errlen);
	list_push(&sp->ended, j);
	/* Only a counter near 2^64 - 1 fails this write; the fd would then
	 * be readable already, and spawner_timeout_ms says 0 anyway. */
	wrote = write(sp->wakefd, &one, sizeof(one));
	(void)wrote;
	return 0;
}

int
spawner_new(unsigned max_running, struct spawner **out)
{
	struct spawner *sp;

	*out = NULL;
	if (max_running == 0)
		return SPA_ERR_INVALID;
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		return SPA_ERR_NOMEM;
	sp->max_running = max_running;
	sp->epfd = epoll_create1(EPOLL_CLOEXEC);
	sp->nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	sp->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (sp->epfd < 0 || sp->nullfd < 0 || sp->wakefd < 0 ||
	    epoll_add(sp->epfd, sp->wakefd) != 0) {
		spawner_free(sp);
		return SPA_ERR_SYSTEM;
	}
	*out = sp;
	return 0;
}

void
spawner_free(struct spawner *sp)
{
	struct spawn_job *j;

	if (sp == NULL)
		return;
	while ((j = list_shift(&sp->running)) != NULL) {
		job_abort_child(sp, j);
		job_close_err(sp, j);
		job_free(j);
	}
	while ((j = list_shift(&sp->queue)) != NULL)
		job_free(j);
	while ((j = list_shift(&sp->ended)) != NULL)
		job_free(j);
	if (sp->epfd >= 0)
		close(sp->epfd);
	if (sp->nullfd >= 0)
		close(sp->nullfd);
	if (sp->wakefd >= 0)
		close(sp->wakefd);
	free(sp);
}

int
spawner_fd(const struct spawner *sp)
{
	return sp->epfd;
}

int
spawner_timeout_ms(const struct spawner *sp, int64_t now)
{
	int64_t best = -1, left;

	if (sp->ended.n > 0)
		return 0;
	for (const struct spawn_job *j = sp->running.head; j; j = j->next) {
		if (j->killed)
			continue;       /* its pidfd will wake the loop */
		left = j->deadline > now ? j->deadline - now : 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best > INT_MAX ? INT_MAX : (int)best;
}

size_t
spawner_running(const struct spawner *sp)
{
	return sp->running.n;
}

size_t
spawner_queued(const struct spawner *sp)
{
	return sp->queue.n;
}

uint64_t
spawner_refused(const struct spawner *sp)
{
	return sp->refused;
}

/* ---- Synchronous use. ---- */

struct sync_result {
	int done;
	struct spawn_status st;
	char *errbuf;
	size_t errlen;
};

static void
sync_done(void *cookie, const struct spawn_status *st, const char *err)
{
	struct sync_result *r = cookie;

	r->done = 1;
	r->st = *st;
	if (r->errbuf != NULL && r->errlen > 0)
		snprintf(r->errbuf, r->errlen, "%s", err);
}

int
spawn_run_sync(char *const argv[], const struct spawn_opts *opts,
    struct spawn_status *st, char *errbuf, size_t errlen)
{
	struct sync_result r = { 0, { SPAWN_FAILED, 0 }, errbuf, errlen };
	struct spawner *sp;
	struct pollfd pfd;
	int rc;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if ((rc = spawner_new(1, &sp)) != 0)
		return rc;
	if ((rc = spawner_submit(sp, argv, opts, sync_done, &r)) != 0)
		goto free_sp;
	pfd = (struct pollfd){ .fd = spawner_fd(sp), .events = POLLIN };
	while (!r.done) {
		poll(&pfd, 1, spawner_timeout_ms(sp, spawn_now_ms()));
		spawner_poll(sp, spawn_now_ms());
	}
	*st = r.st;
free_sp:
	spawner_free(sp);
	return rc;
}

int
spawn_succeeded(const struct spawn_status *st)
{
	return st->outcome == SPAWN_EXITED && st->code == 0;
}

void
spawn_status_str(const struct spawn_status *st, char *buf, size_t len)
{
	const char *sig = sigabbrev_np(st->code);

	switch (st->outcome) {
	case SPAWN_EXITED:
		snprintf(buf, len, "exit status %d%s", st->code,
		    st->code == SPAWN_EXEC_FAILED ? " (not executed?)" : "");
		break;
	case SPAWN_SIGNALED:
		snprintf(buf, len, "killed by signal %d (SIG%s)", st->code,
		    sig != NULL ? sig : "?");
		break;
	case SPAWN_TIMEDOUT:
		snprintf(buf, len, "killed: time limit exceeded");
		break;
	case SPAWN_FAILED:
		if (st->code != 0)
			snprintf(buf, len, "not started: %s",
			    strerror(st->code));
		else
			snprintf(buf, len, "not started");
		break;
	}
}
