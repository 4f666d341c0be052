/*
 * rules/NAME files (firewall.h).  libinih splits "key = value" lines;
 * inilines.h hands it one line at a time, as for sniffer.conf, so we know
 * each line's number, refuse a line too long for inih's buffer instead of
 * letting inih cut it in two, strip leading blanks (an indented line would
 * otherwise be an inih continuation: another command, silently) and check
 * section headers ourselves (inih reports nothing for an empty section).
 * Each command goes through template_parse once, here (doc/style.md item 5),
 * and every error reads "FILE:LINE: what is wrong" (item 13).
 */
#include "firewall.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "inilines.h"
#include "nftexec.h"

#define BLANKS " \t\r\n\v\f"
#define SHOWN_MAX 48            /* bytes of a token quoted in a message */
#define NO_LINE 0u
#define NFAMILIES 2             /* [ipv4] is index 0, [ipv6] index 1 */

struct fw_list {
	struct firewall_cmd *cmds;
	size_t n;
};

struct firewall {
	char *path;
	char name[FIREWALL_NAME_MAX + 1];
	unsigned refs;                  /* firewall_ref; freed at 0 */
	struct fw_list lists[NFAMILIES][FIREWALL_NVERBS];
};

struct fw_parser {
	struct firewall *fw;
	struct ini_lines in;            /* the file, its line number */
	char *err;
	int failed;                     /* an error is in err */
	int fam;                        /* current section; -1 before any */
	unsigned sec_line[NFAMILIES];   /* of each header; 0: not seen */
};

static const char *const verb_names[FIREWALL_NVERBS] = {
	"setup", "open", "close", "check", "teardown", "forward_open",
	"forward_close",
};
static const char *const section_names[NFAMILIES] = { "ipv4", "ipv6" };

/* Values to try each template with at load time: open, close and check
 * may use every placeholder but {knock_port}; setup and teardown run before
 * and after any grant, so only {family} and {knock_port} (the sniffer's own
 * port, which setup drops so that a knock gets no answer) have values
 * then. */
static const struct template_values probe_grant = {
	"192.0.2.1", "tcp", "22", "30", "user", "request", "4", NULL, NULL,
	NULL,
};
/* forward_open and forward_close: a grant's values and the inner host. */
static const struct template_values probe_forward = {
	"192.0.2.1", "tcp", "22", "30", "user", "request", "4", NULL,
	"192.0.2.10", "22",
};
static const struct template_values probe_family = {
	.family = "4", .knock_port = "5001",
};
/* An in-process nft command (nftexec.h) is one nft input line: only
 * values formatted from binary fields (an address, a proto name, digits)
 * may go into it, never {user} or {request}, which are names nft would
 * read as its own syntax. */
static const struct template_values probe_nft = {
	"192.0.2.1", "tcp", "22", "30", NULL, NULL, "4", NULL, NULL, NULL,
};
static const struct template_values probe_nft_forward = {
	"192.0.2.1", "tcp", "22", "30", NULL, NULL, "4", NULL, "192.0.2.10",
	"22",
};

static int perr(struct fw_parser *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Nonzero when t expands once {knock_port} has a value as well as probe's:
 * a grant's command that fails only for that placeholder. */
static int
wants_knock_port(const struct template *t,
    const struct template_values *probe)
{
	struct template_values v = *probe;
	char **argv;
	int ok;

	v.knock_port = "5001";
	ok = template_expand(t, &v, &argv) == 0;
	template_argv_free(argv);
	return ok;
}

/* Nonzero when t expands once {inner_addr} and {inner_port} have values
 * as well as probe's: an open, close or check that uses them. */
static int
wants_inner(const struct template *t, const struct template_values *probe)
{
	struct template_values v = *probe;
	char **argv;
	int ok;

	v.inner_addr = "192.0.2.10";
	v.inner_port = "22";
	ok = template_expand(t, &v, &argv) == 0;
	template_argv_free(argv);
	return ok;
}

/* Records the first error only: later ones are its consequences. */
static int
perr(struct fw_parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return -1;
	p->failed = 1;
	if (line != NO_LINE)
		n = snprintf(p->err, FIREWALL_ERR_MAX, "%s:%u: ",
		    p->fw->path, line);
	else
		n = snprintf(p->err, FIREWALL_ERR_MAX, "%s: ", p->fw->path);
	if (n < 0 || n >= FIREWALL_ERR_MAX)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, FIREWALL_ERR_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* A token made safe to quote: truncated, non-printable bytes as '?'. */
static const char *
shown(const char *s, char buf[SHOWN_MAX + 4])
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < SHOWN_MAX; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	strcpy(buf + i, s[i] != '\0' ? "..." : "");
	return buf;
}

int
firewall_name_valid(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-");

	return n > 0 && n <= FIREWALL_NAME_MAX && name[n] == '\0';
}

const char *
firewall_verb_name(enum firewall_verb verb)
{
	if ((unsigned)verb >= FIREWALL_NVERBS)
		return NULL;
	return verb_names[verb];
}

/* "[ipv4]" or "[ipv6]", a comment allowed after; s is modified. */
static int
section_line(struct fw_parser *p, char *s)
{
	char *name, q[SHOWN_MAX + 4];
	const char *why;
	int i;

	if ((name = ini_lines_header(s, &why)) == NULL)
		return perr(p, p->in.lineno, "%s", why);
	name[strcspn(name, BLANKS)] = '\0';
	for (i = 0; i < NFAMILIES; i++)
		if (strcmp(name, section_names[i]) == 0)
			break;
	if (i == NFAMILIES)
		return perr(p, p->in.lineno, "unknown section [%s]; a rules "
		    "file has [ipv4] and [ipv6]", shown(name, q));
	if (p->sec_line[i] != 0)
		return perr(p, p->in.lineno, "[%s] appears twice (first on "
		    "line %u); merge the two", name, p->sec_line[i]);
	p->sec_line[i] = p->in.lineno;
	p->fam = i;
	return 0;
}

/* Our look at a line before inih gets it (struct ini_lines.check):
 * section headers are ours, and a line with no '=' or ':' is refused at
 * once. */
static int
fw_line(void *ctx, char *s)
{
	struct fw_parser *p = ctx;

	if (p->failed)
		return -1;
	if (*s == '[')
		return section_line(p, s);
	if (!ini_lines_comment(s) && strpbrk(s, "=:") == NULL)
		return perr(p, p->in.lineno, "expected 'key = value', "
		    "'[section]' or a comment");
	return 0;
}

/* Appends cmd to the list for verb in the current section. */
static int
list_append(struct fw_parser *p, enum firewall_verb verb,
    const struct firewall_cmd *cmd)
{
	struct fw_list *l = &p->fw->lists[p->fam][verb];
	struct firewall_cmd *grown;

	grown = realloc(l->cmds, (l->n + 1) * sizeof(*l->cmds));
	if (grown == NULL)
		return perr(p, p->in.lineno, "out of memory");
	l->cmds = grown;
	l->cmds[l->n++] = *cmd;
	return 0;
}

/* Nonzero when the command text starts with the word NFTEXEC_PROGRAM. */
static int
in_process(const char *value)
{
	size_t n = strlen(NFTEXEC_PROGRAM);

	value += strspn(value, BLANKS);
	return strncmp(value, NFTEXEC_PROGRAM, n) == 0 &&
	    (value[n] == '\0' || strchr(BLANKS, value[n]) != NULL);
}

/* Parses one command; value loses a leading '-', its may_fail mark.  The
 * program is an absolute path, or NFTEXEC_PROGRAM. */
static int
add_command(struct fw_parser *p, enum firewall_verb verb, const char *value)
{
	struct firewall_cmd cmd = { .line = p->in.lineno };
	const struct template_values *probe = &probe_grant;
	char terr[TEMPLATE_ERR_MAX], **argv;
	int nft, forward, rc;

	if ((cmd.may_fail = value[0] == '-'))
		value++;
	nft = in_process(value);
	if (template_parse(value, !nft, &cmd.tmpl, terr) != 0)
		return perr(p, p->in.lineno, "%s: %s", verb_names[verb], terr);
	forward = verb == FIREWALL_FORWARD_OPEN ||
	    verb == FIREWALL_FORWARD_CLOSE;
	if (verb == FIREWALL_SETUP || verb == FIREWALL_TEARDOWN)
		probe = &probe_family;
	else if (nft)
		probe = forward ? &probe_nft_forward : &probe_nft;
	else if (forward)
		probe = &probe_forward;
	if ((rc = template_expand(&cmd.tmpl, probe, &argv)) != 0) {
		if (rc == SPA_ERR_NOMEM) {
			template_free(&cmd.tmpl);
			return perr(p, p->in.lineno, "out of memory");
		}
		if (probe != &probe_family &&
		    wants_knock_port(&cmd.tmpl, probe)) {
			template_free(&cmd.tmpl);
			return perr(p, p->in.lineno, "%s may not use "
			    "{knock_port}: only setup and teardown do",
			    verb_names[verb]);
		}
		if (probe != &probe_family && !forward &&
		    wants_inner(&cmd.tmpl, probe)) {
			template_free(&cmd.tmpl);
			return perr(p, p->in.lineno, "%s may not use "
			    "{inner_addr} or {inner_port}: only forward_open "
			    "and forward_close do", verb_names[verb]);
		}
		template_free(&cmd.tmpl);
		if (probe == &probe_nft || probe == &probe_nft_forward)
			return perr(p, p->in.lineno, "%s: a %s command may use "
			    "only {addr} {proto} {port} {timeout} {family}%s: "
			    "nft would read a name as its own syntax",
			    verb_names[verb], NFTEXEC_PROGRAM, forward ?
			    " {inner_addr} {inner_port}" : "");
		return perr(p, p->in.lineno, "%s may use only the {family} "
		    "and {knock_port} placeholders: it runs when there is no "
		    "grant", verb_names[verb]);
	}
	if (nft && cmd.tmpl.nwords < 2) {
		template_argv_free(argv);
		template_free(&cmd.tmpl);
		return perr(p, p->in.lineno, "%s: %s needs an nft command "
		    "after it", verb_names[verb], NFTEXEC_PROGRAM);
	}
	template_argv_free(argv);
	if (list_append(p, verb, &cmd) != 0) {
		template_free(&cmd.tmpl);
		return -1;
	}
	return 0;
}

/* The ini_handler.  The section is ours (p->fam), not inih's. */
static int
fw_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct fw_parser *p = user;
	char v[INI_MAX_LINE], q[SHOWN_MAX + 4];
	int verb;

	(void)section;
	if (p->failed)
		return 0;
	if (p->fam < 0) {
		perr(p, p->in.lineno, "'%s' comes before any section; put it "
		    "under [ipv4] or [ipv6]", shown(name, q));
		return 0;
	}
	for (verb = 0; verb < FIREWALL_NVERBS; verb++)
		if (strcmp(name, verb_names[verb]) == 0)
			break;
	if (verb == FIREWALL_NVERBS) {
		perr(p, p->in.lineno, "unknown key '%s' in [%s]; known: setup, "
		    "open, close, check, teardown, forward_open, forward_close",
		    shown(name, q), section_names[p->fam]);
		return 0;
	}
	snprintf(v, sizeof(v), "%s", value);
	ini_lines_uncomment(v);
	return add_command(p, (enum firewall_verb)verb, v) == 0;
}

/* What only the whole file tells: both families, each opens and closes. */
static int
fw_check(struct fw_parser *p)
{
	const struct fw_list *l;

	for (int i = 0; i < NFAMILIES; i++) {
		if (p->sec_line[i] == 0)
			return perr(p, NO_LINE, "no [%s] section: a rules file "
			    "gives commands for IPv4 and IPv6",
			    section_names[i]);
		l = p->fw->lists[i];
		if (l[FIREWALL_OPEN].n == 0 || l[FIREWALL_CLOSE].n == 0)
			return perr(p, p->sec_line[i], "[%s] needs at least "
			    "one open and one close command",
			    section_names[i]);
		if ((l[FIREWALL_FORWARD_OPEN].n == 0) !=
		    (l[FIREWALL_FORWARD_CLOSE].n == 0))
			return perr(p, p->sec_line[i], "[%s] has %s but no %s: "
			    "give both or neither", section_names[i],
			    l[FIREWALL_FORWARD_OPEN].n ? "forward_open" :
			    "forward_close", l[FIREWALL_FORWARD_OPEN].n ?
			    "forward_close" : "forward_open");
	}
	return 0;
}

/* dir/name, malloc'd; NULL when out of memory. */
static char *
rules_path(const char *dir, const char *name)
{
	size_t dlen = strlen(dir), len;
	int slash = dlen > 0 && dir[dlen - 1] != '/';
	char *path;

	len = dlen + (size_t)slash + strlen(name) + 1;
	if ((path = malloc(len)) != NULL)
		snprintf(path, len, "%s%s%s", dir, slash ? "/" : "", name);
	return path;
}

/* Runs inih over p->in.fp, then the whole-file checks; 0 or -1. */
static int
fw_parse(struct fw_parser *p)
{
	p->in.check = fw_line;
	p->in.ctx = p;
	if (ini_lines_parse(&p->in, fw_handler, p) != 0)
		perr(p, p->in.err_line, "%s", p->in.err);
	if (p->failed)
		return -1;
	return fw_check(p);
}

int
firewall_load(const char *dir, const char *name, struct firewall **out,
    char err[FIREWALL_ERR_MAX])
{
	struct fw_parser p = { .err = err, .fam = -1 };
	char q[SHOWN_MAX + 4];
	int rc = SPA_ERR_CONFIG;

	*out = NULL;
	err[0] = '\0';
	if (!firewall_name_valid(name)) {
		snprintf(err, FIREWALL_ERR_MAX, "%s: not a firewall backend "
		    "name: 1 to %d of a-z, 0-9, '_' and '-'", shown(name, q),
		    FIREWALL_NAME_MAX);
		return SPA_ERR_CONFIG;
	}
	/* One reference from the start: firewall_free frees it. */
	if ((p.fw = calloc(1, sizeof(*p.fw))) != NULL)
		p.fw->refs = 1;
	if (p.fw == NULL || (p.fw->path = rules_path(dir, name)) == NULL) {
		snprintf(err, FIREWALL_ERR_MAX, "%s: out of memory", name);
		goto free_fw;
	}
	snprintf(p.fw->name, sizeof(p.fw->name), "%s", name);
	if ((p.in.fp = fopen(p.fw->path, "re")) == NULL) {
		perr(&p, NO_LINE, "cannot open: %s", strerror(errno));
		goto free_fw;
	}
	rc = fw_parse(&p) == 0 ? 0 : SPA_ERR_CONFIG;
	fclose(p.in.fp);
free_fw:
	if (rc == 0)
		*out = p.fw;
	else
		firewall_free(p.fw);
	return rc;
}

void
firewall_free(struct firewall *fw)
{
	struct fw_list *l;

	if (fw == NULL || --fw->refs > 0)
		return;
	for (int i = 0; i < NFAMILIES; i++) {
		for (int v = 0; v < FIREWALL_NVERBS; v++) {
			l = &fw->lists[i][v];
			for (size_t j = 0; j < l->n; j++)
				template_free(&l->cmds[j].tmpl);
			free(l->cmds);
		}
	}
	free(fw->path);
	free(fw);
}

const struct firewall_cmd *
firewall_commands(const struct firewall *fw, enum firewall_verb verb,
    int family, size_t *n)
{
	const struct fw_list *l;

	*n = 0;
	if ((unsigned)verb >= FIREWALL_NVERBS || (family != 4 && family != 6))
		return NULL;
	l = &fw->lists[family == 4 ? 0 : 1][verb];
	*n = l->n;
	return l->cmds;
}

int
firewall_can_forward(const struct firewall *fw, int family)
{
	size_t open_n, close_n;

	(void)firewall_commands(fw, FIREWALL_FORWARD_OPEN, family, &open_n);
	(void)firewall_commands(fw, FIREWALL_FORWARD_CLOSE, family, &close_n);
	return open_n > 0 && close_n > 0;
}

const char *
firewall_path(const struct firewall *fw)
{
	return fw->path;
}

struct firewall *
firewall_ref(struct firewall *fw)
{
	fw->refs++;
	return fw;
}

const char *
firewall_name(const struct firewall *fw)
{
	return fw->name;
}
