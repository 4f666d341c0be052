/*
 * The default source address: the one the kernel would use to reach the
 * destination, learnt from a connected UDP socket (no packet is sent).
 */
#ifndef KNOCK_SRCADDR_H
#define KNOCK_SRCADDR_H

#include <stdint.h>

#include "addr.h"

/* Fills *src with the kernel's choice for reaching dst:port.  Returns 0,
 * or SPA_ERR_SYSTEM with errno set (e.g. ENETUNREACH: no route). */
int srcaddr_lookup(const struct spa_addr *dst, uint16_t port,
    struct spa_addr *src);

#endif
