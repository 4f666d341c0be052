#include "wire_native.h"

#include <string.h>

#include "buf.h"
#include "err.h"

void
native_locator(const struct mac_key *loc, uint64_t epoch,
    uint8_t out[NATIVE_LOCATOR_LEN])
{
	uint8_t be[8], full[SPA_MAC_LEN];
	struct writer w;
	struct mac_part part = { be, sizeof(be) };

	writer_init(&w, be, sizeof(be));
	(void)writer_put_u64(&w, epoch);
	mac_compute(loc, &part, 1, full);
	memcpy(out, full, NATIVE_LOCATOR_LEN);
}

void
native_tag(const struct mac_key *mac, const uint8_t packet[NATIVE_LEN],
    const struct spa_addr *server, uint16_t port, uint8_t out[SPA_MAC_LEN])
{
	uint8_t port_be[2] = { (uint8_t)(port >> 8), (uint8_t)port };
	struct mac_part parts[3] = {
		{ packet, NATIVE_OFF_TAG },
		{ server->bytes, SPA_ADDR_LEN },
		{ port_be, sizeof(port_be) },
	};

	mac_compute(mac, parts, 3, out);
}

int
native_plaintext_encode(const struct native_request *req,
    uint8_t out[NATIVE_PLAIN_LEN])
{
	size_t len = strnlen(req->request, sizeof(req->request));
	struct writer w;

	if (!request_valid(req->request, len))
		return SPA_ERR_REQUEST;
	if (req->allow.family != 4 && req->allow.family != 6)
		return SPA_ERR_ADDRESS;
	if (req->version > NATIVE_SIGNED_VERSION)
		return SPA_ERR_INVALID;
	writer_init(&w, out, NATIVE_PLAIN_LEN);
	if (writer_put_u8(&w, req->version ? req->version : NATIVE_VERSION) != 0 ||
	    writer_put_u64(&w, req->time) != 0 ||
	    writer_put_u8(&w, req->allow.family) != 0 ||
	    writer_put_bytes(&w, req->allow.bytes, SPA_ADDR_LEN) != 0 ||
	    writer_put_u8(&w, (uint8_t)len) != 0 ||
	    writer_put_bytes(&w, req->request, len) != 0 ||
	    writer_put_zeros(&w, SPA_REQUEST_MAX - len) != 0)
		return SPA_ERR_NOSPACE;
	return 0;
}

/* Step 5: the family byte agrees with the address form (family 4 mapped,
 * family 6 not), and a grant can mean the address. */
static int
native_allow_valid(uint8_t family, const uint8_t bytes[SPA_ADDR_LEN])
{
	struct spa_addr a;

	if (family == 4 && addr_bytes_are_mapped(bytes))
		addr_from_v4(&a, bytes + 12);
	else if (family == 6 && !addr_bytes_are_mapped(bytes))
		addr_from_v6(&a, bytes);
	else
		return 0;
	return addr_grantable(&a);
}

int
native_plaintext_decode(const uint8_t in[NATIVE_PLAIN_LEN],
    struct native_request *req)
{
	uint8_t version, family, reqlen, allow[SPA_ADDR_LEN];
	uint8_t request[SPA_REQUEST_MAX];
	struct reader r;

	reader_init(&r, in, NATIVE_PLAIN_LEN);
	if (reader_get_u8(&r, &version) != 0 ||
	    reader_get_u64(&r, &req->time) != 0 ||
	    reader_get_u8(&r, &family) != 0 ||
	    reader_get_bytes(&r, allow, sizeof(allow)) != 0 ||
	    reader_get_u8(&r, &reqlen) != 0 ||
	    reader_get_bytes(&r, request, sizeof(request)) != 0)
		return SPA_ERR_TRUNCATED;
	if ((version != NATIVE_VERSION && version != NATIVE_SIGNED_VERSION) ||
	    !native_allow_valid(family, allow) ||
	    !request_valid((const char *)request, reqlen))
		return SPA_ERR_INVALID;
	for (size_t i = reqlen; i < sizeof(request); i++)
		if (request[i] != 0)
			return SPA_ERR_INVALID;
	if (family == 4)
		addr_from_v4(&req->allow, allow + 12);
	else
		addr_from_v6(&req->allow, allow);
	memcpy(req->request, request, reqlen);
	req->request[reqlen] = '\0';
	req->version = version;
	return 0;
}

int
native_encode(const struct user_keys *keys, const struct native_request *req,
    const uint8_t nonce[NATIVE_NONCE_LEN], const struct spa_addr *server,
    uint16_t port, uint8_t out[NATIVE_LEN])
{
	uint8_t plain[NATIVE_PLAIN_LEN];
	int rc;

	if ((rc = native_plaintext_encode(req, plain)) != 0)
		return rc;
	native_locator(&keys->loc, req->time / NATIVE_EPOCH_SECONDS, out);
	memcpy(out + NATIVE_OFF_NONCE, nonce, NATIVE_NONCE_LEN);
	rc = cipher_ctr(&keys->enc, nonce, plain, sizeof(plain),
	    out + NATIVE_OFF_CIPHER);
	crypto_wipe(plain, sizeof(plain));
	if (rc != 0)
		return rc;
	native_tag(&keys->mac, out, server, port, out + NATIVE_OFF_TAG);
	return 0;
}
