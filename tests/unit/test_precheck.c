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
#include "precheckrig.h"
#include "testfile.h"

static char *const tmpdir = testfile_dir;       /* testfile_dir_setup() */
static char *const outbuf = precheckrig_out;

static int
setup_dir(void **state)
{
	if (testfile_dir_setup(state) != 0)
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

/* Runs the checks on a configuration (state on line 3, interface on line
 * 2) and backend; the lines in outbuf.  Returns the problems counted. */
static unsigned
run(const char *backend, const char *state_dir, const char *iface,
    const char *iface_opt, const char *empty_dir, int root, int *rc)
{
	struct firewall *fw;
	struct conf *c;
	unsigned nerr = 99;
	FILE *out;

	precheckrig_load(iface, state_dir, "", backend, &c, &fw);
	out = precheckrig_open();
	*rc = precheck_run(&(struct precheck){ .conf = c, .fw = fw,
	    .interface = iface_opt, .empty_dir = empty_dir, .root = root,
	    .out = out }, &nerr);
	fclose(out);
	firewall_free(fw);
	conf_free(c);
	return nerr;
}

static void
test_clean(void **state)
{
	int rc;

	(void)state;
	mkdir(testfile_at("empty"), 0755);
	mkdir(testfile_at("st"), 0700);
	assert_int_equal(run("ok", testfile_at("st"), "any", NULL,
	    testfile_at("empty"), geteuid() == 0, &rc), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(run("ok", "", "lo", NULL, testfile_at("empty"), 0,
	    &rc), 0);
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
	snprintf(conf, sizeof(conf), "%s:", testfile_at("s.conf"));
	mkdir(testfile_at("empty"), 0755);
	assert_int_equal(run("t", testfile_at("no/such"), "nosuch-spa0", NULL,
	    testfile_at("empty"), 0, &rc), 4);
	assert_int_equal(rc, SPA_ERR_INVALID);
	precheckrig_has(testfile_at("t:2: "),
	    "/nonexistent/spa-a: No such file or directory");
	precheckrig_has(testfile_at("t:4: "),
	    "/nonexistent/spa-b: No such file or directory");
	precheckrig_has(conf, "3: state directory /tmp/");
	precheckrig_has(conf, "2: interface nosuch-spa0: No such device");
	/* -i wins over the configured interface. */
	assert_int_equal(run("ok", "", "nosuch-spa0", "nosuch-spa1",
	    testfile_at("empty"), 0, &rc), 1);
	precheckrig_has("sniffer: -i nosuch-spa1: ", "No such device");
}

static void
test_state_modes(void **state)
{
	char conf[256];
	int rc;

	(void)state;
	snprintf(conf, sizeof(conf), "%s:3: ", testfile_at("s.conf"));
	mkdir(testfile_at("empty"), 0755);
	mkdir(testfile_at("gw"), 0700);
	chmod(testfile_at("gw"), 0770);
	assert_int_equal(run("ok", testfile_at("gw"), "any", NULL,
	    testfile_at("empty"), 0, &rc), 1);
	precheckrig_has(conf, "state ");
	assert_non_null(strstr(outbuf, "writable by group or others"));
	mkdir(testfile_at("db"), 0700);
	mkdir(testfile_at("db/state.db"), 0700);
	assert_int_equal(run("ok", testfile_at("db"), "any", NULL,
	    testfile_at("empty"), 0, &rc), 1);
	assert_non_null(strstr(outbuf, "state.db: not a regular file"));
	/* Missing, in a directory that exists: start creates it. */
	assert_int_equal(run("ok", testfile_at("new"), "any", NULL,
	    testfile_at("empty"), 0, &rc), 0);
}

static void
test_chroot_dir(void **state)
{
	int rc, root = geteuid() == 0;

	(void)state;
	mkdir(testfile_at("full"), 0755);
	testfile_write(tmpdir, "full/x", "", 0600);
	/* As root, a problem; without, only reported. */
	if (root) {
		assert_int_equal(run("ok", "", "any", NULL,
		    testfile_at("full"), 1, &rc), 1);
		assert_non_null(strstr(outbuf, "sniffer: privilege separation: "
		    "chroot directory "));
		assert_non_null(strstr(outbuf, "not empty"));
	}
	assert_int_equal(run("ok", "", "any", NULL, testfile_at("full"), 0,
	    &rc), 0);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(outbuf, "sniffer: as root, privilege "
	    "separation: chroot directory "));
	/* Missing under a file: it could never be created. */
	testfile_write(tmpdir, "file", "", 0600);
	assert_int_equal(run("ok", "", "any", NULL, testfile_at("file/empty"),
	    1, &rc), 1);
	assert_non_null(strstr(outbuf, "is not a directory"));
	/* Missing under a directory: start creates it. */
	assert_int_equal(run("ok", "", "any", NULL, testfile_at("d/e/empty"),
	    1, &rc), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean, setup_dir,
		    testfile_dir_teardown),
		cmocka_unit_test_setup_teardown(test_everything_at_once,
		    setup_dir, testfile_dir_teardown),
		cmocka_unit_test_setup_teardown(test_state_modes, setup_dir,
		    testfile_dir_teardown),
		cmocka_unit_test_setup_teardown(test_chroot_dir, setup_dir,
		    testfile_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
