/* Crypto against published test vectors and against OpenSSL's EVP_MAC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>

#include "crypto.h"
#include "hex.h"

static void
unhex(const char *text, uint8_t *out, size_t want)
{
	size_t n = 0;

	assert_int_equal(hex_decode(text, out, want, &n), 0);
	assert_int_equal(n, want);
}

/* RFC 4231 test cases 2 (short key) and 6 (key longer than a block). */
static void
test_hmac_rfc4231(void **state)
{
	uint8_t key[131], out[32], want[32];
	struct mac_key mk;
	const char *msg6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	struct mac_part part = { "what do ya want for nothing?", 28 };
	(void)state;

	mac_key_init(&mk, (const uint8_t *)"Jefe", 4);
	mac_compute(&mk, &part, 1, out);
	unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    want, 32);
	assert_memory_equal(out, want, 32);
	memset(key, 0xaa, sizeof(key));
	mac_key_init(&mk, key, sizeof(key));
	part.data = msg6;
	part.len = strlen(msg6);
	mac_compute(&mk, &part, 1, out);
	unhex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    want, 32);
	assert_memory_equal(out, want, 32);
	mac_key_wipe(&mk);
}

/* Split messages give the HMAC of their concatenation, equal to
 * OpenSSL's own HMAC for every key and message length tried. */
static void
test_hmac_matches_openssl(void **state)
{
	uint8_t key[80], msg[200], out[32], ref[32];
	unsigned int reflen = 0;
	(void)state;

	assert_int_equal(crypto_random(key, sizeof(key)), 0);
	assert_int_equal(crypto_random(msg, sizeof(msg)), 0);
	for (size_t klen = 0; klen <= sizeof(key); klen += 16)
		for (size_t mlen = 0; mlen <= sizeof(msg); mlen += 37) {
			struct mac_key mk;
			struct mac_part parts[2] = {
				{ msg, mlen / 3 }, { msg + mlen / 3, mlen - mlen / 3 },
			};

			mac_key_init(&mk, key, klen);
			mac_compute(&mk, parts, 2, out);
			assert_non_null(HMAC(EVP_sha256(), key, (int)klen, msg, mlen,
			    ref, &reflen));
			assert_int_equal(reflen, 32);
			assert_memory_equal(out, ref, 32);
		}
}

/* RFC 5869 by its definition: with an empty salt (HashLen zero bytes),
 * PRK = HMAC(salt, IKM) and, for L = 32, OKM = HMAC(PRK, info || 0x01). */
static void
test_hkdf_rfc5869(void **state)
{
	uint8_t ikm[32], salt[32] = { 0 }, prk[32], t1in[16], out[32], want[32];
	unsigned int len = 0;
	(void)state;

	assert_int_equal(crypto_random(ikm, sizeof(ikm)), 0);
	crypto_hkdf(ikm, "spa/1 loc", out);
	assert_non_null(HMAC(EVP_sha256(), salt, 32, ikm, 32, prk, &len));
	memcpy(t1in, "spa/1 loc", 9);
	t1in[9] = 0x01;
	assert_non_null(HMAC(EVP_sha256(), prk, 32, t1in, 10, want, &len));
	assert_memory_equal(out, want, 32);
}

/* The same against OpenSSL's own HKDF, over many secrets and each info. */
static void
test_hkdf_matches_openssl(void **state)
{
	static const char *const infos[] = { "spa/1 mac", "spa/1 enc",
	    "spa/1 loc", "" };
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	uint8_t ikm[32], out[32], want[32];
	(void)state;

	assert_non_null(kdf);
	for (int round = 0; round < 64; round++) {
		assert_int_equal(crypto_random(ikm, sizeof(ikm)), 0);
		for (size_t i = 0; i < sizeof(infos) / sizeof(infos[0]); i++) {
			OSSL_PARAM params[] = {
				OSSL_PARAM_construct_utf8_string(
				    OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
				OSSL_PARAM_construct_octet_string(
				    OSSL_KDF_PARAM_KEY, ikm, sizeof(ikm)),
				OSSL_PARAM_construct_octet_string(
				    OSSL_KDF_PARAM_INFO,
				    (void *)(uintptr_t)infos[i],
				    strlen(infos[i])),
				OSSL_PARAM_construct_end(),
			};
			EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);

			assert_non_null(ctx);
			assert_int_equal(EVP_KDF_derive(ctx, want, 32, params), 1);
			EVP_KDF_CTX_free(ctx);
			crypto_hkdf(ikm, infos[i], out);
			assert_memory_equal(out, want, 32);
		}
	}
	EVP_KDF_free(kdf);
}

/* NIST SP 800-38A F.5.5, CTR-AES256.Encrypt, first two blocks. */
static void
test_aes_ctr_sp800_38a(void **state)
{
	uint8_t key[32], iv[16], in[32], out[32], want[32];
	struct cipher_key ck;
	(void)state;

	unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
	    key, 32);
	unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", iv, 16);
	unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
	    in, 32);
	unhex("601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5",
	    want, 32);
	assert_int_equal(cipher_key_init(&ck, key), 0);
	assert_int_equal(cipher_ctr(&ck, iv, in, sizeof(in), out), 0);
	assert_memory_equal(out, want, 32);
	/* The same operation decrypts, and the context can be reused. */
	assert_int_equal(cipher_ctr(&ck, iv, out, sizeof(out), out), 0);
	assert_memory_equal(out, in, 32);
	cipher_key_wipe(&ck);
}

static void
test_mac_equal_and_random(void **state)
{
	uint8_t a[32], b[32];
	(void)state;

	assert_int_equal(crypto_random(a, sizeof(a)), 0);
	memcpy(b, a, sizeof(b));
	assert_true(mac_equal(a, b));
	for (size_t i = 0; i < sizeof(b); i++) {
		b[i] ^= 0x80;
		assert_false(mac_equal(a, b));
		b[i] ^= 0x80;
	}
	assert_int_equal(crypto_random(b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	crypto_wipe(a, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_memory_equal(a, b, sizeof(a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_hmac_matches_openssl),
		cmocka_unit_test(test_hkdf_rfc5869),
		cmocka_unit_test(test_hkdf_matches_openssl),
		cmocka_unit_test(test_aes_ctr_sp800_38a),
		cmocka_unit_test(test_mac_equal_and_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
