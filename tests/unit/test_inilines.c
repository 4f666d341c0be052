/*
 * inilines: lines of an INI file from a string or a FILE, counted, their
 * ends and leading blanks dropped; too long a line, a NUL byte and a read
 * error stop the reading with a message; the ini_reader hands inih what
 * the caller's check passes and wipes both buffers when it stops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "inilines.h"

enum source { FROM_TEXT, FROM_FILE };

/* l reads the bytes from a string or from a temporary file (which may hold
 * NUL bytes); close with done(). */
static void
open_lines(struct ini_lines *l, enum source src, const char *bytes, size_t n)
{
	memset(l, 0, sizeof(*l));
	if (src == FROM_TEXT) {
		assert_null(memchr(bytes, '\0', n));
		l->text = bytes;
		return;
	}
	l->fp = tmpfile();
	assert_non_null(l->fp);
	assert_int_equal(fwrite(bytes, 1, n, l->fp), n);
	rewind(l->fp);
}

static void
done(struct ini_lines *l)
{
	if (l->fp != NULL)
		assert_int_equal(fclose(l->fp), 0);
}

/* The lines of text, from src: each in want, then the end, no error. */
static void
expect_lines(enum source src, const char *text, const char *const *want,
    size_t nwant)
{
	struct ini_lines l;
	const char *s;

	open_lines(&l, src, text, strlen(text));
	for (size_t i = 0; i < nwant; i++) {
		s = ini_lines_next(&l);
		if (s == NULL)
			fail_msg("line %zu: end, err '%s'", i + 1, l.err);
		assert_string_equal(s, want[i]);
		assert_int_equal(l.lineno, i + 1);
	}
	assert_null(ini_lines_next(&l));
	assert_null(ini_lines_next(&l));        /* and it stays there */
	assert_string_equal(l.err, "");
	assert_int_equal(l.lineno, nwant);
	done(&l);
}

/* Reading bytes from src stops with err at line err_line. */
static void
expect_error(enum source src, const char *bytes, size_t n, const char *err,
    unsigned err_line)
{
	struct ini_lines l;
	const char *s;

	open_lines(&l, src, bytes, n);
	while ((s = ini_lines_next(&l)) != NULL)
		continue;
	assert_string_equal(l.err, err);
	assert_int_equal(l.err_line, err_line);
	done(&l);
}

static void
test_counting(void **state)
{
	static const char *const want[] = { "[a]", "", "k = v", "; c", "x" };

	(void)state;
	for (enum source src = FROM_TEXT; src <= FROM_FILE; src++) {
		expect_lines(src, "[a]\n\nk = v\n; c\nx\n", want, 5);
		expect_lines(src, "[a]\n\nk = v\n; c\nx", want, 5);
		expect_lines(src, "\n", want + 1, 1);
		expect_lines(src, "", NULL, 0);
	}
}

static void
test_line_ends(void **state)
{
	static const char *const want[] = { "a", "b", "c\rd", "", "e" };

	(void)state;
	for (enum source src = FROM_TEXT; src <= FROM_FILE; src++)
		expect_lines(src, "a\r\nb\r\r\nc\rd\n\r\ne\r", want, 5);
}

/* A UTF-8 byte order mark is dropped on line 1 only; leading blanks on
 * every line, so that inih never sees a continuation line. */
static void
test_bom_and_blanks(void **state)
{
	static const char *const want[] = { "[a]", "\xef\xbb\xbfk = 1",
	    "k = 2 ", "" };

	(void)state;
	for (enum source src = FROM_TEXT; src <= FROM_FILE; src++)
		expect_lines(src, "\xef\xbb\xbf  [a]\n\xef\xbb\xbfk = 1\n"
		    " \t\vk = 2 \n   \n", want, 4);
}

/* The longest line, without its end, is INI_LINES_MAX (198) bytes. */
static void
test_limit(void **state)
{
	char text[1200], at[INI_LINES_MAX + 1];
	const char *want[] = { "[a]", at };

	(void)state;
	assert_int_equal(INI_LINES_MAX, 198);
	memset(at, 'x', INI_LINES_MAX);
	at[INI_LINES_MAX] = '\0';
	for (enum source src = FROM_TEXT; src <= FROM_FILE; src++) {
		snprintf(text, sizeof(text), "[a]\n%s\n", at);
		expect_lines(src, text, want, 2);
		snprintf(text, sizeof(text), "[a]\n%s\r\n", at);
		expect_lines(src, text, want, 2);
		snprintf(text, sizeof(text), "[a]\n%sy\r\nz\n", at);
		expect_error(src, text, strlen(text), "line too long (199 "
		    "characters, at most 198)", 2);
		memset(text, 'w', 1000);
		strcpy(text + 1000, "\r\n[a]\n");
		expect_error(src, text, strlen(text), "line too long (1000 "
		    "characters, at most 198)", 1);
	}
}

static void
test_nul_byte(void **state)
{
	static const char bytes[] = "[a]\nk = v\0w\nz = 1\n";

	(void)state;
	expect_error(FROM_FILE, bytes, sizeof(bytes) - 1,
	    "NUL byte in line: not a text file?", 2);
	/* In a string, a NUL byte is the end. */
	expect_lines(FROM_TEXT, bytes, (const char *const[]){ "[a]",
	    "k = v" }, 2);
}

static void
test_read_error(void **state)
{
	struct ini_lines l = { .fp = fopen(".", "r") };

	(void)state;
	assert_non_null(l.fp);
	assert_null(ini_lines_next(&l));
	assert_string_equal(l.err, "cannot read: Is a directory");
	assert_int_equal(l.err_line, 0);
	assert_int_equal(l.lineno, 0);
	done(&l);
}

/* What inih handed the handler, and on which of our lines. */
struct seen {
	struct ini_lines *in;
	char got[256];
};

static int
record(void *user, const char *section, const char *name, const char *value)
{
	struct seen *s = user;
	size_t n = strlen(s->got);

	snprintf(s->got + n, sizeof(s->got) - n, "%u:%s.%s=%s|", s->in->lineno,
	    section, name, value);
	return 1;
}

/* A handler that refuses key b. */
static int
refuse_b(void *user, const char *section, const char *name,
    const char *value)
{
	(void)user;
	(void)section;
	(void)value;
	return strcmp(name, "b") != 0;
}

/* Refuses a line holding "bad"; collects the others. */
static int
check(void *ctx, char *line)
{
	char *lines = ctx;
	size_t n = strlen(lines);

	if (strstr(line, "bad") != NULL)
		return -1;
	snprintf(lines + n, 256 - n, "%s|", line);
	return 0;
}

static void
test_with_inih(void **state)
{
	char lines[256] = "";
	struct ini_lines in = { .text = "\xef\xbb\xbf[s]\r\na = 1\n  b = 2\n"
	    "\n; c\nc = 3\nbad\nd = 4\n", .check = check, .ctx = lines };
	struct seen s = { .in = &in };

	(void)state;
	assert_int_equal(ini_parse_stream(ini_lines_reader, &in, record, &s),
	    0);
	assert_string_equal(s.got, "2:s.a=1|3:s.b=2|6:s.c=3|");
	assert_string_equal(lines, "[s]|a = 1|b = 2||; c|c = 3|");
	assert_int_equal(in.lineno, 7);         /* refused, and stopped */
	assert_string_equal(in.err, "");
	/* Without a check: every line; the ini_parse_file a profile had. */
	memset(&in, 0, sizeof(in));
	in.text = "[s]\n  b = 2\nbad = 1\n";
	s.got[0] = '\0';
	assert_int_equal(ini_parse_stream(ini_lines_reader, &in, record, &s),
	    0);
	assert_string_equal(s.got, "2:s.b=2|3:s.bad=1|");
}

/* ini_lines_parse: inih's error names the first line it refused, before
 * the one the reader stopped at; the handler's refusal counts too. */
static void
test_parse(void **state)
{
	char lines[256] = "", text[300];
	struct ini_lines in = { .text = "[s]\na = 1\n" };
	struct seen s = { .in = &in };

	(void)state;
	assert_int_equal(ini_lines_parse(&in, record, &s), 0);
	assert_string_equal(in.err, "");
	memset(&in, 0, sizeof(in));
	snprintf(text, sizeof(text), "[s]\na ; = 1\nb = 2\nc = %0250d\n", 0);
	in.text = text;
	assert_int_equal(ini_lines_parse(&in, record, &s), SPA_ERR_CONFIG);
	assert_string_equal(in.err, "cannot parse this line: expected "
	    "'key = value', '[section]' or a comment");
	assert_int_equal(in.err_line, 2);
	memset(&in, 0, sizeof(in));
	in.text = "[s]\nb = 2\nbad = 3\n";
	in.check = check;
	in.ctx = lines;
	assert_int_equal(ini_lines_parse(&in, refuse_b, NULL),
	    SPA_ERR_CONFIG);
	assert_int_equal(in.err_line, 2);
	memset(&in, 0, sizeof(in));
	in.fp = fopen(".", "r");
	assert_int_equal(ini_lines_parse(&in, record, &s), SPA_ERR_CONFIG);
	assert_string_equal(in.err, "cannot read: Is a directory");
	assert_int_equal(in.err_line, 0);
	done(&in);
}

/* Key lines pass through inih's buffer and ours: both are wiped when the
 * reader stops, whatever the reason. */
static void
test_reader_wipes(void **state)
{
	char long_line[300] = "k = secret\n";
	const char *const texts[] = { "k = secret\n", "k = secret\nbad\n",
	    long_line };    /* the end, a refusal, an error */
	char str[INI_MAX_LINE], zero[INI_MAX_LINE] = { 0 }, lines[256];
	struct ini_lines in;

	(void)state;
	memset(long_line + strlen(long_line), 'x', 250);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		memset(&in, 0, sizeof(in));
		in.text = texts[i];
		in.check = check;
		in.ctx = lines;
		lines[0] = '\0';
		memset(str, 'x', sizeof(str));
		assert_ptr_equal(ini_lines_reader(str, sizeof(str), &in), str);
		assert_string_equal(str, "k = secret\n");
		assert_null(ini_lines_reader(str, sizeof(str), &in));
		assert_memory_equal(str, zero, sizeof(str));
		assert_memory_equal(in.line, zero, sizeof(in.line));
	}
	memset(&in, 0, sizeof(in));
	in.text = "k = 1\n";
	assert_null(ini_lines_reader(str, 10, &in));
	assert_string_equal(in.err, "inih's line buffer is too small (10 "
	    "bytes)");
}

static void
test_comment(void **state)
{
	(void)state;
	assert_true(ini_lines_comment(""));
	assert_true(ini_lines_comment(" \t"));
	assert_true(ini_lines_comment("; x"));
	assert_true(ini_lines_comment("  # x"));
	assert_false(ini_lines_comment("x ; y"));
	assert_false(ini_lines_comment("[a]"));
}

static void
test_header(void **state)
{
	char s[64];
	const char *why = NULL;

	(void)state;
	strcpy(s, "[ user  bob ]  ; a comment");
	assert_string_equal(ini_lines_header(s, &why), "user  bob ");
	strcpy(s, "[a]#c");
	assert_string_equal(ini_lines_header(s, &why), "a");
	strcpy(s, "[]");
	assert_string_equal(ini_lines_header(s, &why), "");
	assert_null(why);
	strcpy(s, "[a");
	assert_null(ini_lines_header(s, &why));
	assert_string_equal(why, "section header without ']'");
	strcpy(s, "[a] b = 1");
	assert_null(ini_lines_header(s, &why));
	assert_string_equal(why, "only a comment may follow ']'");
	assert_string_equal(s, "[a] b = 1");    /* untouched when refused */
}

static void
test_uncomment(void **state)
{
	static const char *const cases[][2] = {
		{ "/bin/x {addr} # a comment", "/bin/x {addr}" },
		{ "/bin/x\t#c", "/bin/x" },
		{ "{port}#kept", "{port}#kept" },
		{ "# all comment", "" },
		{ "a  \t ", "a" },
		{ "a ; b", "a ; b" },
		{ "", "" },
	};
	char v[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strcpy(v, cases[i][0]);
		ini_lines_uncomment(v);
		assert_string_equal(v, cases[i][1]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counting),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_bom_and_blanks),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_with_inih),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_reader_wipes),
		cmocka_unit_test(test_comment),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_uncomment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
