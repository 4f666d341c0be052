/*
 * Ed25519 for the signed format (doc/protocol.md "Signed format"): pure
 * Ed25519 (RFC 8032) through OpenSSL 3's EVP_DigestSign/EVP_DigestVerify,
 * which reject non-canonical signatures.  The client holds a 32-byte
 * seed, the server a 32-byte public key.
 */
#ifndef SPA_SIGN_H
#define SPA_SIGN_H

#include <stddef.h>
#include <stdint.h>

#define SIGN_SEED_LEN 32
#define SIGN_PUBLIC_LEN 32
#define SIGN_LEN 64

/*
 * 1 when pub is a key a signature can be checked against: the canonical
 * encoding of a point on the curve, not of small order.  OpenSSL takes
 * any 32 bytes as a public key, and a small-order one (all zeros, say)
 * would accept signatures anyone can make: so the configuration checks
 * here, once, with OpenSSL's big numbers.
 */
int sign_public_valid(const uint8_t pub[SIGN_PUBLIC_LEN]);
/* The public key of seed.  0 or SPA_ERR_CRYPTO. */
int sign_public_of(const uint8_t seed[SIGN_SEED_LEN],
    uint8_t pub[SIGN_PUBLIC_LEN]);
/* Ed25519(seed, msg).  0 or SPA_ERR_CRYPTO. */
int sign_make(const uint8_t seed[SIGN_SEED_LEN], const uint8_t *msg,
    size_t len, uint8_t sig[SIGN_LEN]);

struct sign_verifier;   /* a public key prepared once (EVP_PKEY) */
/* 0, SPA_ERR_INVALID when sign_public_valid says no, SPA_ERR_CRYPTO. */
int sign_verifier_new(const uint8_t pub[SIGN_PUBLIC_LEN],
    struct sign_verifier **out);
void sign_verifier_free(struct sign_verifier *v);
/* 1 when sig is pub's signature of msg, else 0. */
int sign_verify(const struct sign_verifier *v, const uint8_t *msg, size_t len,
    const uint8_t sig[SIGN_LEN]);

#endif
