/*
 * The lines of an INI file, for libinih (inilines.h).  A line is read
 * whole, however long, so that its length can be told; only its first
 * INI_MAX_LINE bytes are kept.
 */
#include "inilines.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "crypto.h"
#include "err.h"

#define BLANKS " \t\r\n\v\f"
#define BOM "\xef\xbb\xbf"              /* UTF-8 byte order mark */
#define NO_LINE 0u

static char *fail(struct ini_lines *l, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records why reading stopped.  Returns NULL, for "return fail(...)". */
static char *
fail(struct ini_lines *l, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->err, sizeof(l->err), fmt, ap);
	va_end(ap);
	l->err_line = line;
	return NULL;
}

/* The next line of l->text into l->line, as much as fits.  Returns its
 * length without '\n' and the '\r's before, or -1 at the end. */
static long
text_line(struct ini_lines *l)
{
	size_t len, end;

	if (*l->text == '\0')
		return -1;
	end = strcspn(l->text, "\n");
	for (len = end; len > 0 && l->text[len - 1] == '\r'; len--)
		continue;
	memcpy(l->line, l->text, len < sizeof(l->line) ? len : sizeof(l->line));
	l->text += end + (l->text[end] == '\n');
	return (long)len;
}

/* The same from l->fp; -1 also on a read error (then l->err). */
static long
file_line(struct ini_lines *l)
{
	size_t len = 0, crs = 0;
	int c;

	while ((c = getc(l->fp)) != EOF && c != '\n') {
		if (len < sizeof(l->line))
			l->line[len] = (char)c;
		len++;
		crs = c == '\r' ? crs + 1 : 0;
	}
	if (c == EOF && ferror(l->fp)) {
		fail(l, NO_LINE, "cannot read: %s", strerror(errno));
		return -1;
	}
	return c == EOF && len == 0 ? -1 : (long)(len - crs);
}

char *
ini_lines_next(struct ini_lines *l)
{
	long len = l->fp != NULL ? file_line(l) : text_line(l);
	char *s = l->line;

	if (len < 0)
		return NULL;
	l->lineno++;
	if (len > INI_LINES_MAX)
		return fail(l, l->lineno, "line too long (%ld characters, at "
		    "most %d)", len, INI_LINES_MAX);
	if (memchr(s, '\0', (size_t)len) != NULL)
		return fail(l, l->lineno, "NUL byte in line: not a text file?");
	s[len] = '\0';
	if (l->lineno == 1 && strncmp(s, BOM, strlen(BOM)) == 0)
		s += strlen(BOM);
	return s + strspn(s, BLANKS);   /* no inih continuation lines */
}

char *
ini_lines_reader(char *str, int num, void *stream)
{
	struct ini_lines *l = stream;
	char *s = ini_lines_next(l);

	if (s != NULL && num < INI_MAX_LINE)
		s = fail(l, NO_LINE, "inih's line buffer is too small (%d "
		    "bytes)", num);
	if (s != NULL) {
		snprintf(str, (size_t)num, "%s\n", s);
		if (l->check == NULL || l->check(l->ctx, s) == 0)
			return str;
	}
	crypto_wipe(str, (size_t)num);
	crypto_wipe(l->line, sizeof(l->line));
	return NULL;
}

int
ini_lines_parse(struct ini_lines *l, ini_handler handler, void *user)
{
	int ini = ini_parse_stream(ini_lines_reader, l, handler, user);

	if (ini > 0)
		fail(l, (unsigned)ini, "cannot parse this line: expected "
		    "'key = value', '[section]' or a comment");
	else if (ini < 0)
		fail(l, NO_LINE, "out of memory");
	return l->err[0] != '\0' ? SPA_ERR_CONFIG : 0;
}

int
ini_lines_comment(const char *s)
{
	s += strspn(s, BLANKS);
	return *s == '\0' || *s == ';' || *s == '#';
}

char *
ini_lines_header(char *s, const char **why)
{
	char *close = strchr(s, ']');

	if (close == NULL) {
		*why = "section header without ']'";
		return NULL;
	}
	if (!ini_lines_comment(close + 1)) {
		*why = "only a comment may follow ']'";
		return NULL;
	}
	*close = '\0';
	return s + 1 + strspn(s + 1, BLANKS);
}

void
ini_lines_uncomment(char *value)
{
	size_t n;

	for (n = 0; value[n] != '\0'; n++)
		if (value[n] == '#' &&
		    (n == 0 || strchr(BLANKS, value[n - 1]) != NULL))
			break;
	while (n > 0 && strchr(BLANKS, value[n - 1]) != NULL)
		n--;
	value[n] = '\0';
}
