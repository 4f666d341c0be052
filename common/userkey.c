#include "userkey.h"

#include <string.h>

#include "err.h"

int
user_keys_hkdf(const uint8_t secret[SPA_SECRET_LEN],
    uint8_t k_mac[SPA_SECRET_LEN], uint8_t k_enc[SPA_SECRET_LEN],
    uint8_t k_loc[SPA_SECRET_LEN])
{
	struct mac_key prk;

	crypto_hkdf_extract(secret, &prk);
	crypto_hkdf_expand(&prk, "spa/1 mac", k_mac);
	crypto_hkdf_expand(&prk, "spa/1 enc", k_enc);
	crypto_hkdf_expand(&prk, "spa/1 loc", k_loc);
	mac_key_wipe(&prk);
	return 0;
}

int
user_keys_derive(const uint8_t secret[SPA_SECRET_LEN], struct user_keys *k)
{
	uint8_t k_mac[SPA_SECRET_LEN], k_enc[SPA_SECRET_LEN], k_loc[SPA_SECRET_LEN];
	int rc;

	memset(k, 0, sizeof(*k));
	rc = user_keys_hkdf(secret, k_mac, k_enc, k_loc);
	if (rc == 0)
		rc = cipher_key_init(&k->enc, k_enc);
	if (rc == 0) {
		mac_key_init(&k->mac, k_mac, sizeof(k_mac));
		mac_key_init(&k->loc, k_loc, sizeof(k_loc));
		mac_key_init(&k->classic, secret, SPA_SECRET_LEN);
	}
	crypto_wipe(k_mac, sizeof(k_mac));
	crypto_wipe(k_enc, sizeof(k_enc));
	crypto_wipe(k_loc, sizeof(k_loc));
	return rc;
}

void
user_keys_clear(struct user_keys *k)
{
	cipher_key_wipe(&k->enc);
	crypto_wipe(k, sizeof(*k));
}
