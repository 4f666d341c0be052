/*
 * A small STUN client (RFC 8489) for knock -R (doc/interface.md "knock"):
 * one Binding request over an ordinary UDP socket, retransmitted on a
 * timer, and the public ("mapped") address read from the answer.  STUN is
 * not authenticated; doc/security.md says what an attacker on the path
 * can do with that.
 */
#ifndef KNOCK_STUN_H
#define KNOCK_STUN_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "resolve.h"

#define STUN_DEFAULT_PORT 3478
#define STUN_HEADER_LEN 20
#define STUN_TXID_LEN 12
#define STUN_MAGIC 0x2112A442u
#define STUN_REASON_MAX 96
/* "[" IPv6 "]:" port, or a host name and ":" port. */
#define STUN_SERVER_TEXT_MAX (RESOLVE_NAME_MAX + 8)

/* --stun HOST[:PORT] or a profile's stun =, as parsed (not resolved). */
struct stun_server {
	char host[RESOLVE_NAME_MAX + 1];        /* an address or a host name */
	uint16_t port;
};

/* What an answer said, and what the exchange ignored on the way. */
struct stun_answer {
	struct spa_addr mapped;         /* 0 returned: the public address */
	uint16_t mapped_port;
	int from_xor;                   /* XOR-MAPPED-ADDRESS, else MAPPED- */
	unsigned error_code;            /* SPA_ERR_REFUSED: 300..699 */
	char reason[STUN_REASON_MAX + 1];       /* its reason phrase, printable
	                                         * ASCII only */
	uint16_t bad_attr;              /* SPA_ERR_INVALID for an unknown
	                                 * comprehension-required attribute */
	/* stun_query only: */
	unsigned sent;                  /* requests sent */
	unsigned ignored;               /* datagrams ignored */
	int last_ignored;               /* why the last one was (SPA_ERR_*) */
	int port_unreachable;           /* ICMP said nothing listens there */
};

/* The retransmission timer (RFC 8489 section 6.2.1, shortened): a request,
 * then another each time the wait, rto_ms at first and doubled after each
 * request, ends without an answer; sends requests in all.  The whole
 * exchange takes at most rto_ms * (2^sends - 1) milliseconds. */
struct stun_timing {
	unsigned rto_ms;                /* 1 .. 10000 */
	unsigned sends;                 /* 1 .. 8 */
};
#define STUN_RTO_MS 500
#define STUN_SENDS 4                    /* 0.5 + 1 + 2 + 4 = 7.5 s at most */

/* Parses "HOST", "HOST:PORT", "[IPV6]" or "[IPV6]:PORT" (a bare IPv6
 * address takes no port); the port is STUN_DEFAULT_PORT unless given.
 * HOST must be an IPv4 or IPv6 address or a host name (resolve_is_name).
 * Returns 0 or SPA_ERR_INVALID (*out is then unspecified). */
int stun_server_parse(const char *text, struct stun_server *out);

/* Writes the 20-byte Binding request of transaction txid (no attributes). */
void stun_request(const uint8_t txid[STUN_TXID_LEN],
    uint8_t out[STUN_HEADER_LEN]);

/* Reads one datagram as the answer to the Binding request txid, through
 * common/buf.c's reader.  Returns
 *   0                  a success response with an address: a->mapped,
 *                      a->mapped_port, a->from_xor (XOR-MAPPED-ADDRESS is
 *                      preferred to MAPPED-ADDRESS)
 *   SPA_ERR_REFUSED    an error response: a->error_code and a->reason
 *   SPA_ERR_ADDRESS    a success response with no address
 *   SPA_ERR_MISMATCH   not a Binding response of this transaction (another
 *                      type, magic cookie or transaction id)
 *   SPA_ERR_TRUNCATED  fewer bytes than the header or an attribute says
 *   SPA_ERR_INVALID    malformed: a length not a multiple of 4, trailing
 *                      bytes, a bad address, error code or FINGERPRINT, an
 *                      attribute after FINGERPRINT, or an unknown
 *                      comprehension-required attribute (a->bad_attr)
 * Unknown comprehension-optional attributes (0x8000 and up) are skipped,
 * and so is everything after MESSAGE-INTEGRITY but FINGERPRINT.  *a is
 * cleared first. */
int stun_parse(const uint8_t *msg, size_t len,
    const uint8_t txid[STUN_TXID_LEN], struct stun_answer *a);

/* Asks the STUN server at server:port for this host's public address, from
 * an unprivileged UDP socket of the server's family, with a fresh random
 * transaction id and t's timer (NULL: STUN_RTO_MS, STUN_SENDS).
 * Datagrams from other sources, of other transactions or malformed are
 * counted in a->ignored and the wait goes on.  Returns 0 (a->mapped), what
 * stun_parse returned for an error response (SPA_ERR_REFUSED) or a success
 * without an address (SPA_ERR_ADDRESS), SPA_ERR_TIMEOUT when no usable
 * answer came in time, SPA_ERR_CRYPTO (no random id), SPA_ERR_INVALID (a
 * bad timer) or SPA_ERR_SYSTEM with errno set (no socket, no route). */
int stun_query(const struct spa_addr *server, uint16_t port,
    const struct stun_timing *t, struct stun_answer *a);

#endif
