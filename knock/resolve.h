/*
 * The destination by name: numeric text as addr_parse takes it, or a host
 * name looked up with getaddrinfo (doc/interface.md "knock", -d NAME).
 */
#ifndef KNOCK_RESOLVE_H
#define KNOCK_RESOLVE_H

#include "addr.h"

#define RESOLVE_NAME_MAX 253

/* 1 when text may be a host name: letters, digits, '-', '_' and '.', at
 * least one letter (so 192.0.2.300 is a bad address, not a name). */
int resolve_is_name(const char *text);

/* Fills *out from NAME.  family is 0 (the first address getaddrinfo
 * returns), 4 or 6 (that family only).  Returns 0; SPA_ERR_ADDRESS when
 * NAME is neither an address nor a name (*gai is 0) or does not resolve
 * (*gai is getaddrinfo's code, for gai_strerror); SPA_ERR_INVALID when
 * NAME is numeric but of the other family (*gai is 0). */
int resolve_host(const char *name, int family, struct spa_addr *out,
    int *gai);

#endif
