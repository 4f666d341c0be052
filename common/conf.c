/*
 * sniffer.conf (doc/interface.md "Configuration").  libinih splits "key = value"
 * lines; inilines.h hands it one line at a time, so we know each line's
 * number, catch lines too long for inih's buffer, and see section headers
 * ourselves (inih truncates long ones and reports none without keys).
 * Every key goes through a keyword table per section, as in OpenSSH
 * servconf.c.  Values lose a '#' comment that follows a blank.
 */
#include "conf.h"


#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decimal.h"
#include "err.h"
#include "inilines.h"
#include "key.h"
#include "request.h"
#include "sign.h"

#define BLANKS " \t\r\n\v\f"
#define CONF_LINE_MAX INI_MAX_LINE      /* inih's line buffer */
#define KEYS_MAX 16                     /* keywords of one section */
#define NAME_LEN_MAX 32                 /* user, run_as, firewall names */
#define SHOWN_MAX 200                   /* bytes of a token in a message */
#define CONF_SIZE_MAX (16 * 1024 * 1024)        /* bytes of a configuration
                                                 * file: 100,000 users fit */
#define SECRET_RUN_MIN 40               /* base64 characters: most of a key */
#define HIDDEN "[not shown: looks like a key]"
#define WINDOW_MAX 86400
#define TIMEOUT_MAX 86400
#define TIMEOUT_OPEN 30
#define TIMEOUT_RUN 60
#define GROW_FIRST 4                    /* elements of an array's first block */

struct parser;

/* Element numbers (of users or actions) in open addressing, so that
 * finding a duplicate among n costs O(1) expected, not a scan of all n.
 * The caller hashes, and compares what a number stands for. */
struct numset {
	struct numslot *slot;           /* mask + 1 of them; NULL: none yet */
	size_t mask;
	size_t n;                       /* numbers held */
};

struct numslot {
	uint64_t hash;
	size_t num;                     /* NUMSET_NONE: free */
};

#define NUMSET_NONE SIZE_MAX
#define NUMSET_FIRST 64                 /* slots of a set's first table */

struct keyword {
	const char *name;
	int (*set)(struct parser *p, const char *value);
};

struct section_kind {
	const char *word;               /* [word] or [word NAME] */
	int named;
	const struct keyword *keys;
	size_t nkeys;
	int (*begin)(struct parser *p, const char *name);
	int (*finish)(struct parser *p);
};

struct parser {
	struct conf *c;
	const char *name;               /* the file, in messages */
	char *dir;                      /* its directory; NULL: the cwd */
	char *err;
	unsigned failed;                /* line of the first error, or ~0 */
	struct ini_lines in;            /* the input, its line number */
	const struct section_kind *sec; /* the current section */
	unsigned sec_line;
	unsigned seen[KEYS_MAX];        /* line of each key given in it */
	unsigned sniffer_line;          /* of [sniffer], 0 until seen */
	unsigned cluster_line;          /* of [cluster], 0 until seen */
	unsigned formats_line;          /* of formats = ; 0: the default */
	struct user_lines *ulines;      /* per user */
	unsigned key_line;              /* of the first inline key =; 0: none */
	bool have_st;                   /* st: the file read (not a string) */
	struct stat st;
	/* Elements allocated (see grow) in c->users, ulines, c->actions,
	 * the current user's allow and from, and sniffer.public_addrs. */
	size_t users_cap, ulines_cap, actions_cap, allow_cap, from_cap;
	size_t public_cap;
	struct numset user_names;       /* users, by name */
	struct numset user_keys;        /* users, by secret */
	struct numset action_names;     /* actions, by name */
};

struct user_lines {
	unsigned allow;                 /* of allow = */
	unsigned key;                   /* of key = or keyfile = */
	unsigned public;                /* of public = ; 0: none */
};

#define NO_LINE 0u
#define FAILED_NO_LINE (~0u)

static int perr(struct parser *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The length of the run of base64 characters that starts s. */
static size_t
b64_run(const char *s)
{
	size_t n = 0;

	while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '/' ||
	    s[n] == '=')
		n++;
	return n;
}

/* 1 when the n characters of s, a run of base64, may be a key (or most of
 * one): long, and more than a lower-case path or word.  A path holding
 * such a run is hidden too, which is better than a key shown. */
static int
secret_run(const char *s, size_t n)
{
	if (n < SECRET_RUN_MIN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (isupper((unsigned char)s[i]) ||
		    isdigit((unsigned char)s[i]) || s[i] == '+')
			return 1;
	return 0;
}

/* 1 when s holds what may be key material. */
static int
secret_in(const char *s)
{
	size_t n;

	for (; *s != '\0'; s += n > 0 ? n : 1)
		if (secret_run(s, n = b64_run(s)))
			return 1;
	return 0;
}

/* Copies msg into out (cap bytes, cut if need be) with whatever may be a
 * key replaced by HIDDEN: a key pasted in the wrong place, or a key file
 * path that is a key, must not reach a terminal or a log. */
static void
redact(const char *msg, char *out, size_t cap)
{
	size_t used = 0, n;
	int w;

	out[0] = '\0';
	for (; *msg != '\0' && used + 1 < cap; msg += n) {
		n = b64_run(msg);
		if (secret_run(msg, n))
			w = snprintf(out + used, cap - used, "%s", HIDDEN);
		else
			w = snprintf(out + used, cap - used, "%.*s",
			    (int)(n > 0 ? n : 1), msg);
		if (n == 0)
			n = 1;
		if (w < 0)
			break;
		used += (size_t)w < cap - used ? (size_t)w : cap - used - 1;
	}
}

/* Records the first error as "FILE:LINE: message" (LINE 0: none), key
 * material hidden.  Returns -1, for "return perr(...)". */
static int
perr(struct parser *p, unsigned line, const char *fmt, ...)
{
	char msg[4 * CONF_ERR_MAX];
	va_list ap;
	int n;

	if (p->failed)
		return -1;
	if (line != NO_LINE)
		n = snprintf(p->err, CONF_ERR_MAX, "%s:%u: ", p->name, line);
	else
		n = snprintf(p->err, CONF_ERR_MAX, "%s: ", p->name);
	if (n < 0 || n >= CONF_ERR_MAX)
		n = CONF_ERR_MAX - 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	redact(msg, p->err + n, CONF_ERR_MAX - (size_t)n);
	crypto_wipe(msg, sizeof(msg));
	p->failed = line != NO_LINE ? line : FAILED_NO_LINE;
	return -1;
}

/* Room for element n of arr, which has *cap elements of size bytes:
 * the capacity doubles, so n appends cost O(n) in all.  wipe: the old
 * block holds secrets, so it is copied and wiped rather than left in
 * the heap by realloc.  Returns the array, maybe moved, or NULL (arr
 * then unchanged). */
static void *
grow(void *arr, size_t n, size_t *cap, size_t size, bool wipe)
{
	size_t want;
	void *a;

	if (n < *cap)
		return arr;
	if (*cap > SIZE_MAX / 2)
		return NULL;
	want = *cap != 0 ? *cap * 2 : GROW_FIRST;
	if (!wipe)
		a = reallocarray(arr, want, size);
	else if ((a = calloc(want, size)) != NULL && arr != NULL) {
		memcpy(a, arr, *cap * size);
		crypto_wipe(arr, *cap * size);
		free(arr);
	}
	if (a != NULL)
		*cap = want;
	return a;
}

/* FNV-1a: names are short and come from a root-owned file. */
static uint64_t
name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h;
}

/* A secret is uniformly random: its first 8 bytes are hash enough. */
static uint64_t
secret_hash(const uint8_t secret[SPA_SECRET_LEN])
{
	uint64_t h;

	memcpy(&h, secret, sizeof(h));
	return h;
}

/* Where hash's probe starts: the high bits folded into the low. */
static size_t
numset_start(const struct numset *s, uint64_t hash)
{
	return (size_t)(hash ^ hash >> 32) & s->mask;
}

/* The number in s whose hash is hash and for which same(p, number, key)
 * says 1, or NUMSET_NONE. */
static size_t
numset_find(const struct numset *s, uint64_t hash,
    int (*same)(const struct parser *p, size_t num, const void *key),
    const struct parser *p, const void *key)
{
	if (s->slot == NULL)
		return NUMSET_NONE;
	for (size_t i = numset_start(s, hash); s->slot[i].num != NUMSET_NONE;
	    i = (i + 1) & s->mask)
		if (s->slot[i].hash == hash && same(p, s->slot[i].num, key))
			return s->slot[i].num;
	return NUMSET_NONE;
}

static void
numset_put(struct numset *s, uint64_t hash, size_t num)
{
	size_t i = numset_start(s, hash);

	while (s->slot[i].num != NUMSET_NONE)
		i = (i + 1) & s->mask;
	s->slot[i].hash = hash;
	s->slot[i].num = num;
	s->n++;
}

/* Wiped: a set of users by secret holds the first bytes of each. */
static void
numset_free(struct numset *s)
{
	if (s->slot != NULL)
		crypto_wipe(s->slot, (s->mask + 1) * sizeof(*s->slot));
	free(s->slot);
	s->slot = NULL;
	s->mask = s->n = 0;
}

/* Adds num, not yet in s; the table doubles to stay at most half full.
 * Returns 0, or -1 when out of memory (s then unchanged). */
static int
numset_add(struct numset *s, uint64_t hash, size_t num)
{
	struct numset big;
	size_t slots = s->slot != NULL ? 2 * (s->mask + 1) : NUMSET_FIRST;

	if (s->slot != NULL && 2 * (s->n + 1) <= s->mask + 1) {
		numset_put(s, hash, num);
		return 0;
	}
	if (slots < NUMSET_FIRST ||
	    (big.slot = calloc(slots, sizeof(*big.slot))) == NULL)
		return -1;
	big.mask = slots - 1;
	big.n = 0;
	for (size_t i = 0; i < slots; i++)
		big.slot[i].num = NUMSET_NONE;
	for (size_t i = 0; s->slot != NULL && i <= s->mask; i++)
		if (s->slot[i].num != NUMSET_NONE)
			numset_put(&big, s->slot[i].hash, s->slot[i].num);
	numset_put(&big, hash, num);
	numset_free(s);
	*s = big;
	return 0;
}

/* What a file that is not a regular one is, for messages. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "a special file";
}

/* 1 when uid may own our secrets: root, or the user we run as. */
static int
owner_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

static int
nomem(struct parser *p)
{
	return perr(p, p->in.lineno, "out of memory");
}

/* A token from the file made safe to quote: truncated, non-printable
 * bytes shown as '?'.  Never used on key material (and perr hides what
 * may be a key pasted elsewhere). */
static const char *
shown(const char *token, char buf[SHOWN_MAX + 4])
{
	size_t i;

	for (i = 0; token[i] != '\0' && i < SHOWN_MAX; i++)
		buf[i] = (token[i] >= 0x20 && token[i] < 0x7f) ? token[i] : '?';
	strcpy(buf + i, token[i] != '\0' ? "..." : "");
	return buf;
}

/* 1 for 1..32 of [A-Za-z0-9._-], not starting with '-' or '.': user
 * names, run_as, and key names worth quoting. */
static int
name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NAME_LEN_MAX || s[0] == '-' || s[0] == '.')
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n;
}

/* Decimal min..max, digits only (common/decimal.h), into an unsigned. */
static int
parse_uint(const char *s, unsigned long min, unsigned long max,
    unsigned *out)
{
	unsigned long v;
	int rc = decimal_parse(s, min, max, &v);

	if (rc == 0)
		*out = (unsigned)v;
	return rc;
}

static int
parse_yesno(struct parser *p, const char *key, const char *v, bool *out)
{
	char q[SHOWN_MAX + 4];

	if (strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0)
		*out = false;
	else
		return perr(p, p->in.lineno, "%s must be yes or no, not '%s'",
		    key, shown(v, q));
	return 0;
}

static int
set_string(struct parser *p, char **dst, const char *v)
{
	char *s = strdup(v);

	if (s == NULL)
		return nomem(p);
	free(*dst);
	*dst = s;
	return 0;
}

/* path as given when absolute, else relative to the file's directory. */
static char *
resolve_path(const struct parser *p, const char *path)
{
	size_t n;
	char *s;

	if (path[0] == '/' || p->dir == NULL)
		return strdup(path);
	n = strlen(p->dir) + 1 + strlen(path) + 1;
	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "%s/%s", p->dir, path);
	return s;
}

/* Calls fn on each blank-separated word of v.  Returns 0 or -1. */
static int
each_word(struct parser *p, const char *v,
    int (*fn)(struct parser *p, const char *word))
{
	char word[CONF_LINE_MAX];
	size_t n;

	for (v += strspn(v, BLANKS); *v != '\0'; v += strspn(v, BLANKS)) {
		n = strcspn(v, BLANKS);
		if (n >= sizeof(word))
			return perr(p, p->in.lineno, "word too long");
		memcpy(word, v, n);
		word[n] = '\0';
		if (fn(p, word) != 0)
			return -1;
		v += n;
	}
	return 0;
}

/* ---- [sniffer] ---- */

enum { S_INTERFACE, S_PORT, S_ADDRESS, S_PUBLIC, S_WINDOW, S_FORMATS,
	S_FIREWALL, S_STATE, S_LOCKOUT, S_CAPTURE_BUFFER, S_STATS_FILE };

static int
sniffer_interface(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4];

	if (*v == '\0' || v[strcspn(v, BLANKS)] != '\0' || secret_in(v))
		return perr(p, p->in.lineno, "interface must be one pcap "
		    "device name such as eth0 or any, not '%s'", shown(v, q));
	return set_string(p, &p->c->sniffer.interface, v);
}

static int
sniffer_port(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4];
	unsigned port;

	if (parse_uint(v, 1, 65535, &port) != 0)
		return perr(p, p->in.lineno, "port must be a number from 1 to "
		    "65535, not '%s'", shown(v, q));
	p->c->sniffer.port = (uint16_t)port;
	return 0;
}

static int
sniffer_address(struct parser *p, const char *v)
{
	struct conf_sniffer *s = &p->c->sniffer;
	char q[SHOWN_MAX + 4];

	s->has_address = *v != '\0';
	if (s->has_address && addr_parse(v, &s->address) != 0)
		return perr(p, p->in.lineno, "address must be one IPv4 or IPv6 "
		    "address, or empty; '%s' is not", shown(v, q));
	return 0;
}

static int
public_word(struct parser *p, const char *word)
{
	struct conf_sniffer *s = &p->c->sniffer;
	struct spa_addr *a;
	char q[SHOWN_MAX + 4];

	a = grow(s->public_addrs, s->npublic, &p->public_cap, sizeof(*a),
	    false);
	if (a == NULL)
		return nomem(p);
	s->public_addrs = a;
	if (addr_parse(word, &a[s->npublic]) != 0)
		return perr(p, p->in.lineno, "public_address takes IPv4 or "
		    "IPv6 addresses separated by spaces; '%s' is not one",
		    shown(word, q));
	s->npublic++;
	return 0;
}

static int
sniffer_public(struct parser *p, const char *v)
{
	return each_word(p, v, public_word);
}

static int
sniffer_window(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4];

	if (parse_uint(v, 1, WINDOW_MAX, &p->c->sniffer.window) != 0)
		return perr(p, p->in.lineno, "window must be a number of "
		    "seconds from 1 to %d, not '%s'", WINDOW_MAX, shown(v, q));
	return 0;
}

static int
format_word(struct parser *p, const char *word)
{
	char q[SHOWN_MAX + 4];

	if (strcmp(word, "native") == 0)
		p->c->sniffer.native = true;
	else if (strcmp(word, "signed") == 0)
		p->c->sniffer.signed_fmt = true;
	else if (strcmp(word, "classic") == 0)
		p->c->sniffer.classic = true;
	else
		return perr(p, p->in.lineno, "formats takes native, signed and "
		    "classic, not '%s'", shown(word, q));
	return 0;
}

/* doc/interface.md: the default is native signed; classic only when named. */
static int
sniffer_formats(struct parser *p, const char *v)
{
	struct conf_sniffer *s = &p->c->sniffer;

	s->native = s->signed_fmt = s->classic = false;
	p->formats_line = p->in.lineno;
	if (each_word(p, v, format_word) != 0)
		return -1;
	if (!s->native && !s->signed_fmt && !s->classic)
		return perr(p, p->in.lineno, "formats needs at least one of "
		    "native, signed and classic");
	return 0;
}

static int
sniffer_firewall(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4];
	size_t n = strlen(v);

	if (n == 0 || n > NAME_LEN_MAX ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return perr(p, p->in.lineno, "firewall must name a backend in "
		    "rules/ (lower-case letters, digits, '-', '_'), such as "
		    "iptables or nft, not '%s'", shown(v, q));
	return set_string(p, &p->c->sniffer.firewall, v);
}

static int
sniffer_state(struct parser *p, const char *v)
{
	char *path;

	p->c->sniffer.state_given = true;
	if (*v == '\0')
		return set_string(p, &p->c->sniffer.state, "");
	if ((path = resolve_path(p, v)) == NULL)
		return nomem(p);
	free(p->c->sniffer.state);
	p->c->sniffer.state = path;
	return 0;
}

static int
sniffer_lockout(struct parser *p, const char *v)
{
	struct conf_sniffer *s = &p->c->sniffer;
	char q[SHOWN_MAX + 4], count[CONF_LINE_MAX];
	const char *slash = strchr(v, '/');

	s->lockout_count = s->lockout_seconds = 0;
	if (*v == '\0')
		return 0;
	if (slash != NULL && (size_t)(slash - v) < sizeof(count)) {
		memcpy(count, v, (size_t)(slash - v));
		count[slash - v] = '\0';
		if (parse_uint(count, 1, UINT32_MAX, &s->lockout_count) == 0 &&
		    parse_uint(slash + 1, 1, UINT32_MAX,
		    &s->lockout_seconds) == 0)
			return 0;
	}
	return perr(p, p->in.lineno, "lockout must be ATTEMPTS/SECONDS, both "
	    "positive (such as 5/60), or empty, not '%s'", shown(v, q));
}

/* A byte count with an optional K or M (powers of 1024). */
static int
sniffer_capture_buffer(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4], digits[16];
	size_t n = strlen(v);
	unsigned shift = 0, count;

	if (n > 0 && (v[n - 1] == 'K' || v[n - 1] == 'M')) {
		shift = v[n - 1] == 'K' ? 10 : 20;
		n--;
	}
	if (n > 0 && n < sizeof(digits)) {
		memcpy(digits, v, n);
		digits[n] = '\0';
		if (parse_uint(digits, 1, CONF_CAPTURE_BUFFER_MAX >> shift,
		    &count) == 0 && (count << shift) >= CONF_CAPTURE_BUFFER_MIN) {
			p->c->sniffer.capture_buffer = count << shift;
			return 0;
		}
	}
	return perr(p, p->in.lineno, "capture_buffer must be a size from 64K "
	    "to 256M (bytes, or with K or M), not '%s'", shown(v, q));
}

/* A file for node_exporter's textfile collector, which reads only names
 * ending in .prom; empty: none.  Relative to the file's directory. */
static int
sniffer_stats_file(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4];
	size_t n = strlen(v);
	const char *base = strrchr(v, '/');
	char *path;

	if (n == 0)
		return set_string(p, &p->c->sniffer.stats_file, "");
	base = base ? base + 1 : v;
	if (strlen(base) <= 5 || strcmp(v + n - 5, ".prom") != 0)
		return perr(p, p->in.lineno, "stats_file must be a file name "
		    "ending in .prom (node_exporter's textfile collector reads "
		    "no other), not '%s'", shown(v, q));
	if ((path = resolve_path(p, v)) == NULL)
		return nomem(p);
	free(p->c->sniffer.stats_file);
	p->c->sniffer.stats_file = path;
	return 0;
}

static int
sniffer_begin(struct parser *p, const char *name)
{
	(void)name;
	if (p->sniffer_line != 0)
		return perr(p, p->in.lineno, "[sniffer] appears twice (first "
		    "on line %u); merge the two", p->sniffer_line);
	p->sniffer_line = p->in.lineno;
	return 0;
}

static int
sniffer_finish(struct parser *p)
{
	(void)p;
	return 0;
}

static const struct keyword sniffer_keys[] = {
	[S_INTERFACE] = { "interface", sniffer_interface },
	[S_PORT] = { "port", sniffer_port },
	[S_ADDRESS] = { "address", sniffer_address },
	[S_PUBLIC] = { "public_address", sniffer_public },
	[S_WINDOW] = { "window", sniffer_window },
	[S_FORMATS] = { "formats", sniffer_formats },
	[S_FIREWALL] = { "firewall", sniffer_firewall },
	[S_STATE] = { "state", sniffer_state },
	[S_LOCKOUT] = { "lockout", sniffer_lockout },
	[S_CAPTURE_BUFFER] = { "capture_buffer", sniffer_capture_buffer },
	[S_STATS_FILE] = { "stats_file", sniffer_stats_file },
};

/* ---- [user NAME] ---- */

enum { U_KEY, U_KEYFILE, U_ALLOW, U_NAT, U_CLASSIC, U_PUBLIC, U_FROM,
	U_EXPIRES };

static struct conf_user *
cur_user(struct parser *p)
{
	return &p->c->users[p->c->nusers - 1];
}

static int
user_key(struct parser *p, const char *v)
{
	int len = -1, rc;

	if (p->key_line == NO_LINE)
		p->key_line = p->in.lineno;
	if (p->seen[U_KEYFILE])
		return perr(p, p->in.lineno, "give key or keyfile, not both "
		    "(keyfile is on line %u)", p->seen[U_KEYFILE]);
	rc = key_decode(v, cur_user(p)->secret, &len);
	if (rc == SPA_ERR_BASE64)
		return perr(p, p->in.lineno, "key is not valid base64: it must "
		    "be 44 characters of A-Z a-z 0-9 + / ending in '=' (this "
		    "one has %zu); knock --keygen makes one", strlen(v));
	if (rc == SPA_ERR_KEY_LENGTH && len == SPA_SIGNING_KEY_LEN)
		return perr(p, p->in.lineno, "key must be exactly 32 bytes (44 "
		    "base64 characters), this one decodes to 64: a client's "
		    "signing key, whose seed the server must never hold; "
		    "knock --public -k FILE prints the key = and public = lines "
		    "to use");
	if (rc == SPA_ERR_KEY_LENGTH && len >= 0)
		return perr(p, p->in.lineno, "key must be exactly 32 bytes (44 "
		    "base64 characters), this one decodes to %d", len);
	if (rc != 0)
		return perr(p, p->in.lineno, "key: %s", err_str(rc));
	return 0;
}

static int
keyfile_error(struct parser *p, const char *path, int rc,
    const struct stat *st)
{
	char q[SHOWN_MAX + 4];

	shown(path, q);
	if (rc == SPA_ERR_SYSTEM)
		return perr(p, p->in.lineno, "cannot read key file '%s': %s", q,
		    strerror(errno));
	if (rc == SPA_ERR_KEY_NOT_FILE)
		return perr(p, p->in.lineno, "key file '%s' is %s, not a "
		    "regular file", q, file_kind(st->st_mode));
	if (rc == SPA_ERR_KEY_MODE)
		return perr(p, p->in.lineno, "key file '%s' may be read or "
		    "written by group or others (mode 0%o): chmod 600 it", q,
		    (unsigned)(st->st_mode & 07777));
	if (rc == SPA_ERR_BASE64 || rc == SPA_ERR_KEY_LENGTH)
		return perr(p, p->in.lineno, "key file '%s' must hold one "
		    "32-byte key in base64 (44 characters); knock --keygen -o "
		    "FILE makes one", q);
	return perr(p, p->in.lineno, "key file '%s': %s", q, err_str(rc));
}

/* A key file's directory must be writable by its owner only: anyone else
 * could put their own key in its place.  A directory that cannot be
 * looked at is left to the open that follows, which says why. */
static int
keyfile_dir_check(struct parser *p, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX], q[SHOWN_MAX + 4], qd[SHOWN_MAX + 4];
	struct stat st;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 :
	    (int)(slash - path), path) >= (int)sizeof(dir))
		return 0;
	if (stat(dir, &st) != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return 0;
	return perr(p, p->in.lineno, "key file '%s' is in a directory that "
	    "group or others may write ('%s', mode 0%o): move the key to a "
	    "private directory such as /etc/spa", shown(path, q),
	    shown(dir, qd), (unsigned)(st.st_mode & 07777));
}

/* Reads a key file that only root or we could have written. */
static int
keyfile_load(struct parser *p, const char *path, uint8_t key[SPA_SECRET_LEN])
{
	char q[SHOWN_MAX + 4];
	struct stat st;
	int rc;

	if (keyfile_dir_check(p, path) != 0)
		return -1;
	if ((rc = key_load_file_stat(path, key, &st)) != 0)
		return keyfile_error(p, path, rc, &st);
	if (!owner_ok(st.st_uid)) {
		crypto_wipe(key, SPA_SECRET_LEN);
		return perr(p, p->in.lineno, "key file '%s' is owned by uid "
		    "%u, not by root or by uid %u that runs sniffer: chown it "
		    "to root", shown(path, q), (unsigned)st.st_uid,
		    (unsigned)geteuid());
	}
	return 0;
}

static int
user_keyfile(struct parser *p, const char *v)
{
	uint8_t probe[SPA_SECRET_LEN];
	char *path;
	int rc;

	if (p->seen[U_KEY])
		return perr(p, p->in.lineno, "give key or keyfile, not both "
		    "(key is on line %u)", p->seen[U_KEY]);
	if (*v == '\0')
		return perr(p, p->in.lineno, "keyfile needs a path");
	rc = key_decode(v, probe, NULL);
	crypto_wipe(probe, sizeof(probe));
	if (rc == 0)
		return perr(p, p->in.lineno, "keyfile takes the path of a key "
		    "file, not the key itself (not shown): write key = and the "
		    "key instead, or save the key in a file of mode 0600 and "
		    "give its path");
	if ((path = resolve_path(p, v)) == NULL)
		return nomem(p);
	rc = keyfile_load(p, path, cur_user(p)->secret);
	free(path);
	return rc;
}

static int
allow_word(struct parser *p, const char *word)
{
	struct conf_user *u = cur_user(p);
	char **a;

	if (secret_in(word))
		return perr(p, p->in.lineno, "allow takes action names, and "
		    "this one looks like a key (not shown): a key goes in key = "
		    "or in a key file");
	a = grow(u->allow, u->nallow, &p->allow_cap, sizeof(*a), false);
	if (a == NULL)
		return nomem(p);
	u->allow = a;
	if ((a[u->nallow] = strdup(word)) == NULL)
		return nomem(p);
	u->nallow++;
	return 0;
}

static int
user_allow(struct parser *p, const char *v)
{
	p->ulines[p->c->nusers - 1].allow = p->in.lineno;
	return each_word(p, v, allow_word);
}

static int
user_nat(struct parser *p, const char *v)
{
	return parse_yesno(p, "nat", v, &cur_user(p)->nat);
}

static int
user_classic(struct parser *p, const char *v)
{
	return parse_yesno(p, "classic", v, &cur_user(p)->classic);
}

/* doc/protocol.md "Signed format": the user's Ed25519 public key, which
 * must be one a signature can be checked against (sign.h). */
static int
user_public(struct parser *p, const char *v)
{
	struct conf_user *u = cur_user(p);
	int len = -1;

	if (key_decode(v, u->public_key, &len) != 0)
		return perr(p, p->in.lineno, "public must be 32 bytes in "
		    "base64 (44 characters), as knock --keygen --sign prints "
		    "it%s", len > 0 ? "; this one is not 32 bytes" : "");
	if (!sign_public_valid(u->public_key))
		return perr(p, p->in.lineno, "public is not a valid Ed25519 "
		    "public key (not a point of the curve, or one of small "
		    "order that would take anyone's signature): print it again "
		    "with knock --public -k KEYFILE");
	u->has_public = true;
	p->ulines[p->c->nusers - 1].public = p->in.lineno;
	return 0;
}

static int
from_word(struct parser *p, const char *word)
{
	struct conf_user *u = cur_user(p);
	struct spa_net *n;
	char q[SHOWN_MAX + 4];

	n = grow(u->from, u->nfrom, &p->from_cap, sizeof(*n), false);
	if (n == NULL)
		return nomem(p);
	u->from = n;
	if (addr_net_parse(word, &n[u->nfrom]) != 0)
		return perr(p, p->in.lineno, "from takes networks such as "
		    "192.0.2.0/24 or 2001:db8::/32 (or single addresses), "
		    "separated by spaces, with no bits set past the prefix; "
		    "'%s' is not one", shown(word, q));
	u->nfrom++;
	return 0;
}

/* Where this user's knocks may come from: the packet's source address
 * (doc/protocol.md native step 8). */
static int
user_from(struct parser *p, const char *v)
{
	if (each_word(p, v, from_word) != 0)
		return -1;
	if (cur_user(p)->nfrom == 0)
		return perr(p, p->in.lineno, "from needs at least one network "
		    "(leave the key out to allow any source)");
	return 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* "YYYY-MM-DD", a real day from 1970 to 9999: the first second after it,
 * UTC.  0 or -1. */
static int
parse_date(const char *s, int64_t *after)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };
	unsigned y, m, d;
	char part[5];

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	memcpy(part, s, 4);
	part[4] = '\0';
	if (parse_uint(part, 1970, 9999, &y) != 0)
		return -1;
	memcpy(part, s + 5, 2);
	part[2] = '\0';
	if (parse_uint(part, 1, 12, &m) != 0)
		return -1;
	memcpy(part, s + 8, 2);
	if (parse_uint(part, 1, mdays[m - 1], &d) != 0)
		return -1;
	if (m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)))
		return -1;
	*after = (days_from_civil(y, m, d) + 1) * 86400;
	return 0;
}

static int
user_expires(struct parser *p, const char *v)
{
	struct conf_user *u = cur_user(p);
	char q[SHOWN_MAX + 4];

	if (parse_date(v, &u->expires) != 0)
		return perr(p, p->in.lineno, "expires must be a date "
		    "YYYY-MM-DD (the last day of access, UTC) such as "
		    "2027-06-30, not '%s'", shown(v, q));
	u->expires_line = p->in.lineno;
	return 0;
}

static int
user_named(const struct parser *p, size_t num, const void *name)
{
	return strcmp(p->c->users[num].name, name) == 0;
}

static int
user_keyed(const struct parser *p, size_t num, const void *secret)
{
	return mac_equal(p->c->users[num].secret, secret);
}

static int
user_begin(struct parser *p, const char *name)
{
	struct conf *c = p->c;
	struct conf_user *u;
	struct user_lines *lines;
	char q[SHOWN_MAX + 4];
	uint64_t hash;
	size_t i;

	if (!name_valid(name))
		return perr(p, p->in.lineno, "user name '%s' must be 1 to 32 "
		    "of A-Z a-z 0-9 . _ - (not starting with . or -)",
		    shown(name, q));
	hash = name_hash(name);
	if ((i = numset_find(&p->user_names, hash, user_named, p, name)) !=
	    NUMSET_NONE)
		return perr(p, p->in.lineno, "[user %s] appears twice (first "
		    "on line %u)", name, c->users[i].line);
	u = grow(c->users, c->nusers, &p->users_cap, sizeof(*u), true);
	if (u == NULL)
		return nomem(p);
	c->users = u;
	lines = grow(p->ulines, c->nusers, &p->ulines_cap, sizeof(*lines),
	    false);
	if (lines == NULL)
		return nomem(p);
	p->ulines = lines;
	p->allow_cap = 0;       /* the new user's allow and from, still NULL */
	p->from_cap = 0;
	u = &c->users[c->nusers];
	memset(u, 0, sizeof(*u));
	memset(&lines[c->nusers++], 0, sizeof(*lines));
	u->line = p->in.lineno;
	if ((u->name = strdup(name)) == NULL ||
	    numset_add(&p->user_names, hash, c->nusers - 1) != 0)
		return nomem(p);
	return 0;
}

/* Two users with one key: the locator would always name the first. */
static int
user_key_unique(struct parser *p)
{
	const struct conf *c = p->c;
	const struct conf_user *u = cur_user(p);
	uint64_t hash = secret_hash(u->secret);
	size_t i;

	i = numset_find(&p->user_keys, hash, user_keyed, p, u->secret);
	if (i != NUMSET_NONE)
		return perr(p, p->ulines[c->nusers - 1].key, "user %s has the "
		    "same key as user %s (line %u): every knock would go to "
		    "%s; give each user a key of its own (knock --keygen)",
		    u->name, c->users[i].name, p->ulines[i].key,
		    c->users[i].name);
	if (numset_add(&p->user_keys, hash, c->nusers - 1) != 0)
		return nomem(p);
	return 0;
}

static int
user_finish(struct parser *p)
{
	if (!p->seen[U_KEY] && !p->seen[U_KEYFILE])
		return perr(p, p->sec_line, "[user %s] has no key: add key = "
		    "BASE64 or keyfile = PATH", cur_user(p)->name);
	p->ulines[p->c->nusers - 1].key = p->seen[U_KEY] ? p->seen[U_KEY] :
	    p->seen[U_KEYFILE];
	return user_key_unique(p);
}

static const struct keyword user_keys[] = {
	[U_KEY] = { "key", user_key },
	[U_KEYFILE] = { "keyfile", user_keyfile },
	[U_ALLOW] = { "allow", user_allow },
	[U_NAT] = { "nat", user_nat },
	[U_CLASSIC] = { "classic", user_classic },
	[U_PUBLIC] = { "public", user_public },
	[U_FROM] = { "from", user_from },
	[U_EXPIRES] = { "expires", user_expires },
};

/* ---- [action NAME] ---- */

enum { A_OPEN, A_RUN, A_TIMEOUT, A_RUN_AS, A_FORWARD };

static struct conf_action *
cur_action(struct parser *p)
{
	return &p->c->actions[p->c->nactions - 1];
}

/* An action is one of open, run and forward: -1 (said) when another of
 * them came first; else 0, and the action's kind_line is this line. */
static int
action_kind_taken(struct parser *p, int key)
{
	static const int kinds[] = { A_OPEN, A_RUN, A_FORWARD };
	static const char *const names[] = { "open", "run", "forward" };

	for (size_t i = 0; i < 3; i++)
		if (kinds[i] != key && p->seen[kinds[i]])
			return perr(p, p->in.lineno, "an action has one of "
			    "open, run and forward (%s is on line %u)",
			    names[i], p->seen[kinds[i]]);
	cur_action(p)->kind_line = p->in.lineno;
	return 0;
}

/* One "tcp/PORT" or "udp/PORT" into *out.  0 or -1. */
static int
parse_port(const char *w, struct conf_port *out)
{
	unsigned port;

	if (strncmp(w, "tcp/", 4) == 0)
		out->proto = IPPROTO_TCP;
	else if (strncmp(w, "udp/", 4) == 0)
		out->proto = IPPROTO_UDP;
	else
		return -1;
	if (parse_uint(w + 4, 1, 65535, &port) != 0)
		return -1;
	out->port = (uint16_t)port;
	return 0;
}

static int
open_word(struct parser *p, const char *w)
{
	struct conf_action *a = cur_action(p);
	struct conf_port *pp = &a->ports[a->nports];
	char q[SHOWN_MAX + 4];

	if (parse_port(w, pp) != 0)
		return perr(p, p->in.lineno, "open takes tcp/PORT and udp/PORT "
		    "pairs with PORT from 1 to 65535, separated by spaces (such "
		    "as tcp/22 udp/51820), not '%s'", shown(w, q));
	for (size_t i = 0; i < a->nports; i++)
		if (a->ports[i].proto == pp->proto &&
		    a->ports[i].port == pp->port)
			return perr(p, p->in.lineno, "open names %s twice",
			    shown(w, q));
	a->nports++;
	return 0;
}

static int
open_words(struct parser *p, const char *w)
{
	if (cur_action(p)->nports == CONF_PORTS_MAX)
		return perr(p, p->in.lineno, "open takes at most %d pairs",
		    CONF_PORTS_MAX);
	return open_word(p, w);
}

/* open = PROTO/PORT ...: one grant opens every pair (doc/grants.md). */
static int
action_open(struct parser *p, const char *v)
{
	struct conf_action *a = cur_action(p);

	if (action_kind_taken(p, A_OPEN) != 0)
		return -1;
	a->kind = CONF_ACTION_OPEN;
	a->nports = 0;
	if (each_word(p, v, open_words) != 0)
		return -1;
	if (a->nports == 0)
		return perr(p, p->in.lineno, "open needs a pair such as tcp/22");
	return 0;
}

/* "ADDR:PORT" or "[ADDR6]:PORT", a host a grant may mean, into a.  0 or
 * -1. */
static int
parse_inner(const char *w, struct conf_action *a)
{
	char host[SPA_ADDRSTRLEN];
	const char *colon, *start = w;
	size_t n;
	unsigned port;

	if (*w == '[') {
		const char *close = strchr(w, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		start = w + 1;
		n = (size_t)(close - start);
		colon = close + 1;
	} else {
		if ((colon = strrchr(w, ':')) == NULL ||
		    memchr(w, ':', (size_t)(colon - w)) != NULL)
			return -1;      /* IPv6 needs its brackets */
		n = (size_t)(colon - w);
	}
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, start, n);
	host[n] = '\0';
	if (addr_parse(host, &a->inner) != 0 || !addr_grantable(&a->inner) ||
	    (*w == '[') != (a->inner.family == 6) ||
	    parse_uint(colon + 1, 1, 65535, &port) != 0)
		return -1;
	a->inner_port = (uint16_t)port;
	return 0;
}

/* forward = PROTO/PORT INNER:PORT (doc/grants.md "Forwarding"). */
static int
action_forward(struct parser *p, const char *v)
{
	struct conf_action *a = cur_action(p);
	char port[CONF_LINE_MAX], inner[CONF_LINE_MAX], q[SHOWN_MAX + 4];
	const char *w = v + strspn(v, BLANKS);
	size_t n1 = strcspn(w, BLANKS), n2;
	const char *w2 = w + n1 + strspn(w + n1, BLANKS);

	if (action_kind_taken(p, A_FORWARD) != 0)
		return -1;
	a->kind = CONF_ACTION_FORWARD;
	n2 = strcspn(w2, BLANKS);
	memcpy(port, w, n1);
	port[n1] = '\0';
	memcpy(inner, w2, n2);
	inner[n2] = '\0';
	if (parse_port(port, &a->ports[0]) == 0 && n2 > 0 &&
	    w2[n2 + strspn(w2 + n2, BLANKS)] == '\0' &&
	    parse_inner(inner, a) == 0) {
		a->nports = 1;
		return 0;
	}
	return perr(p, p->in.lineno, "forward must be PROTO/PORT INNER:PORT, "
	    "such as 'tcp/22 192.0.2.10:22' or 'tcp/2222 [2001:db8::10]:22' "
	    "(the inner host an address a grant can mean, IPv6 in brackets), "
	    "not '%s'", shown(v, q));
}

static int
action_run(struct parser *p, const char *v)
{
	struct conf_action *a = cur_action(p);
	char terr[TEMPLATE_ERR_MAX];

	if (action_kind_taken(p, A_RUN) != 0)
		return -1;
	a->kind = CONF_ACTION_RUN;
	if (template_parse(v, 1, &a->run, terr) == 0)
		return 0;
	/* terr quotes the command, maybe cut inside what may be a key. */
	if (secret_in(v))
		return perr(p, p->in.lineno, "run: not a valid command (part of "
		    "it looks like a key, so it is not shown): write run = "
		    "/ABSOLUTE/PATH ARGS...");
	return perr(p, p->in.lineno, "run: %s", terr);
}

static int
action_timeout(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4];

	if (parse_uint(v, 1, TIMEOUT_MAX, &cur_action(p)->timeout) != 0)
		return perr(p, p->in.lineno, "timeout must be a number of "
		    "seconds from 1 to %d, not '%s'", TIMEOUT_MAX, shown(v, q));
	return 0;
}

static int
action_run_as(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4];

	if (!name_valid(v))
		return perr(p, p->in.lineno, "run_as must be a user name (1 to "
		    "32 of A-Z a-z 0-9 . _ -), not '%s'", shown(v, q));
	return set_string(p, &cur_action(p)->run_as, v);
}

static int
action_named(const struct parser *p, size_t num, const void *name)
{
	return strcmp(p->c->actions[num].name, name) == 0;
}

static int
action_begin(struct parser *p, const char *name)
{
	struct conf *c = p->c;
	struct conf_action *a;
	char q[SHOWN_MAX + 4];
	uint64_t hash = name_hash(name);
	size_t i;

	if (!request_valid(name, strlen(name)))
		return perr(p, p->in.lineno, "action name '%s' must be a valid "
		    "request: 1 to 32 printable ASCII characters, no spaces",
		    shown(name, q));
	if ((i = numset_find(&p->action_names, hash, action_named, p, name)) !=
	    NUMSET_NONE)
		return perr(p, p->in.lineno, "[action %s] appears twice (first "
		    "on line %u)", name, c->actions[i].line);
	a = grow(c->actions, c->nactions, &p->actions_cap, sizeof(*a), false);
	if (a == NULL)
		return nomem(p);
	c->actions = a;
	a = &c->actions[c->nactions++];
	memset(a, 0, sizeof(*a));
	a->line = p->in.lineno;
	if ((a->name = strdup(name)) == NULL ||
	    numset_add(&p->action_names, hash, c->nactions - 1) != 0)
		return nomem(p);
	return 0;
}

/* run_as's ids, now rather than at each knock; the error names the
 * run_as line, or the section's for the default user. */
static int
action_run_ids(struct parser *p, struct conf_action *a)
{
	unsigned line = p->seen[A_RUN_AS] ? p->seen[A_RUN_AS] : p->sec_line;
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(a->run_as)) != NULL) {
		a->run_uid = pw->pw_uid;
		a->run_gid = pw->pw_gid;
		return 0;
	}
	if (errno != 0 && errno != ENOENT && errno != ESRCH &&
	    errno != EBADF && errno != EPERM)
		return perr(p, line, "cannot look up run_as user %s: %s",
		    a->run_as, strerror(errno));
	return perr(p, line, "run_as user %s does not exist", a->run_as);
}

static int
action_finish(struct parser *p)
{
	struct conf_action *a = cur_action(p);

	if (!p->seen[A_OPEN] && !p->seen[A_RUN] && !p->seen[A_FORWARD])
		return perr(p, p->sec_line, "[action %s] needs open = "
		    "PROTO/PORT, run = /PATH ARGS... or forward = PROTO/PORT "
		    "INNER:PORT", a->name);
	if (p->seen[A_RUN_AS] && a->kind != CONF_ACTION_RUN)
		return perr(p, p->seen[A_RUN_AS], "run_as only applies to run "
		    "actions; remove it");
	if (!p->seen[A_TIMEOUT])
		a->timeout = a->kind == CONF_ACTION_RUN ? TIMEOUT_RUN :
		    TIMEOUT_OPEN;
	if (a->kind != CONF_ACTION_RUN)
		return 0;
	if (a->run_as == NULL && set_string(p, &a->run_as, "nobody") != 0)
		return -1;
	return action_run_ids(p, a);
}

static const struct keyword action_keys[] = {
	[A_OPEN] = { "open", action_open },
	[A_RUN] = { "run", action_run },
	[A_TIMEOUT] = { "timeout", action_timeout },
	[A_RUN_AS] = { "run_as", action_run_as },
	[A_FORWARD] = { "forward", action_forward },
};

/* ---- [cluster] (doc/cluster.md) ---- */

enum { C_REDIS, C_NODE, C_KEY, C_KEYFILE, C_PASSWORD_FILE, C_TLS, C_TIMEOUT,
	C_ON_REDIS_DOWN, C_PREFIX };

/* HOST:PORT, [IPV6]:PORT, or the absolute path of a UNIX socket. */
static int
cluster_redis(struct parser *p, const char *v)
{
	struct conf_cluster *cl = &p->c->cluster;
	char q[SHOWN_MAX + 4], host[256];
	const char *colon = strrchr(v, ':');
	size_t n;
	unsigned port;

	if (v[0] == '/' && v[strcspn(v, BLANKS)] == '\0' &&
	    strlen(v) < 108)    /* sun_path */
		return set_string(p, &cl->socket, v);
	if (colon != NULL && colon > v && parse_uint(colon + 1, 1, 65535,
	    &port) == 0) {
		n = (size_t)(colon - v);
		if (v[0] == '[' && n > 2 && v[n - 1] == ']') {
			v++;
			n -= 2;
		}
		if (n < sizeof(host) && strcspn(v, BLANKS "[]/") >= n) {
			memcpy(host, v, n);
			host[n] = '\0';
			cl->port = (uint16_t)port;
			return set_string(p, &cl->host, host);
		}
	}
	return perr(p, p->in.lineno, "redis must be HOST:PORT, [IPV6]:PORT or "
	    "the absolute path of a UNIX socket, not '%s'", shown(v, q));
}

static int
cluster_node(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4];

	if (!name_valid(v) || strlen(v) > CONF_CLUSTER_NODE_MAX)
		return perr(p, p->in.lineno, "node must be a name of 1 to %d "
		    "letters, digits, '.', '_' or '-', unique in the cluster, "
		    "not '%s'", CONF_CLUSTER_NODE_MAX, shown(v, q));
	snprintf(p->c->cluster.node, sizeof(p->c->cluster.node), "%s", v);
	return 0;
}

static int
cluster_key(struct parser *p, const char *v)
{
	int rc;

	if (p->key_line == NO_LINE)
		p->key_line = p->in.lineno;
	if (p->seen[C_KEYFILE])
		return perr(p, p->in.lineno, "give key or keyfile, not both "
		    "(keyfile is on line %u)", p->seen[C_KEYFILE]);
	if ((rc = key_decode(v, p->c->cluster.key, NULL)) != 0)
		return perr(p, p->in.lineno, "key must be 32 bytes in base64 "
		    "(44 characters); knock --keygen makes one");
	return 0;
}

static int
cluster_keyfile(struct parser *p, const char *v)
{
	char *path;
	int rc;

	if (p->seen[C_KEY])
		return perr(p, p->in.lineno, "give key or keyfile, not both "
		    "(key is on line %u)", p->seen[C_KEY]);
	if (*v == '\0' || secret_in(v))
		return perr(p, p->in.lineno, "keyfile takes the path of a key "
		    "file (mode 0600), not the key itself");
	if ((path = resolve_path(p, v)) == NULL)
		return nomem(p);
	rc = keyfile_load(p, path, p->c->cluster.key);
	free(path);
	return rc;
}

/* Redis's AUTH password: the first line of a file as private as a key
 * file. */
static int
cluster_password_file(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4], buf[CONF_CLUSTER_PASSWORD_MAX + 2];
	char *path = *v != '\0' ? resolve_path(p, v) : NULL;
	struct stat st;
	ssize_t n = -1;
	int fd = -1, rc = -1;

	if (path == NULL)
		return *v == '\0' ? perr(p, p->in.lineno, "password_file "
		    "needs a path") : nomem(p);
	if (keyfile_dir_check(p, path) != 0)
		goto done;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY)) < 0 || fstat(fd, &st) != 0) {
		perr(p, p->in.lineno, "cannot read password file '%s': %s",
		    shown(path, q), strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode) || !owner_ok(st.st_uid) ||
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		perr(p, p->in.lineno, "password file '%s' must be a regular "
		    "file owned by root (or by uid %u), mode 0600",
		    shown(path, q), (unsigned)geteuid());
		goto done;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n >= 0)
		buf[n] = '\0';
	if (n > 0)
		buf[strcspn(buf, "\r\n")] = '\0';
	if (n <= 0 || buf[0] == '\0' ||
	    strlen(buf) > CONF_CLUSTER_PASSWORD_MAX) {
		perr(p, p->in.lineno, "password file '%s' must hold one line "
		    "of 1 to %d bytes", shown(path, q),
		    CONF_CLUSTER_PASSWORD_MAX);
		goto done;
	}
	if ((p->c->cluster.password = strdup(buf)) == NULL)
		nomem(p);
	else
		rc = 0;
done:
	crypto_wipe(buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

/* The build links hiredis 0.14, whose TLS (hiredis_ssl) came in 1.0. */
static int
cluster_tls(struct parser *p, const char *v)
{
	bool on;

	if (parse_yesno(p, "tls", v, &on) != 0)
		return -1;
	if (on)
		return perr(p, p->in.lineno, "tls = yes: this build of sniffer "
		    "has no TLS to Redis (its hiredis has none); reach Redis "
		    "over a UNIX socket or a private network, or through a "
		    "TLS tunnel such as stunnel (doc/cluster.md)");
	return 0;
}

static int
cluster_timeout(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4];

	if (parse_uint(v, 10, 10000, &p->c->cluster.timeout_ms) != 0)
		return perr(p, p->in.lineno, "timeout must be milliseconds "
		    "from 10 to 10000, not '%s'", shown(v, q));
	return 0;
}

static int
cluster_on_redis_down(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4];

	if (strcmp(v, "refuse") == 0 || strcmp(v, "local") == 0) {
		p->c->cluster.down_local = strcmp(v, "local") == 0;
		return 0;
	}
	return perr(p, p->in.lineno, "on_redis_down must be refuse or local, "
	    "not '%s'", shown(v, q));
}

static int
cluster_prefix(struct parser *p, const char *v)
{
	char q[SHOWN_MAX + 4];
	size_t n = strlen(v);

	if (n == 0 || n > CONF_CLUSTER_PREFIX_MAX || strspn(v,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:-") != n)
		return perr(p, p->in.lineno, "prefix must be 1 to %d letters, "
		    "digits, '.', '_', ':' or '-', not '%s'",
		    CONF_CLUSTER_PREFIX_MAX, shown(v, q));
	snprintf(p->c->cluster.prefix, sizeof(p->c->cluster.prefix), "%s", v);
	return 0;
}

static int
cluster_begin(struct parser *p, const char *name)
{
	(void)name;
	if (p->cluster_line != 0)
		return perr(p, p->in.lineno, "[cluster] appears twice (first "
		    "on line %u); merge the two", p->cluster_line);
	p->cluster_line = p->in.lineno;
	p->c->cluster.on = true;
	return 0;
}

static int
cluster_finish(struct parser *p)
{
	if (!p->seen[C_REDIS])
		return perr(p, p->cluster_line, "[cluster] needs redis = "
		    "HOST:PORT or a UNIX socket's path");
	if (!p->seen[C_NODE])
		return perr(p, p->cluster_line, "[cluster] needs node = NAME, "
		    "unique among the nodes");
	if (!p->seen[C_KEY] && !p->seen[C_KEYFILE])
		return perr(p, p->cluster_line, "[cluster] needs key = or "
		    "keyfile = (32 bytes shared by the nodes; knock --keygen "
		    "makes one)");
	return 0;
}

static const struct keyword cluster_keys[] = {
	[C_REDIS] = { "redis", cluster_redis },
	[C_NODE] = { "node", cluster_node },
	[C_KEY] = { "key", cluster_key },
	[C_KEYFILE] = { "keyfile", cluster_keyfile },
	[C_PASSWORD_FILE] = { "password_file", cluster_password_file },
	[C_TLS] = { "tls", cluster_tls },
	[C_TIMEOUT] = { "timeout", cluster_timeout },
	[C_ON_REDIS_DOWN] = { "on_redis_down", cluster_on_redis_down },
	[C_PREFIX] = { "prefix", cluster_prefix },
};

#define NKEYS(k) (sizeof(k) / sizeof((k)[0]))

static const struct section_kind sections[] = {
	{ "sniffer", 0, sniffer_keys, NKEYS(sniffer_keys), sniffer_begin,
	    sniffer_finish },
	{ "user", 1, user_keys, NKEYS(user_keys), user_begin, user_finish },
	{ "action", 1, action_keys, NKEYS(action_keys), action_begin,
	    action_finish },
	{ "cluster", 0, cluster_keys, NKEYS(cluster_keys), cluster_begin,
	    cluster_finish },
};

/* ---- lines, sections, keys ---- */

static int
section_end(struct parser *p)
{
	int rc = p->sec != NULL ? p->sec->finish(p) : 0;

	p->sec = NULL;
	return rc;
}

static int
section_start(struct parser *p, const char *word, const char *name)
{
	char q[SHOWN_MAX + 4];
	const struct section_kind *k = NULL;

	if (section_end(p) != 0)
		return -1;
	for (size_t i = 0; i < NKEYS(sections); i++)
		if (strcmp(sections[i].word, word) == 0)
			k = &sections[i];
	if (k == NULL)
		return perr(p, p->in.lineno, "unknown section '[%s]'; use "
		    "[sniffer], [user NAME], [action NAME] or [cluster]", shown(word, q));
	if (k->named && *name == '\0')
		return perr(p, p->in.lineno, "[%s] needs a name: [%s NAME]",
		    k->word, k->word);
	if (!k->named && *name != '\0')
		return perr(p, p->in.lineno, "[%s] takes no name", k->word);
	if (k->begin(p, name) != 0)
		return -1;
	p->sec = k;
	p->sec_line = p->in.lineno;
	memset(p->seen, 0, sizeof(p->seen));
	return 0;
}

/* A "[word]" or "[word NAME]" line, comment allowed after; s is
 * modified. */
static int
section_line(struct parser *p, char *s)
{
	char *word, *name, *rest;
	const char *why;

	if ((word = ini_lines_header(s, &why)) == NULL)
		return perr(p, p->in.lineno, "%s", why);
	name = word + strcspn(word, BLANKS);
	if (*name != '\0')
		*name++ = '\0';
	name += strspn(name, BLANKS);
	rest = name + strcspn(name, BLANKS);
	if (rest[strspn(rest, BLANKS)] != '\0')
		return perr(p, p->in.lineno, "a section header is [sniffer], "
		    "[user NAME] or [action NAME]: one name, no spaces");
	*rest = '\0';
	return section_start(p, word, name);
}

/* The lines inih would refuse, said better: "key" alone, "junk". */
static int
pair_line(struct parser *p, const char *s)
{
	char q[SHOWN_MAX + 4];

	if (strpbrk(s, "=:") != NULL)
		return 0;
	if (name_valid(s))
		return perr(p, p->in.lineno, "'%s' needs a value: write "
		    "'%s = VALUE'", shown(s, q), q);
	return perr(p, p->in.lineno, "expected 'key = value', '[section]' or a "
	    "comment");
}

/* Our look at a line before inih gets it (struct ini_lines.check):
 * section headers are ours, and "key" alone gets a better message. */
static int
conf_line(void *ctx, char *s)
{
	struct parser *p = ctx;

	if (p->failed)
		return -1;
	if (*s == '[')
		return section_line(p, s);
	return ini_lines_comment(s) ? 0 : pair_line(p, s);
}

static int
conf_key(struct parser *p, const char *name, const char *value)
{
	const struct section_kind *k = p->sec;
	char q[SHOWN_MAX + 4], known[CONF_LINE_MAX] = "";
	size_t i;

	if (!name_valid(name))
		return perr(p, p->in.lineno, "a key name is one word of "
		    "letters, digits and '_': write 'key = value'");
	if (k == NULL)
		return perr(p, p->in.lineno, "'%s' comes before any section; "
		    "put it under [sniffer], [user NAME] or [action NAME]",
		    shown(name, q));
	for (i = 0; i < k->nkeys && strcmp(k->keys[i].name, name) != 0; i++)
		continue;
	if (i == k->nkeys) {
		for (size_t j = 0; j < k->nkeys; j++)
			snprintf(known + strlen(known), sizeof(known) -
			    strlen(known), "%s%s", j ? ", " : "",
			    k->keys[j].name);
		return perr(p, p->in.lineno, "unknown key '%s' in [%s]; "
		    "known: %s", shown(name, q), k->word, known);
	}
	if (p->seen[i])
		return perr(p, p->in.lineno, "'%s' given twice in this section "
		    "(first on line %u); keep one", name, p->seen[i]);
	p->seen[i] = p->in.lineno;
	return k->keys[i].set(p, value);
}

/* The ini_handler.  inih's section may be truncated: ours is p->sec. */
static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct parser *p = user;
	char v[CONF_LINE_MAX];
	int rc;

	(void)section;
	if (p->failed)
		return 0;
	snprintf(v, sizeof(v), "%s", value);
	ini_lines_uncomment(v);
	rc = conf_key(p, name, v);
	crypto_wipe(v, sizeof(v));
	return rc == 0;
}

/* Signing users and the formats that let them in. */
static int
conf_check_signed(struct parser *p)
{
	const struct conf *c = p->c;
	bool any = false;

	for (size_t i = 0; i < c->nusers; i++) {
		any |= c->users[i].has_public;
		if (c->users[i].has_public && !c->sniffer.signed_fmt)
			return perr(p, p->ulines[i].public, "user %s has a "
			    "public key, but formats does not name signed: "
			    "every knock of this user would be refused",
			    c->users[i].name);
	}
	if (!any && !c->sniffer.native && !c->sniffer.classic)
		return perr(p, p->formats_line, "formats = signed accepts "
		    "only signing users' knocks, and no user has public =");
	return 0;
}

/* What only the whole file tells: every allow names an action (found
 * by hash: users times actions would be slow with many of both). */
static int
conf_check(struct parser *p)
{
	struct conf *c = p->c;
	char q[SHOWN_MAX + 4];
	const char *w;

	if (conf_check_signed(p) != 0)
		return -1;

	for (size_t i = 0; i < c->nusers; i++) {
		struct conf_user *u = &c->users[i];

		if ((u->allow_family = calloc(u->nallow + 1, 1)) == NULL)
			return nomem(p);
		for (size_t j = 0; j < u->nallow; j++) {
			size_t k;

			w = u->allow[j];
			k = numset_find(&p->action_names, name_hash(w),
			    action_named, p, w);
			if (k == NUMSET_NONE)
				return perr(p, p->ulines[i].allow, "allow "
				    "names '%s', but there is no [action %s]",
				    shown(w, q), q);
			if (c->actions[k].kind == CONF_ACTION_FORWARD)
				u->allow_family[j] = c->actions[k].inner.family;
		}
	}
	return 0;
}

static struct conf *
conf_new(const char *name)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->path = strdup(name);
	c->sniffer.interface = strdup("any");
	c->sniffer.port = 5001;
	c->sniffer.window = 60;
	c->sniffer.capture_buffer = CONF_CAPTURE_BUFFER;
	c->sniffer.native = c->sniffer.signed_fmt = true;
	c->sniffer.firewall = strdup("iptables");
	c->sniffer.state = strdup("/var/lib/spa");
	c->sniffer.stats_file = strdup("");
	c->cluster.timeout_ms = CONF_CLUSTER_TIMEOUT_MS;
	snprintf(c->cluster.prefix, sizeof(c->cluster.prefix), "spa:");
	if (c->path == NULL || c->sniffer.interface == NULL ||
	    c->sniffer.firewall == NULL || c->sniffer.state == NULL ||
	    c->sniffer.stats_file == NULL) {
		conf_free(c);
		return NULL;
	}
	return c;
}

static int
parser_init(struct parser *p, const char *name, char *err)
{
	const char *slash = strrchr(name, '/');

	memset(p, 0, sizeof(*p));
	p->name = name;
	p->err = err;
	err[0] = '\0';
	if (slash != NULL)
		p->dir = slash == name ? strdup("/") :
		    strndup(name, (size_t)(slash - name));
	p->c = conf_new(name);
	if (p->c == NULL || (slash != NULL && !p->dir))
		return perr(p, NO_LINE, "out of memory");
	return 0;
}

/* Runs inih over p->in; the error of the earliest line wins. */
static void
conf_ini(struct parser *p)
{
	p->in.check = conf_line;
	p->in.ctx = p;
	if (ini_lines_parse(&p->in, conf_handler, p) == 0)
		return;
	if (p->in.err_line != NO_LINE && p->in.err_line < p->failed)
		p->failed = 0;  /* inih's error came first */
	perr(p, p->in.err_line, "%s", p->in.err);
}

/* A file with inline keys must be as private as a key file (and owned
 * by root or us): this refusal replaces any other error, being the one
 * that matters now. */
static void
conf_check_private(struct parser *p)
{
	const struct stat *st = &p->st;

	if (!p->have_st || p->key_line == NO_LINE)
		return;
	if (!owner_ok(st->st_uid)) {
		p->failed = 0;
		perr(p, NO_LINE, "holds inline keys (line %u) but is owned by "
		    "uid %u, not by root or by uid %u that runs sniffer: chown "
		    "root %s", p->key_line, (unsigned)st->st_uid,
		    (unsigned)geteuid(), p->name);
	} else if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		p->failed = 0;
		perr(p, NO_LINE, "holds inline keys (line %u) but group or "
		    "others may read or write it (mode 0%o): chmod 600 %s",
		    p->key_line, (unsigned)(st->st_mode & 07777), p->name);
	}
}

/* Parses from p's input; frees everything but *out. */
static int
conf_parse(struct parser *p, struct conf **out)
{
	*out = NULL;
	if (!p->failed) {
		conf_ini(p);
		if (!p->failed && section_end(p) == 0)
			(void)conf_check(p);
	}
	conf_check_private(p);
	if (!p->failed)
		*out = p->c;
	else
		conf_free(p->c);
	crypto_wipe(p->in.line, sizeof(p->in.line));   /* key lines */
	free(p->dir);
	free(p->ulines);
	numset_free(&p->user_names);
	numset_free(&p->user_keys);
	numset_free(&p->action_names);
	return p->failed ? SPA_ERR_CONFIG : 0;
}

int
conf_load_string(const char *name, const char *text, struct conf **out,
    char err[CONF_ERR_MAX])
{
	struct parser p;

	parser_init(&p, name, err);
	p.in.text = text;
	return conf_parse(&p, out);
}

/* Opens p->name, a regular file of at most CONF_SIZE_MAX bytes, into
 * p->in.fp, its fstat in p->st.  Returns 0, or -1 after perr. */
static int
conf_open(struct parser *p)
{
	int fd, flags;

	/* O_NONBLOCK: a FIFO is refused by fstat, not waited on. */
	fd = open(p->name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return perr(p, NO_LINE, "cannot open: %s", strerror(errno));
	if (fstat(fd, &p->st) != 0)
		perr(p, NO_LINE, "cannot read: %s", strerror(errno));
	else if (!S_ISREG(p->st.st_mode))
		perr(p, NO_LINE, "is %s, not a regular file",
		    file_kind(p->st.st_mode));
	else if (p->st.st_size > CONF_SIZE_MAX)
		perr(p, NO_LINE, "is larger than 16 MiB (%lld bytes): not a "
		    "configuration file?", (long long)p->st.st_size);
	else if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1)
		perr(p, NO_LINE, "cannot read: %s", strerror(errno));
	else if ((p->in.fp = fdopen(fd, "r")) == NULL)
		perr(p, NO_LINE, "cannot read: %s", strerror(errno));
	else
		p->have_st = true;
	if (p->in.fp == NULL)
		close(fd);
	return p->failed ? -1 : 0;
}

int
conf_load(const char *path, struct conf **out, char err[CONF_ERR_MAX])
{
	struct parser p;
	char iobuf[BUFSIZ];
	int rc;

	if (parser_init(&p, path, err) == 0 && conf_open(&p) == 0)
		setvbuf(p.in.fp, iobuf, _IOFBF, sizeof(iobuf));
	rc = conf_parse(&p, out);
	if (p.in.fp != NULL)
		fclose(p.in.fp);
	crypto_wipe(iobuf, sizeof(iobuf));
	return rc;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nusers; i++) {
		crypto_wipe(c->users[i].secret, sizeof(c->users[i].secret));
		free(c->users[i].name);
		for (size_t j = 0; j < c->users[i].nallow; j++)
			free(c->users[i].allow[j]);
		free(c->users[i].allow);
		free(c->users[i].from);
		free(c->users[i].allow_family);
	}
	for (size_t i = 0; i < c->nactions; i++) {
		free(c->actions[i].name);
		template_free(&c->actions[i].run);
		free(c->actions[i].run_as);
	}
	free(c->users);
	free(c->actions);
	free(c->sniffer.interface);
	free(c->sniffer.public_addrs);
	free(c->sniffer.firewall);
	free(c->sniffer.state);
	free(c->sniffer.stats_file);
	crypto_wipe(c->cluster.key, sizeof(c->cluster.key));
	if (c->cluster.password != NULL)
		crypto_wipe(c->cluster.password, strlen(c->cluster.password));
	free(c->cluster.password);
	free(c->cluster.host);
	free(c->cluster.socket);
	free(c->path);
	free(c);
}

const struct conf_action *
conf_find_action(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nactions; i++)
		if (strcmp(c->actions[i].name, name) == 0)
			return &c->actions[i];
	return NULL;
}
