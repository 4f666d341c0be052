/*
 * The IPv4 or IPv6 + TCP (or UDP) frame around a payload, built with libnet
 * (libnet_build_tcp or libnet_build_udp, libnet_build_ipv4 /
 * libnet_build_ipv6) in a context
 * that opens no socket, so the same bytes serve `-w` (no privileges) and
 * raw injection: what a pcap file shows is exactly what is sent.
 */
#ifndef KNOCK_SEGMENT_H
#define KNOCK_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* IPv6 header + TCP header + the longest payload, with room to spare. */
#define SEGMENT_MAX 256
#define SEGMENT_ERR_MAX 512
#define SEGMENT_TTL 64
#define SEGMENT_WINDOW 65535

struct segment_input {
	struct spa_addr src, dst;       /* same family; decides IPv4 or IPv6 */
	uint16_t sport, dport;
	uint32_t seq;                   /* TCP sequence number */
	uint16_t ip_id;                 /* IPv4 identification: never 0, since
	                                 * Linux would replace 0 on a raw socket */
	uint8_t flags;                  /* TCP flags, e.g. TH_SYN (0x02) */
	int udp;                        /* a UDP datagram instead: seq and
	                                 * flags unused */
};

/* Writes the whole IP datagram, checksums included, to out and its length
 * to *len.  Returns 0, or SPA_ERR_INVALID with the reason (libnet's
 * message, mixed families, a payload too long) in err. */
int segment_build(const struct segment_input *in, const uint8_t *payload,
    size_t payload_len, uint8_t out[SEGMENT_MAX], size_t *len,
    char err[SEGMENT_ERR_MAX]);

#endif
