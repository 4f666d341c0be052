#include "sign.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

struct sign_verifier {
	EVP_PKEY *key;
};

/* The curve's numbers: p = 2^255 - 19, d = -121665 / 121666 mod p. */
struct curve {
	BN_CTX *ctx;
	BIGNUM *p, *d, *one;
};

static void
curve_free(struct curve *c)
{
	BN_free(c->p);
	BN_free(c->d);
	BN_free(c->one);
	BN_CTX_free(c->ctx);
}

static int
curve_init(struct curve *c)
{
	BIGNUM *t = NULL;
	int ok;

	memset(c, 0, sizeof(*c));
	c->ctx = BN_CTX_new();
	c->p = BN_new();
	c->d = BN_new();
	c->one = BN_new();
	t = BN_new();
	ok = c->ctx && c->p && c->d && c->one && t &&
	    BN_set_word(c->one, 1) && BN_lshift(c->p, c->one, 255) &&
	    BN_sub_word(c->p, 19) &&
	    BN_set_word(t, 121666) &&
	    BN_mod_inverse(t, t, c->p, c->ctx) != NULL &&
	    BN_set_word(c->d, 121665) &&
	    BN_mod_mul(c->d, c->d, t, c->p, c->ctx) &&
	    BN_sub(c->d, c->p, c->d);
	BN_free(t);
	return ok;
}

/* P + Q on -x^2 + y^2 = 1 + d x^2 y^2 (complete: no denominator is 0). */
static int
curve_add(const struct curve *c, BIGNUM *x3, BIGNUM *y3, const BIGNUM *x1,
    const BIGNUM *y1, const BIGNUM *x2, const BIGNUM *y2)
{
	BN_CTX *ctx = c->ctx;
	BIGNUM *a, *b, *k, *den;
	int ok;

	BN_CTX_start(ctx);
	a = BN_CTX_get(ctx);
	b = BN_CTX_get(ctx);
	k = BN_CTX_get(ctx);
	den = BN_CTX_get(ctx);
	ok = den != NULL &&
	    /* k = d x1 x2 y1 y2 */
	    BN_mod_mul(k, x1, x2, c->p, ctx) &&
	    BN_mod_mul(k, k, y1, c->p, ctx) &&
	    BN_mod_mul(k, k, y2, c->p, ctx) &&
	    BN_mod_mul(k, k, c->d, c->p, ctx) &&
	    /* x3 = (x1 y2 + y1 x2) / (1 + k) */
	    BN_mod_mul(a, x1, y2, c->p, ctx) &&
	    BN_mod_mul(b, y1, x2, c->p, ctx) &&
	    BN_mod_add(a, a, b, c->p, ctx) &&
	    BN_mod_add(den, c->one, k, c->p, ctx) &&
	    BN_mod_inverse(den, den, c->p, ctx) != NULL &&
	    /* y3 = (y1 y2 + x1 x2) / (1 - k), a = x3 until the end */
	    BN_mod_mul(b, y1, y2, c->p, ctx) &&
	    BN_mod_mul(y3, x1, x2, c->p, ctx) &&
	    BN_mod_add(b, b, y3, c->p, ctx) &&
	    BN_mod_mul(a, a, den, c->p, ctx) &&
	    BN_mod_sub(den, c->one, k, c->p, ctx) &&
	    BN_mod_inverse(den, den, c->p, ctx) != NULL &&
	    BN_mod_mul(y3, b, den, c->p, ctx) &&
	    BN_copy(x3, a) != NULL;
	BN_CTX_end(ctx);
	return ok;
}

/* RFC 8032 5.1.3: y from the 255 low bits (must be below p), x from
 * x^2 = (y^2 - 1) / (d y^2 + 1), its parity from the top bit.  1 when
 * the encoding is a point, with (x, y). */
static int
curve_decode(const struct curve *c, const uint8_t pub[SIGN_PUBLIC_LEN],
    BIGNUM *x, BIGNUM *y)
{
	uint8_t le[SIGN_PUBLIC_LEN];
	int sign = pub[31] >> 7, ok;
	BIGNUM *u, *v;

	memcpy(le, pub, sizeof(le));
	le[31] &= 0x7f;
	if (BN_lebin2bn(le, sizeof(le), y) == NULL || BN_cmp(y, c->p) >= 0)
		return 0;
	BN_CTX_start(c->ctx);
	u = BN_CTX_get(c->ctx);
	v = BN_CTX_get(c->ctx);
	ok = v != NULL &&
	    BN_mod_sqr(u, y, c->p, c->ctx) &&
	    BN_mod_mul(v, u, c->d, c->p, c->ctx) &&
	    BN_mod_add(v, v, c->one, c->p, c->ctx) &&
	    BN_mod_sub(u, u, c->one, c->p, c->ctx) &&
	    BN_mod_inverse(v, v, c->p, c->ctx) != NULL &&
	    BN_mod_mul(u, u, v, c->p, c->ctx);
	if (ok && BN_is_zero(u)) {
		ok = !sign;             /* x = 0 has no negative */
		BN_zero(x);
	} else if (ok)
		ok = BN_mod_sqrt(x, u, c->p, c->ctx) != NULL &&
		    (BN_is_odd(x) == sign || BN_sub(x, c->p, x));
	BN_CTX_end(c->ctx);
	return ok;
}

int
sign_public_valid(const uint8_t pub[SIGN_PUBLIC_LEN])
{
	struct curve c;
	BIGNUM *x = NULL, *y = NULL;
	int valid = 0;

	if (!curve_init(&c))
		return 0;
	x = BN_new();
	y = BN_new();
	if (x != NULL && y != NULL && curve_decode(&c, pub, x, y)) {
		int i;

		/* Small order: 8P is the neutral element (0, 1). */
		for (i = 0; i < 3 && curve_add(&c, x, y, x, y, x, y); i++)
			continue;
		valid = i == 3 && !(BN_is_zero(x) && BN_is_one(y));
	}
	BN_free(x);
	BN_free(y);
	curve_free(&c);
	return valid;
}

int
sign_public_of(const uint8_t seed[SIGN_SEED_LEN],
    uint8_t pub[SIGN_PUBLIC_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    seed, SIGN_SEED_LEN);
	size_t len = SIGN_PUBLIC_LEN;
	int ok = k != NULL && EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 &&
	    len == SIGN_PUBLIC_LEN;

	EVP_PKEY_free(k);
	return ok ? 0 : SPA_ERR_CRYPTO;
}

int
sign_make(const uint8_t seed[SIGN_SEED_LEN], const uint8_t *msg, size_t len,
    uint8_t sig[SIGN_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    seed, SIGN_SEED_LEN);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = SIGN_LEN;
	int ok = k != NULL && ctx != NULL &&
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 &&
	    siglen == SIGN_LEN;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return ok ? 0 : SPA_ERR_CRYPTO;
}

int
sign_verifier_new(const uint8_t pub[SIGN_PUBLIC_LEN],
    struct sign_verifier **out)
{
	static const uint8_t none[SIGN_LEN];
	struct sign_verifier *v;

	*out = NULL;
	if (!sign_public_valid(pub))
		return SPA_ERR_INVALID;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return SPA_ERR_NOMEM;
	v->key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
	    SIGN_PUBLIC_LEN);
	if (v->key == NULL) {
		free(v);
		return SPA_ERR_CRYPTO;
	}
	/* One verification now, so that OpenSSL fetches what it needs while
	 * it can still read its files (the capture process is chrooted and
	 * may not open any afterwards). */
	(void)sign_verify(v, none, sizeof(none), none);
	*out = v;
	return 0;
}

void
sign_verifier_free(struct sign_verifier *v)
{
	if (v == NULL)
		return;
	EVP_PKEY_free(v->key);
	free(v);
}

int
sign_verify(const struct sign_verifier *v, const uint8_t *msg, size_t len,
    const uint8_t sig[SIGN_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, v->key) == 1 &&
	    EVP_DigestVerify(ctx, sig, SIGN_LEN, msg, len) == 1;

	EVP_MD_CTX_free(ctx);
	return ok;
}
