/*
 * HMAC uses OpenSSL's low-level SHA-256 on purpose: re-initialising an
 * EVP_MAC context duplicates provider contexts on the heap (two allocations
 * per message, measured), and the packet path must not allocate.  The
 * construction is RFC 2104 over precomputed pad states; tests/unit/test_crypto.c
 * checks it against EVP_MAC.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "crypto.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "err.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(((struct mac_key *)0)->inner),
    "struct mac_key too small for SHA256_CTX");

struct cipher_key {
	EVP_CIPHER_CTX *ctx;
};

int
crypto_hkdf(const uint8_t secret[SPA_SECRET_LEN], const char *info,
    uint8_t out[SPA_SECRET_LEN])
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf == NULL ? NULL : EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[4];
	int rc = SPA_ERR_CRYPTO;

	if (ctx == NULL)
		goto free_kdf;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)secret, SPA_SECRET_LEN);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)(uintptr_t)info, strlen(info));
	params[3] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, SPA_SECRET_LEN, params) == 1)
		rc = 0;
	EVP_KDF_CTX_free(ctx);
free_kdf:
	EVP_KDF_free(kdf);
	return rc;
}

void
mac_key_init(struct mac_key *mk, const uint8_t *key, size_t len)
{
	uint8_t block[SHA256_CBLOCK] = { 0 };
	uint8_t pad[SHA256_CBLOCK];
	SHA256_CTX ctx;

	if (len > sizeof(block))
		SHA256(key, len, block);
	else if (len > 0)
		memcpy(block, key, len);
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = block[i] ^ 0x36;
	SHA256_Init(&ctx);
	SHA256_Update(&ctx, pad, sizeof(pad));
	memcpy(mk->inner, &ctx, sizeof(ctx));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = block[i] ^ 0x5c;
	SHA256_Init(&ctx);
	SHA256_Update(&ctx, pad, sizeof(pad));
	memcpy(mk->outer, &ctx, sizeof(ctx));
	OPENSSL_cleanse(block, sizeof(block));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(&ctx, sizeof(ctx));
}

void
mac_key_wipe(struct mac_key *mk)
{
	OPENSSL_cleanse(mk, sizeof(*mk));
}

void
mac_compute(const struct mac_key *mk, const struct mac_part *parts,
    size_t nparts, uint8_t out[SPA_MAC_LEN])
{
	SHA256_CTX ctx;
	uint8_t inner[SHA256_DIGEST_LENGTH];

	memcpy(&ctx, mk->inner, sizeof(ctx));
	for (size_t i = 0; i < nparts; i++)
		SHA256_Update(&ctx, parts[i].data, parts[i].len);
	SHA256_Final(inner, &ctx);
	memcpy(&ctx, mk->outer, sizeof(ctx));
	SHA256_Update(&ctx, inner, sizeof(inner));
	SHA256_Final(out, &ctx);
	OPENSSL_cleanse(&ctx, sizeof(ctx));
}

int
mac_equal(const uint8_t a[SPA_MAC_LEN], const uint8_t b[SPA_MAC_LEN])
{
	return CRYPTO_memcmp(a, b, SPA_MAC_LEN) == 0;
}

int
cipher_key_new(const uint8_t key[SPA_SECRET_LEN], struct cipher_key **out)
{
	static const uint8_t zero_iv[16];
	struct cipher_key *ck = OPENSSL_zalloc(sizeof(*ck));

	*out = NULL;
	if (ck == NULL)
		return SPA_ERR_NOMEM;
	ck->ctx = EVP_CIPHER_CTX_new();
	if (ck->ctx == NULL ||
	    EVP_EncryptInit_ex2(ck->ctx, EVP_aes_256_ctr(), key, zero_iv,
	    NULL) != 1) {
		cipher_key_free(ck);
		return SPA_ERR_CRYPTO;
	}
	*out = ck;
	return 0;
}

void
cipher_key_free(struct cipher_key *ck)
{
	if (ck == NULL)
		return;
	EVP_CIPHER_CTX_free(ck->ctx);
	OPENSSL_free(ck);
}

int
cipher_ctr(struct cipher_key *ck, const uint8_t iv[16], const uint8_t *in,
    size_t len, uint8_t *out)
{
	int outl = 0;

	if (len > INT32_MAX)
		return SPA_ERR_INVALID;
	/* Re-initialising with only a new IV keeps the key schedule and
	 * does not allocate. */
	if (EVP_EncryptInit_ex2(ck->ctx, NULL, NULL, iv, NULL) != 1 ||
	    EVP_EncryptUpdate(ck->ctx, out, &outl, in, (int)len) != 1 ||
	    (size_t)outl != len)
		return SPA_ERR_CRYPTO;
	return 0;
}

int
crypto_random(void *buf, size_t len)
{
	if (len > INT32_MAX || RAND_bytes(buf, (int)len) != 1)
		return SPA_ERR_CRYPTO;
	return 0;
}

void
crypto_wipe(void *buf, size_t len)
{
	OPENSSL_cleanse(buf, len);
}
