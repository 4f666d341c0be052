/*
 * A firewall backend: the command templates of one rules/NAME file
 * (doc/interface.md "Configuration": firewall = NAME), parsed once at load time
 * into argv templates (doc/style.md item 5).  The file format is described at
 * the top of rules/iptables: sections [ipv4] and [ipv6], keys setup, open,
 * close, check, teardown, forward_open and forward_close, a key repeated
 * for a sequence, a leading '-' for a command whose failure is expected.
 * This module only reads; the caller expands (template_expand) and runs
 * (cmdseq.h: spawn.h, or nftexec.h for a program "libnftables") the
 * commands.
 */
#ifndef SPA_FIREWALL_H
#define SPA_FIREWALL_H

#include <stddef.h>

#include "template.h"

#define FIREWALL_ERR_MAX 256
#define FIREWALL_NAME_MAX 32

enum firewall_verb {
	FIREWALL_SETUP,         /* once at start; may use only {family}
	                         * and {knock_port} */
	FIREWALL_OPEN,          /* grant {proto}/{port} to {addr} */
	FIREWALL_CLOSE,         /* withdraw it */
	FIREWALL_CHECK,         /* optional: exit 0 when the grant exists */
	FIREWALL_TEARDOWN,      /* once at exit; as setup */
	FIREWALL_FORWARD_OPEN,  /* optional: on a gateway, send {addr}'s
	                         * {proto}/{port} on to {inner_addr}
	                         * {inner_port} (DNAT, FORWARD accept) */
	FIREWALL_FORWARD_CLOSE, /* withdraw it */
	FIREWALL_NVERBS
};

struct firewall_cmd {
	struct template tmpl;   /* words[0] is an absolute path, or
	                         * NFTEXEC_PROGRAM: an nft command run
	                         * in-process (nftexec.h) */
	int may_fail;           /* '-' prefix: a failure is expected, does not
	                         * stop the sequence and is not an error */
	unsigned line;          /* in the rules file, for messages */
};

struct firewall;

/* Nonzero when name is 1..FIREWALL_NAME_MAX bytes of [a-z0-9_-]: a file
 * name in the rules directory, never a path. */
int firewall_name_valid(const char *name);

/*
 * Reads dir/name.  Returns 0 and *out (free with firewall_free), or
 * SPA_ERR_CONFIG (also when the file cannot be read or memory is short)
 * with *out NULL and, in err, "FILE:LINE: what is wrong" (or "FILE: ..." when no
 * line applies, "NAME: ..." for an invalid name).  Refused: an invalid
 * name, an unknown section or key, a key outside a section, an unknown
 * placeholder, a program that is neither an absolute path nor
 * NFTEXEC_PROGRAM, NFTEXEC_PROGRAM alone or with {user} or {request}, a
 * setup or teardown using a placeholder other than {family} and
 * {knock_port}, open, close or check using {knock_port}, {inner_addr} or
 * {inner_port}, forward_open or forward_close using {knock_port}, a family
 * without open or close, one with forward_open but no forward_close or
 * the other way round, a missing [ipv4] or [ipv6].
 */
int firewall_load(const char *dir, const char *name, struct firewall **out,
    char err[FIREWALL_ERR_MAX]);
/* Drops a reference: the last one frees fw. */
void firewall_free(struct firewall *fw);
/* Another reference to fw (a grant keeps the backend it was opened with
 * across a reload that changes it); returns fw. */
struct firewall *firewall_ref(struct firewall *fw);

/*
 * The commands for verb and family (4 or 6), in file order, *n of them
 * (0 for an absent setup, check or teardown).  The array belongs to fw.
 * NULL with *n 0 for an invalid verb or family.
 */
const struct firewall_cmd *firewall_commands(const struct firewall *fw,
    enum firewall_verb verb, int family, size_t *n);
/* Nonzero when fw has forward_open and forward_close commands for family
 * (4 or 6): it can serve a forward action to an inner host of it. */
int firewall_can_forward(const struct firewall *fw, int family);
/* The backend's name, as in firewall = NAME. */
const char *firewall_name(const struct firewall *fw);
/* "dir/name", as in messages. */
const char *firewall_path(const struct firewall *fw);
/* "setup", "open", ...: the key in the rules file; NULL if invalid. */
const char *firewall_verb_name(enum firewall_verb verb);

#endif
