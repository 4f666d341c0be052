/*
 * sniffer/frame.c: frames built byte by byte for every link type, decoded
 * whole and at every truncation (doc/style.md item 2), plus each rejection, and
 * a round trip through a pcap savefile so the DLT_ values are libpcap's.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "err.h"
#include "frame.h"
#include "verify.h"

#define LINKTYPE_RAW 101

#define SPORT 40000
#define DPORT 5001
#define NATIVE_LEN 115      /* doc/protocol.md native format */

/* What a test frame holds; zero fields take the valid default. */
struct spec {
	int linktype;
	int ipver;              /* 4 or 6 */
	uint16_t ethertype;     /* 0: the one ipver needs */
	int vlans;              /* tags before the ethertype (Ethernet, SLL, SLL2) */
	uint32_t af;            /* DLT_NULL / DLT_LOOP family; 0: 2 or 24 */
	bool af_swapped;        /* the family in the other byte order */
	size_t ip_opts;         /* IPv4 option bytes, multiple of 4 */
	int ext;                /* IPv6 extension headers before TCP */
	uint8_t ext_len;        /* their length field: (n + 1) * 8 bytes */
	bool frag6;             /* an IPv6 fragment header after them */
	int proto;              /* 0: TCP, or UDP with udp */
	bool udp;               /* a UDP datagram instead of a TCP segment */
	int udp_len_delta;      /* added to the UDP length field */
	uint16_t frag;          /* IPv4 flags and fragment offset */
	int version;            /* 0: ipver */
	int ihl;                /* 0: from ip_opts */
	int doff;               /* 0: from tcp_opts */
	size_t tcp_opts;        /* multiple of 4 */
	int len_delta;          /* added to the IP length field */
	bool len_zero;          /* IP length field 0 */
	size_t plen;            /* TCP payload bytes */
	size_t pad;             /* link trailer after the datagram */
};

struct built {
	uint8_t buf[2048];
	size_t len;             /* whole frame */
	size_t payload_off;
	size_t payload_len;
	size_t datagram_end;    /* truncating at or past this cuts only padding */
};

static uint8_t
payload_byte(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static void
put8(struct writer *w, unsigned v)
{
	assert_int_equal(writer_put_u8(w, (uint8_t)v), 0);
}

static void
put16(struct writer *w, unsigned v)
{
	assert_int_equal(writer_put_u16(w, (uint16_t)v), 0);
}

static void
put32(struct writer *w, uint32_t v)
{
	put16(w, v >> 16);
	put16(w, v & 0xffff);
}

static void
put_fill(struct writer *w, size_t n, uint8_t byte)
{
	for (size_t i = 0; i < n; i++)
		put8(w, byte);
}

static uint16_t
spec_ethertype(const struct spec *s)
{
	return s->ethertype != 0 ? s->ethertype : s->ipver == 4 ? 0x0800 : 0x86dd;
}

/* The type field chain: TPID, TCI for each tag (outer 802.1ad when
 * stacked), then the ethertype.  skip_first leaves out the first type field,
 * which SLL2 carries at the start of its header. */
static void
put_ethertype(struct writer *w, const struct spec *s, bool skip_first)
{
	for (int i = 0; i < s->vlans; i++) {
		if (i > 0 || !skip_first)
			put16(w, i == 0 && s->vlans > 1 ? 0x88a8 : 0x8100);
		put16(w, 100 + i);      /* TCI: VLAN id */
	}
	if (s->vlans > 0 || !skip_first)
		put16(w, spec_ethertype(s));
}

static void
put_ether(struct writer *w, const struct spec *s)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01
	};

	assert_int_equal(writer_put_bytes(w, macs, sizeof(macs)), 0);
	put_ethertype(w, s, false);
}

static void
put_sll(struct writer *w, const struct spec *s)
{
	put16(w, 0);            /* PACKET_HOST */
	put16(w, 1);            /* ARPHRD_ETHER */
	put16(w, 6);
	put_fill(w, 8, 0x02);
	put_ethertype(w, s, false);
}

/* SLL2 has the protocol first; any tags follow the 20-byte header. */
static void
put_sll2(struct writer *w, const struct spec *s)
{
	put16(w, s->vlans > 1 ? 0x88a8 : s->vlans == 1 ? 0x8100 :
	    spec_ethertype(s));
	put16(w, 0);
	put32(w, 3);            /* interface index */
	put16(w, 1);            /* ARPHRD_ETHER */
	put8(w, 0);             /* PACKET_HOST */
	put8(w, 6);
	put_fill(w, 8, 0x02);
	put_ethertype(w, s, true);
}

static void
put_bsd_family(struct writer *w, const struct spec *s, bool host_order)
{
	uint32_t af = s->af != 0 ? s->af : s->ipver == 4 ? 2 : 24;
	uint8_t b[4];

	if (host_order)
		memcpy(b, &af, 4);
	else
		for (int i = 0; i < 4; i++)
			b[i] = (uint8_t)(af >> (24 - 8 * i));
	if (s->af_swapped) {
		uint8_t t[4] = { b[3], b[2], b[1], b[0] };
		memcpy(b, t, 4);
	}
	assert_int_equal(writer_put_bytes(w, b, 4), 0);
}

static void
put_link(struct writer *w, const struct spec *s)
{
	if (s->linktype == DLT_EN10MB)
		put_ether(w, s);
	else if (s->linktype == DLT_LINUX_SLL)
		put_sll(w, s);
	else if (s->linktype == DLT_LINUX_SLL2)
		put_sll2(w, s);
	else if (s->linktype == DLT_NULL)
		put_bsd_family(w, s, true);
	else if (s->linktype == DLT_LOOP)
		put_bsd_family(w, s, false);
	/* raw IP and unknown link types: no link header */
}

/* The transport header and payload: TCP, or UDP with s->udp. */
static size_t
tcp_len(const struct spec *s)
{
	return s->udp ? 8 + s->plen : 20 + s->tcp_opts + s->plen;
}

static unsigned
spec_proto(const struct spec *s)
{
	return (unsigned)(s->proto != 0 ? s->proto : s->udp ? 17 : 6);
}

static size_t
ip_len_field(const struct spec *s, size_t computed)
{
	return s->len_zero ? 0 : (size_t)((long)computed + s->len_delta);
}

static void
put_ipv4(struct writer *w, const struct spec *s)
{
	static const uint8_t src[4] = { 192, 0, 2, 1 }, dst[4] = { 198, 51, 100, 2 };
	size_t hlen = 20 + s->ip_opts;
	int ihl = s->ihl != 0 ? s->ihl : (int)(hlen / 4);

	put8(w, (unsigned)((s->version != 0 ? s->version : 4) << 4 | ihl));
	put8(w, 0);
	put16(w, (unsigned)ip_len_field(s, hlen + tcp_len(s)));
	put16(w, 0x1234);
	put16(w, s->frag);
	put8(w, 64);
	put8(w, spec_proto(s));
	put16(w, 0);
	assert_int_equal(writer_put_bytes(w, src, 4), 0);
	assert_int_equal(writer_put_bytes(w, dst, 4), 0);
	put_fill(w, s->ip_opts, 0x01);  /* NOP options */
}

static uint8_t
ext_type(int i)
{
	return i == 0 ? 0 : (i % 2 == 1 ? 43 : 60);
}

static void
put_ipv6_ext(struct writer *w, const struct spec *s)
{
	uint8_t last = (uint8_t)spec_proto(s);

	for (int i = 0; i < s->ext; i++) {
		put8(w, i + 1 < s->ext ? ext_type(i + 1) : s->frag6 ? 44 : last);
		put8(w, s->ext_len);
		put_fill(w, ((size_t)s->ext_len + 1) * 8 - 2, 0);
	}
	if (s->frag6) {
		put8(w, last);
		put8(w, 0);
		put16(w, 0x0001);       /* offset 0, more fragments */
		put32(w, 0xdeadbeef);
	}
}

static void
put_ipv6(struct writer *w, const struct spec *s)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	size_t ext = (size_t)s->ext * ((size_t)s->ext_len + 1) * 8 +
	    (s->frag6 ? 8 : 0);
	uint8_t first = s->ext > 0 ? ext_type(0) : s->frag6 ? 44 :
	    (uint8_t)spec_proto(s);

	put32(w, (uint32_t)(s->version != 0 ? s->version : 6) << 28);
	put16(w, (unsigned)ip_len_field(s, ext + tcp_len(s)));
	put8(w, first);
	put8(w, 64);
	assert_int_equal(writer_put_bytes(w, src, 16), 0);
	assert_int_equal(writer_put_bytes(w, dst, 16), 0);
	put_ipv6_ext(w, s);
}

static void
put_tcp(struct writer *w, const struct spec *s, struct built *b)
{
	int doff = s->doff != 0 ? s->doff : (int)((20 + s->tcp_opts) / 4);

	put16(w, SPORT);
	put16(w, DPORT);
	put32(w, 1000);
	put32(w, 0);
	put8(w, (unsigned)doff << 4);
	put8(w, 0x18);          /* PSH, ACK */
	put16(w, 512);
	put16(w, 0);
	put16(w, 0);
	put_fill(w, s->tcp_opts, 0x01);
	b->payload_off = w->len;
	for (size_t i = 0; i < s->plen; i++)
		put8(w, payload_byte(i));
	b->payload_len = s->plen;
}

static void
put_udp(struct writer *w, const struct spec *s, struct built *b)
{
	put16(w, SPORT);
	put16(w, DPORT);
	put16(w, (unsigned)((long)(8 + s->plen) + s->udp_len_delta));
	put16(w, 0);            /* checksum: not computed, not checked */
	b->payload_off = w->len;
	for (size_t i = 0; i < s->plen; i++)
		put8(w, payload_byte(i));
	b->payload_len = s->plen;
}

static void
build(const struct spec *s, struct built *b)
{
	struct writer w;

	writer_init(&w, b->buf, sizeof(b->buf));
	put_link(&w, s);
	if (s->ipver == 4)
		put_ipv4(&w, s);
	else
		put_ipv6(&w, s);
	if (s->udp)
		put_udp(&w, s, b);
	else
		put_tcp(&w, s, b);
	b->datagram_end = w.len;
	put_fill(&w, s->pad, 0);
	b->len = w.len;
}

/* Decodes the first caplen bytes from a heap copy of exactly that size, so
 * that AddressSanitizer sees any read past the capture. */
static int
decode_exact(int linktype, const struct built *b, size_t caplen,
    struct spa_packet *pkt, uint8_t **copy)
{
	int rc;

	*copy = malloc(caplen > 0 ? caplen : 1);
	assert_non_null(*copy);
	memcpy(*copy, b->buf, caplen);
	rc = frame_decode(linktype, *copy, caplen, pkt);
	return rc;
}

static void
assert_addr(const struct spa_addr *got, const char *text)
{
	struct spa_addr want;

	assert_int_equal(addr_parse(text, &want), 0);
	assert_int_equal(got->family, want.family);
	assert_memory_equal(got->bytes, want.bytes, SPA_ADDR_LEN);
}

static void
assert_packet(const struct spec *s, const struct built *b,
    const struct spa_packet *pkt, const uint8_t *data)
{
	assert_addr(&pkt->src, s->ipver == 4 ? "192.0.2.1" : "2001:db8::1");
	assert_addr(&pkt->dst, s->ipver == 4 ? "198.51.100.2" : "2001:db8::2");
	assert_int_equal(pkt->sport, SPORT);
	assert_int_equal(pkt->dport, DPORT);
	assert_int_equal(pkt->proto, s->udp ? SPA_PROTO_UDP : SPA_PROTO_TCP);
	assert_int_equal(pkt->len, b->payload_len);
	assert_ptr_equal(pkt->payload, data + b->payload_off);
	for (size_t i = 0; i < pkt->len; i++)
		assert_int_equal(pkt->payload[i], payload_byte(i));
}

/* The whole frame decodes to the spec's addresses, ports and payload. */
static void
check_ok(const struct spec *s)
{
	struct built b;
	struct spa_packet pkt;
	uint8_t *copy;

	build(s, &b);
	assert_int_equal(decode_exact(s->linktype, &b, b.len, &pkt, &copy), 0);
	assert_packet(s, &b, &pkt, copy);
	free(copy);
}

static void
check_fails(const struct spec *s, int want)
{
	struct built b;
	struct spa_packet pkt;
	uint8_t *copy;

	memset(&pkt, 0xa5, sizeof(pkt));
	build(s, &b);
	assert_int_equal(decode_exact(s->linktype, &b, b.len, &pkt, &copy), want);
	assert_int_equal(pkt.sport, 0xa5a5);    /* *out left alone */
	free(copy);
}

/* Every caplen short of the datagram's end fails as truncated; a cut inside
 * the link trailer alone still decodes the whole payload. */
static void
check_truncations(const struct spec *s)
{
	struct built b;
	struct spa_packet pkt;
	uint8_t *copy;
	int rc;

	build(s, &b);
	for (size_t caplen = 0; caplen < b.len; caplen++) {
		rc = decode_exact(s->linktype, &b, caplen, &pkt, &copy);
		if (caplen < b.datagram_end) {
			assert_int_equal(rc, SPA_ERR_TRUNCATED);
		} else {
			assert_int_equal(rc, 0);
			assert_packet(s, &b, &pkt, copy);
		}
		free(copy);
	}
}

static void
test_valid(void **state)
{
	const struct spec *s = *state;

	check_ok(s);
	check_truncations(s);
}

/* Frames that must decode, most with a native-format-sized payload. */
#define VALID(name, lt, ver, ...) static const struct spec name = \
	{ .linktype = (lt), .ipver = (ver), __VA_ARGS__ }
#define NAT .plen = NATIVE_LEN

VALID(eth4, DLT_EN10MB, 4, NAT);
VALID(eth6, DLT_EN10MB, 6, NAT);
VALID(eth4_vlan, DLT_EN10MB, 4, NAT, .vlans = 1);
VALID(eth6_qinq, DLT_EN10MB, 6, NAT, .vlans = 2);
VALID(eth4_opts, DLT_EN10MB, 4, NAT, .ip_opts = 8, .tcp_opts = 12);
VALID(eth6_ext, DLT_EN10MB, 6, NAT, .ext = 3, .ext_len = 1, .tcp_opts = 12);
VALID(eth4_df, DLT_EN10MB, 4, NAT, .frag = 0x4000);
/* 14 + 20 + 20 + 2 = 56 bytes, padded to Ethernet's 60-byte minimum. */
VALID(eth4_padded, DLT_EN10MB, 4, .plen = 2, .pad = 4);
VALID(eth6_padded, DLT_EN10MB, 6, .plen = 0, .pad = 6);
VALID(sll4, DLT_LINUX_SLL, 4, NAT);
VALID(sll6_vlan, DLT_LINUX_SLL, 6, NAT, .vlans = 1);
VALID(sll2_4, DLT_LINUX_SLL2, 4, NAT);
VALID(sll2_6, DLT_LINUX_SLL2, 6, NAT, .ext = 1);
VALID(sll2_qinq, DLT_LINUX_SLL2, 4, NAT, .vlans = 2);
VALID(raw4, DLT_RAW, 4, NAT);
VALID(raw6, DLT_RAW, 6, NAT);
VALID(linktype_raw6, LINKTYPE_RAW, 6, NAT, .ext = 2);
VALID(ipv4_lt, DLT_IPV4, 4, NAT, .ip_opts = 40);
VALID(ipv6_lt, DLT_IPV6, 6, NAT);
VALID(null4, DLT_NULL, 4, NAT);
VALID(null4_swapped, DLT_NULL, 4, NAT, .af_swapped = true);
VALID(null6_bsd, DLT_NULL, 6, NAT, .af = 24);
VALID(null6_freebsd, DLT_NULL, 6, NAT, .af = 28);
VALID(null6_darwin, DLT_NULL, 6, NAT, .af = 30, .af_swapped = true);
VALID(loop4, DLT_LOOP, 4, NAT);
VALID(loop6, DLT_LOOP, 6, NAT, .af = 28);
VALID(ext8, DLT_RAW, 6, NAT, .ext = 8);         /* the chain bound */
VALID(doff15, DLT_RAW, 4, NAT, .tcp_opts = 40);  /* the largest TCP header */
VALID(udp_eth4, DLT_EN10MB, 4, NAT, .udp = true);
VALID(udp_eth6, DLT_EN10MB, 6, NAT, .udp = true);
VALID(udp_eth4_vlan, DLT_EN10MB, 4, NAT, .udp = true, .vlans = 1);
VALID(udp_sll2_6_ext, DLT_LINUX_SLL2, 6, NAT, .udp = true, .ext = 2);
VALID(udp_raw4_opts, DLT_RAW, 4, NAT, .udp = true, .ip_opts = 8);
VALID(udp_null6, DLT_NULL, 6, NAT, .udp = true);
/* 14 + 20 + 8 + 2 = 44 bytes, padded to 60. */
VALID(udp_eth4_padded, DLT_EN10MB, 4, .plen = 2, .pad = 16, .udp = true);

static void
test_linktypes(void **state)
{
	static const int supported[] = {
		DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, LINKTYPE_RAW,
		DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP,
	};
	static const int unsupported[] = { -1, DLT_PPP, DLT_IEEE802_11, 9999 };

	(void)state;
	for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++)
		assert_true(frame_linktype_supported(supported[i]));
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		assert_false(frame_linktype_supported(unsupported[i]));
#if DLT_RAW != 14
	assert_false(frame_linktype_supported(14));    /* BSD/OS-only raw */
#endif
}

static void
test_unknown_linktype(void **state)
{
	struct spec s = { .linktype = DLT_PPP, .ipver = 4, .plen = 4 };

	(void)state;
	check_fails(&s, SPA_ERR_INVALID);
	s.linktype = -1;
	check_fails(&s, SPA_ERR_INVALID);
}

static void
test_not_tcp(void **state)
{
	/* SCTP (132) has ports where TCP and UDP have them; ICMP (1). */
	struct spec s4 = { .linktype = DLT_EN10MB, .ipver = 4, .proto = 132 };
	struct spec s6 = { .linktype = DLT_EN10MB, .ipver = 6, .proto = 132 };
	struct spec s6ext = { .linktype = DLT_RAW, .ipver = 6, .ext = 2,
	    .proto = 1 };

	(void)state;
	check_fails(&s4, SPA_ERR_INVALID);
	check_fails(&s6, SPA_ERR_INVALID);
	check_fails(&s6ext, SPA_ERR_INVALID);
}

/* A UDP length below its own header, or past the IP length, is not a
 * datagram; one shorter than the IP length ends the payload there. */
static void
test_udp_length(void **state)
{
	struct spec s = { .linktype = DLT_RAW, .ipver = 4, .udp = true,
	    .plen = 20 };
	struct built b;
	struct spa_packet pkt;
	uint8_t *copy;

	(void)state;
	s.udp_len_delta = -21;          /* 7: inside its own header */
	check_fails(&s, SPA_ERR_INVALID);
	s.udp_len_delta = 1;            /* one byte past the IP datagram */
	check_fails(&s, SPA_ERR_TRUNCATED);
	s.ipver = 6;
	s.udp_len_delta = -28;          /* 0: an IPv6 jumbogram's */
	check_fails(&s, SPA_ERR_INVALID);
	s.ipver = 4;
	s.udp_len_delta = -5;           /* the last 5 bytes are IP padding */
	build(&s, &b);
	assert_int_equal(decode_exact(s.linktype, &b, b.len, &pkt, &copy), 0);
	assert_int_equal(pkt.proto, SPA_PROTO_UDP);
	assert_int_equal(pkt.len, 15);
	assert_ptr_equal(pkt.payload, copy + b.payload_off);
	free(copy);
}

/* A UDP datagram in an IPv4 fragment is refused like a TCP one. */
static void
test_udp_fragment(void **state)
{
	struct spec s = { .linktype = DLT_RAW, .ipver = 4, .udp = true,
	    .plen = 8, .frag = 0x2000 };

	(void)state;
	check_fails(&s, SPA_ERR_INVALID);
	s.ipver = 6;
	s.frag = 0;
	s.frag6 = true;
	check_fails(&s, SPA_ERR_INVALID);
}

static void
test_ipv4_fragment(void **state)
{
	struct spec s = { .linktype = DLT_EN10MB, .ipver = 4, .plen = 8 };

	(void)state;
	s.frag = 0x2000;        /* more fragments */
	check_fails(&s, SPA_ERR_INVALID);
	s.frag = 0x0001;        /* offset 8 */
	check_fails(&s, SPA_ERR_INVALID);
	s.frag = 0x4000 | 0x1fff;
	check_fails(&s, SPA_ERR_INVALID);
}

static void
test_ipv6_fragment(void **state)
{
	struct spec s = { .linktype = DLT_EN10MB, .ipver = 6, .plen = 8,
	    .frag6 = true };

	(void)state;
	check_fails(&s, SPA_ERR_INVALID);
	s.ext = 2;              /* fragment header after others */
	check_fails(&s, SPA_ERR_INVALID);
}

static void
test_ipv6_chain_bound(void **state)
{
	struct spec s = { .linktype = DLT_RAW, .ipver = 6, .plen = 8, .ext = 9 };

	(void)state;
	check_fails(&s, SPA_ERR_INVALID);
}

static void
test_ipv6_jumbo(void **state)
{
	struct spec s = { .linktype = DLT_RAW, .ipver = 6, .plen = 8,
	    .len_zero = true };

	(void)state;
	check_fails(&s, SPA_ERR_INVALID);
}

static void
test_ihl_short(void **state)
{
	struct spec s = { .linktype = DLT_EN10MB, .ipver = 4, .plen = 8 };

	(void)state;
	for (s.ihl = 1; s.ihl < 5; s.ihl++)
		check_fails(&s, SPA_ERR_INVALID);
}

/* Total length below the header length (RFC 791). */
static void
test_ipv4_length_below_header(void **state)
{
	struct spec s = { .linktype = DLT_RAW, .ipver = 4, .plen = 8,
	    .ip_opts = 8, .len_delta = -(20 + 8) - 1 };  /* 27 < 28 */

	(void)state;
	check_fails(&s, SPA_ERR_INVALID);
}

static void
test_tcp_doff_short(void **state)
{
	struct spec s = { .linktype = DLT_EN10MB, .ipver = 4, .plen = 8 };

	struct built b;
	struct spa_packet pkt;

	(void)state;
	for (s.doff = 1; s.doff < 5; s.doff++)
		check_fails(&s, SPA_ERR_INVALID);
	s.ipver = 6;
	s.doff = 4;
	check_fails(&s, SPA_ERR_INVALID);
	s.doff = 0;             /* the spec's 0 means "computed": patch it */
	build(&s, &b);
	b.buf[b.payload_off - 20 + 12] = 0x00;
	assert_int_equal(frame_decode(s.linktype, b.buf, b.len, &pkt),
	    SPA_ERR_INVALID);
}

/* The IP length claims more than was captured: the snap length cut it. */
static void
test_ip_length_past_capture(void **state)
{
	struct spec s = { .linktype = DLT_EN10MB, .ipver = 4,
	    .plen = NATIVE_LEN, .len_delta = 1 };

	(void)state;
	check_fails(&s, SPA_ERR_TRUNCATED);
	s.ipver = 6;
	check_fails(&s, SPA_ERR_TRUNCATED);
	s.linktype = DLT_RAW;
	s.len_delta = 1000;
	check_fails(&s, SPA_ERR_TRUNCATED);
}

/* A shorter IP length shortens the payload; trailing bytes are not payload. */
static void
test_ip_length_ends_payload(void **state)
{
	struct spec s = { .linktype = DLT_EN10MB, .ipver = 4,
	    .plen = NATIVE_LEN, .len_delta = -3 };
	struct built b;
	struct spa_packet pkt;
	uint8_t *copy;

	(void)state;
	build(&s, &b);
	assert_int_equal(decode_exact(s.linktype, &b, b.len, &pkt, &copy), 0);
	assert_int_equal(pkt.len, NATIVE_LEN - 3);
	assert_ptr_equal(pkt.payload, copy + b.payload_off);
	free(copy);
}

/* TCP header inside the capture but past the IP length: still truncated. */
static void
test_tcp_header_past_ip_length(void **state)
{
	struct spec s = { .linktype = DLT_EN10MB, .ipver = 4, .plen = 0,
	    .doff = 15, .pad = 60 };

	(void)state;
	check_fails(&s, SPA_ERR_TRUNCATED);
	s.ipver = 6;
	check_fails(&s, SPA_ERR_TRUNCATED);
}

/* The IP length ends inside the TCP or UDP header (the capture goes on):
 * each cut is truncated, whichever field it falls in. */
static void
test_transport_header_cut(void **state)
{
	(void)state;
	for (int ipver = 4; ipver <= 6; ipver += 2) {
		for (int k = ipver == 6 ? 1 : 0; k < 20; k++) {
			struct spec s = { .linktype = DLT_EN10MB,
			    .ipver = ipver, .plen = 8, .pad = 64,
			    .len_delta = -(20 + 8) + k };

			check_fails(&s, SPA_ERR_TRUNCATED);
			if (k >= 8)
				continue;
			s.udp = true;
			s.len_delta = -(8 + 8) + k;
			check_fails(&s, SPA_ERR_TRUNCATED);
		}
	}
}

static void
test_ipv6_ext_past_ip_length(void **state)
{
	struct spec s = { .linktype = DLT_EN10MB, .ipver = 6, .plen = 8,
	    .ext = 1, .ext_len = 1, .pad = 64 };

	(void)state;
	s.len_delta = -(int)(16 + 20 + 8) + 8;   /* 8 of the 16 ext bytes */
	check_fails(&s, SPA_ERR_TRUNCATED);
	s.len_delta = -(int)(16 + 20 + 8) + 1;   /* its next header only */
	check_fails(&s, SPA_ERR_TRUNCATED);
}

static void
test_unknown_ethertype(void **state)
{
	struct spec s = { .linktype = DLT_EN10MB, .ipver = 4, .plen = 8,
	    .ethertype = 0x0806 };

	(void)state;
	check_fails(&s, SPA_ERR_INVALID);       /* ARP */
	s.ethertype = 0x002e;                   /* 802.3 length */
	check_fails(&s, SPA_ERR_INVALID);
	s.ethertype = 0x86dd;                   /* says IPv6, holds IPv4 */
	check_fails(&s, SPA_ERR_INVALID);
	s.linktype = DLT_LINUX_SLL;
	s.ethertype = 0x0004;                   /* ETH_P_802_2 */
	check_fails(&s, SPA_ERR_INVALID);
	s.linktype = DLT_LINUX_SLL2;
	check_fails(&s, SPA_ERR_INVALID);
}

static void
test_too_many_vlans(void **state)
{
	struct spec s = { .linktype = DLT_EN10MB, .ipver = 4, .plen = 8,
	    .vlans = 4 };

	(void)state;
	check_ok(&s);
	s.vlans = 5;
	check_fails(&s, SPA_ERR_INVALID);
}

static void
test_bad_version(void **state)
{
	struct spec s = { .linktype = DLT_RAW, .ipver = 4, .plen = 8,
	    .version = 5 };

	(void)state;
	check_fails(&s, SPA_ERR_INVALID);
	s.linktype = DLT_EN10MB;
	s.version = 6;                          /* ethertype says IPv4 */
	check_fails(&s, SPA_ERR_INVALID);
	s.linktype = DLT_IPV6;                  /* link says IPv6 */
	s.version = 0;
	check_fails(&s, SPA_ERR_INVALID);
	s.ipver = 6;
	s.linktype = DLT_IPV4;
	check_fails(&s, SPA_ERR_INVALID);
}

static void
test_bsd_family(void **state)
{
	struct spec s = { .linktype = DLT_NULL, .ipver = 4, .plen = 8, .af = 7 };

	(void)state;
	check_fails(&s, SPA_ERR_INVALID);
	s.af = 10;                              /* Linux AF_INET6: not BSD */
	s.ipver = 6;
	check_fails(&s, SPA_ERR_INVALID);
	s.linktype = DLT_LOOP;                  /* network order only */
	s.af = 2;
	s.ipver = 4;
	s.af_swapped = true;
	check_fails(&s, SPA_ERR_INVALID);
}

static void
test_empty(void **state)
{
	struct spa_packet pkt;

	(void)state;
	assert_int_equal(frame_decode(DLT_EN10MB, NULL, 0, &pkt),
	    SPA_ERR_TRUNCATED);
	assert_int_equal(frame_decode(DLT_RAW, NULL, 100, &pkt),
	    SPA_ERR_TRUNCATED);
}

/* Writes one frame through pcap_dump and reads it back with
 * pcap_open_offline: the link type libpcap reports must decode. */
static void
pcap_round_trip(const struct spec *s, const struct built *b, size_t caplen,
    int want)
{
	char path[] = "/tmp/test_frame.XXXXXX", errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr hdr = { .caplen = (bpf_u_int32)caplen,
	    .len = (bpf_u_int32)b->len };
	struct pcap_pkthdr *rh;
	const u_char *data;
	struct spa_packet pkt;
	pcap_dumper_t *d;
	pcap_t *p;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	assert_non_null(p = pcap_open_dead(s->linktype, 65535));
	assert_non_null(d = pcap_dump_open(p, path));
	pcap_dump((u_char *)d, &hdr, b->buf);
	pcap_dump_close(d);
	pcap_close(p);
	assert_non_null(p = pcap_open_offline(path, errbuf));
	unlink(path);
	assert_int_equal(pcap_datalink(p), s->linktype);
	assert_int_equal(pcap_next_ex(p, &rh, &data), 1);
	assert_int_equal(rh->caplen, caplen);
	assert_int_equal(frame_decode(pcap_datalink(p), data, rh->caplen, &pkt),
	    want);
	if (want == 0)
		assert_packet(s, b, &pkt, data);
	pcap_close(p);
}

static void
test_pcap_savefile(void **state)
{
	static const struct spec *const specs[] = {
		&eth4, &eth6_qinq, &sll4, &sll2_6, &raw4, &raw6, &ipv4_lt,
		&ipv6_lt, &null4, &loop6,
	};
	struct built b;

	(void)state;
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		build(specs[i], &b);
		pcap_round_trip(specs[i], &b, b.len, 0);
		pcap_round_trip(specs[i], &b, b.len - 1, SPA_ERR_TRUNCATED);
	}
}

#define VALID_TEST(name) \
	cmocka_unit_test_prestate(test_valid, (void *)(uintptr_t)&name)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		VALID_TEST(eth4), VALID_TEST(eth6), VALID_TEST(eth4_vlan),
		VALID_TEST(eth6_qinq), VALID_TEST(eth4_opts),
		VALID_TEST(eth6_ext), VALID_TEST(eth4_df),
		VALID_TEST(eth4_padded), VALID_TEST(eth6_padded),
		VALID_TEST(sll4), VALID_TEST(sll6_vlan), VALID_TEST(sll2_4),
		VALID_TEST(sll2_6), VALID_TEST(sll2_qinq), VALID_TEST(raw4),
		VALID_TEST(raw6), VALID_TEST(linktype_raw6),
		VALID_TEST(ipv4_lt), VALID_TEST(ipv6_lt), VALID_TEST(null4),
		VALID_TEST(null4_swapped), VALID_TEST(null6_bsd),
		VALID_TEST(null6_freebsd), VALID_TEST(null6_darwin),
		VALID_TEST(loop4), VALID_TEST(loop6), VALID_TEST(ext8),
		VALID_TEST(doff15), VALID_TEST(udp_eth4), VALID_TEST(udp_eth6),
		VALID_TEST(udp_eth4_vlan), VALID_TEST(udp_sll2_6_ext),
		VALID_TEST(udp_raw4_opts), VALID_TEST(udp_null6),
		VALID_TEST(udp_eth4_padded),
		cmocka_unit_test(test_linktypes),
		cmocka_unit_test(test_unknown_linktype),
		cmocka_unit_test(test_not_tcp),
		cmocka_unit_test(test_udp_length),
		cmocka_unit_test(test_udp_fragment),
		cmocka_unit_test(test_ipv4_fragment),
		cmocka_unit_test(test_ipv6_fragment),
		cmocka_unit_test(test_ipv6_chain_bound),
		cmocka_unit_test(test_ipv6_jumbo),
		cmocka_unit_test(test_ihl_short),
		cmocka_unit_test(test_ipv4_length_below_header),
		cmocka_unit_test(test_tcp_doff_short),
		cmocka_unit_test(test_ip_length_past_capture),
		cmocka_unit_test(test_ip_length_ends_payload),
		cmocka_unit_test(test_tcp_header_past_ip_length),
		cmocka_unit_test(test_transport_header_cut),
		cmocka_unit_test(test_ipv6_ext_past_ip_length),
		cmocka_unit_test(test_unknown_ethertype),
		cmocka_unit_test(test_too_many_vlans),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_bsd_family),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_pcap_savefile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
