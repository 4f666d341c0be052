/*
 * Rules files (sniffer/firewall.h) on the paths test_firewall.c leaves: a
 * long or unprintable name is quoted cut and made printable; of two
 * problems the first is the one reported; forward_close without
 * forward_open, a section with close but no open, and a libnftables
 * forward command using a name are refused with their line; a rules
 * directory given as "" names the file relative to the working directory;
 * a path that fills the message alone is what the message says, cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "firewall.h"
#include "testfile.h"

static char *const tmpdir = testfile_dir;       /* testfile_dir_setup() */

/* text must be refused with "tmpdir/fw" followed by want. */
static void
assert_refused(const char *text, const char *want)
{
	char err[FIREWALL_ERR_MAX], full[FIREWALL_ERR_MAX + 64];
	struct firewall *fw = NULL;

	testfile_write(tmpdir, "fw", text, 0644);
	assert_int_equal(firewall_load(tmpdir, "fw", &fw, err),
	    SPA_ERR_CONFIG);
	assert_null(fw);
	snprintf(full, sizeof(full), "%s/fw%s", tmpdir, want);
	if (strcmp(err, full) != 0)
		fail_msg("for %s\n got: %s\nwant: %s", text, err, full);
}

static void
test_names_shown_safely(void **state)
{
	char err[FIREWALL_ERR_MAX];
	struct firewall *fw = NULL;

	(void)state;
	/* 60 bytes, a control byte among them: 48 shown, then "..." */
	assert_refused("[ipv4]\nk\001" "abcdefghijklmnopqrstuvwxyz"
	    "abcdefghijklmnopqrstuvwxyzAB = /bin/true\n", ":2: unknown key "
	    "'k?abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrst...' in [ipv4]; "
	    "known: setup, open, close, check, teardown, forward_open, "
	    "forward_close");
	/* a byte past ASCII: '?' too */
	assert_refused("[ipv4]\nk\x80 = /bin/true\n", ":2: unknown key 'k?' in "
	    "[ipv4]; known: setup, open, close, check, teardown, "
	    "forward_open, forward_close");
	assert_int_equal(firewall_load(tmpdir, "bad\tname", &fw, err),
	    SPA_ERR_CONFIG);
	assert_string_equal(err, "bad?name: not a firewall backend name: 1 "
	    "to 32 of a-z, 0-9, '_' and '-'");
	assert_null(fw);
}

/* A rules file whose path alone fills the message: the path, cut. */
static void
test_path_fills_message(void **state)
{
	char dir[FIREWALL_ERR_MAX + 256], err[FIREWALL_ERR_MAX], path[600];
	struct firewall *fw = NULL;
	size_t n;

	(void)state;
	n = (size_t)snprintf(dir, sizeof(dir), "%s/", tmpdir);
	memset(dir + n, 'd', 200);
	dir[n + 200] = '\0';
	assert_int_equal(mkdir(dir, 0700), 0);
	n = strlen(dir);
	dir[n] = '/';
	memset(dir + n + 1, 'e', 200);
	dir[n + 201] = '\0';
	assert_int_equal(mkdir(dir, 0700), 0);
	testfile_write(dir, "fw", "[ipv4]\nbogus = /bin/true\n", 0644);
	assert_int_equal(firewall_load(dir, "fw", &fw, err), SPA_ERR_CONFIG);
	assert_null(fw);
	snprintf(path, sizeof(path), "%s/fw", dir);
	assert_int_equal(strlen(err), FIREWALL_ERR_MAX - 1);
	assert_memory_equal(err, path, FIREWALL_ERR_MAX - 1);
}

static void
test_first_problem_wins(void **state)
{
	(void)state;
	assert_refused("[ipv4]\nopne = /bin/true\nclsoe = /bin/true\n"
	    "open = relative\n", ":2: unknown key 'opne' in [ipv4]; known: "
	    "setup, open, close, check, teardown, forward_open, "
	    "forward_close");
}

static void
test_incomplete_sections(void **state)
{
	(void)state;
	assert_refused("[ipv4]\nopen = /bin/true\nclose = /bin/true\n"
	    "[ipv6]\nopen = /bin/true\nclose = /bin/true\n"
	    "forward_close = /bin/true {inner_addr}\n", ":4: [ipv6] has "
	    "forward_close but no forward_open: give both or neither");
	assert_refused("[ipv4]\nclose = /bin/true\n[ipv6]\nopen = /bin/true\n"
	    "close = /bin/true\n", ":1: [ipv4] needs at least one open and "
	    "one close command");
	assert_refused("[ipv4]\nforward_open = libnftables add element inet "
	    "spa f4 {{ {inner_addr} {user} }}\n", ":2: forward_open: a "
	    "libnftables command may use only {addr} {proto} {port} {timeout} "
	    "{family} {inner_addr} {inner_port}: nft would read a name as its "
	    "own syntax");
}

static void
test_relative_dir(void **state)
{
	char err[FIREWALL_ERR_MAX], cwd[PATH_MAX];
	struct firewall *fw = NULL;

	(void)state;
	testfile_write(tmpdir, "fw", "[ipv4]\nopen = /bin/true\nclose = "
	    "/bin/true\n[ipv6]\nopen = /bin/true\nclose = /bin/true\n", 0644);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(tmpdir), 0);
	assert_int_equal(firewall_load("", "fw", &fw, err), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(firewall_path(fw), "fw");
	assert_string_equal(firewall_name(fw), "fw");
	assert_false(firewall_can_forward(fw, 4));
	firewall_free(fw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_shown_safely),
		cmocka_unit_test(test_path_fills_message),
		cmocka_unit_test(test_first_problem_wins),
		cmocka_unit_test(test_incomplete_sections),
		cmocka_unit_test(test_relative_dir),
	};

	return cmocka_run_group_tests(tests, testfile_dir_setup,
	    testfile_dir_teardown);
}
