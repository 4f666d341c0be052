/*
 * sniffer/filter.c: the exact filter text, every error exit, and that
 * pcap_compile accepts the text on every link type the decoder reads.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <string.h>

#include "addr.h"
#include "err.h"
#include "filter.h"
#include "frame.h"

static const int linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4,
	DLT_IPV6, DLT_NULL, DLT_LOOP,
};

/* IPv6 packets that start with an extension header: BPF cannot follow
 * the chain to the port. */
#define EXT " or ip6[6] = 0 or ip6[6] = 43 or ip6[6] = 60"

static void
assert_filter(uint16_t port, const char *dst, const char *want)
{
	char buf[FILTER_TEXT_MAX];
	struct spa_addr a;

	if (dst != NULL)
		assert_int_equal(addr_parse(dst, &a), 0);
	assert_int_equal(filter_build(buf, sizeof(buf), port,
	    dst != NULL ? &a : NULL, 0), 0);
	assert_string_equal(buf, want);
}

static void
test_text(void **state)
{
	(void)state;
	assert_filter(5001, NULL, "tcp dst port 5001 or udp dst port 5001" EXT);
	assert_filter(65535, NULL, "tcp dst port 65535 or udp dst port 65535"
	    EXT);
	assert_filter(1, NULL, "tcp dst port 1 or udp dst port 1" EXT);
	assert_filter(5001, "198.51.100.2", "(tcp dst port 5001 or udp dst "
	    "port 5001" EXT ") and dst host 198.51.100.2");
	assert_filter(5001, "2001:db8::2", "(tcp dst port 5001 or udp dst "
	    "port 5001" EXT ") and dst host 2001:db8::2");
}

/* The longest text fits FILTER_TEXT_MAX. */
static void
test_longest(void **state)
{
	const char *v6 = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
	char want[FILTER_TEXT_MAX];

	(void)state;
	assert_int_equal(strlen(v6), SPA_ADDRSTRLEN - 1);
	strcpy(want, "(tcp dst port 65535 or udp dst port 65535" EXT
	    ") and dst host ");
	strcat(want, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* inet_ntop writes the canonical form, not the dotted tail. */
	assert_filter(65535, v6, want);
	/* With the vlan half too. */
	{
		char buf[FILTER_TEXT_MAX];
		struct spa_addr a;

		assert_int_equal(addr_parse(v6, &a), 0);
		assert_int_equal(filter_build(buf, sizeof(buf), 65535, &a, 1),
		    0);
		assert_true(strlen(buf) < FILTER_TEXT_MAX - 1);
	}
}

static void
test_nospace(void **state)
{
	char buf[FILTER_TEXT_MAX];
	struct spa_addr a;

	(void)state;
	assert_int_equal(addr_parse("198.51.100.2", &a), 0);
	/* "tcp dst port 5001 or udp dst port 5001" EXT is 82 characters:
	 * 83 bytes with the NUL. */
	assert_int_equal(strlen("tcp dst port 5001 or udp dst port 5001" EXT),
	    82);
	assert_int_equal(filter_build(buf, 83, 5001, NULL, 0), 0);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(filter_build(buf, 82, 5001, NULL, 0), SPA_ERR_NOSPACE);
	assert_string_equal(buf, "");
	assert_int_equal(filter_build(buf, 100, 5001, NULL, 1),
	    SPA_ERR_NOSPACE);
	assert_string_equal(buf, "");
	assert_int_equal(filter_build(buf, 30, 5001, &a, 0), SPA_ERR_NOSPACE);
	assert_string_equal(buf, "");
	assert_int_equal(filter_build(NULL, 0, 5001, NULL, 0), SPA_ERR_NOSPACE);
}

static void
test_invalid(void **state)
{
	char buf[FILTER_TEXT_MAX];
	struct spa_addr a;

	(void)state;
	assert_int_equal(filter_build(buf, sizeof(buf), 0, NULL, 0),
	    SPA_ERR_INVALID);
	memset(&a, 0, sizeof(a));
	a.family = 5;
	assert_int_equal(filter_build(buf, sizeof(buf), 5001, &a, 0),
	    SPA_ERR_ADDRESS);
	assert_string_equal(buf, "");
}

/*
 * pcap_compile on a dead handle of each link type: valid BPF syntax.  The
 * one exception is a host of the family a single-family link (DLT_IPV4,
 * DLT_IPV6) cannot carry: libpcap refuses such a filter as rejecting every
 * packet, which the caller reports as a configuration error.
 */
static void
assert_compiles(const char *text, int family)
{
	struct bpf_program prog;
	int rc;

	for (size_t i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++) {
		pcap_t *p = pcap_open_dead(linktypes[i], 65535);
		bool impossible = (linktypes[i] == DLT_IPV4 && family == 6) ||
		    (linktypes[i] == DLT_IPV6 && family == 4);

		assert_non_null(p);
		rc = pcap_compile(p, &prog, text, 1, PCAP_NETMASK_UNKNOWN);
		if (impossible) {
			assert_int_equal(rc, PCAP_ERROR);
			assert_non_null(strstr(pcap_geterr(p), "rejects all"));
		} else if (rc != 0) {
			fail_msg("linktype %d: \"%s\": %s", linktypes[i], text,
			    pcap_geterr(p));
		} else {
			assert_true(prog.bf_len > 0);
			pcap_freecode(&prog);
		}
		pcap_close(p);
	}
}

static void
test_compiles(void **state)
{
	static const char *const dsts[] = {
		NULL, "198.51.100.2", "2001:db8::2", "::ffff:198.51.100.2",
	};
	char buf[FILTER_TEXT_MAX];
	struct spa_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
		if (dsts[i] != NULL)
			assert_int_equal(addr_parse(dsts[i], &a), 0);
		assert_int_equal(filter_build(buf, sizeof(buf), 5001,
		    dsts[i] != NULL ? &a : NULL, 0), 0);
		assert_compiles(buf, dsts[i] != NULL ? a.family : 0);
	}
}

/* A raw IPv4 TCP SYN from 192.0.2.1:40000 to 198.51.100.2:5001. */
static const uint8_t spa_segment[40] = {
	0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0,
	192, 0, 2, 1, 198, 51, 100, 2,
	0x9c, 0x40, 0x13, 0x89, 0, 0, 0, 0, 0, 0, 0, 0,
	0x50, 0x02, 0x02, 0, 0, 0, 0, 0,
};
#define DPORT_LOW 23            /* offsets in spa_segment */
#define DST_LAST 19

/* 1 when the filter text, compiled for linktype, selects the frame. */
static int
filter_selects(int linktype, const char *text, const uint8_t *frame,
    size_t len)
{
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)len,
	    .len = (bpf_u_int32)len };
	struct bpf_program prog;
	pcap_t *p = pcap_open_dead(linktype, 65535);
	int hit;

	assert_non_null(p);
	assert_int_equal(pcap_compile(p, &prog, text, 1, PCAP_NETMASK_UNKNOWN), 0);
	hit = pcap_offline_filter(&prog, &h, frame) != 0;
	pcap_freecode(&prog);
	pcap_close(p);
	return hit;
}

/* The compiled filter selects the SPA segment and nothing else: not to
 * port 5002, not to another host. */
static void
test_matches(void **state)
{
	char buf[FILTER_TEXT_MAX];
	uint8_t pkt[sizeof(spa_segment)];
	struct spa_addr a;

	(void)state;
	assert_int_equal(addr_parse("198.51.100.2", &a), 0);
	assert_int_equal(filter_build(buf, sizeof(buf), 5001, &a, 0), 0);
	memcpy(pkt, spa_segment, sizeof(pkt));
	assert_true(filter_selects(DLT_RAW, buf, pkt, sizeof(pkt)));
	pkt[DPORT_LOW] = 0x8a;
	assert_false(filter_selects(DLT_RAW, buf, pkt, sizeof(pkt)));
	pkt[DPORT_LOW] = 0x89;
	pkt[DST_LAST] = 3;
	assert_false(filter_selects(DLT_RAW, buf, pkt, sizeof(pkt)));
}

/* The same datagram over UDP: 192.0.2.1:40000 to 198.51.100.2:5001. */
static const uint8_t spa_datagram[28] = {
	0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0,
	192, 0, 2, 1, 198, 51, 100, 2,
	0x9c, 0x40, 0x13, 0x89, 0, 8, 0, 0,
};

/* UDP to the SPA port is selected like TCP; to another port, or another
 * protocol with the same bytes where the ports would be, is not. */
static void
test_matches_udp(void **state)
{
	char buf[FILTER_TEXT_MAX];
	uint8_t pkt[sizeof(spa_datagram)];
	struct spa_addr a;

	(void)state;
	assert_int_equal(addr_parse("198.51.100.2", &a), 0);
	for (int with_dst = 0; with_dst < 2; with_dst++) {
		assert_int_equal(filter_build(buf, sizeof(buf), 5001,
		    with_dst ? &a : NULL, 0), 0);
		memcpy(pkt, spa_datagram, sizeof(pkt));
		assert_true(filter_selects(DLT_RAW, buf, pkt, sizeof(pkt)));
		pkt[DPORT_LOW] = 0x8a;
		assert_false(filter_selects(DLT_RAW, buf, pkt, sizeof(pkt)));
		pkt[DPORT_LOW] = 0x89;
		pkt[9] = 132;           /* SCTP: "dst port" alone would match */
		assert_false(filter_selects(DLT_RAW, buf, pkt, sizeof(pkt)));
	}
}

/* With vlan, on Ethernet, the filter selects the segment with and without
 * an 802.1Q tag, and still only to the SPA port. */
static void
test_vlan(void **state)
{
	static const uint8_t macs[12] = { 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6 };
	static const uint8_t tag[4] = { 0x81, 0x00, 0x00, 0x07 };
	uint8_t tagged[18 + 40], plain[14 + 40];
	char buf[FILTER_TEXT_MAX];
	struct spa_addr a;

	(void)state;
	memcpy(tagged, macs, 12);
	memcpy(tagged + 12, tag, 4);
	tagged[16] = 0x08;
	tagged[17] = 0x00;
	memcpy(tagged + 18, spa_segment, 40);
	memcpy(plain, macs, 12);
	memcpy(plain + 12, tagged + 16, 2 + 40);
	assert_int_equal(addr_parse("198.51.100.2", &a), 0);
	assert_int_equal(filter_build(buf, sizeof(buf), 5001, &a, 1), 0);
#define SEL "(tcp dst port 5001 or udp dst port 5001" EXT \
	    ") and dst host 198.51.100.2"
	assert_string_equal(buf, "(" SEL ") or (vlan and ((" SEL ") or (vlan "
	    "and (" SEL "))))");
#undef SEL
	assert_true(filter_selects(DLT_EN10MB, buf, tagged, sizeof(tagged)));
	assert_true(filter_selects(DLT_EN10MB, buf, plain, sizeof(plain)));
	/* Without the vlan half, the tagged frame is missed. */
	assert_int_equal(filter_build(buf, sizeof(buf), 5001, &a, 0), 0);
	assert_false(filter_selects(DLT_EN10MB, buf, tagged, sizeof(tagged)));
	assert_int_equal(filter_build(buf, sizeof(buf), 5001, NULL, 1), 0);
#define SEL "tcp dst port 5001 or udp dst port 5001" EXT
	assert_string_equal(buf, "(" SEL ") or (vlan and ((" SEL ") or (vlan "
	    "and (" SEL "))))");
#undef SEL
	tagged[18 + DPORT_LOW] = 0x8a;
	assert_false(filter_selects(DLT_EN10MB, buf, tagged, sizeof(tagged)));
}

/* Ethernet with the tags given (TPIDs), then spa_segment; its length. */
static size_t
ether_frame(uint8_t *out, const uint16_t *tpids, int ntags)
{
	static const uint8_t macs[12] = { 0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6 };
	size_t at = 12;

	memcpy(out, macs, 12);
	for (int i = 0; i < ntags; i++) {
		out[at++] = (uint8_t)(tpids[i] >> 8);
		out[at++] = (uint8_t)tpids[i];
		out[at++] = 0;
		out[at++] = (uint8_t)(7 + i);
	}
	out[at++] = 0x08;
	out[at++] = 0x00;
	memcpy(out + at, spa_segment, sizeof(spa_segment));
	return at + sizeof(spa_segment);
}

/* 802.1ad alone, and QinQ (802.1ad, then 802.1Q), are selected; three
 * tags, or the port wrong behind two, are not. */
static void
test_qinq(void **state)
{
	static const uint16_t ad[] = { 0x88a8 }, qinq[] = { 0x88a8, 0x8100 },
	    three[] = { 0x88a8, 0x8100, 0x8100 };
	uint8_t frame[12 + 3 * 4 + 2 + sizeof(spa_segment)];
	char buf[FILTER_TEXT_MAX];
	struct spa_addr a;
	size_t len;

	(void)state;
	assert_int_equal(addr_parse("198.51.100.2", &a), 0);
	for (int with_dst = 0; with_dst < 2; with_dst++) {
		assert_int_equal(filter_build(buf, sizeof(buf), 5001,
		    with_dst ? &a : NULL, 1), 0);
		len = ether_frame(frame, ad, 1);
		assert_true(filter_selects(DLT_EN10MB, buf, frame, len));
		len = ether_frame(frame, qinq, 2);
		assert_true(filter_selects(DLT_EN10MB, buf, frame, len));
		frame[len - sizeof(spa_segment) + DPORT_LOW] = 0x8a;
		assert_false(filter_selects(DLT_EN10MB, buf, frame, len));
		len = ether_frame(frame, three, 3);
		assert_false(filter_selects(DLT_EN10MB, buf, frame, len));
	}
}

/* IPv6 with a hop-by-hop, routing or destination-options header first is
 * selected (to the configured address only, when there is one); a plain
 * IPv6 packet of another protocol is not. */
static void
test_ipv6_ext(void **state)
{
	uint8_t pkt[40 + 8 + 20] = { 0x60, 0, 0, 0, 0, 28, 0, 64 };
	char buf[FILTER_TEXT_MAX];
	struct spa_addr a, other;

	(void)state;
	assert_int_equal(addr_parse("2001:db8::2", &a), 0);
	assert_int_equal(addr_parse("2001:db8::3", &other), 0);
	memcpy(pkt + 24, a.bytes, 16);
	pkt[40] = 6;            /* the extension header's next header: TCP */
	for (int with_dst = 0; with_dst < 2; with_dst++) {
		assert_int_equal(filter_build(buf, sizeof(buf), 5001,
		    with_dst ? &a : NULL, 0), 0);
		pkt[6] = 0;
		assert_true(filter_selects(DLT_RAW, buf, pkt, sizeof(pkt)));
		pkt[6] = 43;
		assert_true(filter_selects(DLT_RAW, buf, pkt, sizeof(pkt)));
		pkt[6] = 60;
		assert_true(filter_selects(DLT_RAW, buf, pkt, sizeof(pkt)));
		pkt[6] = 58;    /* ICMPv6 */
		assert_false(filter_selects(DLT_RAW, buf, pkt, sizeof(pkt)));
	}
	assert_int_equal(filter_build(buf, sizeof(buf), 5001, &other, 0), 0);
	pkt[6] = 0;
	assert_false(filter_selects(DLT_RAW, buf, pkt, sizeof(pkt)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_longest),
		cmocka_unit_test(test_nospace),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_compiles),
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_matches_udp),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_qinq),
		cmocka_unit_test(test_ipv6_ext),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
