#include "addr.h"

#include <arpa/inet.h>
#include <string.h>

#include "err.h"

static const uint8_t mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

void
addr_from_v4(struct spa_addr *out, const uint8_t v4[4])
{
	out->family = 4;
	memcpy(out->bytes, mapped_prefix, sizeof(mapped_prefix));
	memcpy(out->bytes + 12, v4, 4);
}

void
addr_from_v6(struct spa_addr *out, const uint8_t v6[16])
{
	out->family = 6;
	memcpy(out->bytes, v6, SPA_ADDR_LEN);
}

int
addr_parse(const char *text, struct spa_addr *out)
{
	uint8_t raw[16];

	if (inet_pton(AF_INET, text, raw) == 1) {
		addr_from_v4(out, raw);
		return 0;
	}
	if (inet_pton(AF_INET6, text, raw) == 1) {
		addr_from_v6(out, raw);
		return 0;
	}
	return SPA_ERR_ADDRESS;
}

const char *
addr_format(const struct spa_addr *a, char buf[SPA_ADDRSTRLEN])
{
	const char *s;

	if (a->family == 4)
		s = inet_ntop(AF_INET, a->bytes + 12, buf, SPA_ADDRSTRLEN);
	else
		s = inet_ntop(AF_INET6, a->bytes, buf, SPA_ADDRSTRLEN);
	if (s == NULL)
		strcpy(buf, "?");
	return buf;
}

int
addr_bytes_are_mapped(const uint8_t bytes[SPA_ADDR_LEN])
{
	return memcmp(bytes, mapped_prefix, sizeof(mapped_prefix)) == 0;
}

int
addr_equal(const struct spa_addr *a, const struct spa_addr *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, SPA_ADDR_LEN) == 0;
}

int
addr_grantable(const struct spa_addr *a)
{
	static const uint8_t zero[SPA_ADDR_LEN];
	const uint8_t *v4 = a->bytes + 12;

	if (a->family == 4)
		return !(memcmp(v4, zero, 4) == 0 || v4[0] == 127 ||
		    (v4[0] & 0xf0) == 224 ||
		    memcmp(v4, "\xff\xff\xff\xff", 4) == 0);
	if (memcmp(a->bytes, zero, 15) == 0)
		return a->bytes[15] > 1;      /* :: and ::1 */
	return a->bytes[0] != 0xff;
}
