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
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "err.h"

_Static_assert(sizeof(((SHA256_CTX *)0)->h) == sizeof(((struct mac_key *)0)->inner),
    "struct mac_key holds one SHA-256 chaining value per pad");

/* A SHA-256 context that has hashed exactly one 64-byte block whose
 * chaining value is h: where HMAC resumes after the padded key. */
static void
sha256_resume(SHA256_CTX *ctx, const uint32_t h[8])
{
	memset(ctx, 0, sizeof(*ctx));
	memcpy(ctx->h, h, sizeof(ctx->h));
	ctx->Nl = SHA256_CBLOCK * 8;    /* bits hashed so far */
	ctx->md_len = SHA256_DIGEST_LENGTH;
}

/* The context every cipher_key shares, and how many keys hold it. */
static EVP_CIPHER_CTX *shared_ctx;
static unsigned long shared_users;

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
	SHA256_Update(&ctx, pad, sizeof(pad));  /* one whole block: in h now */
	memcpy(mk->inner, ctx.h, sizeof(mk->inner));
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = block[i] ^ 0x5c;
	SHA256_Init(&ctx);
	SHA256_Update(&ctx, pad, sizeof(pad));
	memcpy(mk->outer, ctx.h, sizeof(mk->outer));
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

	sha256_resume(&ctx, mk->inner);
	for (size_t i = 0; i < nparts; i++)
		SHA256_Update(&ctx, parts[i].data, parts[i].len);
	SHA256_Final(inner, &ctx);
	sha256_resume(&ctx, mk->outer);
	SHA256_Update(&ctx, inner, sizeof(inner));
	SHA256_Final(out, &ctx);
	OPENSSL_cleanse(&ctx, sizeof(ctx));
}

/* HKDF-SHA256 by its definition (RFC 5869) over the HMAC above: OpenSSL's
 * EVP_KDF costs 4.3 us a call in fetches, locks and allocations, against
 * 0.6 us here, and a start-up derives three keys per user (100,000 users:
 * 1.3 s).  tests/unit/test_crypto.c checks it against EVP_KDF. */
void
crypto_hkdf_extract(const uint8_t secret[SPA_SECRET_LEN], struct mac_key *prk)
{
	static const uint8_t salt[SPA_MAC_LEN];  /* empty salt: HashLen zeros */
	struct mac_key salt_key;
	struct mac_part part = { secret, SPA_SECRET_LEN };
	uint8_t prk_bytes[SPA_MAC_LEN];

	mac_key_init(&salt_key, salt, sizeof(salt));
	mac_compute(&salt_key, &part, 1, prk_bytes);
	mac_key_init(prk, prk_bytes, sizeof(prk_bytes));
	OPENSSL_cleanse(prk_bytes, sizeof(prk_bytes));
	mac_key_wipe(&salt_key);
}

void
crypto_hkdf_expand(const struct mac_key *prk, const char *info,
    uint8_t out[SPA_SECRET_LEN])
{
	static const uint8_t counter = 0x01;    /* T(1): L = 32 is one block */
	struct mac_part parts[2] = { { info, strlen(info) }, { &counter, 1 } };

	mac_compute(prk, parts, 2, out);
}

void
crypto_hkdf(const uint8_t secret[SPA_SECRET_LEN], const char *info,
    uint8_t out[SPA_SECRET_LEN])
{
	struct mac_key prk;

	crypto_hkdf_extract(secret, &prk);
	crypto_hkdf_expand(&prk, info, out);
	mac_key_wipe(&prk);
}

int
mac_equal(const uint8_t a[SPA_MAC_LEN], const uint8_t b[SPA_MAC_LEN])
{
	return CRYPTO_memcmp(a, b, SPA_MAC_LEN) == 0;
}

int
cipher_key_init(struct cipher_key *ck, const uint8_t key[SPA_SECRET_LEN])
{
	static const uint8_t zero_iv[16];

	memset(ck, 0, sizeof(*ck));
	if (shared_ctx == NULL) {
		shared_ctx = EVP_CIPHER_CTX_new();
		if (shared_ctx == NULL)
			return SPA_ERR_NOMEM;
		/* Fetches the cipher once; later calls pass only key and IV. */
		if (EVP_EncryptInit_ex2(shared_ctx, EVP_aes_256_ctr(), key,
		    zero_iv, NULL) != 1) {
			EVP_CIPHER_CTX_free(shared_ctx);
			shared_ctx = NULL;
			return SPA_ERR_CRYPTO;
		}
	}
	shared_users++;
	ck->holds_ctx = 1;
	memcpy(ck->key, key, sizeof(ck->key));
	return 0;
}

void
cipher_key_wipe(struct cipher_key *ck)
{
	int held = ck->holds_ctx;

	crypto_wipe(ck, sizeof(*ck));
	if (held && shared_users > 0 && --shared_users == 0) {
		EVP_CIPHER_CTX_free(shared_ctx);      /* wipes the schedule */
		shared_ctx = NULL;
	}
}

int
cipher_ctr(const struct cipher_key *ck, const uint8_t iv[16],
    const uint8_t *in, size_t len, uint8_t *out)
{
	int outl = 0;

	if (len > INT32_MAX || shared_ctx == NULL)
		return SPA_ERR_INVALID;
	/* Re-keying the kept context expands the key in place and does not
	 * allocate (tests/unit/test_verify.c counts). */
	if (EVP_EncryptInit_ex2(shared_ctx, NULL, ck->key, iv, NULL) != 1 ||
	    EVP_EncryptUpdate(shared_ctx, out, &outl, in, (int)len) != 1 ||
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
