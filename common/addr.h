/*
 * IP addresses as the protocol carries them (doc/protocol.md): 16 bytes, IPv4 in
 * IPv4-mapped form ::ffff:a.b.c.d, plus the family the address came as.
 */
#ifndef SPA_ADDR_H
#define SPA_ADDR_H

#include <stdint.h>

#define SPA_ADDR_LEN 16
#define SPA_ADDRSTRLEN 46   /* INET6_ADDRSTRLEN */

struct spa_addr {
	uint8_t family;                 /* 4 or 6 */
	uint8_t bytes[SPA_ADDR_LEN];    /* IPv4: ::ffff:a.b.c.d */
};

/* Parses dotted-quad IPv4 or RFC 4291 IPv6 text (no brackets, no scope).
 * Returns 0 or SPA_ERR_ADDRESS. */
int addr_parse(const char *text, struct spa_addr *out);
void addr_from_v4(struct spa_addr *out, const uint8_t v4[4]);
void addr_from_v6(struct spa_addr *out, const uint8_t v6[16]);
/* Text as inet_ntop writes it (RFC 5952 for IPv6); returns buf. */
const char *addr_format(const struct spa_addr *a, char buf[SPA_ADDRSTRLEN]);
/* 1 when the 16 bytes are an IPv4-mapped address. */
int addr_bytes_are_mapped(const uint8_t bytes[SPA_ADDR_LEN]);
int addr_equal(const struct spa_addr *a, const struct spa_addr *b);
/* 1 when a grant can mean the address (doc/protocol.md native step 5): 0
 * for the unspecified 0.0.0.0 and ::, loopback (127.0.0.0/8, ::1),
 * multicast (224.0.0.0/4, ff00::/8) and 255.255.255.255. */
int addr_grantable(const struct spa_addr *a);

/* A network: an address and a prefix length (0..32 for IPv4, 0..128 for
 * IPv6), the bits beyond it zero. */
struct spa_net {
	struct spa_addr addr;
	uint8_t prefix;
};

/* Parses "ADDR/LEN" or a lone address (a network of one).  Bits set
 * beyond the prefix are refused: 192.0.2.1/24 is a typo for a host or for
 * 192.0.2.0/24, and guessing which would be wrong half the time.  Returns
 * 0 or SPA_ERR_ADDRESS. */
int addr_net_parse(const char *text, struct spa_net *out);
/* 1 when a lies in n (same family, the first n->prefix bits equal). */
int addr_in_net(const struct spa_addr *a, const struct spa_net *n);
/* "ADDR/LEN" into buf; returns buf. */
const char *addr_net_format(const struct spa_net *n,
    char buf[SPA_ADDRSTRLEN + 4]);

#endif
