#include "payload.h"

#include <string.h>

#include "err.h"
#include "request.h"
#include "userkey.h"

/* The native request of in; SPA_ERR_INVALID for a negative time. */
static int
payload_request(const struct payload_input *in, struct native_request *req)
{
	if (in->time < 0)
		return SPA_ERR_INVALID;
	memset(req, 0, sizeof(*req));
	req->time = (uint64_t)in->time;
	req->allow = in->allow;
	/* native_encode validates the text; only the copy is bounded here. */
	if (strlen(in->request) > SPA_REQUEST_MAX)
		return SPA_ERR_REQUEST;
	memcpy(req->request, in->request, strlen(in->request) + 1);
	return 0;
}

/* Native, or signed when in->format says so (doc/protocol.md "Signed
 * format": the same packet with version 2, then the signature). */
static int
payload_native(const struct payload_input *in, uint8_t out[PAYLOAD_MAX])
{
	struct native_request req;
	struct user_keys keys;
	int rc;

	if (in->format == PAYLOAD_SIGNED && in->seed == NULL)
		return SPA_ERR_INVALID;
	if ((rc = payload_request(in, &req)) != 0)
		return rc;
	rc = user_keys_derive(in->secret, &keys);
	if (rc != 0)
		return rc;
	if (in->format == PAYLOAD_SIGNED)
		rc = signed_encode(&keys, in->seed, &req, in->nonce, &in->dst,
		    in->dport, out);
	else
		rc = native_encode(&keys, &req, in->nonce, &in->dst, in->dport,
		    out);
	user_keys_clear(&keys);
	return rc;
}

static int
payload_classic(const struct payload_input *in, uint8_t out[PAYLOAD_MAX])
{
	struct mac_key key;
	int rc;

	/* The paper keys HMAC with the secret itself (doc/protocol.md "Keys"). */
	mac_key_init(&key, in->secret, SPA_SECRET_LEN);
	rc = classic_encode(&key, &in->dst, &in->src, in->dport, in->sport,
	    in->request, in->time, out);
	mac_key_wipe(&key);
	return rc;
}

int
payload_build(const struct payload_input *in, uint8_t out[PAYLOAD_MAX],
    size_t *len)
{
	int rc;

	if (in->format == PAYLOAD_CLASSIC) {
		rc = payload_classic(in, out);
		*len = CLASSIC_LEN;
	} else {
		rc = payload_native(in, out);
		*len = in->format == PAYLOAD_SIGNED ? SIGNED_LEN : NATIVE_LEN;
	}
	if (rc != 0)
		*len = 0;
	return rc;
}

const uint8_t *
payload_tag(enum payload_format format, const uint8_t payload[PAYLOAD_MAX])
{
	if (format == PAYLOAD_CLASSIC)
		return payload + CLASSIC_MARKER_LEN;
	return payload + NATIVE_OFF_TAG;
}

const char *
payload_format_name(enum payload_format format)
{
	if (format == PAYLOAD_SIGNED)
		return "signed";
	return format == PAYLOAD_CLASSIC ? "classic" : "native";
}
