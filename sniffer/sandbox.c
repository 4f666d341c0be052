/*
 * The capture child's seccomp filter (sandbox.h): one allow list, built
 * with libseccomp, everything else SCMP_ACT_KILL_PROCESS.  After OpenSSH's
 * sandbox-seccomp-filter.c, which also limits its privilege separation
 * child to a fixed list and checks mmap's protection argument.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "cov.h"
#include "err.h"

enum sandbox_how {
	SANDBOX_ANY,            /* whatever the arguments */
	SANDBOX_OUT_FD,         /* arg0 one of the writable descriptors */
	SANDBOX_NO_EXEC,        /* arg2 (the protection) without PROT_EXEC */
	SANDBOX_IFFLAGS,        /* ioctl(capture, SIOCGIFFLAGS) only */
};

struct sandbox_allow {
	int nr;
	enum sandbox_how how;
	const char *name;
};

#define ALLOW(call, how) { SCMP_SYS(call), (how), #call }

/* Everything the child may do once inside: anything else kills it. */
static const struct sandbox_allow sandbox_allowed[] = {
	/* Frames and the parent's messages in, and the wait for them, on
	 * any descriptor; getsockopt for pcap_stats (PACKET_STATISTICS) and
	 * SO_ERROR, getsockname for libpcap's "is the device still there"
	 * after an ENETDOWN (pcap-linux.c device_still_exists). */
	ALLOW(poll, SANDBOX_ANY),
	/* The same check's next step reads the interface's flags on the
	 * capture socket; without it a vanished interface would look like
	 * an attack (SIGSYS) instead of a capture error (exit 74). */
	ALLOW(ioctl, SANDBOX_IFFLAGS),
	/* ASan, in test builds, gives each noreturn call (_exit) an
	 * alternate signal stack; harmless in any build. */
	ALLOW(sigaltstack, SANDBOX_ANY),
	ALLOW(ppoll, SANDBOX_ANY),
	ALLOW(read, SANDBOX_ANY),
	ALLOW(recvfrom, SANDBOX_ANY),
	ALLOW(recvmsg, SANDBOX_ANY),
	ALLOW(getsockopt, SANDBOX_ANY),
	ALLOW(getsockname, SANDBOX_ANY),
	/* Decisions and log lines out: the channel, log and stderr only,
	 * never the packet socket (sandbox.h says why each). */
	ALLOW(write, SANDBOX_OUT_FD),
	ALLOW(writev, SANDBOX_OUT_FD),
	ALLOW(sendto, SANDBOX_OUT_FD),
	ALLOW(sendmsg, SANDBOX_OUT_FD),
	/* Clocks for timestamps, windows and rate limits (the vDSO's
	 * fallbacks too), and sleeping. */
	ALLOW(clock_gettime, SANDBOX_ANY),
	ALLOW(clock_nanosleep, SANDBOX_ANY),
	ALLOW(nanosleep, SANDBOX_ANY),
	ALLOW(gettimeofday, SANDBOX_ANY),
	ALLOW(time, SANDBOX_ANY),
	/* The process itself: ids for logs, OpenSSL's randomness and
	 * locks, returning from signal handlers, ending. */
	ALLOW(getpid, SANDBOX_ANY),
	ALLOW(gettid, SANDBOX_ANY),
	ALLOW(getrandom, SANDBOX_ANY),
	ALLOW(futex, SANDBOX_ANY),
	ALLOW(restart_syscall, SANDBOX_ANY),
	ALLOW(rt_sigreturn, SANDBOX_ANY),
	ALLOW(rt_sigprocmask, SANDBOX_ANY),
	ALLOW(exit, SANDBOX_ANY),
	ALLOW(exit_group, SANDBOX_ANY),
	/* Descriptors already open (stdio asks fstat, which glibc makes
	 * newfstatat); nothing can open a new one. */
	ALLOW(close, SANDBOX_ANY),
	ALLOW(fstat, SANDBOX_ANY),
	ALLOW(newfstatat, SANDBOX_ANY),
	ALLOW(lseek, SANDBOX_ANY),
	/* malloc, free, realloc; no memory ever becomes executable. */
	ALLOW(brk, SANDBOX_ANY),
	ALLOW(munmap, SANDBOX_ANY),
	ALLOW(mremap, SANDBOX_ANY),
	ALLOW(madvise, SANDBOX_ANY),
	ALLOW(mmap, SANDBOX_NO_EXEC),
	ALLOW(mprotect, SANDBOX_NO_EXEC),
};

#define SANDBOX_OUT_MAX 3       /* channel, log, stderr */

static void sandbox_msg(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
sandbox_msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * May fd (the descriptor named what) be written by the child?  1 yes;
 * 0 no rule for it (-1, or stderr closed: nothing can take its number
 * once inside); -1 refused, with a message: it is the capture socket, or
 * it is itself a packet or raw socket (or a socket getsockopt cannot
 * tell), or a channel or log socket that is not open.
 */
static int
sandbox_out_ok(int fd, int capture, const char *what, char *err,
    size_t errlen)
{
	int domain = -1, type = -1, ok;
	socklen_t len;
	struct stat st;

	if (fd == -1)
		return 0;
	if (fd < -1) {
		sandbox_msg(err, errlen, "sandbox: %s descriptor %d is not "
		    "a descriptor", what, fd);
		return SPA_ERR_PRIVILEGE;
	}
	if (fd == capture) {
		sandbox_msg(err, errlen, "sandbox: %s descriptor %d is the "
		    "capture socket, which must never be written", what, fd);
		return SPA_ERR_PRIVILEGE;
	}
	if (fstat(fd, &st) != 0) {
		if (errno == EBADF && fd == 2)
			return 0;
		sandbox_msg(err, errlen, "sandbox: %s descriptor %d: %s",
		    what, fd, strerror(errno));
		return SPA_ERR_PRIVILEGE;
	}
	if (!S_ISSOCK(st.st_mode))
		return 1;
	/* A socket whose kind cannot be told is refused: it may be one. */
	len = sizeof(domain);
	ok = getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0;
	len = sizeof(type);
	if (!ok || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) {
		sandbox_msg(err, errlen, "sandbox: %s descriptor %d: "
		    "getsockopt: %s", what, fd, strerror(errno));
		return SPA_ERR_PRIVILEGE;
	}
	if (domain == AF_PACKET || type == SOCK_RAW || type == SOCK_PACKET) {
		sandbox_msg(err, errlen, "sandbox: %s descriptor %d is a "
		    "packet or raw socket, which must never be written", what,
		    fd);
		return SPA_ERR_PRIVILEGE;
	}
	return 1;
}

/* The descriptors write rules are made for, each once.  Returns how many
 * (out[] filled), or SPA_ERR_PRIVILEGE with a message. */
static int
sandbox_out_fds(const struct sandbox_fds *f, int out[SANDBOX_OUT_MAX],
    char *err, size_t errlen)
{
	const int fds[SANDBOX_OUT_MAX] = { f->channel, f->log, 2 };
	static const char *const what[SANDBOX_OUT_MAX] = {
		"channel", "log", "stderr"
	};
	int n = 0, rc;

	for (int i = 0; i < SANDBOX_OUT_MAX; i++) {
		int dup = 0;

		if ((rc = sandbox_out_ok(fds[i], f->capture, what[i], err,
		    errlen)) < 0)
			return SPA_ERR_PRIVILEGE;
		for (int j = 0; j < n; j++)
			dup |= out[j] == fds[i];
		if (rc > 0 && !dup)
			out[n++] = fds[i];
	}
	return n;
}

/* One comparison, every field named (SCMP_A0() leaves datum_b out). */
static struct scmp_arg_cmp
sandbox_cmp(unsigned arg, enum scmp_compare op, scmp_datum_t a,
    scmp_datum_t b)
{
	return (struct scmp_arg_cmp){ .arg = arg, .op = op, .datum_a = a,
	    .datum_b = b };
}

#ifdef SPA_COVERAGE
/*
 * make coverage only (common/cov.h): libgcov writes the confined child's
 * counts from inside.  It opens each .gcda file by path with O_RDWR |
 * O_CREAT, locks it (F_SETLKW), asks its flags (F_GETFL, fdopen), reads,
 * seeks, writes and closes it: open with exactly those flags, those two
 * fcntl commands, and write on any descriptor but the capture socket are
 * added; nothing else changes (no send, no other open).
 */
static int
sandbox_cov_rules(scmp_filter_ctx ctx, int capture, const char **bad)
{
	int rc;

	*bad = "openat (coverage)";
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    sandbox_cmp(2, SCMP_CMP_MASKED_EQ, 0xffffffffu,
	    O_RDWR | O_CREAT))) != 0)
		return rc;
	*bad = "fcntl (coverage)";
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    sandbox_cmp(1, SCMP_CMP_EQ, F_SETLKW, 0))) != 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
	    sandbox_cmp(1, SCMP_CMP_EQ, F_GETFL, 0))) != 0)
		return rc;
	*bad = "write (coverage)";
	return capture < 0 ?
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 0) :
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
	    sandbox_cmp(0, SCMP_CMP_NE, (scmp_datum_t)capture, 0));
}
#endif

/* The allow list into ctx.  0, or a negative errno from libseccomp with
 * the call's name in *bad. */
static int
sandbox_rules(scmp_filter_ctx ctx, int capture, const int out[], int nout,
    const char **bad)
{
	const size_t n = sizeof(sandbox_allowed) / sizeof(sandbox_allowed[0]);
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct sandbox_allow *a = &sandbox_allowed[i];

		*bad = a->name;
		switch (a->how) {
		case SANDBOX_ANY:
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 0);
			break;
		case SANDBOX_OUT_FD:
			for (int j = 0; j < nout && rc == 0; j++)
				rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
				    a->nr, 1, sandbox_cmp(0, SCMP_CMP_EQ,
				    (scmp_datum_t)out[j], 0));
			break;
		case SANDBOX_IFFLAGS:
			rc = capture < 0 ? 0 : seccomp_rule_add(ctx,
			    SCMP_ACT_ALLOW, a->nr, 2, sandbox_cmp(0,
			    SCMP_CMP_EQ, (scmp_datum_t)capture, 0),
			    sandbox_cmp(1, SCMP_CMP_EQ, SIOCGIFFLAGS, 0));
			break;
		case SANDBOX_NO_EXEC:
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, a->nr, 1,
			    sandbox_cmp(2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
			break;
		}
	}
#ifdef SPA_COVERAGE
	if (rc == 0)
		rc = sandbox_cov_rules(ctx, capture, bad);
#endif
	return rc;
}

int
sandbox_enter(const struct sandbox_fds *f, char *err, size_t errlen)
{
	int out[SANDBOX_OUT_MAX], nout, rc;
	const char *bad = "seccomp_init";
	scmp_filter_ctx ctx;

	if ((nout = sandbox_out_fds(f, out, err, errlen)) < 0)
		return SPA_ERR_PRIVILEGE;
	/* A filter needs no privilege once no_new_privs is set: the child
	 * is no longer root by now. */
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 &&
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		sandbox_msg(err, errlen, "sandbox: PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return SPA_ERR_PRIVILEGE;
	}
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		sandbox_msg(err, errlen, "sandbox: seccomp_init failed");
		return SPA_ERR_PRIVILEGE;
	}
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) != 0)
		bad = "the bad-architecture action";
	else if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) != 0)
		bad = "TSYNC";
	/* cov_dump: the counts so far, before the filter (make coverage). */
	else if ((rc = sandbox_rules(ctx, f->capture, out, nout, &bad)) == 0 &&
	    (cov_dump(), (rc = seccomp_load(ctx)) != 0))
		bad = "seccomp_load";
	seccomp_release(ctx);
	if (rc != 0) {
		sandbox_msg(err, errlen, "sandbox: %s: %s", bad,
		    strerror(-rc));
		return SPA_ERR_PRIVILEGE;
	}
	return 0;
}
