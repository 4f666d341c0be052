#include "privmsg.h"

#include <string.h>

#include "err.h"

/* An address whose 16 bytes say what its family says. */
static int
privmsg_addr_valid(uint32_t family, const uint8_t bytes[SPA_ADDR_LEN])
{
	if (family == 4)
		return addr_bytes_are_mapped(bytes);
	return family == 6 && !addr_bytes_are_mapped(bytes);
}

/* Exact length, then the type word: nothing else is read before both. */
static int
privmsg_shape(const void *buf, size_t len, size_t want, uint32_t type)
{
	uint32_t t;

	if (len != want)
		return SPA_ERR_TRUNCATED;
	memcpy(&t, buf, sizeof(t));
	return t == type ? 0 : SPA_ERR_INVALID;
}

int
privmsg_grant_decode(const void *buf, size_t len, struct privmsg_grant *out)
{
	static const uint8_t zero[SPA_MAC_LEN];
	int rc = privmsg_shape(buf, len, sizeof(*out), PRIVMSG_GRANT);

	if (rc != 0)
		return rc;
	memcpy(out, buf, sizeof(*out));
	if (!privmsg_addr_valid(out->family, out->addr) ||
	    memcmp(out->tag, zero, sizeof(zero)) == 0)
		return SPA_ERR_INVALID;
	return 0;
}

int
privmsg_answer_decode(const void *buf, size_t len, struct privmsg_answer *out)
{
	int rc = privmsg_shape(buf, len, sizeof(*out), PRIVMSG_ANSWER);

	if (rc != 0)
		return rc;
	memcpy(out, buf, sizeof(*out));
	return out->result <= PRIVMSG_UNAVAILABLE ? 0 : SPA_ERR_INVALID;
}

int
privmsg_addrs_decode(const void *buf, size_t len, struct privmsg_addrs *out)
{
	int rc = privmsg_shape(buf, len, sizeof(*out), PRIVMSG_ADDRS);

	if (rc != 0)
		return rc;
	memcpy(out, buf, sizeof(*out));
	if (out->count > PRIVMSG_ADDRS_CHUNK || out->more > 1 ||
	    out->reserved != 0)
		return SPA_ERR_INVALID;
	for (uint32_t i = 0; i < out->count; i++)
		if (!privmsg_addr_valid(out->addr[i].family,
		    out->addr[i].bytes))
			return SPA_ERR_INVALID;
	return 0;
}

int
privmsg_counts_decode(const void *buf, size_t len, struct privmsg_counts *out)
{
	int rc = privmsg_shape(buf, len, sizeof(*out), PRIVMSG_COUNTS);

	if (rc != 0)
		return rc;
	memcpy(out, buf, sizeof(*out));
	if (out->nverdicts > PRIVMSG_VERDICTS)
		return SPA_ERR_INVALID;
	for (uint32_t i = out->nverdicts; i < PRIVMSG_VERDICTS; i++)
		if (out->verdicts[i] != 0)
			return SPA_ERR_INVALID;
	return 0;
}
