/*
 * The native format (doc/protocol.md "Native format", 115 bytes):
 *   locator[8] nonce[16] ciphertext[59] tag[32]
 * with the 59-byte plaintext
 *   version[1]=1 time[8] family[1] allow[16] reqlen[1] request[32]
 * and tag = HMAC(K_mac, locator || nonce || ciphertext || server_addr || u16 port).
 */
#ifndef SPA_WIRE_NATIVE_H
#define SPA_WIRE_NATIVE_H

#include <stdint.h>

#include "addr.h"
#include "request.h"
#include "userkey.h"

#define NATIVE_LEN 115
#define NATIVE_LOCATOR_LEN 8
#define NATIVE_NONCE_LEN 16
#define NATIVE_PLAIN_LEN 59
#define NATIVE_OFF_NONCE 8
#define NATIVE_OFF_CIPHER 24
#define NATIVE_OFF_TAG 83
#define NATIVE_VERSION 1
#define NATIVE_SIGNED_VERSION 2         /* the plaintext inside a signed packet */
#define NATIVE_EPOCH_SECONDS 60

/* What the client asks for, in clear. */
struct native_request {
	uint8_t version;                        /* NATIVE_VERSION (0 means it
	                                         * too) or NATIVE_SIGNED_VERSION */
	uint64_t time;                          /* client clock, Unix seconds */
	struct spa_addr allow;                  /* the address to open for */
	char request[SPA_REQUEST_MAX + 1];      /* NUL-terminated */
};

/* First 8 bytes of HMAC(K_loc, u64(epoch)). */
void native_locator(const struct mac_key *loc, uint64_t epoch,
    uint8_t out[NATIVE_LOCATOR_LEN]);
/* The tag over the first 83 bytes of packet, bound to server and port. */
void native_tag(const struct mac_key *mac, const uint8_t packet[NATIVE_LEN],
    const struct spa_addr *server, uint16_t port, uint8_t out[SPA_MAC_LEN]);
/* Serialises req; SPA_ERR_REQUEST for a bad request text. */
int native_plaintext_encode(const struct native_request *req,
    uint8_t out[NATIVE_PLAIN_LEN]);
/* Parses and validates a plaintext (step 5); SPA_ERR_INVALID if malformed.
 * Either version is taken and reported in req->version: which one the
 * packet's length asks for is the caller's check. */
int native_plaintext_decode(const uint8_t in[NATIVE_PLAIN_LEN],
    struct native_request *req);
/* Builds a whole packet for server:port with the given nonce. */
int native_encode(const struct user_keys *keys, const struct native_request *req,
    const uint8_t nonce[NATIVE_NONCE_LEN], const struct spa_addr *server,
    uint16_t port, uint8_t out[NATIVE_LEN]);

#endif
