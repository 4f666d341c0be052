/*
 * sniffer -t's checks (sniffer/precheck.h) on the paths test_precheck.c
 * leaves: a program that is there but cannot be run, a user whose expires
 * day is past (a warning, not an error), a state directory stat cannot
 * look at (a loop of links, a file on its way) or given with trailing
 * slashes, the line of state = among look-alike sections and keys, a
 * configuration file gone since it was read (the line is then unknown),
 * and, as root in a child's own mount namespace, a state
 * directory to be created on a read-only file system: an error as root,
 * only reported without; and, run as nobody, a state directory it may
 * not look at or create, only reported.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <grp.h>
#include <unistd.h>

#include "cov.h"
#include "conf.h"
#include "err.h"
#include "firewall.h"
#include "kidrun.h"
#include "precheck.h"
#include "precheckrig.h"
#include "testfile.h"
#include "tmpfschild.h"

static char *const tmpdir = testfile_dir;       /* testfile_dir_setup() */
static char *const outbuf = precheckrig_out;
static int drop_to_nobody;      /* run(): checks as uid/gid 65534 */
static const char *rewrite;     /* run(): the file's text once read */
static const char *state_as;    /* run(): the state directory, once read */
static const char *empty_as;    /* run(): the chroot directory */

static int
setup_dir(void **state)
{
	rewrite = state_as = empty_as = NULL;
	if (testfile_dir_setup(state) != 0)
		return -1;
	testfile_write(tmpdir, "ok", "[ipv4]\nopen = /bin/true {addr}\n"
	    "close = /bin/true {addr}\n[ipv6]\nopen = /bin/true {addr}\n"
	    "close = /bin/true {addr}\n", 0600);
	return 0;
}

/* The checks on a configuration (state on line 3, the user's expires on
 * line 7 when given) with backend; the lines in outbuf.  gone: the file
 * is removed once read.  Returns the problems counted, *rc the result. */
static unsigned
run(const char *backend, const char *state_dir, const char *expires,
    int gone, int root, int *rc)
{
	char extra[128];
	struct firewall *fw;
	struct conf *c;
	unsigned nerr = 99;
	FILE *out;

	snprintf(extra, sizeof(extra), "%s%s%s", expires ? "expires = " : "",
	    expires ? expires : "", expires ? "\n" : "");
	precheckrig_load("any", state_dir, extra, backend, &c, &fw);
	if (gone)
		assert_int_equal(unlink(testfile_at("s.conf")), 0);
	if (rewrite != NULL)
		testfile_write(tmpdir, "s.conf", rewrite, 0600);
	if (state_as != NULL) {
		free(c->sniffer.state);
		assert_non_null(c->sniffer.state = strdup(state_as));
	}
	mkdir(testfile_at("empty"), 0755);
	out = precheckrig_open();
	if (drop_to_nobody && (setgroups(0, NULL) != 0 ||
	    setresgid(65534, 65534, 65534) != 0 ||
	    setresuid(65534, 65534, 65534) != 0))
		kidrun_exit(77);                /* as_nobody's child */
	*rc = precheck_run(&(struct precheck){ .conf = c, .fw = fw,
	    .empty_dir = empty_as ? empty_as : testfile_at("empty"),
	    .root = root, .out = out }, &nerr);
	fclose(out);
	firewall_free(fw);
	conf_free(c);
	return nerr;
}

static void
test_not_executable(void **state)
{
	char text[512];
	int rc;

	(void)state;
	testfile_write(tmpdir, "noexec", "#!/bin/sh\n", 0644);
	mkdir(testfile_at("adir"), 0755);
	snprintf(text, sizeof(text), "[ipv4]\nopen = %s {addr}\n"
	    "close = %s {addr}\n[ipv6]\nopen = %s {addr}\n"
	    "close = /bin/true {addr}\n", testfile_at("noexec"),
	    testfile_at("adir"), testfile_at("noexec"));
	testfile_write(tmpdir, "bad", text, 0600);
	/* each program once, at its first line */
	assert_int_equal(run("bad", "", NULL, 0, 0, &rc), 2);
	assert_int_equal(rc, SPA_ERR_INVALID);
	precheckrig_has(testfile_at("bad:2: "), "");
	precheckrig_has(testfile_at("noexec"), ": not an executable file\n");
	precheckrig_has(testfile_at("bad:3: "), "");
	precheckrig_has(testfile_at("adir"), ": not an executable file\n");
	assert_null(strstr(outbuf, testfile_at("bad:5: ")));
}

static void
test_expired_user(void **state)
{
	int rc;

	(void)state;
	assert_int_equal(run("ok", "", "2020-01-31", 0, 0, &rc), 0);
	assert_int_equal(rc, 0);
	precheckrig_has(testfile_at("s.conf:7: "), "warning: user alice "
	    "expired at the end of 2020-01-31 (UTC): every knock of it is "
	    "denied\n");
	/* a day to come: nothing said */
	assert_int_equal(run("ok", "", "2999-12-31", 0, 0, &rc), 0);
	assert_null(strstr(outbuf, "expired"));
}

static void
test_state_unreachable(void **state)
{
	int rc;

	(void)state;
	assert_int_equal(symlink("loop", testfile_at("loop")), 0);
	assert_int_equal(run("ok", testfile_at("loop"), NULL, 0, 0, &rc), 1);
	assert_int_equal(rc, SPA_ERR_INVALID);
	precheckrig_has(testfile_at("s.conf:3: state directory "), "");
	precheckrig_has(testfile_at("loop"),
	    ": Too many levels of symbolic links\n");

	testfile_write(tmpdir, "file", "", 0600);
	/* as root when root: the chroot's checks need a root-owned one */
	assert_int_equal(run("ok", testfile_at("file/st"), NULL, 0,
	    geteuid() == 0, &rc), 1);
	precheckrig_has(testfile_at("s.conf:3: state directory "), "");
	precheckrig_has(testfile_at("file/st"), ": Not a directory\n");

	/* missing, named with trailing slashes: its parent is what counts */
	assert_int_equal(run("ok", testfile_at("new///"), NULL, 0, 0, &rc), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(run("ok", testfile_at("none/new///"), NULL, 0, 0, &rc),
	    1);
	precheckrig_has(" cannot be created: ",
	    testfile_at("none: No such file or directory\n"));
}

static void
test_conf_gone(void **state)
{
	int rc;

	(void)state;
	/* the file cannot be read again: no line, the file's name only */
	assert_int_equal(run("ok", testfile_at("no/such"), NULL, 1, 0, &rc), 1);
	precheckrig_has(testfile_at("s.conf: state directory "), "");
	assert_null(strstr(outbuf, "s.conf:3:"));
}

/* The line of state = is looked for in [sniffer] only: not in a section
 * whose name only begins with sniffer, not at a key that only begins with
 * state; a header with more after "sniffer " is the section. */
static void
test_state_line(void **state)
{
	int rc;

	(void)state;
	assert_int_equal(symlink("loop", testfile_at("loop")), 0);
	rewrite = "# the [sniffer] section\n"
	    "[snifferx]\n"
	    "state = /a\n"
	    "[sniffer\n"
	    "[ sniffer\tsecond ]\n"
	    "stateful = 1\n"
	    "state\t= /b\n";
	assert_int_equal(run("ok", testfile_at("loop"), NULL, 0, 0, &rc), 1);
	rewrite = NULL;
	precheckrig_has(testfile_at("s.conf:7: state directory "), "");
	assert_null(strstr(outbuf, "s.conf:3:"));
}

/* Paths no configuration file gives (a line holds fewer bytes), as a
 * struct conf built otherwise could: a state directory longer than a path
 * may be, a relative one (its parent is then the working directory), a
 * chroot directory longer than a path may be (privdrop says so at start,
 * -t does not). */
static void
test_paths_given_otherwise(void **state)
{
	static char longpath[PATH_MAX + 16];
	int rc;

	(void)state;
	precheckrig_need_root();
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	state_as = longpath;
	assert_int_equal(run("ok", "/x", NULL, 0, 1, &rc), 1);
	state_as = NULL;
	precheckrig_has(testfile_at("s.conf:3: state /aaaa"), "");
	assert_non_null(strstr(outbuf, "a...: path too long\n"));
	state_as = "spa-precheck-relative";     /* not there: "." is checked */

	assert_int_equal(run("ok", "/x", NULL, 0, 1, &rc), 0);
	assert_int_equal(rc, 0);
	assert_null(strstr(outbuf, "state"));
	state_as = NULL;

	empty_as = longpath;
	assert_int_equal(run("ok", "", NULL, 0, 1, &rc), 0);
	empty_as = NULL;
	assert_null(strstr(outbuf, "privilege separation"));
}

/* In the child: a mount namespace of its own where dir is a read-only
 * tmpfs, and the checks, as root and without, of a state directory in
 * it. */
static void
read_only_child(const char *dir)
{
	unsigned n;
	int rc;

	if (unshare(CLONE_NEWNS) != 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("spa-test", dir, "tmpfs", MS_RDONLY, "size=64k") != 0)
		tmpfschild_exit(77);
	n = run("ok", testfile_at("ro/st"), NULL, 0, 1, &rc);
	if (n != 1 || rc != SPA_ERR_INVALID ||
	    strstr(outbuf, "s.conf:3: state directory ") == NULL ||
	    strstr(outbuf, "ro/st cannot be created in ") == NULL ||
	    strstr(outbuf, ": Read-only file system\n") == NULL) {
		printf("as root: %u %d:\n%s", n, rc, outbuf);
		tmpfschild_exit(1);
	}
	n = run("ok", testfile_at("ro/st"), NULL, 0, 0, &rc);
	if (n != 0 || rc != 0 || strstr(outbuf, "sniffer: not checked "
	    "without root: state directory ") == NULL ||
	    strstr(outbuf, ": Read-only file system\n") == NULL) {
		printf("without root: %u %d:\n%s", n, rc, outbuf);
		tmpfschild_exit(2);
	}
	tmpfschild_exit(0);
}

/* As root: the parent of the state directory is a read-only tmpfs. */
static void
test_read_only_parent(void **state)
{
	char ro[128];

	(void)state;
	tmpfschild_need_root();
	snprintf(ro, sizeof(ro), "%s/ro", tmpdir);
	mkdir(ro, 0700);
	tmpfschild_run(ro, read_only_child, 0);
}

struct nobody_case {
	const char *state_dir;
	const char *want;
};

/* In kidrun's child, as nobody (uid/gid 65534): the checks on state_dir
 * find no problem and report "not checked without root: state directory"
 * with want.  0, 77 when there is no such user to become, else 1. */
static int
nobody_child(const void *arg)
{
	const struct nobody_case *nc = arg;
	unsigned n;
	int rc;

	drop_to_nobody = 1;
	n = run("ok", nc->state_dir, NULL, 0, 0, &rc);
	if (n != 0 || rc != 0 || strstr(outbuf, "sniffer: not checked "
	    "without root: state directory ") == NULL ||
	    strstr(outbuf, nc->want) == NULL) {
		printf("%s: %u %d:\n%s", nc->state_dir, n, rc, outbuf);
		fflush(stdout);
		return 1;
	}
	return 0;
}

static int
as_nobody(const char *state_dir, const char *want)
{
	return kidrun(nobody_child, &(struct nobody_case){ state_dir, want });
}

/* Without root, for want of permission: only reported, never counted. */
static void
test_without_root(void **state)
{
	int rc;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(chmod(tmpdir, 0755), 0);
	mkdir(testfile_at("locked"), 0700);    /* root's: nobody cannot enter */
	mkdir(testfile_at("shut"), 0755);      /* nobody cannot write in it */
	rc = as_nobody(testfile_at("locked/st"),
	    "locked/st: Permission denied\n");
	if (rc == 77)
		skip();
	assert_int_equal(rc, 0);
	assert_int_equal(as_nobody(testfile_at("shut/st"), "shut: Permission "
	    "denied\n"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_executable, setup_dir,
		    testfile_dir_teardown),
		cmocka_unit_test_setup_teardown(test_expired_user, setup_dir,
		    testfile_dir_teardown),
		cmocka_unit_test_setup_teardown(test_state_unreachable,
		    setup_dir, testfile_dir_teardown),
		cmocka_unit_test_setup_teardown(test_state_line, setup_dir,
		    testfile_dir_teardown),
		cmocka_unit_test_setup_teardown(test_paths_given_otherwise,
		    setup_dir, testfile_dir_teardown),
		cmocka_unit_test_setup_teardown(test_conf_gone, setup_dir,
		    testfile_dir_teardown),
		cmocka_unit_test_setup_teardown(test_read_only_parent,
		    setup_dir, testfile_dir_teardown),
		cmocka_unit_test_setup_teardown(test_without_root,
		    setup_dir, testfile_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
