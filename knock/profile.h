/*
 * Profiles (doc/interface.md "knock"): ~/.config/spa/knock.conf, INI, one
 * [NAME] section per server with the keys address, port, source, allow,
 * key (base64: a 32-byte secret, or S || seed to sign) or keyfile,
 * request, format, transport, stun (HOST[:PORT], the STUN server of -R).
 * Parsed once with libinih into typed fields; command-line flags override
 * them (main.c).
 */
#ifndef KNOCK_PROFILE_H
#define KNOCK_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "crypto.h"
#include "payload.h"
#include "resolve.h"
#include "request.h"
#include "sign.h"
#include "stun.h"

#define PROFILE_PATH_MAX 4096
#define PROFILE_ERR_MAX 1024

enum profile_field {
	PROFILE_ADDRESS = 1 << 0,
	PROFILE_PORT = 1 << 1,
	PROFILE_SOURCE = 1 << 2,
	PROFILE_ALLOW = 1 << 3,
	PROFILE_KEY = 1 << 4,
	PROFILE_KEYFILE = 1 << 5,
	PROFILE_REQUEST = 1 << 6,
	PROFILE_FORMAT = 1 << 7,
	PROFILE_TRANSPORT = 1 << 8,
	PROFILE_STUN = 1 << 9,
};

struct profile {
	unsigned have;                  /* profile_field bits that were set */
	char address[RESOLVE_NAME_MAX + 1];     /* an address or a host name,
	                                         * resolved by the caller */
	struct spa_addr source, allow;
	uint16_t port;
	enum payload_format format;
	uint8_t key[SPA_SECRET_LEN];    /* wipe with profile_wipe */
	uint8_t seed[SIGN_SEED_LEN];    /* when key = held S || seed */
	int has_seed;
	char keyfile[PROFILE_PATH_MAX]; /* absolute, or as given */
	char request[SPA_REQUEST_MAX + 1];
	int udp;                        /* transport = udp */
	struct stun_server stun;        /* knock -R asks it (not resolved) */
};

/* $HOME/.config/spa/knock.conf into out.  Returns 0, or SPA_ERR_INVALID
 * when HOME is unset or the path too long. */
int profile_default_path(char out[PROFILE_PATH_MAX]);
/* Reads section name of the file at path into *out (zeroed first).  A
 * keyfile given relative is taken relative to the profile's directory, and
 * "~/" to $HOME.  Returns 0, or with a message in err: SPA_ERR_SYSTEM
 * (cannot open or read it), SPA_ERR_CONFIG ("FILE:LINE: what"),
 * SPA_ERR_NOT_FOUND (no [NAME] section), SPA_ERR_KEY_MODE (it holds a
 * key = line and group or others may read it); on error *out is all
 * zero. */
int profile_load(const char *path, const char *name, struct profile *out,
    char err[PROFILE_ERR_MAX]);
/* Wipes the key (and seed) and clears PROFILE_KEY. */
void profile_wipe(struct profile *p);
/*
 * The names of the file's sections, in the order they first appear, each
 * once (a section with no key = line is not seen).  *names is a malloc'ed
 * array of *count malloc'ed strings: free them with profile_names_free.
 * Returns 0, or SPA_ERR_SYSTEM (also out of memory) / SPA_ERR_CONFIG with
 * err.
 */
int profile_names(const char *path, char ***names, size_t *count,
    char err[PROFILE_ERR_MAX]);
void profile_names_free(char **names, size_t count);

#endif
