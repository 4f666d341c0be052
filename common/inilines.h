/*
 * The lines of an INI file, for libinih's ini_parse_stream().  Debian's
 * inih gives its handler no line number and cuts a line longer than its
 * buffer in two; reading the lines ourselves, we count them, refuse a
 * line too long or holding a NUL byte with FILE:LINE-worthy messages, and
 * let the caller check each line before inih sees it.  Used by
 * sniffer.conf (conf.c), rules files (firewall.c) and knock profiles.
 *
 *	struct ini_lines in = { .fp = f, .check = my_line, .ctx = me };
 *	if (ini_lines_parse(&in, my_handler, me) != 0)
 *		... "FILE:%u: %s", in.err_line, in.err
 */
#ifndef SPA_INILINES_H
#define SPA_INILINES_H

#include <ini.h>
#include <stdio.h>

/* The longest line, without its end: inih's buffer holds it, a '\n' and a
 * NUL. */
#define INI_LINES_MAX (INI_MAX_LINE - 2)
#define INI_LINES_ERR_MAX 128

struct ini_lines {
	/* Set by the caller; everything else starts zeroed. */
	FILE *fp;                       /* the input: a file; when NULL, ... */
	const char *text;               /* ... a NUL-terminated string */
	/* NULL, or the caller's look at each line before inih gets it (the
	 * line as ini_lines_next returns it, which check may modify): 0 to
	 * pass it on, -1 to stop reading (check records its own error). */
	int (*check)(void *ctx, char *line);
	void *ctx;
	/* Kept by ini_lines_next. */
	unsigned lineno;                /* of the line last read; 0 before */
	char err[INI_LINES_ERR_MAX];    /* why reading stopped; "" at the end */
	unsigned err_line;              /* the line err is about; 0: none */
	char line[INI_MAX_LINE];        /* the current line */
};

/* The next line, counted in l->lineno, NUL-terminated in l->line (the
 * caller may modify it): without its end ('\n' or the end of input, and
 * the '\r's before), a UTF-8 byte order mark on line 1, or leading blanks.
 * NULL at the end of input, or on an error, with l->err set: a line of
 * more than INI_LINES_MAX bytes (without its end) or holding a NUL byte
 * (l->err_line: its number), or a read error (l->err_line 0). */
char *ini_lines_next(struct ini_lines *l);

/* An ini_reader; stream is a struct ini_lines.  Gives inih the next line
 * that l->check passes, with a '\n'.  On returning NULL (the end, an
 * error, check's refusal) it wipes str and l->line: key lines pass
 * through both.  num must be at least INI_MAX_LINE, as inih's is. */
char *ini_lines_reader(char *str, int num, void *stream);

/* ini_parse_stream with ini_lines_reader over l.  Returns 0, or
 * SPA_ERR_CONFIG with l->err set: the reader's error, or inih's for the first line it refused
 * (l->err_line: its number, which comes before any line the reader stopped
 * at; the line handler returned 0 for, when it did), or "out of memory". */
int ini_lines_parse(struct ini_lines *l, ini_handler handler, void *user);

/* 1 when s, leading blanks skipped, is empty or a ';' or '#' comment. */
int ini_lines_comment(const char *s);

/* A section header line "[...]", a comment allowed after the ']': cuts s
 * at the ']' and returns what is enclosed, leading blanks skipped.  NULL,
 * with the message in *why, when ']' is missing or more than a comment
 * follows it. */
char *ini_lines_header(char *s, const char **why);

/* Cuts value at a '#' that starts it or follows a blank (inih cuts only at
 * " ;"), then drops its trailing blanks. */
void ini_lines_uncomment(char *value);

#endif
