/*
 * sniffer/sandbox.c: the capture child's seccomp filter, in real children
 * (seccomp needs no root once no_new_privs is set).  Each child enters
 * the sandbox and reports by its exit code, never by a cmocka assert
 * (the filter would kill cmocka's own output); the parent reads the
 * status: exit 0 when what is allowed worked, SIGSYS when the child did
 * what is not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "sandbox.h"

#define STATUS_MAX 4096

/* What a child sets up before it enters: the parent's two sockets and a
 * stand-in for the packet socket (the far ends stay with the test). */
struct kid {
	int channel[2];         /* SOCK_SEQPACKET: [0] the child's */
	int log[2];             /* SOCK_DGRAM: [0] the child's */
	int capture[2];         /* SOCK_DGRAM: [0] plays the packet socket */
	int status;             /* /proc/self/status, opened before */
	struct sandbox_fds fds;
};

/* Exit codes a child reports with; a kill shows as a signal instead. */
enum {
	KID_OK = 0,
	KID_SETUP = 2,          /* socketpair, open */
	KID_ENTER = 3,          /* sandbox_enter refused */
	KID_SURVIVED = 4,       /* a forbidden call returned */
	KID_WRITE_CHANNEL = 10,
	KID_SEND_LOG,
	KID_WRITE_STDERR,
	KID_MALLOC,
	KID_CLOCK,
	KID_CAPTURE_READ,
	KID_CHANNEL_READ,
	KID_SECCOMP_MODE,
};

/*
 * Ends a child with code, by the system call itself.  Under ASan every
 * call to a noreturn function (_exit included) is preceded by
 * __asan_handle_no_return, which asks sigaltstack(), and the filter kills
 * that: so nothing here is a noreturn call.
 */
static void
kid_exit(int code)
{
	for (;;)
		syscall(SYS_exit_group, code);
}

static void
kid_say(const char *what)
{
	/* stderr may be written: that is part of what is tested. */
	if (write(2, what, strlen(what)) < 0)
		return;
}

static void
kid_setup(struct kid *k)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, k->channel) != 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, k->log) != 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, k->capture) != 0 ||
	    (k->status = open("/proc/self/status", O_RDONLY)) < 0)
		kid_exit(KID_SETUP);
	k->fds = (struct sandbox_fds){ .capture = k->capture[0],
	    .channel = k->channel[0], .log = k->log[0] };
}

static void
kid_enter(struct kid *k)
{
	char err[256];

	if (sandbox_enter(&k->fds, err, sizeof(err)) != 0) {
		kid_say(err);
		kid_say("\n");
		kid_exit(KID_ENTER);
	}
}

/* Has /proc/self/status (opened before: open is forbidden now) got
 * "Seccomp:\t2", filter mode? */
static int
kid_seccomp_mode_is_filter(int fd)
{
	char buf[STATUS_MAX];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strstr(buf, "\nSeccomp:\t2\n") != NULL;
}

/* Everything the capture child does, inside. */
static int
kid_allowed(struct kid *k)
{
	struct pollfd pfd = { .fd = k->capture[0], .events = POLLIN };
	struct sockaddr_storage name;
	struct timespec ts;
	int so_error;
	socklen_t len;
	char buf[16];
	unsigned char *p;

	/* A "frame" waiting on the capture, sent before the filter. */
	if (write(k->capture[1], "frame", 5) != 5 ||
	    write(k->channel[1], "ask", 3) != 3)
		return KID_SETUP;
	kid_enter(k);
	if (write(k->channel[0], "decision", 8) != 8)
		return KID_WRITE_CHANNEL;
	if (send(k->log[0], "6a log line", 11, MSG_DONTWAIT) != 11)
		return KID_SEND_LOG;
	if (write(2, "", 0) != 0)
		return KID_WRITE_STDERR;
	if ((p = malloc(1 << 20)) == NULL)
		return KID_MALLOC;
	memset(p, 0xa5, 1 << 20);
	free(p);
	if ((p = malloc(100)) == NULL || (p = realloc(p, 1 << 21)) == NULL)
		return KID_MALLOC;
	free(p);
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0 ||
	    clock_gettime(CLOCK_REALTIME, &ts) != 0 || time(NULL) == -1)
		return KID_CLOCK;
	if (poll(&pfd, 1, 1000) != 1 || recv(k->capture[0], buf,
	    sizeof(buf), MSG_DONTWAIT) != 5 || getpid() <= 0)
		return KID_CAPTURE_READ;
	/* What libpcap asks of its socket: statistics, errors, its name. */
	len = sizeof(so_error);
	if (getsockopt(k->capture[0], SOL_SOCKET, SO_ERROR, &so_error,
	    &len) != 0)
		return KID_CAPTURE_READ;
	len = sizeof(name);
	if (getsockname(k->capture[0], (struct sockaddr *)&name, &len) != 0)
		return KID_CAPTURE_READ;
	if (read(k->channel[0], buf, sizeof(buf)) != 3)
		return KID_CHANNEL_READ;
	if (!kid_seccomp_mode_is_filter(k->status))
		return KID_SECCOMP_MODE;
	return KID_OK;
}

enum forbidden {
	FORBID_SOCKET,
	FORBID_OPENAT,
	FORBID_WRITE_CAPTURE,
	FORBID_SEND_CAPTURE,
	FORBID_MMAP_EXEC,
	FORBID_MPROTECT_EXEC,
	FORBID_WRITE_OTHER,     /* the far end of the channel */
	FORBID_I386,            /* getpid, allowed, but by the i386 ABI */
};

/* getpid through the i386 system call ABI; -1 off x86-64. */
static int
i386_getpid(void)
{
	int rc = -1;

#if defined(__x86_64__)
	rc = 20;                /* __NR_getpid on i386 */
	__asm__ volatile ("int $0x80" : "+a"(rc) : : "memory");
#endif
	return rc;
}

/* One thing the capture child must never do, inside.  Returns only when
 * it was not killed. */
static int
kid_forbidden(struct kid *k, enum forbidden what)
{
	void *page;
	int rc = 0;

	if ((page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		return KID_SETUP;
	kid_enter(k);
	/* Still in filter mode, and alive, just before. */
	if (!kid_seccomp_mode_is_filter(k->status))
		return KID_SECCOMP_MODE;
	switch (what) {
	case FORBID_SOCKET:
		rc = socket(AF_INET, SOCK_DGRAM, 0);
		break;
	case FORBID_OPENAT:
		rc = open("/etc/hostname", O_RDONLY);
		break;
	case FORBID_WRITE_CAPTURE:
		rc = (int)write(k->capture[0], "frame", 5);
		break;
	case FORBID_SEND_CAPTURE:
		rc = (int)send(k->capture[0], "frame", 5, 0);
		break;
	case FORBID_MMAP_EXEC:
		rc = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE |
		    MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? -1 : 0;
		break;
	case FORBID_MPROTECT_EXEC:
		rc = mprotect(page, 4096, PROT_READ | PROT_EXEC);
		break;
	case FORBID_WRITE_OTHER:
		rc = (int)write(k->channel[1], "x", 1);
		break;
	case FORBID_I386:
		rc = i386_getpid();
		break;
	}
	(void)rc;
	return KID_SURVIVED;
}

/* Forks a child that sets up, then runs allowed (what < 0) or one
 * forbidden thing.  Returns its wait status. */
static int
run_kid(int what)
{
	struct kid k;
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		kid_setup(&k);
		kid_exit(what < 0 ? kid_allowed(&k) :
		    kid_forbidden(&k, (enum forbidden)what));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
assert_exited_ok(int status)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		print_message("child: %s %d\n", WIFEXITED(status) ? "exit" :
		    "signal", WIFEXITED(status) ? WEXITSTATUS(status) :
		    WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), KID_OK);
}

static void
assert_killed_by_sigsys(int status)
{
	if (!WIFSIGNALED(status))
		print_message("child: exit %d, not killed\n",
		    WEXITSTATUS(status));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

static void
test_allowed(void **state)
{
	(void)state;
	assert_exited_ok(run_kid(-1));
}

static void
test_forbidden_socket(void **state)
{
	(void)state;
	assert_killed_by_sigsys(run_kid(FORBID_SOCKET));
}

static void
test_forbidden_open(void **state)
{
	(void)state;
	assert_killed_by_sigsys(run_kid(FORBID_OPENAT));
}

/* The point of the per-descriptor rules: no frame out of the capture. */
static void
test_forbidden_write_capture(void **state)
{
	(void)state;
	assert_killed_by_sigsys(run_kid(FORBID_WRITE_CAPTURE));
	assert_killed_by_sigsys(run_kid(FORBID_SEND_CAPTURE));
}

static void
test_forbidden_write_other(void **state)
{
	(void)state;
#ifdef SPA_COVERAGE
	/* Its filter lets libgcov write the counts on any descriptor but
	 * the capture socket (common/cov.h); every other build asserts. */
	print_message("coverage build: write is open to any descriptor but "
	    "the capture socket (common/cov.h)\n");
	skip();
#endif
	assert_killed_by_sigsys(run_kid(FORBID_WRITE_OTHER));
}

static void
test_forbidden_exec_memory(void **state)
{
	(void)state;
	assert_killed_by_sigsys(run_kid(FORBID_MMAP_EXEC));
	assert_killed_by_sigsys(run_kid(FORBID_MPROTECT_EXEC));
}

/* Another architecture's numbers mean other calls: killed, not
 * looked up in the x86-64 table. */
static void
test_forbidden_other_abi(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	/* Outside the sandbox first: is there an i386 ABI at all (x86-64,
	 * a kernel with IA32 emulation on)? */
	fflush(NULL);
	assert_true((pid = fork()) >= 0);
	if (pid == 0)
		kid_exit(i386_getpid() == getpid() ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		print_message("no i386 system call ABI here\n");
		skip();
	}
	assert_killed_by_sigsys(run_kid(FORBID_I386));
}

/* Refusals come before any filter is loaded, so they run here. */
static void
test_refuses_writable_capture(void **state)
{
	int sp[2], pkt;
	char err[256];
	struct sandbox_fds f;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sp), 0);
	f = (struct sandbox_fds){ .capture = sp[0], .channel = sp[0],
	    .log = sp[1] };
	assert_int_equal(sandbox_enter(&f, err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "channel descriptor"));
	assert_non_null(strstr(err, "is the capture socket"));
	f = (struct sandbox_fds){ .capture = 2, .channel = sp[0],
	    .log = sp[1] };
	assert_int_equal(sandbox_enter(&f, err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "stderr descriptor 2 is the capture"));
	f = (struct sandbox_fds){ .capture = -1, .channel = -7,
	    .log = sp[1] };
	assert_int_equal(sandbox_enter(&f, err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "not a descriptor"));
	close(sp[1]);
	f = (struct sandbox_fds){ .capture = -1, .channel = sp[0],
	    .log = sp[1] };
	assert_int_equal(sandbox_enter(&f, err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "log descriptor"));
	/* A packet socket (root only) may not be a writable one either. */
	if ((pkt = socket(AF_PACKET, SOCK_RAW, 0)) >= 0) {
		f = (struct sandbox_fds){ .capture = -1, .channel = sp[0],
		    .log = pkt };
		assert_int_equal(sandbox_enter(&f, err, sizeof(err)),
		    SPA_ERR_PRIVILEGE);
		assert_non_null(strstr(err, "packet or raw socket"));
		close(pkt);
	} else {
		print_message("not root: no packet socket to refuse\n");
	}
	close(sp[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_forbidden_socket),
		cmocka_unit_test(test_forbidden_open),
		cmocka_unit_test(test_forbidden_write_capture),
		cmocka_unit_test(test_forbidden_write_other),
		cmocka_unit_test(test_forbidden_exec_memory),
		cmocka_unit_test(test_forbidden_other_abi),
		cmocka_unit_test(test_refuses_writable_capture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
