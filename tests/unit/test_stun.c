/*
 * knock/stun.c: the Binding request, the response parser on RFC 5769's
 * sample responses and on hand-built ones (every truncation, lengths that
 * lie, other transactions, error responses, unknown attributes), --stun's
 * HOST[:PORT], and real exchanges over loopback with a responder thread
 * that drops the first request, answers with an error, or never answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "err.h"
#include "stun.h"

/* RFC 5769 section 2.2: a sample IPv4 Binding success response
 * (SOFTWARE, XOR-MAPPED-ADDRESS 192.0.2.1:32853, MESSAGE-INTEGRITY,
 * FINGERPRINT). */
static const uint8_t rfc5769_v4[] = {
	0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
	0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20,
	0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
	0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3,
	0x8c, 0x74, 0x89, 0xf9, 0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7,
	0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* Section 2.3: the IPv6 one (2001:db8:1234:5678:11:2233:4455:6677, port
 * 32853). */
static const uint8_t rfc5769_v6[] = {
	0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42,
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
	0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20,
	0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47,
	0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79,
	0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9,
	0x00, 0x08, 0x00, 0x14, 0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1,
	0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75, 0xbf, 0xe3, 0xed, 0x41,
	0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

static const uint8_t rfc5769_txid[STUN_TXID_LEN] = {
	0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae,
};

/* A message being built by hand: header, then attributes. */
struct msg {
	uint8_t b[512];
	size_t len;
};

static void
msg_put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->len + n <= sizeof(m->b));
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void
msg_u16(struct msg *m, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	msg_put(m, b, 2);
}

/* The header's length field follows the attributes added. */
static void
msg_fix_len(struct msg *m)
{
	m->b[2] = (uint8_t)((m->len - STUN_HEADER_LEN) >> 8);
	m->b[3] = (uint8_t)(m->len - STUN_HEADER_LEN);
}

static void
msg_begin(struct msg *m, uint16_t type, const uint8_t txid[STUN_TXID_LEN])
{
	static const uint8_t cookie[4] = { 0x21, 0x12, 0xa4, 0x42 };

	m->len = 0;
	msg_u16(m, type);
	msg_u16(m, 0);
	msg_put(m, cookie, 4);
	msg_put(m, txid, STUN_TXID_LEN);
}

/* An attribute with its padding (zeros). */
static void
msg_attr(struct msg *m, uint16_t type, const void *value, size_t n)
{
	static const uint8_t zeros[3];

	msg_u16(m, type);
	msg_u16(m, (uint16_t)n);
	msg_put(m, value, n);
	msg_put(m, zeros, (4 - n % 4) % 4);
	msg_fix_len(m);
}

/* (XOR-)MAPPED-ADDRESS of addr:port. */
static void
msg_address(struct msg *m, uint16_t type, const char *addr, uint16_t port,
    const uint8_t txid[STUN_TXID_LEN])
{
	uint8_t v[20] = { 0 }, mask[16] = { 0x21, 0x12, 0xa4, 0x42 };
	struct spa_addr a;
	size_t n;

	memcpy(mask + 4, txid, STUN_TXID_LEN);
	assert_int_equal(addr_parse(addr, &a), 0);
	n = a.family == 4 ? 4 : 16;
	v[1] = a.family == 4 ? 1 : 2;
	if (type == 0x0020)
		port ^= 0x2112;
	v[2] = (uint8_t)(port >> 8);
	v[3] = (uint8_t)port;
	memcpy(v + 4, a.family == 4 ? a.bytes + 12 : a.bytes, n);
	for (size_t i = 0; type == 0x0020 && i < n; i++)
		v[4 + i] ^= mask[i];
	msg_attr(m, type, v, 4 + n);
}

static const uint8_t txid1[STUN_TXID_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
};

static void
expect_mapped(const uint8_t *b, size_t n, const uint8_t *txid,
    const char *addr, uint16_t port, int from_xor)
{
	struct stun_answer a;
	char text[SPA_ADDRSTRLEN];

	assert_int_equal(stun_parse(b, n, txid, &a), 0);
	assert_string_equal(addr_format(&a.mapped, text), addr);
	assert_int_equal(a.mapped_port, port);
	assert_int_equal(a.from_xor, from_xor);
}

static void
test_request(void **state)
{
	uint8_t req[STUN_HEADER_LEN];
	static const uint8_t want[STUN_HEADER_LEN] = {
		0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42,
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	};

	(void)state;
	stun_request(txid1, req);
	assert_memory_equal(req, want, sizeof(want));
}

static void
test_rfc5769(void **state)
{
	(void)state;
	expect_mapped(rfc5769_v4, sizeof(rfc5769_v4), rfc5769_txid,
	    "192.0.2.1", 32853, 1);
	expect_mapped(rfc5769_v6, sizeof(rfc5769_v6), rfc5769_txid,
	    "2001:db8:1234:5678:11:2233:4455:6677", 32853, 1);
}

/* Every prefix of a good answer is refused as truncated. */
static void
test_truncated_everywhere(void **state)
{
	struct stun_answer a;
	struct msg m;

	(void)state;
	for (size_t n = 0; n < sizeof(rfc5769_v4); n++)
		assert_int_equal(stun_parse(rfc5769_v4, n, rfc5769_txid, &a),
		    SPA_ERR_TRUNCATED);
	for (size_t n = 0; n < sizeof(rfc5769_v6); n++)
		assert_int_equal(stun_parse(rfc5769_v6, n, rfc5769_txid, &a),
		    SPA_ERR_TRUNCATED);
	msg_begin(&m, 0x0111, txid1);
	msg_attr(&m, 0x0009, "\0\0\x04\x01Unauthorized", 16);
	for (size_t n = 0; n < m.len; n++)
		assert_int_equal(stun_parse(m.b, n, txid1, &a),
		    SPA_ERR_TRUNCATED);
}

static void
test_xor_preferred(void **state)
{
	struct msg m;

	(void)state;
	/* MAPPED first, XOR second: XOR wins. */
	msg_begin(&m, 0x0101, txid1);
	msg_address(&m, 0x0001, "192.0.2.9", 1111, txid1);
	msg_address(&m, 0x0020, "203.0.113.7", 40001, txid1);
	expect_mapped(m.b, m.len, txid1, "203.0.113.7", 40001, 1);
	/* IPv6 through XOR, with the transaction id in the mask. */
	msg_begin(&m, 0x0101, txid1);
	msg_address(&m, 0x0020, "2001:db8::7", 3478, txid1);
	expect_mapped(m.b, m.len, txid1, "2001:db8::7", 3478, 1);
	/* The first of two XOR-MAPPED-ADDRESS counts. */
	msg_begin(&m, 0x0101, txid1);
	msg_address(&m, 0x0020, "203.0.113.7", 40001, txid1);
	msg_address(&m, 0x0020, "203.0.113.8", 40002, txid1);
	expect_mapped(m.b, m.len, txid1, "203.0.113.7", 40001, 1);
}

static void
test_mapped_fallback(void **state)
{
	struct msg m;

	(void)state;
	msg_begin(&m, 0x0101, txid1);
	msg_attr(&m, 0x8022, "lab", 3);         /* SOFTWARE, padded */
	msg_address(&m, 0x0001, "198.51.100.20", 5000, txid1);
	expect_mapped(m.b, m.len, txid1, "198.51.100.20", 5000, 0);
	msg_begin(&m, 0x0101, txid1);
	msg_address(&m, 0x0001, "2001:db8::20", 5000, txid1);
	expect_mapped(m.b, m.len, txid1, "2001:db8::20", 5000, 0);
}

static void
test_not_ours(void **state)
{
	uint8_t b[sizeof(rfc5769_v4)], other[STUN_TXID_LEN];
	struct stun_answer a;

	(void)state;
	/* Another transaction id. */
	memcpy(other, rfc5769_txid, sizeof(other));
	other[11] ^= 1;
	assert_int_equal(stun_parse(rfc5769_v4, sizeof(rfc5769_v4), other, &a),
	    SPA_ERR_MISMATCH);
	/* Another magic cookie (an RFC 3489 server's answer, say). */
	memcpy(b, rfc5769_v4, sizeof(b));
	b[4] ^= 0x80;
	assert_int_equal(stun_parse(b, sizeof(b), rfc5769_txid, &a),
	    SPA_ERR_MISMATCH);
	/* A request, an indication, another method. */
	memcpy(b, rfc5769_v4, sizeof(b));
	b[1] = 0x01, b[0] = 0x00;
	assert_int_equal(stun_parse(b, sizeof(b), rfc5769_txid, &a),
	    SPA_ERR_MISMATCH);
	b[1] = 0x11;
	assert_int_equal(stun_parse(b, sizeof(b), rfc5769_txid, &a),
	    SPA_ERR_MISMATCH);
	b[0] = 0x01, b[1] = 0x03;               /* Allocate success (TURN) */
	assert_int_equal(stun_parse(b, sizeof(b), rfc5769_txid, &a),
	    SPA_ERR_MISMATCH);
	b[0] = 0x41, b[1] = 0x01;               /* top bits not zero */
	assert_int_equal(stun_parse(b, sizeof(b), rfc5769_txid, &a),
	    SPA_ERR_MISMATCH);
}

static void
test_lengths_lie(void **state)
{
	uint8_t b[sizeof(rfc5769_v4) + 4];
	struct stun_answer a;
	struct msg m;

	(void)state;
	/* Trailing bytes after what the header says. */
	memcpy(b, rfc5769_v4, sizeof(rfc5769_v4));
	memset(b + sizeof(rfc5769_v4), 0, 4);
	assert_int_equal(stun_parse(b, sizeof(b), rfc5769_txid, &a),
	    SPA_ERR_INVALID);
	/* A length that is not a multiple of 4. */
	memcpy(b, rfc5769_v4, sizeof(rfc5769_v4));
	b[3] = 0x3b;
	assert_int_equal(stun_parse(b, sizeof(rfc5769_v4) - 1, rfc5769_txid,
	    &a), SPA_ERR_INVALID);
	/* An attribute longer than the message: at its end, and in the
	 * middle (the SOFTWARE of the sample, said to be 0xffff long). */
	msg_begin(&m, 0x0101, txid1);
	msg_address(&m, 0x0020, "203.0.113.7", 40001, txid1);
	m.b[m.len - 10] = 0x00, m.b[m.len - 9] = 0x0c;
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_TRUNCATED);
	memcpy(b, rfc5769_v4, sizeof(rfc5769_v4));
	b[22] = 0xff, b[23] = 0xff;
	assert_int_equal(stun_parse(b, sizeof(rfc5769_v4), rfc5769_txid, &a),
	    SPA_ERR_TRUNCATED);
	/* A value of 7 with its padding fits; one of 9 does not. */
	msg_begin(&m, 0x0101, txid1);
	msg_address(&m, 0x0020, "203.0.113.7", 40001, txid1);
	msg_attr(&m, 0x8022, "abcdefgh", 8);
	m.b[m.len - 10] = 0x00, m.b[m.len - 9] = 0x07;
	expect_mapped(m.b, m.len, txid1, "203.0.113.7", 40001, 1);
	m.b[m.len - 9] = 0x09;
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_TRUNCATED);
	/* An address attribute of the wrong size for its family. */
	msg_begin(&m, 0x0101, txid1);
	msg_attr(&m, 0x0020, "\0\x01\x00\x01\x01\x02\x03\x04\x05\x06\x07\x08",
	    12);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_INVALID);
	msg_begin(&m, 0x0101, txid1);
	msg_attr(&m, 0x0020, "\0\x02\x00\x01\x01\x02\x03\x04", 8);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_TRUNCATED);
	/* An unknown family. */
	msg_begin(&m, 0x0101, txid1);
	msg_attr(&m, 0x0020, "\0\x03\x00\x01\x01\x02\x03\x04", 8);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_INVALID);
	/* An IPv4-mapped IPv6 address is nobody's public address. */
	msg_begin(&m, 0x0101, txid1);
	msg_address(&m, 0x0001, "::ffff:192.0.2.1", 1, txid1);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_INVALID);
}

static void
test_error_response(void **state)
{
	struct stun_answer a;
	struct msg m;

	(void)state;
	msg_begin(&m, 0x0111, txid1);
	msg_attr(&m, 0x0009, "\0\0\x04\x01Unauthorized", 16);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_REFUSED);
	assert_int_equal(a.error_code, 401);
	assert_string_equal(a.reason, "Unauthorized");
	/* The reason phrase is kept printable. */
	msg_begin(&m, 0x0111, txid1);
	msg_attr(&m, 0x0009, "\0\0\x03\x00Try\n\x1b[31m", 13);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_REFUSED);
	assert_int_equal(a.error_code, 300);
	assert_string_equal(a.reason, "Try??[31m");
	/* No ERROR-CODE, a class outside 3..6, a number above 99. */
	msg_begin(&m, 0x0111, txid1);
	msg_attr(&m, 0x8022, "x", 1);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_INVALID);
	msg_begin(&m, 0x0111, txid1);
	msg_attr(&m, 0x0009, "\0\0\x02\x00", 4);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_INVALID);
	msg_begin(&m, 0x0111, txid1);
	msg_attr(&m, 0x0009, "\0\0\x04\x64", 4);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_INVALID);
	msg_begin(&m, 0x0111, txid1);
	msg_attr(&m, 0x0009, "\0\0\x04", 3);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_TRUNCATED);
}

static void
test_attributes(void **state)
{
	uint8_t b[sizeof(rfc5769_v4)];
	struct stun_answer a;
	struct msg m;

	(void)state;
	/* Unknown comprehension-optional: skipped; -required: refused. */
	msg_begin(&m, 0x0101, txid1);
	msg_attr(&m, 0x8055, "opt", 3);
	msg_address(&m, 0x0020, "203.0.113.7", 40001, txid1);
	expect_mapped(m.b, m.len, txid1, "203.0.113.7", 40001, 1);
	msg_attr(&m, 0x0030, "req", 3);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_INVALID);
	assert_int_equal(a.bad_attr, 0x0030);
	/* Known ones (RFC 5780's RESPONSE-ORIGIN is optional, USERNAME
	 * required) pass. */
	msg_begin(&m, 0x0101, txid1);
	msg_attr(&m, 0x0006, "user", 4);
	msg_attr(&m, 0x802b, "\0\x01\x0d\x96\xcb\x00\x71\x03", 8);
	msg_address(&m, 0x0020, "203.0.113.7", 40001, txid1);
	expect_mapped(m.b, m.len, txid1, "203.0.113.7", 40001, 1);
	/* No address at all. */
	msg_begin(&m, 0x0101, txid1);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_ADDRESS);
	msg_attr(&m, 0x8022, "lab", 3);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_ADDRESS);
	/* After MESSAGE-INTEGRITY, an address is ignored. */
	msg_begin(&m, 0x0101, txid1);
	msg_attr(&m, 0x0008, "01234567890123456789", 20);
	msg_address(&m, 0x0020, "203.0.113.7", 40001, txid1);
	assert_int_equal(stun_parse(m.b, m.len, txid1, &a), SPA_ERR_ADDRESS);
	/* A FINGERPRINT that does not match, and anything after one. */
	memcpy(b, rfc5769_v4, sizeof(b));
	b[sizeof(b) - 1] ^= 1;
	assert_int_equal(stun_parse(b, sizeof(b), rfc5769_txid, &a),
	    SPA_ERR_INVALID);
	memcpy(m.b, rfc5769_v4, sizeof(rfc5769_v4));
	m.len = sizeof(rfc5769_v4);
	msg_attr(&m, 0x8022, "late", 4);
	assert_int_equal(stun_parse(m.b, m.len, rfc5769_txid, &a),
	    SPA_ERR_INVALID);
}

static void
expect_server(const char *text, const char *host, uint16_t port)
{
	struct stun_server s;

	assert_int_equal(stun_server_parse(text, &s), 0);
	assert_string_equal(s.host, host);
	assert_int_equal(s.port, port);
}

static void
test_server_parse(void **state)
{
	static const char *const bad[] = {
		"", ":3478", "203.0.113.3:", "203.0.113.3:0", "203.0.113.3:65536",
		"203.0.113.3:34x", "203.0.113.3:+1", "[2001:db8::3", "[]",
		"[2001:db8::3]x", "[2001:db8::3]:", "[203.0.113.3]:3478",
		"[stun.example]:3478", "a b", "stun.example:1:2:x", "-x",
		"203.0.113.300", "203.0.113.3:99999999999",
	};
	struct stun_server s;

	(void)state;
	expect_server("203.0.113.3", "203.0.113.3", 3478);
	expect_server("203.0.113.3:19302", "203.0.113.3", 19302);
	expect_server("stun.example", "stun.example", 3478);
	expect_server("stun.example:5349", "stun.example", 5349);
	expect_server("2001:db8::3", "2001:db8::3", 3478);
	expect_server("[2001:db8::3]", "2001:db8::3", 3478);
	expect_server("[2001:db8::3]:3479", "2001:db8::3", 3479);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (stun_server_parse(bad[i], &s) != SPA_ERR_INVALID)
			fail_msg("'%s' was taken as %s port %u", bad[i], s.host,
			    (unsigned)s.port);
	}
}

/* A responder on loopback: answers Binding requests after its mode. */
enum responder_mode { DROP_FIRST, NEVER, ERROR_420, NO_ADDRESS };

struct responder {
	int fd, family;
	enum responder_mode mode;
	struct spa_addr addr;           /* where it listens */
	uint16_t port;
	unsigned requests;              /* Binding requests seen */
	int same_txid;                  /* every retransmission kept the id */
	unsigned timeout_ms;            /* it gives up after this */
};

/* Junk first: a stranger's datagram from another socket, and one of
 * another transaction from the right one; stun_query waits on. */
static void
responder_junk(struct responder *r, const struct sockaddr_storage *to,
    socklen_t tolen, const uint8_t *txid)
{
	uint8_t other[STUN_TXID_LEN];
	struct msg m;
	int fd = socket(r->family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM, 0);

	memcpy(other, txid, sizeof(other));
	other[0] ^= 0xff;
	msg_begin(&m, 0x0101, txid);
	msg_address(&m, 0x0020, r->family == 4 ? "192.0.2.66" : "2001:db8::66",
	    6666, txid);
	assert_true(fd >= 0);
	(void)sendto(fd, m.b, m.len, 0, (const struct sockaddr *)to, tolen);
	close(fd);
	msg_begin(&m, 0x0101, other);
	msg_address(&m, 0x0020, r->family == 4 ? "192.0.2.67" : "2001:db8::67",
	    6667, other);
	(void)sendto(r->fd, m.b, m.len, 0, (const struct sockaddr *)to, tolen);
}

static void
responder_answer(struct responder *r, const struct sockaddr_storage *to,
    socklen_t tolen, const uint8_t *txid)
{
	char text[SPA_ADDRSTRLEN];
	uint16_t port;
	struct msg m;

	if (to->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)to;
		inet_ntop(AF_INET, &s4->sin_addr, text, sizeof(text));
		port = ntohs(s4->sin_port);
	} else {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)to;
		inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof(text));
		port = ntohs(s6->sin6_port);
	}
	if (r->mode == ERROR_420) {
		msg_begin(&m, 0x0111, txid);
		msg_attr(&m, 0x0009, "\0\0\x04\x14Unknown Attribute", 21);
	} else {
		msg_begin(&m, 0x0101, txid);
		msg_attr(&m, 0x8022, "test responder", 14);
		if (r->mode != NO_ADDRESS)
			msg_address(&m, 0x0020, text, port, txid);
	}
	(void)sendto(r->fd, m.b, m.len, 0, (const struct sockaddr *)to, tolen);
}

static void *
responder_run(void *arg)
{
	struct responder *r = arg;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	struct sockaddr_storage from;
	socklen_t fromlen;
	uint8_t buf[512], first[STUN_TXID_LEN];
	ssize_t n;

	while (poll(&pfd, 1, (int)r->timeout_ms) > 0) {
		fromlen = sizeof(from);
		n = recvfrom(r->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		    &fromlen);
		if (n != STUN_HEADER_LEN || buf[0] != 0 || buf[1] != 1)
			continue;
		if (r->requests++ == 0)
			memcpy(first, buf + 8, sizeof(first));
		else if (memcmp(first, buf + 8, sizeof(first)) != 0)
			r->same_txid = 0;
		if (r->mode == NEVER || (r->mode == DROP_FIRST && r->requests == 1))
			continue;
		if (r->mode == DROP_FIRST)
			responder_junk(r, &from, fromlen, buf + 8);
		responder_answer(r, &from, fromlen, buf + 8);
		if (r->mode != DROP_FIRST || r->requests >= 2)
			break;
	}
	return NULL;
}

/* Binds the responder on loopback; 0, or -1 when the family is missing. */
static int
responder_open(struct responder *r, int family, enum responder_mode mode)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;

	memset(r, 0, sizeof(*r));
	memset(&ss, 0, sizeof(ss));
	r->family = family, r->mode = mode, r->same_txid = 1;
	r->timeout_ms = 3000;
	if (family == 4) {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
		assert_int_equal(addr_parse("127.0.0.1", &r->addr), 0);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
		assert_int_equal(addr_parse("::1", &r->addr), 0);
	}
	if ((r->fd = socket(ss.ss_family, SOCK_DGRAM, 0)) < 0)
		return -1;
	if (bind(r->fd, (struct sockaddr *)&ss, len) != 0) {
		close(r->fd);
		return -1;
	}
	assert_int_equal(getsockname(r->fd, (struct sockaddr *)&ss, &len), 0);
	r->port = ntohs(family == 4 ? s4->sin_port : s6->sin6_port);
	return 0;
}

static void
round_trip(int family)
{
	const struct stun_timing t = { 50, 4 };
	struct responder r;
	struct stun_answer a;
	pthread_t th;
	char text[SPA_ADDRSTRLEN];

	if (responder_open(&r, family, DROP_FIRST) != 0) {
		printf("no IPv%d loopback here (%s)\n", family, strerror(errno));
		skip();
	}
	assert_int_equal(pthread_create(&th, NULL, responder_run, &r), 0);
	assert_int_equal(stun_query(&r.addr, r.port, &t, &a), 0);
	pthread_join(th, NULL);
	close(r.fd);
	/* The first request was dropped: the second got the answer.  The
	 * stranger's datagram never arrives (the socket is connected); the
	 * other transaction's is ignored. */
	assert_int_equal(r.requests, 2);
	assert_int_equal(a.sent, 2);
	assert_true(r.same_txid);
	assert_int_equal(a.ignored, 1);
	assert_int_equal(a.last_ignored, SPA_ERR_MISMATCH);
	assert_string_equal(addr_format(&a.mapped, text),
	    family == 4 ? "127.0.0.1" : "::1");
	assert_true(a.from_xor);
	assert_int_not_equal(a.mapped_port, 0);
}

static void
test_round_trip_v4(void **state)
{
	(void)state;
	round_trip(4);
}

static void
test_round_trip_v6(void **state)
{
	(void)state;
	round_trip(6);
}

/* No answer: every request goes out, then SPA_ERR_TIMEOUT. */
static void
test_timeout(void **state)
{
	const struct stun_timing t = { 20, 3 };
	struct responder r;
	struct stun_answer a;
	pthread_t th;

	(void)state;
	assert_int_equal(responder_open(&r, 4, NEVER), 0);
	r.timeout_ms = 400;     /* past the client's 20 + 40 + 80 ms */
	assert_int_equal(pthread_create(&th, NULL, responder_run, &r), 0);
	assert_int_equal(stun_query(&r.addr, r.port, &t, &a), SPA_ERR_TIMEOUT);
	pthread_join(th, NULL);
	close(r.fd);
	assert_int_equal(a.sent, 3);
	assert_int_equal(r.requests, 3);
	assert_true(r.same_txid);
	assert_int_equal(a.ignored, 0);
}

static void
test_refused_and_no_address(void **state)
{
	const struct stun_timing t = { 200, 2 };
	struct responder r;
	struct stun_answer a;
	pthread_t th;

	(void)state;
	assert_int_equal(responder_open(&r, 4, ERROR_420), 0);
	assert_int_equal(pthread_create(&th, NULL, responder_run, &r), 0);
	assert_int_equal(stun_query(&r.addr, r.port, &t, &a), SPA_ERR_REFUSED);
	pthread_join(th, NULL);
	close(r.fd);
	assert_int_equal(a.error_code, 420);
	assert_string_equal(a.reason, "Unknown Attribute");
	assert_int_equal(a.sent, 1);

	assert_int_equal(responder_open(&r, 4, NO_ADDRESS), 0);
	assert_int_equal(pthread_create(&th, NULL, responder_run, &r), 0);
	assert_int_equal(stun_query(&r.addr, r.port, &t, &a), SPA_ERR_ADDRESS);
	pthread_join(th, NULL);
	close(r.fd);
}

/* Nothing listens: ICMP port unreachable is noted, the wait still ends. */
static void
test_nobody_listens(void **state)
{
	const struct stun_timing t = { 20, 2 };
	struct responder r;
	struct stun_answer a;
	uint16_t port;

	(void)state;
	assert_int_equal(responder_open(&r, 4, NEVER), 0);
	port = r.port;
	close(r.fd);            /* the port is now closed */
	assert_int_equal(stun_query(&r.addr, port, &t, &a), SPA_ERR_TIMEOUT);
	assert_true(a.port_unreachable);
	/* A bad timer is refused before anything is sent. */
	{
		const struct stun_timing bad[] = { { 0, 4 }, { 500, 0 },
		    { 500, 9 }, { 10001, 1 } };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			assert_int_equal(stun_query(&r.addr, port, &bad[i], &a),
			    SPA_ERR_INVALID);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_rfc5769),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_xor_preferred),
		cmocka_unit_test(test_mapped_fallback),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_lengths_lie),
		cmocka_unit_test(test_error_response),
		cmocka_unit_test(test_attributes),
		cmocka_unit_test(test_server_parse),
		cmocka_unit_test(test_round_trip_v4),
		cmocka_unit_test(test_round_trip_v6),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_refused_and_no_address),
		cmocka_unit_test(test_nobody_listens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
