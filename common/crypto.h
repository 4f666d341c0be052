/*
 * Crypto on OpenSSL 3 (doc/protocol.md "Keys"): HKDF-SHA256 for key derivation,
 * HMAC-SHA256 with keys prepared once, AES-256-CTR, constant-time compare,
 * CSPRNG.  Nothing here allocates once a key is prepared, so the per-packet
 * path (mac_compute, cipher_ctr) never touches the heap.
 */
#ifndef SPA_CRYPTO_H
#define SPA_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define SPA_SECRET_LEN 32
#define SPA_MAC_LEN 32

/* The HMAC-SHA256 inner and outer chaining values after the key block:
 * keying costs two SHA-256 compressions once, instead of per message, and
 * 64 bytes a key (a whole SHA256_CTX is 112). */
struct mac_key {
	uint32_t inner[8];
	uint32_t outer[8];
};

/* One message part, so a MAC over several fields needs no copying. */
struct mac_part {
	const void *data;
	size_t len;
};

/* Prepares an HMAC-SHA256 key of any length.  Wipe with mac_key_wipe. */
void mac_key_init(struct mac_key *mk, const uint8_t *key, size_t len);
void mac_key_wipe(struct mac_key *mk);
/* HMAC over the concatenation of nparts parts. */
void mac_compute(const struct mac_key *mk, const struct mac_part *parts,
    size_t nparts, uint8_t out[SPA_MAC_LEN]);
/* 1 when the two 32-byte tags are equal, in constant time. */
int mac_equal(const uint8_t a[SPA_MAC_LEN], const uint8_t b[SPA_MAC_LEN]);

/* HKDF-SHA256 with an empty salt and L = 32 (RFC 5869): extract once per
 * secret, then expand once per info string.  Wipe prk with mac_key_wipe. */
void crypto_hkdf_extract(const uint8_t secret[SPA_SECRET_LEN],
    struct mac_key *prk);
void crypto_hkdf_expand(const struct mac_key *prk, const char *info,
    uint8_t out[SPA_SECRET_LEN]);
/* Both in one call, for one key. */
void crypto_hkdf(const uint8_t secret[SPA_SECRET_LEN], const char *info,
    uint8_t out[SPA_SECRET_LEN]);

/* An AES-256-CTR key.  The expanded key schedule lives in one EVP context
 * shared by every key of the process and re-keyed per message (a key
 * schedule costs less than the MAC): one context per user would cost about
 * 2 KB each, 200 MB for 100,000 users. */
struct cipher_key {
	uint8_t key[SPA_SECRET_LEN];
	unsigned char holds_ctx;        /* counted in the shared context's users */
};
/* Copies key and makes sure the shared context exists, so cipher_ctr never
 * allocates.  Returns 0 or SPA_ERR_NOMEM / SPA_ERR_CRYPTO.  Every key made
 * may be released with cipher_key_wipe, also a zeroed one never made (the
 * last one made frees the context). */
int cipher_key_init(struct cipher_key *ck, const uint8_t key[SPA_SECRET_LEN]);
void cipher_key_wipe(struct cipher_key *ck);
/* AES-256-CTR of len bytes with the 16-byte initial counter block iv;
 * encryption and decryption are the same operation. */
int cipher_ctr(const struct cipher_key *ck, const uint8_t iv[16],
    const uint8_t *in, size_t len, uint8_t *out);

/* Fills buf from the CSPRNG.  Returns 0 or SPA_ERR_CRYPTO. */
int crypto_random(void *buf, size_t len);
/* Wipes secrets so the compiler cannot skip it. */
void crypto_wipe(void *buf, size_t len);

#endif
