/*
 * sniffer -t's checks (sniffer/precheck.h) when a system call fails
 * (tests/unit/sysfail.h): the state database lstat cannot look at is an
 * error as root and only reported without; a state directory to create
 * whose parent is not a directory; a chroot directory whose ancestor
 * stat cannot look at; the unprivileged user not found, an error as root.
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
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "firewall.h"
#include "precheck.h"
#include "sysfail.h"
#include "precheckrig.h"
#include "testfile.h"

static char *const tmpdir = testfile_dir;       /* testfile_dir_setup() */
static char *const outbuf = precheckrig_out;

/* The checks of a configuration whose state = is state_dir (line 3),
 * chroot directory empty_dir, with call armed (skip, err) once all is
 * loaded; every matching call fails when skip is -1.  The problems
 * counted; the lines in outbuf. */
static unsigned
run(const char *state_dir, const char *empty_dir, int root,
    const char *call, int skip, int err_no)
{
	struct firewall *fw;
	struct conf *c;
	unsigned nerr = 99;
	FILE *out;

	precheckrig_load("any", state_dir, "", "ok", &c, &fw);
	out = precheckrig_open();
	if (skip < 0)
		sysfail_arm_all(call, err_no);
	else
		sysfail_arm(call, (unsigned)skip, err_no);
	(void)precheck_run(&(struct precheck){ .conf = c, .fw = fw,
	    .empty_dir = empty_dir, .root = root, .out = out }, &nerr);
	if (sysfail_failed(call) == 0)
		fail_msg("no %s failed:\n%s", call, outbuf);
	sysfail_clear();
	fclose(out);
	firewall_free(fw);
	conf_free(c);
	return nerr;
}

static void
test_database_unseen(void **state)
{
	(void)state;
	/* as root: an error at the line of state = */
	assert_int_equal(run(testfile_at("st"), testfile_at("empty"), 1,
	    "lstat", -1, EIO), 1);
	precheckrig_has(testfile_at("s.conf:3: state database "), "");
	precheckrig_has(testfile_at("st/state.db"), ": Input/output error\n");
	/* without root, for want of permission: only reported */
	assert_int_equal(run(testfile_at("st"), testfile_at("empty"), 0,
	    "lstat", -1, EACCES), 0);
	precheckrig_has("not checked without root: state database ",
	    testfile_at("st/state.db"));
	assert_int_equal(run(testfile_at("st"), testfile_at("empty"), 0,
	    "lstat", -1, EPERM), 0);
	precheckrig_has("not checked without root: state database ",
	    testfile_at("st/state.db"));
	/* without root, another error: counted */
	assert_int_equal(run(testfile_at("st"), testfile_at("empty"), 0,
	    "lstat", -1, ELOOP), 1);
	precheckrig_has(testfile_at("s.conf:3: state database "), "");
	/* as root, permission refused is an error too */
	assert_int_equal(run(testfile_at("st"), testfile_at("empty"), 1,
	    "lstat", -1, EACCES), 1);
	precheckrig_has(testfile_at("s.conf:3: state database "), "");
}

/* The state directory is missing (stat says so) and its parent is a
 * file. */
static void
test_parent_not_directory(void **state)
{
	(void)state;
	precheckrig_need_root();
	/* stat: /bin/true (the backend's program), then the directory */
	assert_int_equal(run(testfile_at("file/st"), testfile_at("empty"), 1,
	    "stat", 1, ENOENT), 1);
	precheckrig_has(testfile_at("s.conf:3: state directory "), "");
	precheckrig_has(testfile_at("file/st"), " cannot be created: ");
	precheckrig_has(testfile_at("file"), " is not a directory\n");
}

/* The chroot directory is missing; its parent is there but stat fails on
 * it. */
static void
test_chroot_parent_unseen(void **state)
{
	(void)state;
	/* stat: /bin/true, then the parent (no state directory: memory) */
	assert_int_equal(run("", testfile_at("empty/sub"), 1, "stat", 1, EIO),
	    1);
	precheckrig_has("privilege separation: chroot directory ",
	    testfile_at("empty/sub"));
	precheckrig_has(" cannot be created: ",
	    testfile_at("empty is not a directory\n"));
	/* without root: said for root, not counted */
	assert_int_equal(run("", testfile_at("empty/sub"), 0, "stat", 1, EIO),
	    0);
	precheckrig_has("as root, privilege separation: chroot directory ",
	    testfile_at("empty/sub"));
}

static void
test_no_such_user(void **state)
{
	(void)state;
	precheckrig_need_root();
	/* neither the user nor its fallback */
	assert_int_equal(run("", testfile_at("empty"), 1, "getpwnam", -1, EIO),
	    1);
	precheckrig_has("privilege separation: no user ", "");
	assert_non_null(strstr(outbuf, ": Input/output error"));
	assert_null(strstr(outbuf, "as root, privilege separation"));
	/* without root: what root would need, not counted */
	assert_int_equal(run("", testfile_at("empty"), 0, "getpwnam", -1, EIO),
	    0);
	precheckrig_has("as root, privilege separation: ", "");
}

static int
setup(void **state)
{
	if (testfile_dir_setup(state) != 0)
		return -1;
	testfile_write(tmpdir, "ok", "[ipv4]\nopen = /bin/true {addr}\n"
	    "close = /bin/true {addr}\n[ipv6]\nopen = /bin/true {addr}\n"
	    "close = /bin/true {addr}\n", 0600);
	testfile_write(tmpdir, "file", "", 0600);
	if (mkdir(testfile_at("st"), 0700) != 0 ||
	    mkdir(testfile_at("empty"), 0755) != 0)
		return -1;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_database_unseen),
		cmocka_unit_test(test_parent_not_directory),
		cmocka_unit_test(test_chroot_parent_unseen),
		cmocka_unit_test(test_no_such_user),
	};

	return cmocka_run_group_tests(tests, setup, sysfail_dir_teardown);
}
