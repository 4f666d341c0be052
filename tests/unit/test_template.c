/* common/template.c: split once, fill each placeholder as one argument. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "template.h"

static const struct template_values vals = {
	.addr = "192.0.2.7", .proto = "tcp", .port = "22", .timeout = "30",
	.user = "alice", .request = "ssh", .family = "4", .knock_port = "5001",
};

static void
assert_words(char *const *got, const char *const *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		assert_string_equal(got[i], want[i]);
	assert_null(got[n]);
}

static void
parse_ok(const char *text, int require_abs, struct template *t)
{
	char err[TEMPLATE_ERR_MAX] = "";

	if (template_parse(text, require_abs, t, err) != 0)
		fail_msg("template_parse(\"%s\"): %s", text, err);
}

/* Parsing fails and the message holds want. */
static void
parse_fails(const char *text, int require_abs, const char *want)
{
	struct template t = { (char **)1, 99 };
	char err[TEMPLATE_ERR_MAX] = "";

	assert_int_equal(template_parse(text, require_abs, &t, err),
	    SPA_ERR_CONFIG);
	if (strstr(err, want) == NULL)
		fail_msg("template_parse(\"%s\"): got \"%s\", want \"%s\"",
		    text, err, want);
	assert_null(t.words);
	assert_int_equal(t.nwords, 0);
}

static void
test_parse_words(void **state)
{
	static const char *const want[] = { "/usr/sbin/iptables", "-I",
	    "INPUT", "-s", "{addr}", "-p", "{proto}", "--dport={port}", "-j",
	    "ACCEPT" };
	struct template t;

	(void)state;
	parse_ok("  /usr/sbin/iptables -I\tINPUT -s {addr}  -p {proto} "
	    "--dport={port} -j ACCEPT \n", 1, &t);
	assert_int_equal(t.nwords, 10);
	assert_words(t.words, want, 10);
	template_free(&t);
	assert_null(t.words);
	template_free(&t);      /* twice is harmless */
}

static void
test_expand_and_join(void **state)
{
	static const char *const want[] = { "/usr/sbin/iptables", "-I",
	    "INPUT", "-s", "192.0.2.7", "-p", "tcp", "--dport=22", "-j",
	    "ACCEPT" };
	struct template t;
	char **argv, line[256];

	(void)state;
	parse_ok("/usr/sbin/iptables -I INPUT -s {addr} -p {proto} "
	    "--dport={port} -j ACCEPT", 1, &t);
	assert_int_equal(template_expand(&t, &vals, &argv), 0);
	assert_words(argv, want, 10);
	assert_int_equal(template_argv_join(argv, line, sizeof(line)), 0);
	assert_string_equal(line, "/usr/sbin/iptables -I INPUT -s 192.0.2.7 "
	    "-p tcp --dport=22 -j ACCEPT");
	template_argv_free(argv);
	template_free(&t);
}

static void
test_every_placeholder(void **state)
{
	static const char *const want[] = { "/bin/echo", "192.0.2.7", "tcp",
	    "22", "30", "alice", "ssh", "4", "alice@192.0.2.7:22/tcp",
	    "5001", "--dport=5001" };
	struct template t;
	char **argv;

	(void)state;
	parse_ok("/bin/echo {addr} {proto} {port} {timeout} {user} {request} "
	    "{family} {user}@{addr}:{port}/{proto} {knock_port} "
	    "--dport={knock_port}", 1, &t);
	assert_int_equal(template_expand(&t, &vals, &argv), 0);
	assert_words(argv, want, 11);
	template_argv_free(argv);
	template_free(&t);
}

/* A value with blanks or braces stays one argument and is not re-read. */
static void
test_value_stays_one_word(void **state)
{
	struct template_values v = vals;
	struct template t;
	char **argv;

	(void)state;
	v.user = "a b\tc {addr}";
	parse_ok("/bin/logger -t spa --user={user} {user}", 1, &t);
	assert_int_equal(template_expand(&t, &v, &argv), 0);
	assert_string_equal(argv[3], "--user=a b\tc {addr}");
	assert_string_equal(argv[4], "a b\tc {addr}");
	assert_null(argv[5]);
	template_argv_free(argv);
	template_free(&t);
}

static void
test_literal_braces(void **state)
{
	static const char *const want[] = { "nft", "add", "element", "inet",
	    "spa", "allow", "{", "192.0.2.7", "}", "x{22}y" };
	struct template t;
	char **argv;

	(void)state;
	parse_ok("nft add element inet spa allow {{ {addr} }} x{{{port}}}y",
	    0, &t);
	assert_string_equal(t.words[6], "{{");
	assert_int_equal(template_expand(&t, &vals, &argv), 0);
	assert_words(argv, want, 10);
	template_argv_free(argv);
	template_free(&t);
}

static void
test_relative_program(void **state)
{
	struct template t;

	(void)state;
	parse_fails("backup.sh {addr}", 1, "the program 'backup.sh' must be "
	    "an absolute path");
	parse_fails("./backup.sh", 1, "absolute path");
	parse_ok("iptables -L", 0, &t);      /* rules/ may name a program */
	assert_string_equal(t.words[0], "iptables");
	template_free(&t);
}

static void
test_errors(void **state)
{
	(void)state;
	parse_fails("/bin/x {host}", 1, "unknown placeholder '{host}' in "
	    "'{host}'");
	parse_fails("/bin/x --to={ADDR}", 1, "unknown placeholder '{ADDR}'");
	parse_fails("/bin/x {}", 1, "unknown placeholder '{}'");
	/* the list of known names includes the sniffer's own port */
	parse_fails("/bin/x {knockport}", 1, "unknown placeholder "
	    "'{knockport}' in '{knockport}'; known: {addr} {proto} {port} "
	    "{timeout} {user} {request} {family} {knock_port}");
	parse_fails("/bin/x {knock_port", 1, "unbalanced '{'");
	parse_fails("/bin/x {addr", 1, "unbalanced '{' in '{addr'");
	parse_fails("/bin/x addr}", 1, "unbalanced '}' in 'addr}'");
	parse_fails("/bin/x {a{addr}}", 1, "unbalanced '{'");
	parse_fails("/bin/x {{addr}", 1, "unbalanced '}'");
	parse_fails("/bin/{user} x", 1, "the program '/bin/{user}' may not "
	    "contain braces");
	parse_fails("", 1, "empty command");
	parse_fails(" \t \n", 0, "empty command");
}

static void
test_word_limit(void **state)
{
	char text[4 * TEMPLATE_MAX_WORDS + 16] = "/bin/true";
	struct template t;

	(void)state;
	for (int i = 1; i < TEMPLATE_MAX_WORDS; i++)
		strcat(text, " x");
	parse_ok(text, 1, &t);
	assert_int_equal(t.nwords, TEMPLATE_MAX_WORDS);
	assert_null(t.words[TEMPLATE_MAX_WORDS]);
	template_free(&t);
	strcat(text, " y");
	parse_fails(text, 1, "too many words (at most 64)");
}

static void
test_missing_value(void **state)
{
	struct template_values v = vals;
	struct template t;
	char **argv = (char **)1;

	(void)state;
	v.request = NULL;
	parse_ok("/bin/x {addr} {request}", 1, &t);
	assert_int_equal(template_expand(&t, &v, &argv), SPA_ERR_INVALID);
	assert_null(argv);
	/* {knock_port} has a value only at setup and teardown: a grant's
	 * command that names it cannot expand. */
	template_free(&t);
	v = vals;
	v.knock_port = NULL;
	parse_ok("/bin/x --dport={knock_port}", 1, &t);
	assert_int_equal(template_expand(&t, &v, &argv), SPA_ERR_INVALID);
	assert_null(argv);
	template_free(&t);
	parse_ok("/bin/x {addr} {request}", 1, &t);
	v = vals;
	v.family = NULL;        /* unused: no error */
	assert_int_equal(template_expand(&t, &v, &argv), 0);
	assert_string_equal(argv[2], "ssh");
	template_argv_free(argv);
	template_argv_free(NULL);
	template_free(&t);
}

static void
test_join_too_small(void **state)
{
	char *argv[] = { "/bin/echo", "hello", "world", NULL };
	char *none[] = { NULL };
	char out[32];

	(void)state;
	assert_int_equal(template_argv_join(argv, out, 22), 0);
	assert_string_equal(out, "/bin/echo hello world");
	assert_int_equal(template_argv_join(argv, out, 16), SPA_ERR_NOSPACE);
	assert_true(strlen(out) < 16);
	assert_string_equal(out, "/bin/echo hello");
	assert_int_equal(template_argv_join(argv, out, 0), SPA_ERR_NOSPACE);
	assert_int_equal(template_argv_join(none, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_words),
		cmocka_unit_test(test_expand_and_join),
		cmocka_unit_test(test_every_placeholder),
		cmocka_unit_test(test_value_stays_one_word),
		cmocka_unit_test(test_literal_braces),
		cmocka_unit_test(test_relative_program),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_word_limit),
		cmocka_unit_test(test_missing_value),
		cmocka_unit_test(test_join_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
