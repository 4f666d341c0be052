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
#include "testfile.h"

static char tmpdir[64];
static char outbuf[8192];

static const char *
in_tmp(const char *name)
{
	static char path[4][sizeof(tmpdir) + 128];
	static unsigned next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	return p;
}

/* The checks of a configuration whose state = is state_dir (line 3),
 * chroot directory empty_dir, with call armed (skip, err) once all is
 * loaded; every matching call fails when skip is -1.  The problems
 * counted; the lines in outbuf. */
static unsigned
run(const char *state_dir, const char *empty_dir, int root,
    const char *call, int skip, int err_no)
{
	char text[1024], err[CONF_ERR_MAX];
	struct firewall *fw;
	struct conf *c;
	unsigned nerr = 99;
	FILE *out;

	snprintf(text, sizeof(text), "[sniffer]\ninterface = any\n"
	    "state = %s\n[user alice]\n"
	    "key = PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=\n"
	    "allow = ssh\n[action ssh]\nopen = tcp/22\n", state_dir);
	testfile_write(tmpdir, "s.conf", text, 0600);
	if (conf_load(in_tmp("s.conf"), &c, err) != 0)
		fail_msg("%s", err);
	if (firewall_load(tmpdir, "ok", &fw, err) != 0)
		fail_msg("%s", err);
	memset(outbuf, 0, sizeof(outbuf));
	assert_non_null(out = fmemopen(outbuf, sizeof(outbuf) - 1, "w"));
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
has(const char *prefix, const char *rest)
{
	char want[512];

	snprintf(want, sizeof(want), "%s%s", prefix, rest);
	if (strstr(outbuf, want) == NULL)
		fail_msg("want \"%s\" in:\n%s", want, outbuf);
}

static void
test_database_unseen(void **state)
{
	(void)state;
	/* as root: an error at the line of state = */
	assert_int_equal(run(in_tmp("st"), in_tmp("empty"), 1, "lstat", -1,
	    EIO), 1);
	has(in_tmp("s.conf:3: state database "), "");
	has(in_tmp("st/state.db"), ": Input/output error\n");
	/* without root, for want of permission: only reported */
	assert_int_equal(run(in_tmp("st"), in_tmp("empty"), 0, "lstat", -1,
	    EACCES), 0);
	has("not checked without root: state database ", in_tmp("st/state.db"));
	assert_int_equal(run(in_tmp("st"), in_tmp("empty"), 0, "lstat", -1,
	    EPERM), 0);
	has("not checked without root: state database ", in_tmp("st/state.db"));
	/* without root, another error: counted */
	assert_int_equal(run(in_tmp("st"), in_tmp("empty"), 0, "lstat", -1,
	    ELOOP), 1);
	has(in_tmp("s.conf:3: state database "), "");
	/* as root, permission refused is an error too */
	assert_int_equal(run(in_tmp("st"), in_tmp("empty"), 1, "lstat", -1,
	    EACCES), 1);
	has(in_tmp("s.conf:3: state database "), "");
}

/* The state directory is missing (stat says so) and its parent is a
 * file. */
static void
test_parent_not_directory(void **state)
{
	(void)state;
	/* stat: /bin/true (the backend's program), then the directory */
	assert_int_equal(run(in_tmp("file/st"), in_tmp("empty"), 1, "stat", 1,
	    ENOENT), 1);
	has(in_tmp("s.conf:3: state directory "), "");
	has(in_tmp("file/st"), " cannot be created: ");
	has(in_tmp("file"), " is not a directory\n");
}

/* The chroot directory is missing; its parent is there but stat fails on
 * it. */
static void
test_chroot_parent_unseen(void **state)
{
	(void)state;
	/* stat: /bin/true, then the parent (no state directory: memory) */
	assert_int_equal(run("", in_tmp("empty/sub"), 1, "stat", 1, EIO), 1);
	has("privilege separation: chroot directory ", in_tmp("empty/sub"));
	has(" cannot be created: ", in_tmp("empty is not a directory\n"));
	/* without root: said for root, not counted */
	assert_int_equal(run("", in_tmp("empty/sub"), 0, "stat", 1, EIO), 0);
	has("as root, privilege separation: chroot directory ",
	    in_tmp("empty/sub"));
}

static void
test_no_such_user(void **state)
{
	(void)state;
	/* neither the user nor its fallback */
	assert_int_equal(run("", in_tmp("empty"), 1, "getpwnam", -1, EIO),
	    1);
	has("privilege separation: no user ", "");
	assert_non_null(strstr(outbuf, ": Input/output error"));
	assert_null(strstr(outbuf, "as root, privilege separation"));
	/* without root: what root would need, not counted */
	assert_int_equal(run("", in_tmp("empty"), 0, "getpwnam", -1, EIO),
	    0);
	has("as root, privilege separation: ", "");
}

static int
setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_sysfail_precheck.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	testfile_write(tmpdir, "ok", "[ipv4]\nopen = /bin/true {addr}\n"
	    "close = /bin/true {addr}\n[ipv6]\nopen = /bin/true {addr}\n"
	    "close = /bin/true {addr}\n", 0600);
	testfile_write(tmpdir, "file", "", 0600);
	if (mkdir(in_tmp("st"), 0700) != 0 || mkdir(in_tmp("empty"), 0755))
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sysfail_clear();
	return testfile_remove_tree(tmpdir);
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

	return cmocka_run_group_tests(tests, setup, teardown);
}
