/*
 * The BPF filter the sniffer hands to pcap_compile: only TCP segments to the
 * SPA port (doc/protocol.md: one TCP segment, default port 5001), optionally only
 * those to one server address.  The kernel drops the rest before we see it.
 */
#ifndef SPA_FILTER_H
#define SPA_FILTER_H

#include <stddef.h>
#include <stdint.h>

struct spa_addr;

/* Room for the longest text: twice a 5-digit port and a 45-character IPv6. */
#define FILTER_TEXT_MAX 256

/*
 * Writes "tcp dst port PORT", followed by " and dst host ADDR" when dst is
 * not NULL; with vlan (for Ethernet, where 802.1Q tags stay in recorded
 * frames) "(THAT) or (vlan and THAT)".  NUL-terminated into buf[size].
 * Returns 0, SPA_ERR_INVALID for port 0, SPA_ERR_ADDRESS for a dst whose family is not 4 or 6, or
 * SPA_ERR_NOSPACE when the text does not fit (buf then holds no filter).
 */
int filter_build(char *buf, size_t size, uint16_t port,
    const struct spa_addr *dst, int vlan);

#endif
