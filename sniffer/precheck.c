#include "precheck.h"

#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "inilines.h"
#include "nftexec.h"
#include "privdrop.h"
#include "state.h"

struct pc {
	const struct precheck *p;
	unsigned nerr;
};

static void pc_line(struct pc *pc, int error, const char *where,
    unsigned line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* One line: "WHERE:LINE: ", "WHERE: " (line 0) or "sniffer: " (where
 * NULL), then the message; error counts it. */
static void
pc_line(struct pc *pc, int error, const char *where, unsigned line,
    const char *fmt, ...)
{
	va_list ap;

	if (where == NULL)
		fprintf(pc->p->out, "sniffer: ");
	else if (line > 0)
		fprintf(pc->p->out, "%s:%u: ", where, line);
	else
		fprintf(pc->p->out, "%s: ", where);
	va_start(ap, fmt);
	vfprintf(pc->p->out, fmt, ap);
	va_end(ap);
	fputc('\n', pc->p->out);
	if (error)
		pc->nerr++;
}

/* The line of key in the configuration's [sniffer] section, or 0 when it
 * is not there (its default applies) or the file cannot be read again. */
static unsigned
pc_sniffer_line(const struct conf *c, const char *key)
{
	struct ini_lines l = { 0 };
	size_t klen = strlen(key);
	unsigned found = 0;
	int in_sniffer = 0;
	char *s;

	if ((l.fp = fopen(c->path, "re")) == NULL)
		return 0;
	while (found == 0 && (s = ini_lines_next(&l)) != NULL) {
		const char *why, *name;

		if (ini_lines_comment(s))
			continue;
		if (*s == '[') {
			name = ini_lines_header(s, &why);
			in_sniffer = name != NULL &&
			    strncmp(name, "sniffer", 7) == 0 &&
			    (name[7] == '\0' || strchr(" \t", name[7]));
			continue;
		}
		if (in_sniffer && strncmp(s, key, klen) == 0 &&
		    s[klen + strspn(s + klen, " \t")] == '=')
			found = l.lineno;
	}
	explicit_bzero(l.line, sizeof(l.line));       /* key = lines */
	fclose(l.fp);
	return found;
}

/* Each program the backend's commands name, once, at its first line. */
static void
pc_firewall(struct pc *pc)
{
	const struct firewall *fw = pc->p->fw;
	const char *seen[64];
	size_t nseen = 0;

	for (int verb = 0; verb < FIREWALL_NVERBS; verb++) {
		for (int family = 4; family <= 6; family += 2) {
			size_t n;
			const struct firewall_cmd *cmd = firewall_commands(fw,
			    (enum firewall_verb)verb, family, &n);

			for (size_t i = 0; i < n; i++) {
				const char *prog = cmd[i].tmpl.words[0];
				struct stat sb;
				size_t k;

				if (strcmp(prog, NFTEXEC_PROGRAM) == 0)
					continue;       /* linked in */
				for (k = 0; k < nseen && strcmp(seen[k], prog); k++)
					;
				if (k < nseen)
					continue;
				if (nseen < sizeof(seen) / sizeof(seen[0]))
					seen[nseen++] = prog;
				if (stat(prog, &sb) != 0)
					pc_line(pc, 1, firewall_path(fw),
					    cmd[i].line, "%s: %s", prog,
					    strerror(errno));
				else if (!S_ISREG(sb.st_mode) ||
				    (sb.st_mode & 0111) == 0 ||
				    access(prog, X_OK) != 0)
					pc_line(pc, 1, firewall_path(fw),
					    cmd[i].line, "%s: not an executable "
					    "file", prog);
			}
		}
	}
}

/* state.c's own check, reported at the line of state =. */
static void
pc_state_mode(struct pc *pc, unsigned line, const char *path,
    const struct stat *sb, int dir)
{
	char err[STATE_ERR_MAX];

	if (state_check_mode(path, sb, dir, err) != 0)
		pc_line(pc, 1, pc->p->conf->path, line, "%s", err);
}

/* A path start cannot look at: an error, or without root and for want of
 * permission, something not checked. */
static void
pc_state_errno(struct pc *pc, unsigned line, const char *what,
    const char *path, int e)
{
	if (!pc->p->root && (e == EACCES || e == EPERM))
		pc_line(pc, 0, NULL, 0, "not checked without root: state "
		    "%s %s: %s", what, path, strerror(e));
	else
		pc_line(pc, 1, pc->p->conf->path, line, "state %s %s: %s",
		    what, path, strerror(e));
}

/* Start makes the directory when missing (its parent must exist), then
 * checks it and the database in it (state.c). */
static void
pc_state(struct pc *pc)
{
	const char *dir = pc->p->conf->sniffer.state;
	unsigned line = pc_sniffer_line(pc->p->conf, "state");
	char path[PATH_MAX], *slash;
	struct stat sb;

	if (dir == NULL || *dir == '\0')
		return;                 /* memory only */
	if (snprintf(path, sizeof(path), "%s/state.db", dir) >=
	    (int)sizeof(path)) {
		pc_line(pc, 1, pc->p->conf->path, line, "state %.64s...: "
		    "path too long", dir);
		return;
	}
	if (stat(dir, &sb) == 0) {
		unsigned before = pc->nerr;

		pc_state_mode(pc, line, dir, &sb, 1);
		if (pc->nerr != before)
			return;
		if (lstat(path, &sb) == 0)
			pc_state_mode(pc, line, path, &sb, 0);
		else if (errno != ENOENT)
			pc_state_errno(pc, line, "database", path, errno);
		return;
	}
	if (errno != ENOENT) {
		pc_state_errno(pc, line, "directory", dir, errno);
		return;
	}
	/* Missing: its parent must be a directory we may write. */
	memcpy(path, dir, strlen(dir) + 1);
	while ((slash = strrchr(path, '/')) != NULL && slash[1] == '\0' &&
	    slash != path)
		*slash = '\0';          /* trailing slashes */
	if ((slash = strrchr(path, '/')) == NULL)
		memcpy(path, ".", 2);
	else
		slash[slash == path] = '\0';
	if (stat(path, &sb) != 0)
		pc_line(pc, 1, pc->p->conf->path, line, "state directory %s "
		    "cannot be created: %s: %s", dir, path, strerror(errno));
	else if (!S_ISDIR(sb.st_mode))
		pc_line(pc, 1, pc->p->conf->path, line, "state directory %s "
		    "cannot be created: %s is not a directory", dir, path);
	else if (access(path, W_OK | X_OK) != 0) {
		int e = errno, noroot = !pc->p->root && (e == EACCES ||
		    e == EPERM || e == EROFS);

		pc_line(pc, !noroot, noroot ? NULL : pc->p->conf->path, line,
		    "%sstate directory %s cannot be created in %s: %s",
		    noroot ? "not checked without root: " : "", dir, path,
		    strerror(e));
	}
}

static void
pc_interface(struct pc *pc)
{
	const char *iface = pc->p->interface;
	const struct conf *c = pc->p->conf;

	if (iface == NULL)
		iface = c->sniffer.interface;
	if (strcmp(iface, "any") == 0 || if_nametoindex(iface) != 0)
		return;
	if (pc->p->interface != NULL)
		pc_line(pc, 1, NULL, 0, "-i %s: %s", iface, strerror(errno));
	else
		pc_line(pc, 1, c->path, pc_sniffer_line(c, "interface"),
		    "interface %s: %s", iface, strerror(errno));
}

/* The chroot directory as start finds it: created when missing (then
 * its nearest existing ancestor must be a directory), else checked by
 * privdrop_prepare_root, which creates nothing that exists. */
static void
pc_empty_dir(struct pc *pc, int report)
{
	const char *dir = pc->p->empty_dir;
	char path[PATH_MAX], err[512], *slash;
	struct stat sb;

	if (lstat(dir, &sb) == 0) {
		if (privdrop_prepare_root(dir, err, sizeof(err)) != 0)
			pc_line(pc, report, NULL, 0, "%sprivilege separation: "
			    "%s", report ? "" : "as root, ", err);
		return;
	}
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return;                 /* privdrop says so at start */
	while ((slash = strrchr(path, '/')) != NULL && slash != path) {
		*slash = '\0';
		if (lstat(path, &sb) != 0)
			continue;
		if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
			pc_line(pc, report, NULL, 0, "%sprivilege separation: "
			    "chroot directory %s cannot be created: %s is not "
			    "a directory", report ? "" : "as root, ", dir, path);
		return;
	}
}

/* Without root the sniffer runs in one process: what root would need is
 * only reported, not counted. */
static void
pc_privsep(struct pc *pc)
{
	struct privdrop_target t;
	char err[512];

	if (privdrop_lookup(&t, err, sizeof(err)) != 0)
		pc_line(pc, pc->p->root, NULL, 0, "%sprivilege separation: %s",
		    pc->p->root ? "" : "as root, ", err);
	pc_empty_dir(pc, pc->p->root);
	if (!pc->p->root)
		pc_line(pc, 0, NULL, 0, "not checked without root: opening "
		    "the capture, running the firewall commands");
}

/* A user whose expires = day is past: every knock of it is denied.  A
 * warning, not an error: the file is right, only out of date. */
static void
pc_expired(struct pc *pc)
{
	const struct conf *c = pc->p->conf;
	time_t now = time(NULL);
	struct tm tm;
	char day[16];

	for (size_t i = 0; i < c->nusers; i++) {
		const struct conf_user *u = &c->users[i];
		time_t last = (time_t)(u->expires - 86400);

		if (u->expires == 0 || now < u->expires)
			continue;
		if (gmtime_r(&last, &tm) == NULL ||
		    strftime(day, sizeof(day), "%Y-%m-%d", &tm) == 0)
			snprintf(day, sizeof(day), "?");
		pc_line(pc, 0, c->path, u->expires_line, "warning: user %s "
		    "expired at the end of %s (UTC): every knock of it is "
		    "denied", u->name, day);
	}
}

int
precheck_run(const struct precheck *p, unsigned *nerr)
{
	struct pc pc = { .p = p };

	pc_expired(&pc);
	pc_firewall(&pc);
	pc_state(&pc);
	pc_interface(&pc);
	pc_privsep(&pc);
	fflush(p->out);
	if (nerr != NULL)
		*nerr = pc.nerr;
	return pc.nerr == 0 ? 0 : SPA_ERR_INVALID;
}
