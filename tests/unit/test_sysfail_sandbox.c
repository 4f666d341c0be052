/*
 * sandbox_enter (sniffer/sandbox.h) when libseccomp or a system call
 * fails (tests/unit/sysfail.h), and with the descriptors it may be given:
 * every failure returns SPA_ERR_PRIVILEGE with a message naming what
 * failed, and leaves the process without a filter; every refusal comes
 * before one.  Each case runs in a forked child (a filter, once loaded,
 * is for good) that reports by its exit code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "kidrun.h"
#include "sandbox.h"
#include "sysfail.h"

/* Exit codes of a child. */
enum {
	KID_REFUSED = 0,        /* failed as it should */
	KID_LOADED = 1,         /* the filter is in */
	KID_SETUP = 2,
	KID_WRONG = 3,          /* another code or message */
	KID_FILTERED = 4,       /* failed, yet a filter is in */
	KID_NOT_SENT = 5,
};

/* A child's sockets: the parent's two and a stand-in for the capture. */
struct fds {
	int channel[2];
	int log[2];
	int capture[2];
};

static void
kid_sockets(struct fds *s, struct sandbox_fds *f)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s->channel) != 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, s->log) != 0 ||
	    socketpair(AF_UNIX, SOCK_DGRAM, 0, s->capture) != 0)
		kidrun_exit(KID_SETUP);
	*f = (struct sandbox_fds){ .capture = s->capture[0],
	    .channel = s->channel[0], .log = s->log[0] };
}

/* sandbox_enter's outcome: loaded, or refused with says (and who,
 * unless NULL) in the message and no filter in. */
static int
kid_enter(const struct sandbox_fds *f, const char *says, const char *who)
{
	char err[256] = "";
	int rc = sandbox_enter(f, err, sizeof(err));

	sysfail_clear();
	if (rc == 0)
		return KID_LOADED;
	if (rc != SPA_ERR_PRIVILEGE || strncmp(err, "sandbox: ", 9) != 0 ||
	    (says != NULL && strstr(err, says) == NULL) ||
	    (who != NULL && strstr(err, who) == NULL)) {
		fprintf(stderr, "rc %d: \"%s\", not \"%s\"\n", rc, err,
		    says != NULL ? says : "sandbox: ");
		return KID_WRONG;
	}
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0)
		return KID_FILTERED;
	return KID_REFUSED;
}

struct fault {
	const char *call;
	unsigned skip;
	int err;
	int all;                /* every call fails */
	const char *says;
	const char *who;        /* also in the message, or NULL */
};

static const struct fault faults[] = {
	{ "seccomp_init", 0, ENOMEM, 0, "sandbox: seccomp_init failed",
	    NULL },
	{ "seccomp_attr_set", 0, EINVAL, 0,
	    "sandbox: the bad-architecture action: Invalid argument", NULL },
	{ "seccomp_attr_set", 1, EOPNOTSUPP, 0, "sandbox: TSYNC: ", NULL },
	{ "seccomp_load", 0, EFAULT, 0, "sandbox: seccomp_load: Bad address",
	    NULL },
	/* Neither asked nor set. */
	{ "prctl", 0, EPERM, 1,
	    "sandbox: PR_SET_NO_NEW_PRIVS: Operation not permitted", NULL },
	{ "fstat", 0, EIO, 0, ": Input/output error",
	    "sandbox: channel descriptor " },
	/* A socket that cannot be told apart from a packet one. */
	{ "getsockopt", 0, ENOBUFS, 0, ": getsockopt: No buffer space",
	    "sandbox: channel descriptor " },
	{ "getsockopt", 1, ENOBUFS, 0, ": getsockopt: No buffer space",
	    "sandbox: channel descriptor " },
};

static int
fault_kid(const void *arg)
{
	const struct fault *c = arg;
	struct sandbox_fds f;
	struct fds s;

	kid_sockets(&s, &f);
	if (c->all)
		sysfail_arm_all(c->call, c->err);
	else
		sysfail_arm(c->call, c->skip, c->err);
	return kid_enter(&f, c->says, c->who);
}

static void
test_faults(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		int code = kidrun(fault_kid, &faults[i]);

		if (code != KID_REFUSED)
			fail_msg("%s (after %u): child exited %d",
			    faults[i].call, faults[i].skip, code);
	}
}

/* Each rule's failure in turn: the first, the second, ... until the
 * filter loads. */
static int
rule_kid(const void *arg)
{
	struct sandbox_fds f;
	struct fds s;

	kid_sockets(&s, &f);
	sysfail_arm("seccomp_rule_add", *(const unsigned *)arg, ENOMEM);
	return kid_enter(&f, ": Cannot allocate memory", NULL);
}

static void
test_rule_faults(void **state)
{
	unsigned n;
	int code = KID_REFUSED;

	(void)state;
	for (n = 0; n < 200 && code == KID_REFUSED; n++)
		code = kidrun(rule_kid, &n);
	assert_int_equal(code, KID_LOADED);
	/* One rule per allowed call at least: that many were failed. */
	assert_true(n > 30);
}

/* What the filter is made for, with unusual descriptors. */
enum layout {
	NO_CHANNEL_NOR_LOG,     /* stderr only; no capture either */
	ONE_SOCKET,             /* channel and log the same socket */
	STDERR_CLOSED,
	NO_NEW_PRIVS_SET,       /* already, as after privdrop_drop */
};

static int
layout_kid(const void *arg)
{
	enum layout l = *(const enum layout *)arg;
	struct sandbox_fds f;
	struct fds s;
	int code;

	kid_sockets(&s, &f);
	switch (l) {
	case NO_CHANNEL_NOR_LOG:
		f = (struct sandbox_fds){ .capture = -1, .channel = -1,
		    .log = -1 };
		break;
	case ONE_SOCKET:
		f.log = f.channel;
		break;
	case STDERR_CLOSED:
		close(2);
		break;
	case NO_NEW_PRIVS_SET:
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
			return KID_SETUP;
		break;
	}
	if ((code = kid_enter(&f, NULL, NULL)) != KID_LOADED)
		return code;
	/* Inside: the channel, when there is one, is written to. */
	if (f.channel >= 0 && send(f.channel, "x", 1, 0) != 1)
		return KID_NOT_SENT;
	return KID_LOADED;
}

static void
test_layouts(void **state)
{
	static const enum layout layouts[] = {
		NO_CHANNEL_NOR_LOG, ONE_SOCKET, STDERR_CLOSED, NO_NEW_PRIVS_SET
	};

	(void)state;
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		int code = kidrun(layout_kid, &layouts[i]);

		if (code != KID_LOADED)
			fail_msg("layout %zu: child exited %d", i, code);
	}
}

/* Refused before any filter: no room for the message, and a raw socket
 * (root only) as the log. */
static void
test_refusals(void **state)
{
	struct sandbox_fds f;
	char err[256];
	int sp[2], raw;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sp), 0);
	f = (struct sandbox_fds){ .capture = sp[0], .channel = sp[0],
	    .log = sp[1] };
	assert_int_equal(sandbox_enter(&f, NULL, 0), SPA_ERR_PRIVILEGE);
	memcpy(err, "untouched", 10);
	assert_int_equal(sandbox_enter(&f, err, 0), SPA_ERR_PRIVILEGE);
	assert_string_equal(err, "untouched");
	if ((raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW)) >= 0) {
		f = (struct sandbox_fds){ .capture = -1, .channel = sp[0],
		    .log = raw };
		assert_int_equal(sandbox_enter(&f, err, sizeof(err)),
		    SPA_ERR_PRIVILEGE);
		assert_non_null(strstr(err, "log descriptor"));
		assert_non_null(strstr(err, "is a packet or raw socket"));
		close(raw);
	} else {
		print_message("not root: no raw socket to refuse\n");
	}
	assert_int_equal(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	close(sp[0]);
	close(sp[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_rule_faults),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
