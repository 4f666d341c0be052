#include "profile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

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
		return -1;
	n = snprintf(out, PROFILE_PATH_MAX, "%s/.config/spa/knock.conf", home);
	return n < 0 || n >= PROFILE_PATH_MAX ? -1 : 0;
}

static int
profile_port(const char *value, uint16_t *port)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || value[0] == '-' ||
	    v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* Relative key files follow the profile, not the working directory. */
static int
profile_keyfile(const struct profile_ctx *c, const char *value,
    char out[PROFILE_PATH_MAX])
{
	const char *home = getenv("HOME"), *slash;
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
	return n < 0 || n >= PROFILE_PATH_MAX || value[0] == '\0' ? -1 : 0;
}

static int
profile_format(const char *value, enum payload_format *format)
{
	if (strcmp(value, "native") == 0)
		*format = PAYLOAD_NATIVE;
	else if (strcmp(value, "classic") == 0)
		*format = PAYLOAD_CLASSIC;
	else
		return -1;
	return 0;
}

static int
profile_request(const char *value, char out[SPA_REQUEST_MAX + 1])
{
	size_t n = strlen(value);

	if (!request_valid(value, n))
		return -1;
	memcpy(out, value, n + 1);
	return 0;
}

/* One key = value of the chosen section into its typed field. */
static int
profile_set(struct profile_ctx *c, const char *name, const char *value)
{
	struct profile *p = c->out;
	const char *want = "an IPv4 or IPv6 address";
	unsigned bit;
	int rc;

	if (strcmp(name, "address") == 0) {
		bit = PROFILE_ADDRESS;
		rc = addr_parse(value, &p->address);
	} else if (strcmp(name, "source") == 0) {
		bit = PROFILE_SOURCE;
		rc = addr_parse(value, &p->source);
	} else if (strcmp(name, "allow") == 0) {
		bit = PROFILE_ALLOW;
		rc = addr_parse(value, &p->allow);
	} else if (strcmp(name, "port") == 0) {
		bit = PROFILE_PORT, want = "a port 1..65535";
		rc = profile_port(value, &p->port);
	} else if (strcmp(name, "key") == 0) {
		bit = PROFILE_KEY, want = "a base64 32-byte key (knock --keygen)";
		rc = key_decode(value, p->key, NULL);
	} else if (strcmp(name, "keyfile") == 0) {
		bit = PROFILE_KEYFILE, want = "a file name";
		rc = profile_keyfile(c, value, p->keyfile);
	} else if (strcmp(name, "request") == 0) {
		bit = PROFILE_REQUEST;
		want = "1 to 32 printable ASCII characters, no spaces";
		rc = profile_request(value, p->request);
	} else if (strcmp(name, "format") == 0) {
		bit = PROFILE_FORMAT, want = "native or classic";
		rc = profile_format(value, &p->format);
	} else {
		snprintf(c->msg, sizeof(c->msg), "unknown key '%s' (known: address "
		    "port source allow key keyfile request format)", name);
		return 0;
	}
	if (rc != 0) {
		/* A bad key's text is a secret: never echo it. */
		snprintf(c->msg, sizeof(c->msg), "%s: expected %s%s%s%s", name,
		    want, bit == PROFILE_KEY ? "" : ", not '",
		    bit == PROFILE_KEY ? "" : value, bit == PROFILE_KEY ? "" : "'");
		return 0;
	}
	p->have |= bit;
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

static int
profile_parse(FILE *f, struct profile_ctx *c, int too_open,
    char err[PROFILE_ERR_MAX])
{
	int line = ini_parse_file(f, profile_handler, c);

	if (line != 0) {
		snprintf(err, PROFILE_ERR_MAX, "%s:%d: %s", c->path, line,
		    c->msg[0] != '\0' ? c->msg : "not an INI line (key = value "
		    "or [section])");
		return PROFILE_INVALID;
	}
	if (c->has_key && too_open) {
		snprintf(err, PROFILE_ERR_MAX, "%s holds a key and is readable "
		    "by group or others; run chmod 600 %s", c->path, c->path);
		return PROFILE_TOO_OPEN;
	}
	if (!c->found) {
		snprintf(err, PROFILE_ERR_MAX, "%s has no [%s] section", c->path,
		    c->name);
		return PROFILE_NOT_FOUND;
	}
	return PROFILE_OK;
}

/* Opens a regular file for reading; NULL with errno set otherwise. */
static FILE *
profile_open(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), saved;
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
	struct stat st;
	FILE *f;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((f = profile_open(path, &st)) == NULL) {
		snprintf(err, PROFILE_ERR_MAX, "%s: %s", path, strerror(errno));
		return PROFILE_UNREADABLE;
	}
	/* The mode is that of the file read, checked on its descriptor. */
	rc = profile_parse(f, &c, (st.st_mode & (S_IRWXG | S_IRWXO)) != 0, err);
	fclose(f);
	if (rc != PROFILE_OK)
		crypto_wipe(out, sizeof(*out));   /* nothing half-read survives */
	return rc;
}

void
profile_wipe(struct profile *p)
{
	crypto_wipe(p->key, sizeof(p->key));
	p->have &= ~(unsigned)PROFILE_KEY;
}
