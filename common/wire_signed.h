/*
 * The signed format (doc/protocol.md "Signed format", 179 bytes): a native
 * packet whose plaintext has version 2, then
 *   signature[64] = Ed25519(seed, "spa/1 sig" || native[115] ||
 *                           server_addr[16] || u16(server_port))
 * A client key for signing holds S || seed (64 bytes).
 */
#ifndef SPA_WIRE_SIGNED_H
#define SPA_WIRE_SIGNED_H

#include <stdint.h>

#include "addr.h"
#include "sign.h"
#include "wire_native.h"

#define SIGNED_LEN (NATIVE_LEN + SIGN_LEN)
#define SIGNED_CONTEXT "spa/1 sig"
#define SIGNED_CONTEXT_LEN 9
#define SIGNED_MESSAGE_LEN (SIGNED_CONTEXT_LEN + NATIVE_LEN + SPA_ADDR_LEN + 2)

/* The bytes the signature covers, for native (the first 115 bytes) sent
 * to server:port. */
void signed_message(const uint8_t native[NATIVE_LEN],
    const struct spa_addr *server, uint16_t port,
    uint8_t out[SIGNED_MESSAGE_LEN]);
/* A whole signed packet: req (its version is set to 2 here) encrypted and
 * tagged with keys as native_encode does, then signed with seed.  0, or
 * what native_encode or sign_make returned. */
int signed_encode(const struct user_keys *keys,
    const uint8_t seed[SIGN_SEED_LEN], const struct native_request *req,
    const uint8_t nonce[NATIVE_NONCE_LEN], const struct spa_addr *server,
    uint16_t port, uint8_t out[SIGNED_LEN]);

#endif
