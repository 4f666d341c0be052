/*
 * privdrop_drop (sniffer/privdrop.h) into "/" itself, in a child, as root:
 * the same drop as into the empty directory, so what follows the chroot
 * (the bounding set, groups, ids, no_new_privs, the proofs) runs where the
 * files outside stay visible: the child then checks from /proc that no
 * capability, no group and no way back to root is left, and ends with
 * exit(), so a coverage build counts it (test_privdrop's children, in an
 * empty chroot, cannot write their counts: doc/coverage.md).  A target of
 * root's ids is refused before anything changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privdrop.h"

/* The value of "NAME:\t" in /proc/self/status, or "" */
static const char *
status_field(const char *name)
{
	static char buf[4096], v[128];
	char key[32];
	const char *p, *e;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	v[0] = '\0';
	if (n <= 0)
		return v;
	buf[n] = '\0';
	snprintf(key, sizeof(key), "\n%s:\t", name);
	if ((p = strstr(buf, key)) == NULL)
		return v;
	p += strlen(key);
	if ((e = strchr(p, '\n')) == NULL || (size_t)(e - p) >= sizeof(v))
		return v;
	memcpy(v, p, (size_t)(e - p));
	v[e - p] = '\0';
	return v;
}

static int
kid(void)
{
	static const char *const caps[] = { "CapInh", "CapPrm", "CapEff",
	    "CapBnd", "CapAmb" };
	struct privdrop_target t;
	char err[512], want[64];

	if (privdrop_lookup(&t, err, sizeof(err)) != 0)
		return 2;
	if (privdrop_drop(&t, "/", err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 3;
	}
	if (getuid() != t.uid || geteuid() != t.uid || getgid() != t.gid ||
	    getegid() != t.gid)
		return 4;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (strcmp(status_field(caps[i]), "0000000000000000") != 0)
			return 5;
	if (strcmp(status_field("NoNewPrivs"), "1") != 0 ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 6;
	if (strspn(status_field("Groups"), " ") != strlen(status_field("Groups")))
		return 7;
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", (unsigned)t.uid,
	    (unsigned)t.uid, (unsigned)t.uid, (unsigned)t.uid);
	if (strcmp(status_field("Uid"), want) != 0)
		return 8;
	if (setuid(0) == 0 || errno != EPERM || seteuid(0) == 0 ||
	    setgid(0) == 0)
		return 9;
	return 0;
}

static void
test_drop_into_root(void **state)
{
	struct privdrop_target t;
	char err[512];
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		print_message("not root: no real drop to test\n");
		skip();
	}
	if (privdrop_lookup(&t, err, sizeof(err)) != 0) {
		print_message("%s\n", err);
		skip();
	}
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		exit(kid());    /* exit, not _exit: a coverage build counts */
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* and we, the parent, are still root */
	assert_int_equal(geteuid(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_into_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
