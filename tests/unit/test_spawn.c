/*
 * spawn: real children.  The programs under test are /bin/true, /bin/sleep
 * and friends; where a child must report what it sees (its environment,
 * descriptors, ids) it is /bin/sh -c writing to its stderr, the one stream
 * spawn captures.  The shell is the program under test here, never a part
 * of spawn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "spawn.h"

#define SH(script) ((char *const[]){ "/bin/sh", "-c", (script), NULL })

/* What a job's callback saw. */
struct rec {
	int done;
	int seq;                /* 1 for the first job to end, 2 ... */
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];
};

static int ended;               /* callbacks so far, in this test */
static size_t max_seen_running;

static void
rec_done(void *cookie, const struct spawn_status *st, const char *err)
{
	struct rec *r = cookie;

	r->done = 1;
	r->seq = ++ended;
	r->st = *st;
	snprintf(r->err, sizeof(r->err), "%s", err);
}

static int
reset(void **state)
{
	(void)state;
	ended = 0;
	max_seen_running = 0;
	return 0;
}

/* Runs sp's loop as the sniffer would, until `ended` reaches target or
 * limit_ms pass.  Returns the milliseconds spent. */
static int64_t
pump(struct spawner *sp, int target, int64_t limit_ms)
{
	struct pollfd pfd = { .fd = spawner_fd(sp), .events = POLLIN };
	int64_t start = spawn_now_ms(), now;
	int t, left;

	while (ended < target && (now = spawn_now_ms()) - start < limit_ms) {
		t = spawner_timeout_ms(sp, now);
		left = (int)(limit_ms - (now - start));
		poll(&pfd, 1, t < 0 || t > left ? left : t);
		spawner_poll(sp, spawn_now_ms());
		if (spawner_running(sp) > max_seen_running)
			max_seen_running = spawner_running(sp);
	}
	return spawn_now_ms() - start;
}

static void
run_sync(char *const argv[], const struct spawn_opts *o,
    struct spawn_status *st, char err[SPAWN_ERR_MAX])
{
	assert_int_equal(spawn_run_sync(argv, o, st, err, SPAWN_ERR_MAX), 0);
}

/* Nonzero when pid is gone or a zombie (its parent may not reap it). */
static int
process_dead(pid_t pid)
{
	char path[64], buf[256], *paren;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren == NULL || paren[2] == 'Z' || paren[2] == 'X';
}

/* Once a child has ended and been reaped, the spawner's descriptor is
 * quiet again, even while another process (as a child of ours between
 * fork and exec would) holds copies of every descriptor we had: else the
 * sniffer's poll() spins, and starves the very child it waits for. */
static void
test_quiet_after_reap(void **state)
{
	struct rec r = { 0 };
	struct spawner *sp;
	struct pollfd pfd;
	pid_t holder;
	int ready;
	(void)state;

	assert_int_equal(spawner_new(2, &sp), 0);
	assert_int_equal(spawner_submit(sp, (char *const[]){ "/bin/true",
	    NULL }, NULL, rec_done, &r), 0);
	if ((holder = fork()) == 0) {   /* holds the job's pidfd */
		pause();
		_exit(0);
	}
	assert_true(holder > 0);
	pump(sp, 1, 5000);
	pfd = (struct pollfd){ .fd = spawner_fd(sp), .events = POLLIN };
	ready = poll(&pfd, 1, 200);
	kill(holder, SIGKILL);          /* before any assert can leave */
	waitpid(holder, NULL, 0);
	assert_true(r.done);
	assert_int_equal(ready, 0);
	spawner_free(sp);
}

static void
test_true_and_false(void **state)
{
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];
	(void)state;

	run_sync((char *const[]){ "/bin/true", NULL }, NULL, &st, err);
	assert_int_equal(st.outcome, SPAWN_EXITED);
	assert_int_equal(st.code, 0);
	assert_true(spawn_succeeded(&st));
	assert_string_equal(err, "");
	run_sync((char *const[]){ "/bin/false", NULL }, NULL, &st, err);
	assert_int_equal(st.outcome, SPAWN_EXITED);
	assert_int_equal(st.code, 1);
	assert_false(spawn_succeeded(&st));
	/* errbuf is optional */
	assert_int_equal(spawn_run_sync((char *const[]){ "/bin/true", NULL },
	    NULL, &st, NULL, 0), 0);
	assert_true(spawn_succeeded(&st));
}

static void
test_stderr_captured(void **state)
{
	struct spawn_status st;
	char err[SPAWN_ERR_MAX], small[5];
	(void)state;

	run_sync(SH("echo oops >&2; echo not-this; exit 3"), NULL, &st, err);
	assert_int_equal(st.outcome, SPAWN_EXITED);
	assert_int_equal(st.code, 3);
	assert_string_equal(err, "oops\n");
	assert_int_equal(spawn_run_sync(SH("echo 123456789 >&2"), NULL, &st,
	    small, sizeof(small)), 0);
	assert_string_equal(small, "1234");
}

/* 200 000 bytes: far more than a pipe holds, so the child finishes only
 * if spawn keeps reading; the first SPAWN_ERR_MAX - 1 are kept. */
static void
test_stderr_flood_truncated(void **state)
{
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];
	const struct spawn_opts o = { .limit_ms = 10000 };
	(void)state;

	run_sync(SH("/usr/bin/head -c 200000 /dev/zero | /usr/bin/tr "
	    "'\\000' x >&2; echo done >&2"), &o, &st, err);
	assert_int_equal(st.outcome, SPAWN_EXITED);
	assert_int_equal(st.code, 0);
	assert_int_equal(strlen(err), SPAWN_ERR_MAX - 1);
	assert_int_equal(strspn(err, "x"), SPAWN_ERR_MAX - 1);
}

static void
test_not_executed_127(void **state)
{
	struct spawn_status st;
	char err[SPAWN_ERR_MAX], text[128];
	(void)state;

	run_sync((char *const[]){ "/nonexistent/program", "x", NULL }, NULL,
	    &st, err);
	assert_int_equal(st.outcome, SPAWN_EXITED);
	assert_int_equal(st.code, 127);
	assert_string_equal(err,
	    "spawn: execve /nonexistent/program: ENOENT\n");
	spawn_status_str(&st, text, sizeof(text));
	assert_string_equal(text, "exit status 127 (not executed?)");
	run_sync((char *const[]){ "/etc/passwd", NULL }, NULL, &st, err);
	assert_int_equal(st.code, 127);
	assert_non_null(strstr(err, "EACCES"));
}

static void
test_relative_or_empty_refused(void **state)
{
	struct spawner *sp;
	struct spawn_status st;
	(void)state;

	assert_int_equal(spawner_new(1, &sp), 0);
	assert_int_equal(spawner_submit(sp, (char *const[]){ "true", NULL },
	    NULL, rec_done, NULL), SPA_ERR_INVALID);
	assert_int_equal(spawner_submit(sp, (char *const[]){ "bin/true",
	    NULL }, NULL, rec_done, NULL), SPA_ERR_INVALID);
	assert_int_equal(spawner_submit(sp, (char *const[]){ NULL }, NULL,
	    rec_done, NULL), SPA_ERR_INVALID);
	assert_int_equal(spawner_submit(sp, NULL, NULL, rec_done, NULL),
	    SPA_ERR_INVALID);
	assert_int_equal(spawner_running(sp) + spawner_queued(sp), 0);
	spawner_free(sp);
	assert_int_equal(spawn_run_sync((char *const[]){ "sh", NULL }, NULL,
	    &st, NULL, 0), SPA_ERR_INVALID);
	assert_int_equal(spawner_new(0, &sp), SPA_ERR_INVALID);
	assert_null(sp);
}

static void
test_time_limit_kills(void **state)
{
	const struct spawn_opts o = { .limit_ms = 1000 };
	struct spawn_status st;
	char err[SPAWN_ERR_MAX], text[128];
	int64_t t0 = spawn_now_ms(), spent;
	(void)state;

	run_sync((char *const[]){ "/bin/sleep", "10", NULL }, &o, &st, err);
	spent = spawn_now_ms() - t0;
	assert_int_equal(st.outcome, SPAWN_TIMEDOUT);
	assert_int_equal(st.code, SIGKILL);
	assert_in_range(spent, 950, 3000);
	spawn_status_str(&st, text, sizeof(text));
	assert_string_equal(text, "killed: time limit exceeded");
}

/* The limit kills the whole process group, not only the child. */
static void
test_time_limit_kills_group(void **state)
{
	const struct spawn_opts o = { .limit_ms = 500 };
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];
	long grandchild;
	(void)state;

	run_sync(SH("/bin/sleep 30 & echo $! >&2; wait"), &o, &st, err);
	assert_int_equal(st.outcome, SPAWN_TIMEDOUT);
	grandchild = strtol(err, NULL, 10);
	assert_true(grandchild > 1);
	for (int i = 0; i < 100 && !process_dead((pid_t)grandchild); i++)
		usleep(10000);
	assert_true(process_dead((pid_t)grandchild));
}

static void
test_signal_reported(void **state)
{
	struct spawn_status st;
	char err[SPAWN_ERR_MAX], text[128];
	(void)state;

	run_sync(SH("kill -TERM $$"), NULL, &st, err);
	assert_int_equal(st.outcome, SPAWN_SIGNALED);
	assert_int_equal(st.code, SIGTERM);
	spawn_status_str(&st, text, sizeof(text));
	assert_string_equal(text, "killed by signal 15 (SIGTERM)");
}

/* Our own stdin is a pipe nobody writes to: a child that inherited it
 * would wait forever; on /dev/null, cat sees end of file at once. */
static void
test_stdin_devnull(void **state)
{
	const struct spawn_opts o = { .limit_ms = 3000 };
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];
	int p[2], saved = dup(0);
	(void)state;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(dup2(p[0], 0), 0);
	run_sync((char *const[]){ "/bin/cat", NULL }, &o, &st, err);
	dup2(saved, 0);
	close(saved);
	close(p[0]);
	close(p[1]);
	assert_int_equal(st.outcome, SPAWN_EXITED);
	assert_int_equal(st.code, 0);
}

/* 1 when pid is in an interruptible sleep (state S). */
static int
child_sleeping(pid_t pid)
{
	char path[64], buf[256], *end;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	return (end = strrchr(buf, ')')) != NULL && end[1] == ' ' &&
	    end[2] == 'S';
}

/* The comm of pid when its parent is us, in name[64]; 0 or -1. */
static int
child_comm(const char *pid, char name[64])
{
	char path[300], buf[256];
	long ppid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	if (sscanf(buf, "%*d (%63[^)]) %*c %ld", name, &ppid) != 2 ||
	    ppid != (long)getpid())
		return -1;
	return 0;
}

/* Our child whose command name is comm, once it has exec'd; 0 if none
 * within two seconds. */
static pid_t
find_child(const char *comm)
{
	struct dirent *de;
	char name[64];
	pid_t found = 0;
	DIR *d;

	for (int tries = 0; tries < 200 && !found; tries++) {
		if ((d = opendir("/proc")) == NULL)
			return 0;
		while (!found && (de = readdir(d)) != NULL)
			if (child_comm(de->d_name, name) == 0 &&
			    strcmp(name, comm) == 0)
				found = (pid_t)atol(de->d_name);
		closedir(d);
		if (!found)
			usleep(10000);
	}
	return found;
}

/* What /proc says of the running child: only descriptors 0, 1, 2 (none
 * of the ones we left open without FD_CLOEXEC), stdin and stdout on
 * /dev/null, stderr a pipe, and an environment of PATH alone. */
static void
test_child_descriptors_and_environment(void **state)
{
	struct spawner *sp;
	struct rec r = { 0 };
	char path[64], link[256], env[256];
	int leak = open("/dev/null", O_RDONLY), fds = 0, p[2];
	pid_t pid;
	ssize_t n;
	FILE *f;
	(void)state;

	setenv("SPA_TEST_SECRET", "must-not-leak", 1);
	assert_true(leak > 2);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(spawner_new(1, &sp), 0);
	assert_int_equal(spawner_submit(sp, (char *const[]){ "/bin/sleep",
	    "5", NULL }, NULL, rec_done, &r), 0);
	assert_true((pid = find_child("sleep")) > 0);
	/* Past exec, the dynamic loader briefly opens libraries: look once
	 * sleep sleeps. */
	for (int i = 0; i < 200 && !child_sleeping(pid); i++)
		usleep(10000);
	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)pid, fd);
		if ((n = readlink(path, link, sizeof(link) - 1)) < 0)
			continue;
		link[n] = '\0';
		fds++;
		if (fd < 2)
			assert_string_equal(link, "/dev/null");
		else
			assert_memory_equal(link, "pipe:", 5);
	}
	assert_int_equal(fds, 3);
	snprintf(path, sizeof(path), "/proc/%ld/environ", (long)pid);
	/* The new comm shows a moment before exec has laid out the new
	 * environment: an empty read means "not yet". */
	for (int i = 0; i < 200; i++) {
		assert_non_null(f = fopen(path, "r"));
		n = (ssize_t)fread(env, 1, sizeof(env), f);
		fclose(f);
		if (n > 0)
			break;
		usleep(10000);
	}
	assert_int_equal(n, sizeof(SPAWN_PATH));        /* with its NUL */
	assert_memory_equal(env, SPAWN_PATH, sizeof(SPAWN_PATH));
	spawner_free(sp);
	unsetenv("SPA_TEST_SECRET");
	close(leak);
	close(p[0]);
	close(p[1]);
}

static void
test_run_as(void **state)
{
	struct spawn_opts o = { .set_ids = 1, .uid = 65534, .gid = 65534 };
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];
	(void)state;

	if (geteuid() != 0)
		skip();
	run_sync(SH("/usr/bin/id -u >&2; /usr/bin/id -g >&2; "
	    "/usr/bin/id -G >&2"), &o, &st, err);
	assert_int_equal(st.code, 0);
	assert_string_equal(err, "65534\n65534\n65534\n");
}

static void
test_run_as_refused_without_root(void **state)
{
	struct spawn_opts o = { .set_ids = 1, .uid = 0, .gid = 0 };
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];
	(void)state;

	if (geteuid() == 0)
		skip();
	run_sync((char *const[]){ "/bin/true", NULL }, &o, &st, err);
	assert_int_equal(st.code, 127);
	assert_non_null(strstr(err, "spawn: setgroups for /bin/true: EPERM"));
}

/* Five jobs, at most two at a time, started in submission order. */
static void
test_concurrency_bound(void **state)
{
	char *const argv[] = { "/bin/sleep", "0.3", NULL };
	struct spawner *sp;
	struct rec r[5] = { 0 };
	struct pollfd pfd = { .events = POLLIN };
	int64_t spent;
	(void)state;

	assert_int_equal(spawner_new(2, &sp), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(spawner_submit(sp, argv, NULL, rec_done,
		    &r[i]), 0);
	assert_int_equal(spawner_running(sp), 2);
	assert_int_equal(spawner_queued(sp), 3);
	spent = pump(sp, 5, 10000);
	assert_int_equal(ended, 5);
	assert_int_equal(max_seen_running, 2);
	assert_in_range(spent, 850, 5000);      /* three rounds of 0.3 s */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(r[i].st.outcome, SPAWN_EXITED);
		assert_int_equal(r[i].st.code, 0);
	}
	/* the first two end before the last one starts */
	assert_true(r[0].seq < 3 && r[1].seq < 3);
	assert_int_equal(r[4].seq, 5);
	assert_int_equal(spawner_running(sp) + spawner_queued(sp), 0);
	pfd.fd = spawner_fd(sp);
	assert_int_equal(poll(&pfd, 1, 0), 0);  /* all done: quiet */
	spawner_free(sp);
}

/* A slow child delays nobody: the quick one is reported while it runs,
 * and spawner_free ends it without waiting for it. */
static void
test_slow_job_does_not_block(void **state)
{
	const struct spawn_opts o = { .limit_ms = 20000 };
	struct spawner *sp;
	struct rec slow = { 0 }, quick = { 0 };
	struct pollfd pfd = { .events = POLLIN };
	int64_t t0;
	(void)state;

	assert_int_equal(spawner_new(4, &sp), 0);
	assert_int_equal(spawner_submit(sp, (char *const[]){ "/bin/sleep",
	    "10", NULL }, &o, rec_done, &slow), 0);
	assert_int_equal(spawner_submit(sp, (char *const[]){ "/bin/true",
	    NULL }, &o, rec_done, &quick), 0);
	assert_true(pump(sp, 1, 5000) < 2000);
	assert_true(quick.done);
	assert_false(slow.done);
	assert_int_equal(spawner_running(sp), 1);
	/* nothing to do while it sleeps: the descriptor is quiet */
	pfd.fd = spawner_fd(sp);
	assert_int_equal(poll(&pfd, 1, 200), 0);
	t0 = spawn_now_ms();
	spawner_free(sp);
	assert_true(spawn_now_ms() - t0 < 1000);
	assert_false(slow.done);        /* no callback from spawner_free */
}

/* A background grandchild holding the stderr pipe does not delay the
 * report (ends are seen through the pidfd) and is killed with the group. */
static void
test_grandchild_holding_stderr(void **state)
{
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];
	int64_t t0 = spawn_now_ms();
	long grandchild;
	(void)state;

	run_sync(SH("/bin/sleep 5 & echo $! >&2; exit 3"), NULL, &st, err);
	assert_true(spawn_now_ms() - t0 < 2000);
	assert_int_equal(st.outcome, SPAWN_EXITED);
	assert_int_equal(st.code, 3);
	grandchild = strtol(err, NULL, 10);
	assert_true(grandchild > 1);
	for (int i = 0; i < 100 && !process_dead((pid_t)grandchild); i++)
		usleep(10000);
	assert_true(process_dead((pid_t)grandchild));
}

static struct spawner *chain_sp;
static struct rec chain_second;

static void
chain_done(void *cookie, const struct spawn_status *st, const char *err)
{
	rec_done(cookie, st, err);
	assert_int_equal(spawner_submit(chain_sp, (char *const[]){
	    "/bin/false", NULL }, NULL, rec_done, &chain_second), 0);
}

/* A callback may submit: the next command of a sequence. */
static void
test_callback_submits(void **state)
{
	struct rec first = { 0 };
	(void)state;

	memset(&chain_second, 0, sizeof(chain_second));
	assert_int_equal(spawner_new(1, &chain_sp), 0);
	assert_int_equal(spawner_submit(chain_sp, (char *const[]){
	    "/bin/true", NULL }, NULL, chain_done, &first), 0);
	pump(chain_sp, 2, 5000);
	assert_int_equal(first.seq, 1);
	assert_int_equal(chain_second.seq, 2);
	assert_int_equal(chain_second.st.code, 1);
	spawner_free(chain_sp);
}

static void
test_timeout_ms_and_queue_dropped(void **state)
{
	const struct spawn_opts o = { .limit_ms = 5000 };
	char *const argv[] = { "/bin/sleep", "10", NULL };
	struct spawner *sp;
	struct rec r[3] = { 0 };
	int t;
	(void)state;

	assert_int_equal(spawner_new(1, &sp), 0);
	assert_int_equal(spawner_timeout_ms(sp, spawn_now_ms()), -1);
	assert_int_equal(spawner_poll(sp, spawn_now_ms()), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(spawner_submit(sp, argv, &o, rec_done, &r[i]),
		    0);
	t = spawner_timeout_ms(sp, spawn_now_ms());
	assert_in_range(t, 4000, 5000);
	assert_int_equal(spawner_timeout_ms(sp, spawn_now_ms() + 60000), 0);
	assert_int_equal(spawner_queued(sp), 2);
	spawner_free(sp);
	assert_int_equal(ended, 0);
}

/* Lines of path that contain needle. */
static int
lines_with(const char *path, const char *needle)
{
	char line[512];
	int n = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/* Polls sp until at most left jobs wait (bounded: 30 s). */
static void
drain_to(struct spawner *sp, size_t left)
{
	int64_t t0 = spawn_now_ms();

	while (spawner_queued(sp) > left && spawn_now_ms() - t0 < 30000) {
		struct pollfd pfd = { .fd = spawner_fd(sp), .events = POLLIN };

		poll(&pfd, 1, 100);
		spawner_poll(sp, spawn_now_ms());
	}
	assert_true(spawner_queued(sp) <= left);
}

/* The queue holds SPAWN_QUEUE_MAX jobs; more are refused (SPA_ERR_FULL)
 * and counted, a job is taken again as soon as one has started, and the
 * whole episode is logged twice: when the queue fills, and when half of
 * it has drained, with the count refused meanwhile. */
static void
test_queue_cap(void **state)
{
	char *const slow[] = { "/bin/sleep", "0.3", NULL };
	char *const quick[] = { "/bin/true", NULL };
	char log[] = "/tmp/spa-spawn-log-XXXXXX", want[64];
	struct spawner *sp;
	int fd = mkstemp(log), saved = dup(STDERR_FILENO), refused = 3;
	(void)state;

	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	assert_int_equal(spawner_new(4, &sp), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(spawner_submit(sp, slow, NULL, NULL, NULL), 0);
	for (int i = 0; i < SPAWN_QUEUE_MAX; i++)
		assert_int_equal(spawner_submit(sp, quick, NULL, NULL, NULL), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(spawner_submit(sp, quick, NULL, NULL, NULL),
		    SPA_ERR_FULL);
	assert_int_equal(spawner_queued(sp), SPAWN_QUEUE_MAX);
	assert_int_equal(spawner_refused(sp), 3);
	drain_to(sp, SPAWN_QUEUE_MAX - 1);
	assert_int_equal(spawner_submit(sp, quick, NULL, NULL, NULL), 0);
	while (spawner_queued(sp) < SPAWN_QUEUE_MAX)
		assert_int_equal(spawner_submit(sp, quick, NULL, NULL, NULL), 0);
	assert_int_equal(spawner_submit(sp, quick, NULL, NULL, NULL),
	    SPA_ERR_FULL);
	refused++;
	assert_int_equal(spawner_refused(sp), refused);
	drain_to(sp, SPAWN_QUEUE_MAX / 2);
	spawner_free(sp);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(fd);
	assert_int_equal(lines_with(log, "refusing new ones"), 1);
	snprintf(want, sizeof(want), "has room again (%d refused", refused);
	assert_int_equal(lines_with(log, want), 1);
	assert_int_equal(lines_with(log, "commands:"), 2);
	unlink(log);
}

/* With SIGCHLD ignored the kernel reaps children itself: the job must
 * still end (its status lost) or be refused, never hang. */
static void
test_sigchld_ignored(void **state)
{
	const struct spawn_opts o = { .limit_ms = 3000 };
	struct spawn_status st;
	int rc;
	(void)state;

	signal(SIGCHLD, SIG_IGN);
	rc = spawn_run_sync((char *const[]){ "/bin/true", NULL }, &o, &st,
	    NULL, 0);
	signal(SIGCHLD, SIG_DFL);
	if (rc == 0) {
		assert_int_equal(st.outcome, SPAWN_FAILED);
		assert_int_equal(st.code, ECHILD);
	} else {
		assert_int_equal(rc, SPA_ERR_SYSTEM);
	}
}

static void
test_status_str(void **state)
{
	char text[128];
	const struct spawn_status exited = { SPAWN_EXITED, 1 };
	const struct spawn_status failed = { SPAWN_FAILED, EAGAIN };
	(void)state;

	spawn_status_str(&exited, text, sizeof(text));
	assert_string_equal(text, "exit status 1");
	spawn_status_str(&failed, text, sizeof(text));
	assert_string_equal(text, "not started: Resource temporarily "
	    "unavailable");
	/* refused before any call: no errno to tell ("Success" it was) */
	spawn_status_str(&(struct spawn_status){ SPAWN_FAILED, 0 }, text,
	    sizeof(text));
	assert_string_equal(text, "not started");
	spawn_status_str(&(struct spawn_status){ SPAWN_SIGNALED, SIGTERM },
	    text, sizeof(text));
	assert_string_equal(text, "killed by signal 15 (SIGTERM)");
	/* A number no signal has. */
	spawn_status_str(&(struct spawn_status){ SPAWN_SIGNALED, 0 }, text,
	    sizeof(text));
	assert_string_equal(text, "killed by signal 0 (SIG?)");
	spawn_status_str(&(struct spawn_status){ SPAWN_TIMEDOUT, SIGKILL },
	    text, sizeof(text));
	assert_string_equal(text, "killed: time limit exceeded");
}

/* The time to wait is the nearest deadline of the jobs running, at most
 * INT_MAX ms; spawn_run_sync without a buffer for stderr, or one of no
 * size, runs the job all the same and writes nothing there. */
static void
test_timeout_nearest_and_no_errbuf(void **state)
{
	const struct spawn_opts far = { .limit_ms = 4000000000u };
	const struct spawn_opts near = { .limit_ms = 30000 };
	struct spawner *sp;
	struct spawn_status st;
	struct rec r[2] = { { 0 }, { 0 } };
	char err[4] = "x";
	int64_t now;
	int t;
	(void)state;

	assert_int_equal(spawner_new(2, &sp), 0);
	assert_int_equal(spawner_submit(sp, (char *const[]){ "/bin/true",
	    NULL }, &far, rec_done, &r[0]), 0);
	now = spawn_now_ms();
	assert_int_equal(spawner_timeout_ms(sp, now), INT_MAX);
	assert_int_equal(spawner_submit(sp, (char *const[]){ "/bin/true",
	    NULL }, &near, rec_done, &r[1]), 0);
	t = spawner_timeout_ms(sp, now);
	assert_true(t > 29000 && t <= 30000 + 1000);
	pump(sp, 2, 5000);
	assert_true(r[0].done && r[1].done);
	spawner_free(sp);

	assert_int_equal(spawn_run_sync(SH("echo said >&2; exit 5"), NULL,
	    &st, NULL, 0), 0);
	assert_int_equal(st.code, 5);
	assert_int_equal(spawn_run_sync(SH("echo said >&2; exit 6"), NULL,
	    &st, err, 0), 0);
	assert_int_equal(st.code, 6);
	assert_string_equal(err, "x");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_true_and_false, reset),
		cmocka_unit_test_setup(test_queue_cap, reset),
		cmocka_unit_test_setup(test_stderr_captured, reset),
		cmocka_unit_test_setup(test_stderr_flood_truncated, reset),
		cmocka_unit_test_setup(test_not_executed_127, reset),
		cmocka_unit_test_setup(test_relative_or_empty_refused, reset),
		cmocka_unit_test_setup(test_time_limit_kills, reset),
		cmocka_unit_test_setup(test_time_limit_kills_group, reset),
		cmocka_unit_test_setup(test_signal_reported, reset),
		cmocka_unit_test_setup(test_stdin_devnull, reset),
		cmocka_unit_test_setup(test_child_descriptors_and_environment,
		    reset),
		cmocka_unit_test_setup(test_run_as, reset),
		cmocka_unit_test_setup(test_run_as_refused_without_root, reset),
		cmocka_unit_test_setup(test_concurrency_bound, reset),
		cmocka_unit_test_setup(test_slow_job_does_not_block, reset),
		cmocka_unit_test_setup(test_grandchild_holding_stderr, reset),
		cmocka_unit_test_setup(test_callback_submits, reset),
		cmocka_unit_test_setup(test_timeout_ms_and_queue_dropped, reset),
		cmocka_unit_test_setup(test_sigchld_ignored, reset),
		cmocka_unit_test_setup(test_status_str, reset),
		cmocka_unit_test_setup(test_timeout_nearest_and_no_errbuf,
		    reset),
		cmocka_unit_test_setup(test_quiet_after_reap, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
