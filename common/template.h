/*
 * Command templates (doc/style.md item 5): split into argv words once, at load
 * time; each placeholder {addr} {proto} {port} {timeout} {user} {request}
 * {family} {knock_port} {inner_addr} {inner_port} is replaced at run time
 * by one validated value,
 * inside its word, so a value never becomes more than one argument.  No
 * shell, no quoting.
 */
#ifndef SPA_TEMPLATE_H
#define SPA_TEMPLATE_H

#include <stddef.h>

#define TEMPLATE_MAX_WORDS 64
#define TEMPLATE_ERR_MAX 256

struct template {
	char **words;                   /* NULL-terminated */
	size_t nwords;
};

/* The values a template may use, already validated and formatted.  port
 * is the grant's port; knock_port the port the sniffer listens on (its
 * configuration's port), which firewall setup and teardown use;
 * inner_addr and inner_port the host and port a forward grant sends the
 * connections to. */
struct template_values {
	const char *addr, *proto, *port, *timeout, *user, *request, *family;
	const char *knock_port;
	const char *inner_addr, *inner_port;
};

/* Splits text on blanks into words.  The first word must be an absolute
 * path when require_abs, and holds no placeholder.  "{{" and "}}" stand for
 * literal braces.  Unknown or unbalanced placeholders, an empty template or
 * too many words: SPA_ERR_CONFIG with a message in err (and *out empty),
 * also when memory is short ("out of memory"). */
int template_parse(const char *text, int require_abs, struct template *out,
    char err[TEMPLATE_ERR_MAX]);
/* argv (NULL-terminated, nwords + 1 entries, each malloc'd) with every
 * placeholder filled.  A placeholder whose value is NULL is an error.
 * Returns 0, or SPA_ERR_INVALID (a value missing) or SPA_ERR_NOMEM; free
 * with template_argv_free. */
int template_expand(const struct template *t, const struct template_values *v,
    char ***argv_out);
void template_argv_free(char **argv);
/* The words joined by single spaces, for logs and -n ("run: ...").
 * Returns 0, or SPA_ERR_NOSPACE when cap is too small (out then holds as
 * much as fits, NUL-terminated, when cap > 0). */
int template_argv_join(char *const *argv, char *out, size_t cap);
void template_free(struct template *t);

#endif
