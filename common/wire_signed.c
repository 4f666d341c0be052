#include "wire_signed.h"

#include <string.h>

void
signed_message(const uint8_t native[NATIVE_LEN], const struct spa_addr *server,
    uint16_t port, uint8_t out[SIGNED_MESSAGE_LEN])
{
	uint8_t *p = out;

	memcpy(p, SIGNED_CONTEXT, SIGNED_CONTEXT_LEN);
	p += SIGNED_CONTEXT_LEN;
	memcpy(p, native, NATIVE_LEN);
	p += NATIVE_LEN;
	memcpy(p, server->bytes, SPA_ADDR_LEN);
	p += SPA_ADDR_LEN;
	p[0] = (uint8_t)(port >> 8);
	p[1] = (uint8_t)port;
}

int
signed_encode(const struct user_keys *keys, const uint8_t seed[SIGN_SEED_LEN],
    const struct native_request *req, const uint8_t nonce[NATIVE_NONCE_LEN],
    const struct spa_addr *server, uint16_t port, uint8_t out[SIGNED_LEN])
{
	struct native_request r = *req;
	uint8_t msg[SIGNED_MESSAGE_LEN];
	int rc;

	r.version = NATIVE_SIGNED_VERSION;
	if ((rc = native_encode(keys, &r, nonce, server, port, out)) != 0)
		return rc;
	signed_message(out, server, port, msg);
	return sign_make(seed, msg, sizeof(msg), out + NATIVE_LEN);
}
