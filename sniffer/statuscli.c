#include "statuscli.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "state.h"
#include "status.h"

#define SC_COUNTERS_MAX 32
#define SC_WORD_MAX 64
#define SC_TIMEOUT_S 5

struct sc_grant {
	char user[SC_WORD_MAX], address[SC_WORD_MAX], proto[8];
	char phase[SC_WORD_MAX];
	char more[SC_WORD_MAX * 2];     /* further pairs: "tcp/443,udp/53" */
	char inner[SC_WORD_MAX];        /* a forward's inner host:port */
	unsigned long port, failed;
	long long expiry;
};

struct sc_counter {
	char name[SC_WORD_MAX];
	unsigned long long value;
};

struct sc_report {
	const char *source;             /* "daemon" or "database" */
	char why[512];                  /* no daemon: why not */
	long pid;
	long long started, now;
	struct sc_counter counters[SC_COUNTERS_MAX];
	size_t ncounters;
	struct sc_grant grants[STATUS_GRANTS_MAX];
	size_t ngrants;
	unsigned long total;            /* grants the daemon has */
	int ended;                      /* the end line came */
};

/* A printable word of at most SC_WORD_MAX - 1 bytes. */
static void
sc_word(char *dst, size_t len, const char *src, size_t n)
{
	size_t i;

	if (n >= len)
		n = len - 1;
	for (i = 0; i < n; i++)
		dst[i] = src[i] > 0x20 && src[i] < 0x7f && src[i] != '"' &&
		    src[i] != '\\' ? src[i] : '?';
	dst[i] = '\0';
}

/* "grant k=v k=v ...": the known keys; others are ignored. */
static void
sc_grant_line(struct sc_report *r, char *line)
{
	struct sc_grant *g;
	char *tok, *save = NULL;

	if (r->ngrants >= STATUS_GRANTS_MAX)
		return;
	g = &r->grants[r->ngrants++];
	memset(g, 0, sizeof(*g));
	for (tok = strtok_r(line, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		char *v = strchr(tok, '=');

		if (v == NULL)
			continue;
		*v++ = '\0';
		if (strcmp(tok, "user") == 0)
			sc_word(g->user, sizeof(g->user), v, strlen(v));
		else if (strcmp(tok, "address") == 0)
			sc_word(g->address, sizeof(g->address), v, strlen(v));
		else if (strcmp(tok, "proto") == 0)
			sc_word(g->proto, sizeof(g->proto), v, strlen(v));
		else if (strcmp(tok, "phase") == 0)
			sc_word(g->phase, sizeof(g->phase), v, strlen(v));
		else if (strcmp(tok, "more") == 0)
			sc_word(g->more, sizeof(g->more), v, strlen(v));
		else if (strcmp(tok, "inner") == 0)
			sc_word(g->inner, sizeof(g->inner), v, strlen(v));
		else if (strcmp(tok, "port") == 0)
			g->port = strtoul(v, NULL, 10);
		else if (strcmp(tok, "failed-closes") == 0)
			g->failed = strtoul(v, NULL, 10);
		else if (strcmp(tok, "expiry") == 0)
			g->expiry = strtoll(v, NULL, 10);
	}
}

static void
sc_line(struct sc_report *r, char *line)
{
	char name[SC_WORD_MAX];
	unsigned long long v;
	int n = 0;

	if (strncmp(line, "grant ", 6) == 0)
		sc_grant_line(r, line + 6);
	else if (sscanf(line, "pid %ld", &r->pid) == 1 ||
	    sscanf(line, "started %lld", &r->started) == 1 ||
	    sscanf(line, "now %lld", &r->now) == 1)
		return;
	else if (sscanf(line, "end grants=%lu", &r->total) == 1)
		r->ended = 1;
	else if (sscanf(line, "counter %63s %llu%n", name, &v, &n) == 2 &&
	    n > 0 && r->ncounters < SC_COUNTERS_MAX) {
		sc_word(r->counters[r->ncounters].name, SC_WORD_MAX, name,
		    strlen(name));
		r->counters[r->ncounters++].value = v;
	}
}

/* The daemon's report into r.  0; -1 when none answers (r->why says);
 * EX_NOPERM or EX_PROTOCOL as the exit status. */
static int
sc_query(const char *path, struct sc_report *r)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = SC_TIMEOUT_S };
	size_t len = STATUS_REPORT_MAX, at = 0;
	char *buf, *line, *save = NULL;
	ssize_t n;
	int fd;

	memcpy(sa.sun_path, path, strlen(path));       /* status_path bounds */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    /* connect on a full backlog waits as a send does */
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		if (e == EACCES || e == EPERM) {
			fprintf(stderr, "sniffer: cannot reach %s: %s (the "
			    "status socket is root's)\n", path, strerror(e));
			return EX_NOPERM;
		}
		snprintf(r->why, sizeof(r->why), "no sniffer running: %s %s",
		    e == ENOENT ? "no socket at" : e == ECONNREFUSED ?
		    "nobody answers at" : strerror(e), path);
		return -1;
	}
	if ((buf = malloc(len + 1)) == NULL) {
		close(fd);
		fprintf(stderr, "sniffer: out of memory\n");
		return EX_OSERR;
	}
	while (at < len && ((n = read(fd, buf + at, len - at)) > 0 ||
	    (n < 0 && errno == EINTR)))
		at += n > 0 ? (size_t)n : 0;
	close(fd);
	buf[at] = '\0';
	r->source = "daemon";
	if (strncmp(buf, "spa-status 1\n", 13) == 0)
		for (line = strtok_r(buf + 13, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save))
			sc_line(r, line);
	free(buf);
	if (!r->ended) {
		fprintf(stderr, "sniffer: %s: the report was cut short or is "
		    "not one\n", path);
		return EX_PROTOCOL;
	}
	return 0;
}

static int
sc_db_grant(void *ctx, const struct grantrec *g)
{
	struct sc_report *r = ctx;
	struct sc_grant *o;
	char addr[SPA_ADDRSTRLEN], text[GRANTREC_TEXT_MAX];

	r->total++;
	if (r->ngrants >= STATUS_GRANTS_MAX)
		return 0;
	o = &r->grants[r->ngrants++];
	memset(o, 0, sizeof(*o));
	sc_word(o->user, sizeof(o->user), g->user[0] ? g->user : "-",
	    strlen(g->user[0] ? g->user : "-"));
	addr_format(&g->addr, addr);
	sc_word(o->address, sizeof(o->address), addr, strlen(addr));
	snprintf(o->proto, sizeof(o->proto), "%s", grantrec_proto_name(g));
	snprintf(o->phase, sizeof(o->phase), "%s", grant_phase_name(g->phase));
	o->port = g->port;
	o->expiry = g->expiry;
	grantrec_more_text(g, text);
	sc_word(o->more, sizeof(o->more), text, strlen(text));
	grantrec_inner_text(g, text);
	sc_word(o->inner, sizeof(o->inner), text, strlen(text));
	return 0;
}

/* The grants recorded in the state database, read only.  0 or -1. */
static int
sc_database(const struct conf *c, struct sc_report *r)
{
	char err[STATE_ERR_MAX];
	struct state *st;
	int rc;

	r->source = "database";
	r->now = (long long)time(NULL);
	if (c->sniffer.state[0] == '\0') {
		fprintf(stderr, "sniffer: state = (memory only): no recorded "
		    "grants to show\n");
		return -1;
	}
	if (state_open_readonly(c->sniffer.state, &st, err) != 0) {
		fprintf(stderr, "sniffer: %s\n", err);
		return -1;
	}
	rc = state_grant_each(st, sc_db_grant, NULL, r);
	if (rc != 0)
		fprintf(stderr, "sniffer: %s/state.db: %s\n", c->sniffer.state,
		    state_error(st));
	state_close(st);
	return rc;
}

static void
sc_time(long long t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, 32, "%lld", t);
}

static void
sc_text(const struct sc_report *r, FILE *out)
{
	char t[32];

	if (r->pid != 0) {
		sc_time(r->started, t);
		fprintf(out, "sniffer running: pid %ld, since %s\n", r->pid, t);
	} else {
		fprintf(out, "%s; the grants recorded in the state database "
		    "(no counters without the daemon):\n", r->why);
	}
	fprintf(out, "grants: %lu%s\n", r->total, r->total > r->ngrants ?
	    " (the first shown)" : "");
	for (size_t i = 0; i < r->ngrants; i++) {
		const struct sc_grant *g = &r->grants[i];
		long long left = g->expiry - r->now;

		sc_time(g->expiry, t);
		fprintf(out, "  %-12s %-20s %s/%-5lu expires %s (%s%lld s) "
		    "%-13s failed-closes=%lu\n", g->user, g->address, g->proto,
		    g->port, t, left >= 0 ? "in " : "", left >= 0 ? left :
		    -left, g->phase, g->failed);
		if (g->more[0] != '\0')
			fprintf(out, "    and %s\n", g->more);
		if (g->inner[0] != '\0')
			fprintf(out, "    forwarded to %s\n", g->inner);
		if (left < 0)
			fprintf(out, "    (expired %lld s ago: its close is "
			    "due or failed)\n", -left);
	}
	if (r->ncounters > 0) {
		fprintf(out, "counters:");
		for (size_t i = 0; i < r->ncounters; i++)
			fprintf(out, " %s=%llu", r->counters[i].name,
			    r->counters[i].value);
		fprintf(out, "\n");
	}
}

static void
sc_json(const struct sc_report *r, FILE *out)
{
	fprintf(out, "{\"source\":\"%s\",", r->source);
	if (r->pid != 0)
		fprintf(out, "\"pid\":%ld,\"started\":%lld,", r->pid,
		    r->started);
	else
		fprintf(out, "\"daemon\":\"%s\",", r->why);     /* sc_word-safe */
	fprintf(out, "\"now\":%lld,\"grants_total\":%lu,\"grants\":[", r->now,
	    r->total);
	for (size_t i = 0; i < r->ngrants; i++) {
		const struct sc_grant *g = &r->grants[i];

		fprintf(out, "%s{\"user\":\"%s\",\"address\":\"%s\","
		    "\"proto\":\"%s\",\"port\":%lu,\"expiry\":%lld,"
		    "\"phase\":\"%s\",\"failed_closes\":%lu", i ? "," : "",
		    g->user, g->address, g->proto, g->port, g->expiry,
		    g->phase, g->failed);
		/* sc_word-safe: no quote or backslash. */
		if (g->more[0] != '\0')
			fprintf(out, ",\"more\":\"%s\"", g->more);
		if (g->inner[0] != '\0')
			fprintf(out, ",\"inner\":\"%s\"", g->inner);
		fputc('}', out);
	}
	fprintf(out, "],\"counters\":");
	if (r->ncounters == 0)
		fprintf(out, "null");
	for (size_t i = 0; i < r->ncounters; i++)
		fprintf(out, "%s\"%s\":%llu", i ? "," : "{",
		    r->counters[i].name, r->counters[i].value);
	fprintf(out, "%s}\n", r->ncounters > 0 ? "}" : "");
}

/* A reason for JSON and text: no quote, backslash or control byte. */
static void
sc_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\' ||
		    (unsigned char)*s >= 0x7f)
			*s = '?';
}

int
statuscli_run(const struct conf *c, int json, FILE *out)
{
	struct sc_report *r = calloc(1, sizeof(*r));
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int rc;

	if (r == NULL) {
		fprintf(stderr, "sniffer: out of memory\n");
		return EX_OSERR;
	}
	if (status_path(c, path, sizeof(path)) != 0) {
		fprintf(stderr, "sniffer: state directory %s: too long a path "
		    "for the status socket\n", c->sniffer.state);
		free(r);
		return EX_CONFIG;
	}
	if ((rc = sc_query(path, r)) == -1) {
		sc_clean(r->why);
		fprintf(stderr, "sniffer: %s\n", r->why);
		rc = EX_UNAVAILABLE;
		if (sc_database(c, r) != 0) {
			free(r);
			return rc;
		}
	}
	if (rc == 0 || rc == EX_UNAVAILABLE) {
		if (json)
			sc_json(r, out);
		else
			sc_text(r, out);
	}
	free(r);
	return rc;
}
