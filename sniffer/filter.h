/*
 * The BPF filter the sniffer hands to pcap_compile: only TCP segments and UDP
 * datagrams to the SPA port (doc/protocol.md "Transport": one segment or one
 * datagram, default port 5001), optionally only those to one server address.
 * IPv6 packets that start with an extension header pass whatever their port
 * (BPF cannot walk the chain; sniffer/server.c refuses another port).
 * The kernel drops the rest before we see it.
 */
#ifndef SPA_FILTER_H
#define SPA_FILTER_H

#include <stddef.h>
#include <stdint.h>

struct spa_addr;

/* Room for the longest text: the selection three times (no tag, one, two)
 * with a 39-character IPv6 address each, about 390 characters. */
#define FILTER_TEXT_MAX 512

/*
 * Writes "tcp dst port PORT or udp dst port PORT or ip6[6] = 0 or
 * ip6[6] = 43 or ip6[6] = 60" (parenthesized and followed by " and dst
 * host ADDR" when dst is not NULL); with vlan (for Ethernet, where 802.1Q
 * and 802.1ad tags stay in recorded frames) "(THAT) or (vlan and ((THAT)
 * or (vlan and (THAT))))".  NUL-terminated into buf[size].
 * Returns 0, SPA_ERR_INVALID for port 0, SPA_ERR_ADDRESS for a dst whose family is not 4 or 6, or
 * SPA_ERR_NOSPACE when the text does not fit (buf then holds no filter).
 */
int filter_build(char *buf, size_t size, uint16_t port,
    const struct spa_addr *dst, int vlan);

#endif
