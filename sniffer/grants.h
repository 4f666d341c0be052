/*
 * The open grants the live sniffer must close on time: one per (address,
 * proto, port), each with its expiry and the close command recorded when it
 * was opened (so a configuration reload or a restart closes exactly what
 * was opened).  A second knock for an open grant extends it.
 */
#ifndef SPA_GRANTS_H
#define SPA_GRANTS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct grant {
	struct spa_addr addr;
	uint8_t proto;
	uint16_t port;
	int64_t expiry;
	char **close_argv;              /* owned, NULL-terminated; several
	                                 * commands are separated by "" */
	int pending;                    /* its open or close commands run */
	int closing;                    /* ... and they are the close ones */
	char **reopen;                  /* owned or NULL: open commands to run
	                                 * once the close has ended (a knock
	                                 * came while it was closing) */
};

struct grants;

int grants_new(struct grants **out);
void grants_free(struct grants *g);
/* The grant for (addr, proto, port), or NULL. */
struct grant *grants_find(struct grants *g, const struct spa_addr *addr,
    uint8_t proto, uint16_t port);
/* Adds a grant, taking a copy of close_argv.  0 or SPA_ERR_NOMEM. */
int grants_add(struct grants *g, const struct spa_addr *addr, uint8_t proto,
    uint16_t port, int64_t expiry, char *const *close_argv);
/* The earliest open (not pending) grant whose expiry is at or before now,
 * or NULL. */
struct grant *grants_next_due(struct grants *g, int64_t now);
/* Removes and frees the grant g (a pointer from grants_find). */
void grants_drop(struct grants *g, struct grant *which);
/* Removes any grant into *out, for shutdown (the caller frees
 * out->close_argv and out->reopen); 1, or 0 when empty. */
int grants_pop_any(struct grants *g, struct grant *out);
/* Seconds until the next expiry (0 if due), or -1 when there is none. */
int64_t grants_next_expiry(const struct grants *g, int64_t now);
size_t grants_count(const struct grants *g);
/* How many grants have their open or close commands running. */
size_t grants_pending(const struct grants *g);
char **grants_argv_dup(char *const *argv);
void grants_argv_free(char **argv);

#endif
