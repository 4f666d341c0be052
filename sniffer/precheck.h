/*
 * What `sniffer -t` checks beyond the configuration and the rules file
 * (doc/interface.md "sniffer"): what a live start would trip over, found
 * without changing anything.  The firewall programs the backend's commands
 * name exist and are executable; the state directory exists with the owner
 * and mode state.c asks for, or can be created; the capture interface
 * exists; as root, the privilege-separation user and the empty chroot
 * directory are usable (privdrop.h).  run_as users are looked up by
 * conf_load already.
 */
#ifndef SPA_PRECHECK_H
#define SPA_PRECHECK_H

#include <stdio.h>

#include "conf.h"
#include "firewall.h"

struct precheck {
	const struct conf *conf;
	const struct firewall *fw;
	const char *interface;          /* -i, or NULL: the configured one */
	const char *empty_dir;          /* the chroot directory (privsep.h) */
	int root;                       /* checks as root: geteuid() == 0 */
	FILE *out;                      /* where the lines go */
};

/*
 * Writes one line to p->out per problem found, all of them: "FILE:LINE:
 * message" when a line of the configuration or the rules file applies,
 * "FILE: message" for a configuration default, "sniffer: message"
 * otherwise; and, without root, one "sniffer: not checked without root:
 * ..." line per check it could not make (not an error).  Returns 0 when
 * no problem was found, else SPA_ERR_INVALID; *nerr (may be NULL) gets the
 * number of problems.
 */
int precheck_run(const struct precheck *p, unsigned *nerr);

#endif
