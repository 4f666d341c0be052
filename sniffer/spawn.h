/*
 * Running the commands of rules/ files and run = actions (doc/style.md item 6,
 * after OpenSSH subprocess() in misc.c): an absolute path run with execve,
 * never a shell; the environment is PATH=/usr/sbin:/usr/bin:/sbin:/bin and
 * nothing else; stdin and stdout on /dev/null; stderr captured (the first
 * SPAWN_ERR_MAX - 1 bytes kept); every other descriptor closed; signals
 * back to their defaults; optionally the ids of a run_as user; exit 127
 * when the program cannot be executed; a time limit, after which the
 * child's whole process group is killed.
 *
 * The capture loop must never wait for a command, so struct spawner runs
 * them asynchronously: submit, then poll spawner_fd() with the sniffer's
 * other descriptors, and call spawner_poll() when it is readable or the
 * time from spawner_timeout_ms() has passed.  At most max_running children
 * at a time; the rest wait in FIFO order, at most SPAWN_QUEUE_MAX of them:
 * a burst beyond that is refused and counted, and logged once when the
 * queue fills and once when it has room again, never once a command.  Children are reaped through
 * pidfds by pid, never waitpid(-1), so the caller's other children are not
 * disturbed; SIGCHLD must not be set to SIG_IGN (children would then be
 * reaped by the kernel before we see their status).  A command the caller
 * runs in-process can hand its outcome to the same loop
 * (spawner_submit_ended), so its callback comes the same way.
 */
#ifndef SPA_SPAWN_H
#define SPA_SPAWN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SPAWN_ERR_MAX 1024              /* captured stderr, with the NUL */
#define SPAWN_LIMIT_DEFAULT_MS 60000u   /* opts.limit_ms 0 */
#define SPAWN_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define SPAWN_QUEUE_MAX 1024            /* jobs waiting to start */

struct spawn_opts {
	unsigned limit_ms;      /* time limit; 0: SPAWN_LIMIT_DEFAULT_MS */
	int set_ids;            /* nonzero: setgroups({gid}), setresgid(gid),
	                         * setresuid(uid) before exec; uid and gid are
	                         * resolved once at start (getpwnam), not here */
	uid_t uid;
	gid_t gid;
};

enum spawn_outcome {
	SPAWN_EXITED,           /* code: the exit status (127: not executed,
	                         * the reason on its stderr) */
	SPAWN_SIGNALED,         /* code: the signal that ended it */
	SPAWN_TIMEDOUT,         /* killed (SIGKILL to its process group) when
	                         * its time limit passed; code: SIGKILL */
	SPAWN_FAILED,           /* never started (fork, pipe...), or its status
	                         * was lost (ECHILD: SIGCHLD ignored); code:
	                         * errno, or 0 when it was refused before any
	                         * call (a relative path) */
};

struct spawn_status {
	enum spawn_outcome outcome;
	int code;
};

/*
 * Called from spawner_poll once per submitted job, when it has ended: st
 * and err (the captured stderr, NUL-terminated, possibly empty; bytes
 * after the first NUL are lost) are valid only during the call.  The
 * callback may call spawner_submit, not spawner_free.
 */
typedef void spawn_done_fn(void *cookie, const struct spawn_status *st,
    const char *err);

struct spawner;

/* A spawner running at most max_running (>= 1) children at once.
 * Returns 0 and *out, or SPA_ERR_INVALID / SPA_ERR_NOMEM / SPA_ERR_SYSTEM. */
int spawner_new(unsigned max_running, struct spawner **out);
/* Kills the process group of every running child and reaps it; queued
 * jobs are dropped.  No callback is called.  NULL is allowed. */
void spawner_free(struct spawner *sp);
/* One descriptor to poll for POLLIN (an epoll set of the children's pidfds
 * and stderr pipes, and an eventfd for ended jobs): readable when
 * spawner_poll has work to do. */
int spawner_fd(const struct spawner *sp);

/*
 * Queues argv (copied: the caller keeps its own) to run with opts (NULL:
 * defaults), starting it at once when fewer than max_running children run
 * and nothing waits before it.  done(cookie, ...) is called later from
 * spawner_poll, exactly once, unless spawner_free comes first.  Returns 0,
 * SPA_ERR_INVALID (argv empty or argv[0] not an absolute path),
 * SPA_ERR_NOMEM, SPA_ERR_FULL when SPAWN_QUEUE_MAX jobs wait already
 * (counted by spawner_refused; the spawner logs it, the caller need not),
 * or SPA_ERR_SYSTEM when it could not be started (errno set); no callback
 * after an error.
 */
int spawner_submit(struct spawner *sp, char *const argv[],
    const struct spawn_opts *opts, spawn_done_fn *done, void *cookie);
/*
 * A job the caller has already run in-process (sniffer/nftexec.c): its
 * outcome st and err (copied, the first SPAWN_ERR_MAX - 1 bytes) reach
 * done(cookie, ...) from the next spawner_poll, exactly once, as an exec'd
 * command's would, never from this call; spawner_fd is readable and
 * spawner_timeout_ms 0 until then.  It takes no child slot and waits for
 * no queued job.  spawner_free first drops it, without a callback.
 * Returns 0 or SPA_ERR_NOMEM.
 */
int spawner_submit_ended(struct spawner *sp, const struct spawn_status *st,
    const char *err, spawn_done_fn *done, void *cookie);
/*
 * Without blocking: reads the children's stderr, reaps those that ended,
 * kills those past their time limit, starts queued jobs, then calls the
 * callbacks of the jobs that ended.  now is spawn_now_ms().  Returns the
 * number of callbacks called.
 */
int spawner_poll(struct spawner *sp, int64_t now);
/* Milliseconds until the next time limit runs out (a poll() timeout), 0
 * while a job of spawner_submit_ended waits for its callback, or -1 when
 * no running child has a limit to enforce. */
int spawner_timeout_ms(const struct spawner *sp, int64_t now);
/* Children running now, and jobs waiting to start (neither counts the
 * jobs of spawner_submit_ended). */
size_t spawner_running(const struct spawner *sp);
size_t spawner_queued(const struct spawner *sp);
/* Submissions refused because the queue was full, since spawner_new. */
uint64_t spawner_refused(const struct spawner *sp);

/* CLOCK_MONOTONIC in milliseconds: the clock of every time here. */
int64_t spawn_now_ms(void);

/*
 * Runs argv to its end (for start-up and teardown, when nothing else needs
 * the loop): *st, and the captured stderr in errbuf[errlen] (may be NULL).
 * Returns 0 when *st was filled (whatever the outcome), or an error of
 * spawner_submit.
 */
int spawn_run_sync(char *const argv[], const struct spawn_opts *opts,
    struct spawn_status *st, char *errbuf, size_t errlen);
/* Nonzero when st is an exit with status 0. */
int spawn_succeeded(const struct spawn_status *st);
/* "exit status 1", "killed by signal 15", ... for logs. */
void spawn_status_str(const struct spawn_status *st, char *buf, size_t len);

#endif
