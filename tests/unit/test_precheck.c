/*
 * sniffer/precheck.c: each check's lines on temporary trees, counted as
 * errors or (without root) only reported; all problems, not the first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "firewall.h"
#include "precheck.h"
#include "testfile.h"

static char tmpdir[64];
static char outbuf[8192];

static int
setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_precheck.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	testfile_write(tmpdir, "t", "[ipv4]\n"
	    "setup = /nonexistent/spa-a {family}\n"
	    "open = /bin/true {addr}\n"
	    "close = /nonexistent/spa-b {addr}\n"
	    "[ipv6]\n"
	    "open = /nonexistent/spa-a {addr}\n"
	    "close = /bin/true {addr}\n", 0600);
	testfile_write(tmpdir, "ok", "[ipv4]\nopen = /bin/true {addr}\n"
	    "close = /bin/true {addr}\n[ipv6]\nopen = libnftables add "
	    "element inet spa a6 {{ {addr} }}\nclose = /bin/true {addr}\n",
	    0600);
	return 0;
}

static int
teardown_dir(void **state)
{
	(void)state;
	return testfile_remove_tree(tmpdir);
}

/* tmpdir/name, in one of four buffers used in turn (a call may take
 * several). */
static const char *
in_tmp(const char *name)
{
	static char path[4][sizeof(tmpdir) + 128];
	static unsigned next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	return p;
}

/* Runs the checks on a configuration (state on line 3, interface on line
 * 2) and backend; the lines in outbuf.  Returns the problems counted. */
static unsigned
run(const char *backend, const char *state_dir, const char *iface,
    const char *iface_opt, const char *empty_dir, int root, int *rc)
{
	char text[1024], err[CONF_ERR_MAX];
	struct firewall *fw;
	struct conf *c;
	unsigned nerr = 99;
	FILE *out;

	snprintf(text, sizeof(text), "[sniffer]\ninterface = %s\n"
	    "state = %s\n[user alice]\n"
	    "key = PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=\n"
	    "allow = ssh\n[action ssh]\nopen = tcp/22\n", iface, state_dir);
	testfile_write(tmpdir, "s.conf", text, 0600);
	assert_int_equal(conf_load(in_tmp("s.conf"), &c, err), 0);
	assert_int_equal(firewall_load(tmpdir, backend, &fw, err), 0);
	memset(outbuf, 0, sizeof(outbuf));
	assert_non_null(out = fmemopen(outbuf, sizeof(outbuf) - 1, "w"));
	*rc = precheck_run(&(struct precheck){ .conf = c, .fw = fw,
	    .interface = iface_opt, .empty_dir = empty_dir, .root = root,
	    .out = out }, &nerr);
	fclose(out);
	firewall_free(fw);
	conf_free(c);
	return nerr;
}

static void
has_line(const char *prefix, const char *rest)
{
	char want[512];

	snprintf(want, sizeof(want), "%s%s", prefix, rest);
	if (strstr(outbuf, want) == NULL)
		fail_msg("want \"%s\" in:\n%s", want, outbuf);
}

static void
test_clean(void **state)
{
	int rc;

	(void)state;
	mkdir(in_tmp("empty"), 0755);
	mkdir(in_tmp("st"), 0700);
	assert_int_equal(run("ok", in_tmp("st"), "any", NULL,
	    in_tmp("empty"), geteuid() == 0, &rc), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(run("ok", "", "lo", NULL, in_tmp("empty"), 0, &rc), 0);
	assert_int_equal(rc, 0);
	/* Without root: one note, no error. */
	assert_non_null(strstr(outbuf, "sniffer: not checked without root: "));
}

static void
test_everything_at_once(void **state)
{
	char conf[256];
	int rc;

	(void)state;
	snprintf(conf, sizeof(conf), "%s:", in_tmp("s.conf"));
	mkdir(in_tmp("empty"), 0755);
	assert_int_equal(run("t", in_tmp("no/such"), "nosuch-spa0", NULL,
	    in_tmp("empty"), 0, &rc), 4);
	assert_int_equal(rc, SPA_ERR_INVALID);
	has_line(in_tmp("t:2: "), "/nonexistent/spa-a: No such file or "
	    "directory");
	has_line(in_tmp("t:4: "), "/nonexistent/spa-b: No such file or "
	    "directory");
	has_line(conf, "3: state directory /tmp/");
	has_line(conf, "2: interface nosuch-spa0: No such device");
	/* -i wins over the configured interface. */
	assert_int_equal(run("ok", "", "nosuch-spa0", "nosuch-spa1",
	    in_tmp("empty"), 0, &rc), 1);
	has_line("sniffer: -i nosuch-spa1: ", "No such device");
}

static void
test_state_modes(void **state)
{
	char conf[256];
	int rc;

	(void)state;
	snprintf(conf, sizeof(conf), "%s:3: ", in_tmp("s.conf"));
	mkdir(in_tmp("empty"), 0755);
	mkdir(in_tmp("gw"), 0700);
	chmod(in_tmp("gw"), 0770);
	assert_int_equal(run("ok", in_tmp("gw"), "any", NULL,
	    in_tmp("empty"), 0, &rc), 1);
	has_line(conf, "state ");
	assert_non_null(strstr(outbuf, "writable by group or others"));
	mkdir(in_tmp("db"), 0700);
	mkdir(in_tmp("db/state.db"), 0700);
	assert_int_equal(run("ok", in_tmp("db"), "any", NULL,
	    in_tmp("empty"), 0, &rc), 1);
	assert_non_null(strstr(outbuf, "state.db: not a regular file"));
	/* Missing, in a directory that exists: start creates it. */
	assert_int_equal(run("ok", in_tmp("new"), "any", NULL,
	    in_tmp("empty"), 0, &rc), 0);
}

static void
test_chroot_dir(void **state)
{
	int rc, root = geteuid() == 0;

	(void)state;
	mkdir(in_tmp("full"), 0755);
	testfile_write(tmpdir, "full/x", "", 0600);
	/* As root, a problem; without, only reported. */
	if (root) {
		assert_int_equal(run("ok", "", "any", NULL, in_tmp("full"), 1,
		    &rc), 1);
		assert_non_null(strstr(outbuf, "sniffer: privilege separation: "
		    "chroot directory "));
		assert_non_null(strstr(outbuf, "not empty"));
	}
	assert_int_equal(run("ok", "", "any", NULL, in_tmp("full"), 0, &rc),
	    0);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(outbuf, "sniffer: as root, privilege "
	    "separation: chroot directory "));
	/* Missing under a file: it could never be created. */
	testfile_write(tmpdir, "file", "", 0600);
	assert_int_equal(run("ok", "", "any", NULL, in_tmp("file/empty"),
	    1, &rc), 1);
	assert_non_null(strstr(outbuf, "is not a directory"));
	/* Missing under a directory: start creates it. */
	assert_int_equal(run("ok", "", "any", NULL, in_tmp("d/e/empty"),
	    1, &rc), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_everything_at_once,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_state_modes, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_chroot_dir, setup_dir,
		    teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
