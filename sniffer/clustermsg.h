/*
 * A grant as the nodes of a cluster tell it to each other through Redis
 * (doc/cluster.md "Messages").  The bytes are untrusted: whoever can write
 * to Redis can write them.  The layout is canonical (one encoding per
 * message), big-endian, and ends with an HMAC-SHA256 over everything
 * before it, keyed with a key derived from [cluster] key:
 *
 *   "SPAC" | version 1 | kind 1 (grant)
 *   time (u64, Unix seconds, when sent) | nonce (16 random bytes)
 *   node, user, action: each a length byte (1..32) and the bytes
 *   family (4 or 6) | address (16 bytes, IPv4 mapped)
 *   expiry (u64, Unix seconds: when every node closes the grant)
 *   mac (32)
 *
 * The MAC is checked first, in constant time, over the raw bytes; only
 * then is a field read, through the bounded reader (common/buf.h).
 */
#ifndef SPA_CLUSTERMSG_H
#define SPA_CLUSTERMSG_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "crypto.h"

#define CLUSTERMSG_NAME_MAX 32
#define CLUSTERMSG_NONCE_LEN 16
/* The longest encoding: every name at its longest. */
#define CLUSTERMSG_MAX (4 + 1 + 1 + 8 + CLUSTERMSG_NONCE_LEN + \
	3 * (1 + CLUSTERMSG_NAME_MAX) + 1 + SPA_ADDR_LEN + 8 + SPA_MAC_LEN)

struct clustermsg {
	int64_t time;
	uint8_t nonce[CLUSTERMSG_NONCE_LEN];
	char node[CLUSTERMSG_NAME_MAX + 1];     /* who sends it */
	char user[CLUSTERMSG_NAME_MAX + 1];
	char action[CLUSTERMSG_NAME_MAX + 1];
	struct spa_addr addr;                   /* family 4 or 6 */
	int64_t expiry;
};

/* The MAC key for cluster messages, derived from the configured 32-byte
 * key (HKDF, info "spa cluster grant v1").  Wipe with mac_key_wipe. */
void clustermsg_key(const uint8_t key[SPA_SECRET_LEN], struct mac_key *mk);
/* m into out (cap bytes, CLUSTERMSG_MAX is enough), its length in *len:
 * 0, SPA_ERR_INVALID (a name empty or too long, a family not 4 or 6), or
 * SPA_ERR_NOSPACE. */
int clustermsg_encode(const struct mac_key *mk, const struct clustermsg *m,
    uint8_t *out, size_t cap, size_t *len);
/* len bytes into *out: 0; SPA_ERR_TRUNCATED (shorter than a MAC or
 * longer than any message, or, the MAC good, a field running past the
 * end); SPA_ERR_MAC (the MAC does not match: nothing was read);
 * SPA_ERR_INVALID (magic, version or kind unknown, a name empty, not
 * printable or of another alphabet, a family not 4 or 6 or an address not
 * of it, bytes left over). */
int clustermsg_decode(const struct mac_key *mk, const uint8_t *buf,
    size_t len, struct clustermsg *out);

#endif
