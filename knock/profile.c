#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "decimal.h"
#include "err.h"
#include "inilines.h"
#include "key.h"

struct profile_ctx {
	const char *path;
	const char *name;
	struct profile *out;
	int found;                      /* the [name] section was seen */
	int has_key;                    /* some section holds key = */
	char msg[256];                  /* the first error, without FILE:LINE */
};

int
profile_default_path(char out[PROFILE_PATH_MAX])
{
	const char *home = getenv("HOME");
	int n;

	if (home == NULL || *home == '\0')
		return SPA_ERR_INVALID;
	n = snprintf(out, PROFILE_PATH_MAX, "%s/.config/spa/knock.conf", home);
	return n < 0 || n >= PROFILE_PATH_MAX ? SPA_ERR_INVALID : 0;
}

static int
profile_addr(const struct profile_ctx *c, const char *value, void *field)
{
	(void)c;
	return addr_parse(value, field);
}

/* address =: numeric, or a host name resolved when the knock is sent. */
static int
profile_host(const struct profile_ctx *c, const char *value, void *field)
{
	struct spa_addr a;

	(void)c;
	if (addr_parse(value, &a) != 0 && !resolve_is_name(value))
		return SPA_ERR_INVALID;
	memcpy(field, value, strlen(value) + 1);
	return 0;
}

static int
profile_port(const struct profile_ctx *c, const char *value, void *field)
{
	(void)c;
	return decimal_port(value, field);
}

/* A 32-byte secret, or a 64-byte signing key (S || seed). */
static int
profile_key(const struct profile_ctx *c, const char *value, void *field)
{
	(void)field;
	return key_decode_client(value, c->out->key, c->out->seed,
	    &c->out->has_seed);
}

/* Relative key files follow the profile, not the working directory. */
static int
profile_keyfile(const struct profile_ctx *c, const char *value, void *field)
{
	const char *home = getenv("HOME"), *slash;
	char *out = field;
	int n;

	if (value[0] == '/')
		n = snprintf(out, PROFILE_PATH_MAX, "%s", value);
	else if (strncmp(value, "~/", 2) == 0 && home != NULL)
		n = snprintf(out, PROFILE_PATH_MAX, "%s/%s", home, value + 2);
	else if ((slash = strrchr(c->path, '/')) != NULL)
		n = snprintf(out, PROFILE_PATH_MAX, "%.*s/%s",
		    (int)(slash - c->path), c->path, value);
	else
		n = snprintf(out, PROFILE_PATH_MAX, "%s", value);
	return n < 0 || n >= PROFILE_PATH_MAX || value[0] == '\0' ? SPA_ERR_INVALID : 0;
}

static int
profile_request(const struct profile_ctx *c, const char *value, void *field)
{
	size_t n = strlen(value);

	(void)c;
	if (!request_valid(value, n))
		return SPA_ERR_INVALID;
	memcpy(field, value, n + 1);
	return 0;
}

static int
profile_format(const struct profile_ctx *c, const char *value, void *field)
{
	enum payload_format *format = field;

	(void)c;
	if (strcmp(value, "native") == 0)
		*format = PAYLOAD_NATIVE;
	else if (strcmp(value, "classic") == 0)
		*format = PAYLOAD_CLASSIC;
	else
		return SPA_ERR_INVALID;
	return 0;
}

static int
profile_transport(const struct profile_ctx *c, const char *value, void *field)
{
	int *udp = field;

	(void)c;
	if (strcmp(value, "tcp") == 0)
		*udp = 0;
	else if (strcmp(value, "udp") == 0)
		*udp = 1;
	else
		return SPA_ERR_INVALID;
	return 0;
}

/* stun = HOST[:PORT]: the server -R asks; its name resolves at use. */
static int
profile_stun(const struct profile_ctx *c, const char *value, void *field)
{
	(void)c;
	return stun_server_parse(value, field);
}

/* The keys of a section: how each is parsed, and into which field. */
static const struct profile_keyword {
	const char *name;
	unsigned bit;
	size_t offset;
	int (*parse)(const struct profile_ctx *, const char *, void *);
	const char *want;
} profile_keywords[] = {
	{ "address", PROFILE_ADDRESS, offsetof(struct profile, address),
	    profile_host, "an IPv4 or IPv6 address or a host name" },
	{ "port", PROFILE_PORT, offsetof(struct profile, port), profile_port,
	    "a port 1..65535" },
	{ "source", PROFILE_SOURCE, offsetof(struct profile, source),
	    profile_addr, "an IPv4 or IPv6 address" },
	{ "allow", PROFILE_ALLOW, offsetof(struct profile, allow),
	    profile_addr, "an IPv4 or IPv6 address" },
	{ "key", PROFILE_KEY, offsetof(struct profile, key), profile_key,
	    "a base64 key of 32 bytes (knock --keygen) or of 64 (knock "
	    "--keygen --sign)" },
	{ "keyfile", PROFILE_KEYFILE, offsetof(struct profile, keyfile),
	    profile_keyfile, "a file name" },
	{ "request", PROFILE_REQUEST, offsetof(struct profile, request),
	    profile_request, "1 to 32 printable ASCII characters, no spaces" },
	{ "format", PROFILE_FORMAT, offsetof(struct profile, format),
	    profile_format, "native or classic" },
	{ "transport", PROFILE_TRANSPORT, offsetof(struct profile, udp),
	    profile_transport, "tcp (a raw TCP SYN: root or CAP_NET_RAW) or "
	    "udp (no privileges)" },
	{ "stun", PROFILE_STUN, offsetof(struct profile, stun), profile_stun,
	    "HOST or HOST:PORT (an address or a host name; [IPV6]:PORT)" },
};

/* One key = value of the chosen section into its typed field; 0 (with the
 * message in c->msg) for an unknown key or a bad value. */
static int
profile_set(struct profile_ctx *c, const char *name, const char *value)
{
	const struct profile_keyword *k = NULL;

	for (size_t i = 0; i < sizeof(profile_keywords) /
	    sizeof(profile_keywords[0]); i++)
		if (strcmp(name, profile_keywords[i].name) == 0)
			k = &profile_keywords[i];
	if (k == NULL) {
		snprintf(c->msg, sizeof(c->msg), "unknown key '%s' (known: address "
		    "port source allow key keyfile request format transport "
		    "stun)", name);
		return 0;
	}
	if (k->parse(c, value, (char *)c->out + k->offset) != 0) {
		/* A bad key's text is a secret: never echo it. */
		if (k->bit == PROFILE_KEY)
			snprintf(c->msg, sizeof(c->msg), "key: expected %s", k->want);
		else
			snprintf(c->msg, sizeof(c->msg), "%s: expected %s, not '%s'",
			    name, k->want, value);
		return 0;
	}
	c->out->have |= k->bit;
	return 1;
}

static int
profile_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct profile_ctx *c = user;

	if (strcmp(name, "key") == 0)
		c->has_key = 1;
	if (strcmp(section, c->name) != 0)
		return 1;
	c->found = 1;
	if (c->msg[0] != '\0')
		return 1;       /* report the first error only */
	return profile_set(c, name, value);
}

/* Why the reader stopped before the end: a bad line, or a read error. */
static int
profile_read_error(const struct profile_ctx *c, const struct ini_lines *in,
    char err[PROFILE_ERR_MAX])
{
	if (in->err_line == 0) {
		snprintf(err, PROFILE_ERR_MAX, "%s: %s", c->path, in->err);
		return SPA_ERR_SYSTEM;
	}
	snprintf(err, PROFILE_ERR_MAX, "%s:%u: %s", c->path, in->err_line,
	    in->err);
	return SPA_ERR_CONFIG;
}

static int
profile_parse(FILE *f, struct profile_ctx *c, int too_open,
    char err[PROFILE_ERR_MAX])
{
	struct ini_lines in = { .fp = f };
	int line = ini_parse_stream(ini_lines_reader, &in, profile_handler, c);

	if (line == 0 && in.err[0] != '\0')     /* before any other error */
		return profile_read_error(c, &in, err);
	if (line != 0) {
		snprintf(err, PROFILE_ERR_MAX, "%s:%d: %s", c->path, line,
		    c->msg[0] != '\0' ? c->msg : "not an INI line (key = value "
		    "or [section])");
		return SPA_ERR_CONFIG;
	}
	if (c->has_key && too_open) {
		snprintf(err, PROFILE_ERR_MAX, "%s holds a key and is readable "
		    "by group or others; run chmod 600 %s", c->path, c->path);
		return SPA_ERR_KEY_MODE;
	}
	if (!c->found) {
		snprintf(err, PROFILE_ERR_MAX, "%s has no [%s] section", c->path,
		    c->name);
		return SPA_ERR_NOT_FOUND;
	}
	return 0;
}

/* Opens a regular file for reading; NULL with errno set otherwise. */
static FILE *
profile_open(const char *path, struct stat *st)
{
	/* O_NONBLOCK: a FIFO must be refused by fstat, not wait for a writer. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), saved;
	FILE *f = NULL;

	if (fd < 0)
		return NULL;
	if (fstat(fd, st) != 0)
		goto close_fd;
	if (!S_ISREG(st->st_mode)) {
		errno = EISDIR;         /* a directory or a device: no profile */
		goto close_fd;
	}
	if ((f = fdopen(fd, "r")) != NULL)
		return f;
close_fd:
	saved = errno;
	close(fd);
	errno = saved;
	return NULL;
}

int
profile_load(const char *path, const char *name, struct profile *out,
    char err[PROFILE_ERR_MAX])
{
	struct profile_ctx c = { .path = path, .name = name, .out = out };
	char iobuf[BUFSIZ];
	struct stat st;
	FILE *f;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((f = profile_open(path, &st)) == NULL) {
		snprintf(err, PROFILE_ERR_MAX, "%s: %s", path, strerror(errno));
		return SPA_ERR_SYSTEM;
	}
	/* Our own stdio buffer, wiped after: it holds the key lines. */
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	/* The mode is that of the file read, checked on its descriptor. */
	rc = profile_parse(f, &c, (st.st_mode & (S_IRWXG | S_IRWXO)) != 0, err);
	fclose(f);
	crypto_wipe(iobuf, sizeof(iobuf));
	if (rc != 0)
		crypto_wipe(out, sizeof(*out));   /* nothing half-read survives */
	return rc;
}

void
profile_wipe(struct profile *p)
{
	crypto_wipe(p->key, sizeof(p->key));
	crypto_wipe(p->seed, sizeof(p->seed));
	p->has_seed = 0;
	p->have &= ~(unsigned)PROFILE_KEY;
}

/* The section names seen so far, for profile_names. */
struct profile_name_list {
	char **names;
	size_t count, cap;
	int failed;                     /* out of memory */
};

static int
profile_name_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct profile_name_list *l = user;
	char **grown;

	(void)name;
	(void)value;
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->names[i], section) == 0)
			return 1;
	if (l->count == l->cap) {
		grown = realloc(l->names, (l->cap ? 2 * l->cap : 8) *
		    sizeof(*grown));
		if (grown == NULL) {
			l->failed = 1;
			return 0;
		}
		l->names = grown;
		l->cap = l->cap ? 2 * l->cap : 8;
	}
	if ((l->names[l->count] = strdup(section)) == NULL) {
		l->failed = 1;
		return 0;
	}
	l->count++;
	return 1;
}

int
profile_names(const char *path, char ***names, size_t *count,
    char err[PROFILE_ERR_MAX])
{
	struct profile_name_list l = { 0 };
	struct profile_ctx c = { .path = path };
	struct ini_lines in = { 0 };
	char iobuf[BUFSIZ];
	struct stat st;
	int rc = 0;

	*names = NULL;
	*count = 0;
	if ((in.fp = profile_open(path, &st)) == NULL) {
		snprintf(err, PROFILE_ERR_MAX, "%s: %s", path, strerror(errno));
		return SPA_ERR_SYSTEM;
	}
	/* Our own stdio buffer, wiped after: it holds the key lines. */
	setvbuf(in.fp, iobuf, _IOFBF, sizeof(iobuf));
	if (ini_lines_parse(&in, profile_name_handler, &l) != 0)
		rc = l.failed ? SPA_ERR_SYSTEM : profile_read_error(&c, &in,
		    err);
	if (l.failed)
		snprintf(err, PROFILE_ERR_MAX, "%s: out of memory", path);
	fclose(in.fp);
	crypto_wipe(iobuf, sizeof(iobuf));
	if (rc != 0) {
		profile_names_free(l.names, l.count);
		return rc;
	}
	*names = l.names;
	*count = l.count;
	return 0;
}

void
profile_names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}
