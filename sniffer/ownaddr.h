/*
 * The host's own addresses on the capture interface (doc/protocol.md native
 * step 3: with no `address` configured, a frame is decided only when its
 * destination is an address of the capture interface, kept current while
 * running).  Read with getifaddrs(3); kept current through a NETLINK_ROUTE
 * socket that hears of every IPv4 and IPv6 address added or removed, or,
 * where that socket cannot be opened, by re-reading on a timer.  Looking an
 * address up neither allocates nor makes a system call.
 */
#ifndef SPA_OWNADDR_H
#define SPA_OWNADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

/* Without the netlink socket, ownaddr_update re-reads the addresses when
 * at least this many seconds have passed since the last reading. */
#define OWNADDR_REREAD_SECONDS 5

struct ownaddr;

/*
 * The addresses of interface iface ("any": of every interface; IPv4 label
 * aliases such as "eth0:1" count as eth0), read now.  Returns 0 and *out,
 * or SPA_ERR_NOMEM, or SPA_ERR_SYSTEM (getifaddrs failed; errno says why).
 * Free with ownaddr_free.
 */
int ownaddr_new(const char *iface, struct ownaddr **out);
void ownaddr_free(struct ownaddr *o);
/* The descriptor to poll for POLLIN (non-blocking, close-on-exec), owned
 * by o; -1 when there is none (then call ownaddr_update every few
 * seconds anyway: it re-reads on a timer). */
int ownaddr_fd(const struct ownaddr *o);
/*
 * Drains the netlink socket and re-reads the addresses when it said
 * anything (or lost messages), or when a previous reading failed; without
 * the socket, re-reads when OWNADDR_REREAD_SECONDS have passed.  Call it
 * when ownaddr_fd is readable and every few seconds.  Returns 0, or
 * SPA_ERR_NOMEM / SPA_ERR_SYSTEM when the reading failed: the previous
 * addresses stay, and the next call tries again.
 */
int ownaddr_update(struct ownaddr *o);
/* true when a (family and 16 bytes) is one of the addresses. */
bool ownaddr_contains(const struct ownaddr *o, const struct spa_addr *a);
/* How many addresses there are. */
size_t ownaddr_count(const struct ownaddr *o);

/* The addresses, n of them; valid until the next update or set. */
const struct spa_addr *ownaddr_list(const struct ownaddr *o, size_t *n);
/* Grows by one with every reading or set that changed the list (or may
 * have): a holder that copies the list knows when to copy it again. */
unsigned long ownaddr_generation(const struct ownaddr *o);
/* A set given by someone else (the capture child gets the parent's): no
 * socket, no reading of its own (ownaddr_update does nothing);
 * ownaddr_set replaces the list.  0 or
 * SPA_ERR_NOMEM (then the previous list stays). */
int ownaddr_new_list(const struct spa_addr *a, size_t n, struct ownaddr **out);
int ownaddr_set(struct ownaddr *o, const struct spa_addr *a, size_t n);

#endif
