#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
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

/* The bit offset where a's family's address starts in the 16 bytes. */
static unsigned
addr_first_bit(uint8_t family)
{
	return family == 4 ? 96 : 0;
}

/* 1 when the bits of b from bit on (of 128) are all zero. */
static int
addr_zero_after(const uint8_t b[SPA_ADDR_LEN], unsigned bit)
{
	for (; bit < 128; bit++)
		if (b[bit / 8] & (0x80u >> (bit % 8)))
			return 0;
	return 1;
}

int
addr_net_parse(const char *text, struct spa_net *out)
{
	char host[SPA_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t n = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned max, len = 0;
	const char *d;

	if (n == 0 || n >= sizeof(host))
		return SPA_ERR_ADDRESS;
	memcpy(host, text, n);
	host[n] = '\0';
	if (addr_parse(host, &out->addr) != 0)
		return SPA_ERR_ADDRESS;
	max = out->addr.family == 4 ? 32 : 128;
	if (slash == NULL) {
		out->prefix = (uint8_t)max;
		return 0;
	}
	d = slash + 1;
	if (*d == '\0' || strlen(d) > 3 || (d[0] == '0' && d[1] != '\0'))
		return SPA_ERR_ADDRESS;
	for (; *d != '\0'; d++) {
		if (*d < '0' || *d > '9')
			return SPA_ERR_ADDRESS;
		len = len * 10 + (unsigned)(*d - '0');
	}
	if (len > max || !addr_zero_after(out->addr.bytes,
	    addr_first_bit(out->addr.family) + len))
		return SPA_ERR_ADDRESS;
	out->prefix = (uint8_t)len;
	return 0;
}

int
addr_in_net(const struct spa_addr *a, const struct spa_net *n)
{
	unsigned bits = addr_first_bit(n->addr.family) + n->prefix;
	unsigned whole = bits / 8, rest = bits % 8;
	uint8_t mask = (uint8_t)(0xff00u >> rest);

	if (a->family != n->addr.family)
		return 0;
	if (memcmp(a->bytes, n->addr.bytes, whole) != 0)
		return 0;
	return rest == 0 ||
	    ((a->bytes[whole] ^ n->addr.bytes[whole]) & mask) == 0;
}

const char *
addr_net_format(const struct spa_net *n, char buf[SPA_ADDRSTRLEN + 4])
{
	char a[SPA_ADDRSTRLEN];

	snprintf(buf, SPA_ADDRSTRLEN + 4, "%s/%u", addr_format(&n->addr, a),
	    (unsigned)n->prefix);
	return buf;
}
