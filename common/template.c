#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define BLANKS " \t\r\n\v\f"
#define SHOWN_MAX 48    /* bytes of a word quoted in an error message */

/* The placeholder names, in the order of struct template_values. */
static const char *const placeholders[] = {
	"addr", "proto", "port", "timeout", "user", "request", "family",
	"knock_port", "inner_addr", "inner_port",
};
#define NPLACEHOLDERS (sizeof(placeholders) / sizeof(placeholders[0]))

/* One piece of a word: a literal run (ph < 0) or a placeholder. */
struct piece {
	const char *lit;
	size_t len;
	int ph;
};

/* The index of the placeholder named by the n bytes at name, or -1. */
static int
placeholder_index(const char *name, size_t n)
{
	for (size_t i = 0; i < NPLACEHOLDERS; i++)
		if (strlen(placeholders[i]) == n &&
		    memcmp(placeholders[i], name, n) == 0)
			return (int)i;
	return -1;
}

static const char *
placeholder_value(const struct template_values *v, int ph)
{
	const char *values[NPLACEHOLDERS] = {
		v->addr, v->proto, v->port, v->timeout, v->user, v->request,
		v->family, v->knock_port, v->inner_addr, v->inner_port,
	};

	return values[ph];
}

/* A word made safe to quote: truncated, non-printable bytes as '?'. */
static const char *
shown(const char *word, char buf[SHOWN_MAX + 4])
{
	size_t i;

	for (i = 0; word[i] != '\0' && i < SHOWN_MAX; i++)
		buf[i] = (word[i] >= 0x20 && word[i] < 0x7f) ? word[i] : '?';
	strcpy(buf + i, word[i] != '\0' ? "..." : "");
	return buf;
}

/*
 * Takes the next piece off *s: "{{" and "}}" stand for one literal brace,
 * "{name}" for a placeholder.  Returns 1 with *pc, 0 at the end of the
 * word, or -1 with a message in err for a stray brace or unknown name.
 */
static int
next_piece(const char **s, struct piece *pc, const char *word, char *err)
{
	const char *p = *s, *close;
	char q[SHOWN_MAX + 4];

	pc->lit = p;
	pc->ph = -1;
	if (*p == '\0')
		return 0;
	if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
		pc->len = 1;
		*s = p + 2;
		return 1;
	}
	if (*p == '{') {
		close = p + 1 + strcspn(p + 1, "{}");
		if (*close != '}')
			goto unbalanced;
		pc->ph = placeholder_index(p + 1, (size_t)(close - p - 1));
		if (pc->ph < 0) {
			snprintf(err, TEMPLATE_ERR_MAX, "unknown placeholder "
			    "'%.*s' in '%s'; known: {addr} {proto} {port} "
			    "{timeout} {user} {request} {family} {knock_port} "
			    "{inner_addr} {inner_port}",
			    (int)(close - p + 1 > SHOWN_MAX ? SHOWN_MAX :
			    close - p + 1), p, shown(word, q));
			return -1;
		}
		*s = close + 1;
		return 1;
	}
	if (*p == '}')
		goto unbalanced;
	pc->len = strcspn(p, "{}");
	*s = p + pc->len;
	return 1;
unbalanced:
	snprintf(err, TEMPLATE_ERR_MAX, "unbalanced '%c' in '%s'; write "
	    "'{{' or '}}' for a literal brace", *p, shown(word, q));
	return -1;
}

/* Checks every piece of a word; the program (first word) takes none. */
static int
check_word(const char *word, int first, int require_abs, char *err)
{
	struct piece pc;
	const char *s = word;
	char q[SHOWN_MAX + 4];
	int rc;

	while ((rc = next_piece(&s, &pc, word, err)) > 0)
		continue;
	if (rc < 0)
		return SPA_ERR_CONFIG;
	if (first && strpbrk(word, "{}") != NULL) {
		snprintf(err, TEMPLATE_ERR_MAX, "the program '%s' may not "
		    "contain braces or placeholders", shown(word, q));
		return SPA_ERR_CONFIG;
	}
	if (first && require_abs && word[0] != '/') {
		snprintf(err, TEMPLATE_ERR_MAX, "the program '%s' must be an "
		    "absolute path (starting with '/')", shown(word, q));
		return SPA_ERR_CONFIG;
	}
	return 0;
}

int
template_parse(const char *text, int require_abs, struct template *out,
    char err[TEMPLATE_ERR_MAX])
{
	struct template t = { NULL, 0 };
	size_t len;

	memset(out, 0, sizeof(*out));
	t.words = calloc(TEMPLATE_MAX_WORDS + 1, sizeof(*t.words));
	if (t.words == NULL)
		goto nomem;
	for (text += strspn(text, BLANKS); *text != '\0';
	    text += strspn(text, BLANKS)) {
		if (t.nwords == TEMPLATE_MAX_WORDS) {
			snprintf(err, TEMPLATE_ERR_MAX, "too many words "
			    "(at most %d)", TEMPLATE_MAX_WORDS);
			goto fail;
		}
		len = strcspn(text, BLANKS);
		if ((t.words[t.nwords] = strndup(text, len)) == NULL)
			goto nomem;
		if (check_word(t.words[t.nwords], t.nwords == 0,
		    require_abs, err) != 0)
			goto fail;
		t.nwords++;
		text += len;
	}
	if (t.nwords == 0) {
		snprintf(err, TEMPLATE_ERR_MAX, "empty command");
		goto fail;
	}
	*out = t;
	return 0;
nomem:
	snprintf(err, TEMPLATE_ERR_MAX, "out of memory");
fail:
	template_free(&t);
	return SPA_ERR_CONFIG;
}

/* The word with its placeholders filled, malloc'd into *out: 0, or
 * SPA_ERR_INVALID when a value is missing, SPA_ERR_NOMEM. */
static int
expand_word(const char *word, const struct template_values *v, char **res)
{
	struct piece pc;
	const char *s = word;
	char *out, *o, unused[TEMPLATE_ERR_MAX];
	size_t len = 0;

	while (next_piece(&s, &pc, word, unused) > 0) {
		if (pc.ph >= 0 && placeholder_value(v, pc.ph) == NULL)
			return SPA_ERR_INVALID;
		len += pc.ph >= 0 ? strlen(placeholder_value(v, pc.ph)) : pc.len;
	}
	if ((out = o = malloc(len + 1)) == NULL)
		return SPA_ERR_NOMEM;
	for (s = word; next_piece(&s, &pc, word, unused) > 0; o += pc.len) {
		if (pc.ph >= 0) {
			pc.lit = placeholder_value(v, pc.ph);
			pc.len = strlen(pc.lit);
		}
		memcpy(o, pc.lit, pc.len);
	}
	*o = '\0';
	*res = out;
	return 0;
}

int
template_expand(const struct template *t, const struct template_values *v,
    char ***argv_out)
{
	char **argv;
	int rc;

	*argv_out = NULL;
	if ((argv = calloc(t->nwords + 1, sizeof(*argv))) == NULL)
		return SPA_ERR_NOMEM;
	for (size_t i = 0; i < t->nwords; i++) {
		if ((rc = expand_word(t->words[i], v, &argv[i])) != 0) {
			template_argv_free(argv);
			return rc;
		}
	}
	*argv_out = argv;
	return 0;
}

void
template_argv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (size_t i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

int
template_argv_join(char *const *argv, char *out, size_t cap)
{
	size_t used = 0;
	int n;

	if (cap == 0)
		return SPA_ERR_NOSPACE;
	out[0] = '\0';
	for (size_t i = 0; argv[i] != NULL; i++) {
		n = snprintf(out + used, cap - used, "%s%s", i > 0 ? " " : "",
		    argv[i]);
		if (n < 0 || (size_t)n >= cap - used)
			return SPA_ERR_NOSPACE;
		used += (size_t)n;
	}
	return 0;
}

void
template_free(struct template *t)
{
	if (t->words != NULL)
		for (size_t i = 0; t->words[i] != NULL; i++)
			free(t->words[i]);
	free(t->words);
	t->words = NULL;
	t->nwords = 0;
}
