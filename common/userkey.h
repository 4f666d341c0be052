/*
 * The keys of one user, derived once from the secret S (doc/protocol.md "Keys"):
 * K_mac, K_enc, K_loc by HKDF, and S itself for the classic format.
 */
#ifndef SPA_USERKEY_H
#define SPA_USERKEY_H

#include <stdint.h>

#include "crypto.h"

struct user_keys {
	struct mac_key mac;             /* HMAC(K_mac, ...): the native tag */
	struct mac_key loc;             /* HMAC(K_loc, epoch): locators */
	struct mac_key classic;         /* HMAC(S, M): the classic tag */
	struct cipher_key enc;          /* AES-256-CTR with K_enc */
};

/* Derives every key from secret.  Returns 0 or a SPA_ERR code; on error
 * nothing needs freeing.  Release with user_keys_clear. */
int user_keys_derive(const uint8_t secret[SPA_SECRET_LEN], struct user_keys *k);
/* Exposes the derived HKDF outputs, for tests against the vectors. */
int user_keys_hkdf(const uint8_t secret[SPA_SECRET_LEN],
    uint8_t k_mac[SPA_SECRET_LEN], uint8_t k_enc[SPA_SECRET_LEN],
    uint8_t k_loc[SPA_SECRET_LEN]);
void user_keys_clear(struct user_keys *k);

#endif
