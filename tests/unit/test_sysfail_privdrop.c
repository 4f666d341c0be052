/*
 * privdrop_drop (sniffer/privdrop.h) when a system call of the drop fails
 * (tests/unit/sysfail.h): in a child, as root, into "/" as
 * test_privdrop_root does, each failure makes the drop return
 * SPA_ERR_PRIVILEGE with a message naming the call, never 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "privdrop.h"
#include "sysfail.h"

struct drop_fault {
	const char *call;       /* sysfail name */
	unsigned skip;          /* calls of it that succeed first */
	const char *says;       /* in the message */
};

static const struct drop_fault drop_faults[] = {
	{ "chroot", 0, "chroot /" },
	{ "chdir", 0, "chdir / in chroot" },
	{ "setgroups", 0, "setgroups(0)" },
};

/* The drop with the fault armed: 0 when it failed as it should. */
static int
drop_kid(const struct drop_fault *f)
{
	struct privdrop_target t;
	char err[512] = "";
	int rc;

	if (privdrop_lookup(&t, err, sizeof(err)) != 0)
		return 2;
	sysfail_arm(f->call, f->skip, EPERM);
	rc = privdrop_drop(&t, "/", err, sizeof(err));
	if (rc != SPA_ERR_PRIVILEGE || sysfail_failed(f->call) != 1) {
		fprintf(stderr, "%s: rc %d, failed %u: %s\n", f->call, rc,
		    sysfail_failed(f->call), err);
		return 3;
	}
	if (strstr(err, f->says) == NULL) {
		fprintf(stderr, "%s: message \"%s\" lacks \"%s\"\n", f->call,
		    err, f->says);
		return 4;
	}
	return 0;
}

static void
test_drop_faults(void **state)
{
	struct privdrop_target t;
	char err[512];

	(void)state;
	if (geteuid() != 0) {
		print_message("not root: no real drop to fail\n");
		skip();
	}
	if (privdrop_lookup(&t, err, sizeof(err)) != 0) {
		print_message("%s\n", err);
		skip();
	}
	for (size_t i = 0; i < sizeof(drop_faults) / sizeof(drop_faults[0]);
	    i++) {
		int status;
		pid_t pid;

		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			exit(drop_kid(&drop_faults[i])); /* exit: counted */
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) != 0)
			fail_msg("%s: child exited %d", drop_faults[i].call,
			    WEXITSTATUS(status));
	}
	assert_int_equal(geteuid(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
