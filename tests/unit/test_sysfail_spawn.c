/*
 * spawn (sniffer/spawn.h) when a system call fails (tests/unit/sysfail.h):
 *   - in the parent, starting a job (pipe2, fork, setpgid, pidfd_open,
 *     fcntl, epoll_ctl): spawner_submit returns SPA_ERR_SYSTEM with the
 *     errno, no child is left behind and the spawner still works; a
 *     queued job that cannot start ends SPAWN_FAILED with the errno;
 *   - in the child between fork and execve (armed there only, by a
 *     pthread_atfork handler): each failure is reported on the job's
 *     stderr as "spawn: WHAT PATH: ENAME", exit status 127, the program
 *     never runs; root that could come back after the drop is refused;
 *     without close_range the descriptors are closed one by one;
 *   - reaping and reading interrupted (EINTR), a pipe that says EAGAIN or
 *     fails: the job still ends with its status;
 *   - spawner_new when epoll_create1, open, eventfd or epoll_ctl fail.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "spawn.h"
#include "sysfail.h"

#define SH(script) ((char *const[]){ "/bin/sh", "-c", (script), NULL })
#define TRUE_ARGV ((char *const[]){ "/bin/true", NULL })

/* What a job's callback saw. */
struct rec {
	int done;
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];
};

static void
rec_done(void *cookie, const struct spawn_status *st, const char *err)
{
	struct rec *r = cookie;

	r->done++;
	r->st = *st;
	snprintf(r->err, sizeof(r->err), "%s", err);
}

/* Runs sp's loop until every rec in r[0..n) is done, 5 s at most. */
static void
pump(struct spawner *sp, struct rec *r, size_t n)
{
	struct pollfd pfd = { .fd = spawner_fd(sp), .events = POLLIN };
	int64_t start = spawn_now_ms();
	size_t done = 0;

	while (done < n && spawn_now_ms() - start < 5000) {
		int t = spawner_timeout_ms(sp, spawn_now_ms());

		poll(&pfd, 1, t < 0 || t > 100 ? 100 : t);
		spawner_poll(sp, spawn_now_ms());
		done = 0;
		for (size_t i = 0; i < n; i++)
			done += r[i].done != 0;
	}
	assert_int_equal(done, n);
}

/* The failure armed in each forked child only: the parent's are cleared
 * there, so a child never fails what its parent was to fail. */
static struct {
	const char *call;       /* NULL: nothing */
	unsigned skip;
	int err;
	int all;
} kid_arm;

static void
kid_atfork(void)
{
	sysfail_clear();
	if (kid_arm.call == NULL)
		return;
	if (kid_arm.all)
		sysfail_arm_all(kid_arm.call, kid_arm.err);
	else
		sysfail_arm(kid_arm.call, kid_arm.skip, kid_arm.err);
}

static int
setup(void **state)
{
	(void)state;
	sysfail_clear();
	kid_arm.call = NULL;
	return 0;
}

/* No child of ours is left, running or a zombie. */
static void
assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* The spawner still starts and reaps a job. */
static void
assert_still_works(struct spawner *sp)
{
	struct rec r = { 0 };

	assert_int_equal(spawner_submit(sp, TRUE_ARGV, NULL, rec_done, &r), 0);
	pump(sp, &r, 1);
	assert_int_equal(r.st.outcome, SPAWN_EXITED);
	assert_int_equal(r.st.code, 0);
}

struct parent_fault {
	const char *call;
	unsigned skip;
	int err;
};

static void
test_parent_faults(void **state)
{
	static const struct parent_fault faults[] = {
		{ "pipe2", 0, EMFILE },
		{ "fork", 0, EAGAIN },
		{ "setpgid", 0, EPERM },
		{ "pidfd_open", 0, EMFILE },
		{ "fcntl", 0, EBADF },          /* the pidfd's FD_CLOEXEC */
		{ "fcntl", 1, EBADF },          /* the pipe's O_NONBLOCK */
		{ "epoll_ctl", 0, ENOMEM },     /* the pidfd */
		{ "epoll_ctl", 1, ENOMEM },     /* the pipe */
	};
	struct spawner *sp;
	(void)state;

	assert_int_equal(spawner_new(1, &sp), 0);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		const struct parent_fault *f = &faults[i];
		struct rec r = { 0 };

		sysfail_arm(f->call, f->skip, f->err);
		/* The child started before the fault is killed and reaped,
		 * even when that wait is interrupted. */
		sysfail_arm("waitpid", 0, EINTR);
		errno = 0;
		assert_int_equal(spawner_submit(sp, SH("sleep 5"), NULL,
		    rec_done, &r), SPA_ERR_SYSTEM);
		assert_int_equal(errno, f->err);
		assert_int_equal(sysfail_failed(f->call), 1);
		/* A child was started (and reaped) from setpgid on. */
		assert_int_equal(sysfail_failed("waitpid"), i >= 2);
		sysfail_clear();
		assert_int_equal(spawner_running(sp) + spawner_queued(sp), 0);
		assert_no_children();
		assert_int_equal(r.done, 0);
		assert_still_works(sp);
	}
	spawner_free(sp);
}

/* A queued job whose start fails ends SPAWN_FAILED with the errno, after
 * the one it waited for, and the queue goes on. */
static void
test_queued_start_fails(void **state)
{
	struct spawner *sp;
	struct rec r[3] = { 0 };
	char text[128];
	(void)state;

	assert_int_equal(spawner_new(1, &sp), 0);
	assert_int_equal(spawner_submit(sp, SH("sleep 0.1"), NULL, rec_done,
	    &r[0]), 0);
	assert_int_equal(spawner_submit(sp, TRUE_ARGV, NULL, rec_done, &r[1]),
	    0);
	assert_int_equal(spawner_submit(sp, TRUE_ARGV, NULL, rec_done, &r[2]),
	    0);
	assert_int_equal(spawner_queued(sp), 2);
	sysfail_arm("pipe2", 0, EMFILE);
	pump(sp, r, 3);
	assert_int_equal(sysfail_failed("pipe2"), 1);
	assert_int_equal(r[0].st.outcome, SPAWN_EXITED);
	assert_int_equal(r[1].st.outcome, SPAWN_FAILED);
	assert_int_equal(r[1].st.code, EMFILE);
	spawn_status_str(&r[1].st, text, sizeof(text));
	assert_string_equal(text, "not started: Too many open files");
	assert_int_equal(r[2].st.outcome, SPAWN_EXITED);
	assert_int_equal(r[2].st.code, 0);
	spawner_free(sp);
	assert_no_children();
}

struct kid_fault {
	const char *call;
	unsigned skip;
	int err;
	int as_nobody;          /* set_ids to 65534 (root only) */
	const char *says;       /* the job's stderr */
};

static void
run_kid_fault(const struct kid_fault *f)
{
	struct spawn_opts o = { .set_ids = f->as_nobody, .uid = 65534,
	    .gid = 65534 };
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];

	kid_arm.call = f->call;
	kid_arm.skip = f->skip;
	kid_arm.err = f->err;
	kid_arm.all = 0;
	/* The program would say "ran": it must not run. */
	assert_int_equal(spawn_run_sync(SH("echo ran >&2"), &o, &st, err,
	    sizeof(err)), 0);
	kid_arm.call = NULL;
	assert_int_equal(st.outcome, SPAWN_EXITED);
	assert_int_equal(st.code, 127);     /* not executed */
	assert_string_equal(err, f->says);
}

static void
test_child_faults(void **state)
{
	static const struct kid_fault faults[] = {
		{ "fcntl", 0, EMFILE, 0, "spawn: dup /bin/sh: EMFILE\n" },
		{ "fcntl", 1, EMFILE, 0, "spawn: dup /bin/sh: EMFILE\n" },
		{ "dup2", 0, EBADF, 0, "spawn: dup2 /bin/sh: EBADF\n" },
		{ "dup2", 1, EBADF, 0, "spawn: dup2 /bin/sh: EBADF\n" },
		{ "dup2", 2, EBADF, 0, "spawn: dup2 /bin/sh: EBADF\n" },
		/* An errno without a name. */
		{ "dup2", 0, 4000, 0, "spawn: dup2 /bin/sh: unknown error\n" },
		{ "setgroups", 0, EPERM, 1,
		    "spawn: setgroups for /bin/sh: EPERM\n" },
		{ "setresgid", 0, EPERM, 1,
		    "spawn: setresgid for /bin/sh: EPERM\n" },
		{ "setresuid", 0, EAGAIN, 1,
		    "spawn: setresuid for /bin/sh: EAGAIN\n" },
		/* Root comes back: refused. */
		{ "setuid", 0, 0, 1, "spawn: could regain root after "
		    "dropping it for /bin/sh: EPERM\n" },
		{ "seteuid", 0, 0, 1, "spawn: could regain root after "
		    "dropping it for /bin/sh: EPERM\n" },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		if (faults[i].as_nobody && geteuid() != 0)
			continue;
		run_kid_fault(&faults[i]);
	}
	assert_no_children();
	if (geteuid() != 0) {
		print_message("not root: the failures of the drop to another "
		    "user were not tried\n");
		skip();
	}
}

/* set_ids to root itself: nothing to prove, the program runs. */
static void
test_set_ids_to_root(void **state)
{
	const struct spawn_opts o = { .set_ids = 1, .uid = 0, .gid = 0 };
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];
	(void)state;

	if (geteuid() != 0)
		skip();
	assert_int_equal(spawn_run_sync(SH("id -u >&2"), &o, &st, err,
	    sizeof(err)), 0);
	assert_true(spawn_succeeded(&st));
	assert_string_equal(err, "0\n");
}

/* Without close_range (before Linux 5.9) the child closes what it
 * inherited one by one, up to the descriptor limit or 65536. */
static void
test_close_range_missing(void **state)
{
	struct rlimit old, high;
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];
	int leak = open("/dev/null", O_RDONLY);     /* no O_CLOEXEC */
	(void)state;

	assert_true(leak >= 0);
	assert_int_equal(dup2(leak, 200), 200);
	close(leak);
	kid_arm.call = "close_range";
	kid_arm.err = ENOSYS;
	kid_arm.all = 1;
	assert_int_equal(spawn_run_sync(SH("if [ -e /proc/$$/fd/200 ]; then "
	    "echo open >&2; else echo closed >&2; fi"), NULL, &st, err,
	    sizeof(err)), 0);
	assert_true(spawn_succeeded(&st));
	assert_string_equal(err, "closed\n");
	/* A limit above 65536 (root may raise it): the loop stops at
	 * 65536. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	high.rlim_cur = high.rlim_max = 70000;
	if (setrlimit(RLIMIT_NOFILE, &high) == 0) {
		assert_int_equal(spawn_run_sync(SH("if [ -e /proc/$$/fd/200 ]; "
		    "then echo open >&2; else echo closed >&2; fi"), NULL, &st,
		    err, sizeof(err)), 0);
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
		assert_true(spawn_succeeded(&st));
		assert_string_equal(err, "closed\n");
	}
	kid_arm.call = NULL;
	close(200);
}

/* setpgid in the parent saying EACCES (the child has exec'd) or ESRCH
 * (it has ended) is no failure: the child made its group itself. */
static void
test_setpgid_late(void **state)
{
	static const int errs[] = { EACCES, ESRCH };
	struct spawner *sp;
	(void)state;

	assert_int_equal(spawner_new(1, &sp), 0);
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		struct rec r = { 0 };

		sysfail_arm("setpgid", 0, errs[i]);
		assert_int_equal(spawner_submit(sp, SH("exit 2"), NULL,
		    rec_done, &r), 0);
		assert_int_equal(sysfail_failed("setpgid"), 1);
		sysfail_clear();
		pump(sp, &r, 1);
		assert_int_equal(r.st.outcome, SPAWN_EXITED);
		assert_int_equal(r.st.code, 2);
	}
	spawner_free(sp);
	assert_no_children();
}

/* A child that cannot be watched and whose wait fails otherwise than
 * EINTR: no loop, the start fails all the same. */
static void
test_abort_wait_fails(void **state)
{
	struct spawner *sp;
	(void)state;

	assert_int_equal(spawner_new(1, &sp), 0);
	sysfail_arm("pidfd_open", 0, EMFILE);
	sysfail_arm("waitpid", 0, ECHILD);
	assert_int_equal(spawner_submit(sp, SH("sleep 5"), NULL, rec_done,
	    NULL), SPA_ERR_SYSTEM);
	assert_int_equal(sysfail_failed("waitpid"), 1);
	sysfail_clear();
	assert_true(waitpid(-1, NULL, 0) > 0);  /* killed: reaped here */
	assert_no_children();
	spawner_free(sp);
}

/* Interrupted waits and reads are tried again; the job ends as it did. */
static void
test_interrupted(void **state)
{
	static const struct parent_fault faults[] = {
		{ "waitid", 0, EINTR },         /* job_reap: looked at later */
		{ "waitpid", 0, EINTR },        /* job_reap's reaping */
		{ "read", 0, EINTR },           /* the wake-up counter */
		{ "read", 1, EINTR },           /* the job's stderr */
		{ "read", 1, EAGAIN },          /* its stderr: nothing yet */
	};
	struct spawner *sp;
	(void)state;

	assert_int_equal(spawner_new(1, &sp), 0);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		struct rec r = { 0 };

		assert_int_equal(spawner_submit(sp, SH("echo said >&2; "
		    "exit 3"), NULL, rec_done, &r), 0);
		sysfail_arm(faults[i].call, faults[i].skip, faults[i].err);
		pump(sp, &r, 1);
		assert_int_equal(sysfail_failed(faults[i].call), 1);
		sysfail_clear();
		assert_int_equal(r.done, 1);
		assert_int_equal(r.st.outcome, SPAWN_EXITED);
		assert_int_equal(r.st.code, 3);
		assert_string_equal(r.err, "said\n");
	}
	spawner_free(sp);
	assert_no_children();
}

/* A read error on the job's stderr closes it: what it says is lost, and
 * the job still ends with its status. */
static void
test_stderr_read_error(void **state)
{
	struct spawner *sp;
	struct rec r = { 0 };
	(void)state;

	assert_int_equal(spawner_new(1, &sp), 0);
	assert_int_equal(spawner_submit(sp, SH("echo lost >&2; sleep 0.3; "
	    "exit 4"), NULL, rec_done, &r), 0);
	usleep(100000);         /* it has written */
	sysfail_arm("read", 1, EIO);
	pump(sp, &r, 1);
	assert_int_equal(sysfail_failed("read"), 1);
	assert_int_equal(r.st.outcome, SPAWN_EXITED);
	assert_int_equal(r.st.code, 4);
	assert_string_equal(r.err, "");
	spawner_free(sp);
}

static void
test_new_faults(void **state)
{
	static const struct parent_fault faults[] = {
		{ "epoll_create1", 0, EMFILE },
		{ "open", 0, ENFILE },
		{ "eventfd", 0, EMFILE },
		{ "epoll_ctl", 0, ENOMEM },
	};
	struct spawner *sp;
	struct spawn_status st = { SPAWN_EXITED, 99 };
	char err[8] = "x";
	(void)state;

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		sp = (struct spawner *)&st;
		sysfail_arm(faults[i].call, 0, faults[i].err);
		assert_int_equal(spawner_new(1, &sp), SPA_ERR_SYSTEM);
		assert_int_equal(sysfail_failed(faults[i].call), 1);
		assert_null(sp);
		sysfail_clear();
	}
	/* spawn_run_sync says so before anything runs. */
	sysfail_arm("open", 0, ENFILE);
	assert_int_equal(spawn_run_sync(TRUE_ARGV, NULL, &st, err,
	    sizeof(err)), SPA_ERR_SYSTEM);
	assert_string_equal(err, "");
	assert_int_equal(st.code, 99);          /* untouched */
	assert_no_children();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parent_faults, setup),
		cmocka_unit_test_setup(test_queued_start_fails, setup),
		cmocka_unit_test_setup(test_child_faults, setup),
		cmocka_unit_test_setup(test_set_ids_to_root, setup),
		cmocka_unit_test_setup(test_close_range_missing, setup),
		cmocka_unit_test_setup(test_setpgid_late, setup),
		cmocka_unit_test_setup(test_abort_wait_fails, setup),
		cmocka_unit_test_setup(test_interrupted, setup),
		cmocka_unit_test_setup(test_stderr_read_error, setup),
		cmocka_unit_test_setup(test_new_faults, setup),
	};

	if (pthread_atfork(NULL, NULL, kid_atfork) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
