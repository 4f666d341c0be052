/*
 * The BPF filter the sniffer hands to pcap_compile: only TCP segments and UDP
 * datagrams to the SPA port (doc/protocol.md "Transport": one segment or one
 * datagram, default port 5001), optionally only those to one server address.
 * The kernel drops the rest before we see it.
 */
#ifndef SPA_FILTER_H
#define SPA_FILTER_H

#include <stddef.h>
#include <stdint.h>

struct spa_addr;

/* Room for the longest text: four 5-digit ports and twice a 45-character
 * IPv6, with the vlan half (about 220 characters). */
#define FILTER_TEXT_MAX 256

/*
 * Writes "tcp dst port PORT or udp dst port PORT" (parenthesized and
 * followed by " and dst host ADDR" when dst is not NULL); with vlan (for Ethernet, where 802.1Q tags stay in recorded
 * frames) "(THAT) or (vlan and THAT)".  NUL-terminated into buf[size].
 * Returns 0, SPA_ERR_INVALID for port 0, SPA_ERR_ADDRESS for a dst whose family is not 4 or 6, or
 * SPA_ERR_NOSPACE when the text does not fit (buf then holds no filter).
 */
int filter_build(char *buf, size_t size, uint16_t port,
    const struct spa_addr *dst, int vlan);

#endif
