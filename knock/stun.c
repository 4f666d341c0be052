#include "stun.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "decimal.h"
#include "err.h"
#include "sockaddr.h"

/* RFC 8489 section 5: message types (method Binding, 0x001). */
#define STUN_BINDING_REQUEST 0x0001
#define STUN_BINDING_SUCCESS 0x0101
#define STUN_BINDING_ERROR 0x0111
/* Section 18.3 (and the RFC 3489 / RFC 5780 ones still seen). */
#define STUN_ATTR_MAPPED 0x0001
#define STUN_ATTR_INTEGRITY 0x0008
#define STUN_ATTR_ERROR_CODE 0x0009
#define STUN_ATTR_INTEGRITY_SHA256 0x001C
#define STUN_ATTR_XOR_MAPPED 0x0020
#define STUN_ATTR_FINGERPRINT 0x8028
#define STUN_FINGERPRINT_XOR 0x5354554eu
#define STUN_FAMILY_V4 0x01
#define STUN_FAMILY_V6 0x02
/* A datagram longer than this is nobody's Binding response. */
#define STUN_DATAGRAM_MAX 1500

/* Comprehension-required attributes we know and ignore: none of them
 * changes the mapped address (section 18.3; RFC 5780; RFC 3489's). */
static const uint16_t stun_known_required[] = {
	0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008,
	0x0009, 0x000A, 0x000B, 0x0014, 0x0015, 0x001C, 0x001D, 0x001E,
	0x0020, 0x0026, 0x0027,
};

/* What the attribute walk collected. */
struct stun_attrs {
	struct spa_addr xor_addr, plain_addr;
	uint16_t xor_port, plain_port;
	int have_xor, have_plain, have_error, after_integrity, after_fingerprint;
};

int
stun_server_parse(const char *text, struct stun_server *out)
{
	struct spa_addr a;
	const char *colon, *port = NULL;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->port = STUN_DEFAULT_PORT;
	if (text[0] == '[') {           /* [IPV6] or [IPV6]:PORT */
		const char *close = strchr(text, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return SPA_ERR_INVALID;
		n = (size_t)(close - text - 1);
		if (close[1] == ':')
			port = close + 2;
		if (n == 0 || n > RESOLVE_NAME_MAX)
			return SPA_ERR_INVALID;
		memcpy(out->host, text + 1, n);
		if (addr_parse(out->host, &a) != 0 || a.family != 6)
			return SPA_ERR_INVALID;
	} else if ((colon = strchr(text, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {   /* HOST:PORT */
		n = (size_t)(colon - text);
		port = colon + 1;
		if (n == 0 || n > RESOLVE_NAME_MAX)
			return SPA_ERR_INVALID;
		memcpy(out->host, text, n);
	} else {                        /* HOST, or a bare IPv6 address */
		if ((n = strlen(text)) == 0 || n > RESOLVE_NAME_MAX)
			return SPA_ERR_INVALID;
		memcpy(out->host, text, n);
	}
	if (port != NULL && decimal_port(port, &out->port) != 0)
		return SPA_ERR_INVALID;
	if (addr_parse(out->host, &a) != 0 && !resolve_is_name(out->host))
		return SPA_ERR_INVALID;
	return 0;
}

void
stun_request(const uint8_t txid[STUN_TXID_LEN], uint8_t out[STUN_HEADER_LEN])
{
	static const uint8_t cookie[4] = { 0x21, 0x12, 0xA4, 0x42 };
	struct writer w;

	/* 20 bytes into 20: none of these can fail. */
	writer_init(&w, out, STUN_HEADER_LEN);
	(void)writer_put_u16(&w, STUN_BINDING_REQUEST);
	(void)writer_put_u16(&w, 0);            /* no attributes */
	(void)writer_put_bytes(&w, cookie, sizeof(cookie));
	(void)writer_put_bytes(&w, txid, STUN_TXID_LEN);
}

/* CRC-32 of ISO-HDLC (as zlib computes it), for FINGERPRINT. */
static uint32_t
stun_crc32(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu;

	while (n-- > 0) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* MAPPED-ADDRESS or XOR-MAPPED-ADDRESS (sections 14.1, 14.2): a reserved
 * byte, the family, the port, 4 or 16 address bytes, nothing else. */
static int
stun_address(struct reader *v, int xored, const uint8_t txid[STUN_TXID_LEN],
    struct spa_addr *addr, uint16_t *port)
{
	/* The XOR mask: the magic cookie, then the transaction id. */
	uint8_t mask[16] = { 0x21, 0x12, 0xA4, 0x42 }, bytes[16];
	uint8_t reserved, family;
	size_t n, i;

	memcpy(mask + 4, txid, STUN_TXID_LEN);
	if (reader_get_u8(v, &reserved) != 0 || reader_get_u8(v, &family) != 0 ||
	    reader_get_u16(v, port) != 0)
		return SPA_ERR_TRUNCATED;
	if (family != STUN_FAMILY_V4 && family != STUN_FAMILY_V6)
		return SPA_ERR_INVALID;
	n = family == STUN_FAMILY_V4 ? 4 : 16;
	if (reader_left(v) != n)
		return reader_left(v) < n ? SPA_ERR_TRUNCATED : SPA_ERR_INVALID;
	(void)reader_get_bytes(v, bytes, n);
	if (xored) {
		*port ^= 0x2112;
		for (i = 0; i < n; i++)
			bytes[i] ^= mask[i];
	}
	if (n == 4)
		addr_from_v4(addr, bytes);
	else
		addr_from_v6(addr, bytes);
	/* ::ffff:a.b.c.d in an IPv6 attribute is nobody's public address. */
	if (n == 16 && addr_bytes_are_mapped(addr->bytes))
		return SPA_ERR_INVALID;
	return 0;
}

/* ERROR-CODE (section 14.8): 21 reserved bits, the class (3..6), the
 * number (0..99), then a UTF-8 reason phrase, kept as printable ASCII. */
static int
stun_error_code(struct reader *v, struct stun_answer *a)
{
	uint16_t reserved;
	uint8_t cls, number, ch;
	size_t i = 0;

	if (reader_get_u16(v, &reserved) != 0 || reader_get_u8(v, &cls) != 0 ||
	    reader_get_u8(v, &number) != 0)
		return SPA_ERR_TRUNCATED;
	cls &= 0x07;
	if (cls < 3 || cls > 6 || number > 99 || reader_left(v) > 763)
		return SPA_ERR_INVALID;
	a->error_code = cls * 100u + number;
	while (reader_get_u8(v, &ch) == 0 && i < STUN_REASON_MAX)
		a->reason[i++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	a->reason[i] = '\0';
	return 0;
}

static int
stun_required_known(uint16_t type)
{
	for (size_t i = 0; i < sizeof(stun_known_required) /
	    sizeof(stun_known_required[0]); i++)
		if (stun_known_required[i] == type)
			return 1;
	return 0;
}

/* One attribute of type at, value v, at offset start of msg. */
static int
stun_attribute(uint16_t at, struct reader *v, const uint8_t *msg,
    size_t start, const uint8_t txid[STUN_TXID_LEN], struct stun_attrs *s,
    struct stun_answer *a)
{
	uint32_t fingerprint;
	int rc = 0;

	if (s->after_fingerprint)       /* FINGERPRINT comes last */
		return SPA_ERR_INVALID;
	if (at == STUN_ATTR_FINGERPRINT) {
		if (reader_get_u32(v, &fingerprint) != 0 || reader_left(v) != 0)
			return SPA_ERR_INVALID;
		if ((stun_crc32(msg, start) ^ STUN_FINGERPRINT_XOR) != fingerprint)
			return SPA_ERR_INVALID;
		s->after_fingerprint = 1;
		return 0;
	}
	/* Only FINGERPRINT and the SHA-256 integrity follow MESSAGE-INTEGRITY;
	 * anything else after it is ignored (section 14.5). */
	if (s->after_integrity)
		return 0;
	switch (at) {
	case STUN_ATTR_XOR_MAPPED:
		if (!s->have_xor && (rc = stun_address(v, 1, txid, &s->xor_addr,
		    &s->xor_port)) == 0)
			s->have_xor = 1;
		return rc;
	case STUN_ATTR_MAPPED:
		if (!s->have_plain && (rc = stun_address(v, 0, txid,
		    &s->plain_addr, &s->plain_port)) == 0)
			s->have_plain = 1;
		return rc;
	case STUN_ATTR_ERROR_CODE:
		if (!s->have_error && (rc = stun_error_code(v, a)) == 0)
			s->have_error = 1;
		return rc;
	case STUN_ATTR_INTEGRITY:
	case STUN_ATTR_INTEGRITY_SHA256:
		s->after_integrity = 1;
		return 0;
	}
	if (at < 0x8000 && !stun_required_known(at)) {
		a->bad_attr = at;
		return SPA_ERR_INVALID;
	}
	return 0;       /* comprehension-optional: skipped */
}

/* The header (section 5): type, length, magic cookie, transaction id. */
static int
stun_header(struct reader *r, const uint8_t txid[STUN_TXID_LEN],
    uint16_t *type)
{
	uint16_t len;
	uint32_t cookie;
	uint8_t id[STUN_TXID_LEN];

	if (reader_get_u16(r, type) != 0 || reader_get_u16(r, &len) != 0 ||
	    reader_get_u32(r, &cookie) != 0 ||
	    reader_get_bytes(r, id, sizeof(id)) != 0)
		return SPA_ERR_TRUNCATED;
	if ((*type != STUN_BINDING_SUCCESS && *type != STUN_BINDING_ERROR) ||
	    cookie != STUN_MAGIC || memcmp(id, txid, STUN_TXID_LEN) != 0)
		return SPA_ERR_MISMATCH;
	if (len % 4 != 0)
		return SPA_ERR_INVALID;
	if (reader_left(r) < len)
		return SPA_ERR_TRUNCATED;
	return reader_left(r) > len ? SPA_ERR_INVALID : 0;
}

int
stun_parse(const uint8_t *msg, size_t len, const uint8_t txid[STUN_TXID_LEN],
    struct stun_answer *a)
{
	struct stun_attrs s;
	struct reader r, v;
	uint16_t type, at, alen;
	size_t start;
	int rc;

	memset(a, 0, sizeof(*a));
	memset(&s, 0, sizeof(s));
	reader_init(&r, msg, len);
	if ((rc = stun_header(&r, txid, &type)) != 0)
		return rc;
	while (reader_left(&r) > 0) {
		start = len - reader_left(&r);
		/* Type, length, the value, padding to a multiple of 4. */
		if (reader_get_u16(&r, &at) != 0 || reader_get_u16(&r, &alen) != 0 ||
		    reader_sub(&r, alen, &v) != 0 ||
		    reader_skip(&r, (4 - alen % 4) % 4) != 0)
			return SPA_ERR_TRUNCATED;
		if ((rc = stun_attribute(at, &v, msg, start, txid, &s, a)) != 0)
			return rc;
	}
	if (type == STUN_BINDING_ERROR)
		return s.have_error ? SPA_ERR_REFUSED : SPA_ERR_INVALID;
	a->error_code = 0;
	a->reason[0] = '\0';
	if (s.have_xor) {
		a->mapped = s.xor_addr;
		a->mapped_port = s.xor_port;
		a->from_xor = 1;
		return 0;
	}
	if (s.have_plain) {
		a->mapped = s.plain_addr;
		a->mapped_port = s.plain_port;
		return 0;
	}
	return SPA_ERR_ADDRESS;
}

/* 1 when from is the server's address and port. */
static int
stun_from_server(const struct sockaddr_storage *from, socklen_t fromlen,
    const struct spa_addr *server, uint16_t port)
{
	struct spa_addr a;
	uint16_t p;

	return sockaddr_to_addr((const struct sockaddr *)from, fromlen, &a,
	    &p) == 0 && p == port && addr_equal(&a, server);
}

static int64_t
stun_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads datagrams until one answers txid or deadline passes.  Returns what
 * stun_parse returned for an answer (0, SPA_ERR_REFUSED, SPA_ERR_ADDRESS),
 * SPA_ERR_TIMEOUT, or SPA_ERR_SYSTEM. */
static int
stun_wait(int fd, const struct spa_addr *server, uint16_t port,
    int64_t deadline, const uint8_t txid[STUN_TXID_LEN],
    struct stun_answer *a)
{
	uint8_t buf[STUN_DATAGRAM_MAX];
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct stun_answer got;
	int64_t left;
	ssize_t n;
	int rc;

	while ((left = deadline - stun_now_ms()) > 0) {
		if ((rc = poll(&pfd, 1, (int)left)) < 0 && errno != EINTR)
			return SPA_ERR_SYSTEM;
		if (rc <= 0)
			continue;
		memset(&got, 0, sizeof(got));
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
		    (struct sockaddr *)&from, &fromlen);
		if (n < 0 && errno == ECONNREFUSED) {
			a->port_unreachable = 1;        /* ICMP: maybe forged */
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			continue;
		if (n < 0)
			return SPA_ERR_SYSTEM;
		if (!stun_from_server(&from, fromlen, server, port))
			rc = SPA_ERR_MISMATCH;
		else if ((size_t)n > sizeof(buf))
			rc = SPA_ERR_INVALID;
		else
			rc = stun_parse(buf, (size_t)n, txid, &got);
		if (rc == 0 || rc == SPA_ERR_REFUSED || rc == SPA_ERR_ADDRESS) {
			a->mapped = got.mapped;
			a->mapped_port = got.mapped_port;
			a->from_xor = got.from_xor;
			a->error_code = got.error_code;
			memcpy(a->reason, got.reason, sizeof(a->reason));
			return rc;
		}
		a->ignored++;
		a->last_ignored = rc;
		if (rc == SPA_ERR_INVALID && got.bad_attr != 0)
			a->bad_attr = got.bad_attr;
	}
	return SPA_ERR_TIMEOUT;
}

/* Sends the request; an ICMP error of an earlier one pending on the socket
 * is taken as a note, not a failure. */
static int
stun_send(int fd, const uint8_t req[STUN_HEADER_LEN], struct stun_answer *a)
{
	for (int tries = 0; tries < 2; tries++) {
		if (send(fd, req, STUN_HEADER_LEN, 0) == STUN_HEADER_LEN) {
			a->sent++;
			return 0;
		}
		if (errno != ECONNREFUSED)
			return SPA_ERR_SYSTEM;
		a->port_unreachable = 1;
	}
	return 0;
}

int
stun_query(const struct spa_addr *server, uint16_t port,
    const struct stun_timing *t, struct stun_answer *a)
{
	static const struct stun_timing defaults = { STUN_RTO_MS, STUN_SENDS };
	struct sockaddr_storage ss;
	socklen_t sslen = sockaddr_from_addr(server, port, &ss);
	uint8_t txid[STUN_TXID_LEN], req[STUN_HEADER_LEN];
	unsigned wait, i;
	int fd, rc = SPA_ERR_TIMEOUT, saved;

	memset(a, 0, sizeof(*a));
	if (t == NULL)
		t = &defaults;
	if (t->rto_ms < 1 || t->rto_ms > 10000 || t->sends < 1 || t->sends > 8)
		return SPA_ERR_INVALID;
	if (crypto_random(txid, sizeof(txid)) != 0)
		return SPA_ERR_CRYPTO;
	stun_request(txid, req);
	/* Connected: the kernel already drops other sources' datagrams. */
	if ((fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return SPA_ERR_SYSTEM;
	if (connect(fd, (struct sockaddr *)&ss, sslen) != 0) {
		rc = SPA_ERR_SYSTEM;
		goto out;
	}
	for (i = 0, wait = t->rto_ms; i < t->sends; i++, wait *= 2) {
		/* The same transaction id each time (section 6.2.1). */
		if ((rc = stun_send(fd, req, a)) != 0)
			break;
		rc = stun_wait(fd, server, port, stun_now_ms() + wait, txid, a);
		if (rc != SPA_ERR_TIMEOUT)
			break;
	}
out:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}
