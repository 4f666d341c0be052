#include "frame.h"

#include <pcap/dlt.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "err.h"
#include "verify.h"


/*
 * Raw IP as a savefile header writes it.  pcap_datalink() maps it to DLT_RAW
 * (12 on most systems, 14 on OpenBSD), but a caller holding the file's
 * linktype (pcap_datalink_ext) sees 101.  The literals 12 and 14 are not
 * accepted on their own: 12 is DLT_LOOP on OpenBSD and 14 is DLT_PPP_BSDOS on
 * FreeBSD and NetBSD, so only the platform's DLT_RAW means raw IP.
 */
#define FRAME_LINKTYPE_RAW 101

#define ETHERTYPE_IPV4   0x0800
#define ETHERTYPE_IPV6   0x86dd
#define ETHERTYPE_8021Q  0x8100     /* IEEE 802.1Q customer tag */
#define ETHERTYPE_8021AD 0x88a8     /* IEEE 802.1ad service tag (QinQ) */
#define FRAME_MAX_VLAN   4          /* tags before the ethertype; real stacks use 1 or 2 */

/* BSD address families in the DLT_NULL / DLT_LOOP header (tcpdump af.h). */
#define BSD_AF_INET         2
#define BSD_AF_INET6_BSD    24      /* NetBSD, OpenBSD, BSD/OS */
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

/* RFC 8200 section 4 extension headers, RFC 793 TCP, RFC 768 UDP. */
#define IPPROTO_NUM_HOPOPTS  0
#define IPPROTO_NUM_TCP      SPA_PROTO_TCP
#define IPPROTO_NUM_UDP      SPA_PROTO_UDP
#define IPPROTO_NUM_ROUTING  43
#define IPPROTO_NUM_FRAGMENT 44
#define IPPROTO_NUM_DSTOPTS  60
#define FRAME_MAX_IPV6_EXT   8      /* bound on the header chain we walk */

#define IPV4_MIN_HDR 20
#define IPV6_HDR     40
#define TCP_MIN_HDR  20
#define UDP_HDR      8

enum frame_link {
	FRAME_LINK_NONE,
	FRAME_LINK_ETHER,
	FRAME_LINK_SLL,
	FRAME_LINK_SLL2,
	FRAME_LINK_RAW,         /* IPv4 or IPv6, by the version nibble */
	FRAME_LINK_IPV4,
	FRAME_LINK_IPV6,
	FRAME_LINK_NULL,
	FRAME_LINK_LOOP,
};

/* Searched in order, first match wins, so no value can mean two things. */
static const struct frame_linkmap {
	int linktype;
	enum frame_link link;
} frame_links[] = {
	{ DLT_EN10MB, FRAME_LINK_ETHER },
	{ DLT_LINUX_SLL, FRAME_LINK_SLL },
	{ DLT_LINUX_SLL2, FRAME_LINK_SLL2 },
	{ DLT_NULL, FRAME_LINK_NULL },
	{ DLT_LOOP, FRAME_LINK_LOOP },
	{ DLT_RAW, FRAME_LINK_RAW },
	{ FRAME_LINKTYPE_RAW, FRAME_LINK_RAW },
	{ DLT_IPV4, FRAME_LINK_IPV4 },
	{ DLT_IPV6, FRAME_LINK_IPV6 },
};

static enum frame_link
frame_link_of(int linktype)
{
	for (size_t i = 0; i < sizeof(frame_links) / sizeof(frame_links[0]); i++)
		if (frame_links[i].linktype == linktype)
			return frame_links[i].link;
	return FRAME_LINK_NONE;
}

int
frame_linktype_supported(int linktype)
{
	return frame_link_of(linktype) != FRAME_LINK_NONE;
}

/*
 * Follows 802.1Q / 802.1ad tags (2 bytes TCI, then the next ethertype) to the
 * network protocol; sets *ipver to 4 or 6.
 */
static int
frame_ethertype(struct reader *r, uint16_t type, int *ipver)
{
	int rc;

	for (int tags = 0; type == ETHERTYPE_8021Q ||
	    type == ETHERTYPE_8021AD; tags++) {
		if (tags == FRAME_MAX_VLAN)
			return SPA_ERR_INVALID;
		if ((rc = reader_skip(r, 2)) != 0 ||
		    (rc = reader_get_u16(r, &type)) != 0)
			return rc;
	}
	if (type == ETHERTYPE_IPV4)
		*ipver = 4;
	else if (type == ETHERTYPE_IPV6)
		*ipver = 6;
	else
		return SPA_ERR_INVALID;
	return 0;
}

/* IEEE 802.3: destination, source, ethertype (or the first tag's TPID). */
static int
frame_ether(struct reader *r, int *ipver)
{
	uint16_t type;
	int rc;

	if ((rc = reader_skip(r, 12)) != 0 ||
	    (rc = reader_get_u16(r, &type)) != 0)
		return rc;
	return frame_ethertype(r, type, ipver);
}

/*
 * Linux cooked v1 (pcap-linktype(7) LINKTYPE_LINUX_SLL): packet type,
 * ARPHRD, address length, 8 address bytes, then the protocol at offset 14.
 */
static int
frame_sll(struct reader *r, int *ipver)
{
	uint16_t type;
	int rc;

	if ((rc = reader_skip(r, 14)) != 0 ||
	    (rc = reader_get_u16(r, &type)) != 0)
		return rc;
	return frame_ethertype(r, type, ipver);
}

/*
 * Linux cooked v2 (LINKTYPE_LINUX_SLL2): protocol at offset 0, then reserved,
 * interface index, ARPHRD, packet type, address length, 8 address bytes.
 */
static int
frame_sll2(struct reader *r, int *ipver)
{
	uint16_t type;
	int rc;

	if ((rc = reader_get_u16(r, &type)) != 0 ||
	    (rc = reader_skip(r, 18)) != 0)
		return rc;
	return frame_ethertype(r, type, ipver);
}

/*
 * BSD loopback: a 4-byte address family.  DLT_LOOP has it in network order;
 * DLT_NULL in the capturing host's order, which a savefile from another
 * machine does not share, so (as tcpdump's null_if_print) a value with its
 * upper half set is taken as byte-swapped.
 */
static int
frame_bsd_loop(struct reader *r, int host_order, int *ipver)
{
	uint32_t af;
	int rc;

	if ((rc = reader_get_u32(r, &af)) != 0)
		return rc;
	if (host_order && (af & 0xffff0000u) != 0)
		af = ((af & 0xff) << 24) | ((af & 0xff00) << 8) |
		    ((af >> 8) & 0xff00) | (af >> 24);
	if (af == BSD_AF_INET)
		*ipver = 4;
	else if (af == BSD_AF_INET6_BSD || af == BSD_AF_INET6_FREEBSD ||
	    af == BSD_AF_INET6_DARWIN)
		*ipver = 6;
	else
		return SPA_ERR_INVALID;
	return 0;
}

/* Consumes the link header; *ipver is 4, 6, or 0 for "by version nibble". */
static int
frame_link_header(int linktype, struct reader *r, int *ipver)
{
	*ipver = 0;
	switch (frame_link_of(linktype)) {
	case FRAME_LINK_ETHER:
		return frame_ether(r, ipver);
	case FRAME_LINK_SLL:
		return frame_sll(r, ipver);
	case FRAME_LINK_SLL2:
		return frame_sll2(r, ipver);
	case FRAME_LINK_NULL:
		return frame_bsd_loop(r, 1, ipver);
	case FRAME_LINK_LOOP:
		return frame_bsd_loop(r, 0, ipver);
	case FRAME_LINK_RAW:
		return 0;
	case FRAME_LINK_IPV4:
		*ipver = 4;
		return 0;
	case FRAME_LINK_IPV6:
		*ipver = 6;
		return 0;
	case FRAME_LINK_NONE:
		break;
	}
	return SPA_ERR_INVALID;
}

/*
 * RFC 791 fixed header after the first 4 bytes (already checked): no
 * fragment (more-fragments flag or a non-zero offset: a lone fragment is
 * not a whole segment), protocol TCP or UDP, addresses.  Options are not
 * read.
 */
static int
frame_ipv4_fields(struct reader *hdr, struct spa_packet *pkt)
{
	uint16_t frag;
	uint8_t proto, src[4], dst[4];
	int rc;

	/* version/IHL, type of service, total length, identification */
	if ((rc = reader_skip(hdr, 6)) != 0 ||
	    (rc = reader_get_u16(hdr, &frag)) != 0 ||
	    (rc = reader_skip(hdr, 1)) != 0 ||
	    (rc = reader_get_u8(hdr, &proto)) != 0 ||
	    (rc = reader_skip(hdr, 2)) != 0 ||
	    (rc = reader_get_bytes(hdr, src, sizeof(src))) != 0 ||
	    (rc = reader_get_bytes(hdr, dst, sizeof(dst))) != 0)
		return rc;
	if ((frag & 0x3fff) != 0 ||
	    (proto != IPPROTO_NUM_TCP && proto != IPPROTO_NUM_UDP))
		return SPA_ERR_INVALID;
	pkt->proto = proto;
	addr_from_v4(&pkt->src, src);
	addr_from_v4(&pkt->dst, dst);
	return 0;
}

/*
 * RFC 791.  On success r holds exactly the IP payload: the total length, not
 * the capture, ends the datagram (Ethernet pads short frames), and a total
 * length past the capture means the snap length cut it.
 */
static int
frame_ipv4(struct reader *r, struct spa_packet *pkt)
{
	struct reader peek = *r, hdr;
	uint8_t vihl;
	uint16_t totlen;
	size_t hlen;
	int rc;

	if ((rc = reader_get_u8(&peek, &vihl)) != 0 ||
	    (rc = reader_skip(&peek, 1)) != 0 ||
	    (rc = reader_get_u16(&peek, &totlen)) != 0)
		return rc;
	hlen = (size_t)(vihl & 0x0f) * 4;
	if ((vihl >> 4) != 4 || hlen < IPV4_MIN_HDR || totlen < hlen)
		return SPA_ERR_INVALID;
	if ((rc = reader_truncate(r, totlen)) != 0 ||
	    (rc = reader_sub(r, hlen, &hdr)) != 0)
		return rc;
	return frame_ipv4_fields(&hdr, pkt);
}

/*
 * RFC 8200 section 4: walks hop-by-hop, routing and destination options
 * headers ((n + 1) * 8 bytes each) to TCP or UDP, whose number it leaves in
 * *proto.  A fragment header, or any other next header, is not a whole
 * segment.
 */
static int
frame_ipv6_chain(struct reader *r, uint8_t nh, uint8_t *proto)
{
	uint8_t hdrlen;
	int rc;

	for (int n = 0; nh != IPPROTO_NUM_TCP && nh != IPPROTO_NUM_UDP; n++) {
		if (n == FRAME_MAX_IPV6_EXT || (nh != IPPROTO_NUM_HOPOPTS &&
		    nh != IPPROTO_NUM_ROUTING && nh != IPPROTO_NUM_DSTOPTS))
			return SPA_ERR_INVALID;
		if ((rc = reader_get_u8(r, &nh)) != 0 ||
		    (rc = reader_get_u8(r, &hdrlen)) != 0 ||
		    (rc = reader_skip(r, ((size_t)hdrlen + 1) * 8 - 2)) != 0)
			return rc;
	}
	*proto = nh;
	return 0;
}

/*
 * RFC 8200 section 3.  A payload length of 0 is a jumbogram (RFC 2675) or
 * carries nothing: not SPA.  On success r holds the TCP segment or UDP
 * datagram.
 */
static int
frame_ipv6(struct reader *r, struct spa_packet *pkt)
{
	uint32_t vtcfl;
	uint16_t plen;
	uint8_t nh, src[16], dst[16];
	int rc;

	if ((rc = reader_get_u32(r, &vtcfl)) != 0 ||
	    (rc = reader_get_u16(r, &plen)) != 0 ||
	    (rc = reader_get_u8(r, &nh)) != 0 ||
	    (rc = reader_skip(r, 1)) != 0 ||
	    (rc = reader_get_bytes(r, src, sizeof(src))) != 0 ||
	    (rc = reader_get_bytes(r, dst, sizeof(dst))) != 0)
		return rc;
	if ((vtcfl >> 28) != 6 || plen == 0)
		return SPA_ERR_INVALID;
	if ((rc = reader_truncate(r, plen)) != 0 ||
	    (rc = frame_ipv6_chain(r, nh, &pkt->proto)) != 0)
		return rc;
	addr_from_v6(&pkt->src, src);
	addr_from_v6(&pkt->dst, dst);
	return 0;
}

/* Picks the IP version from the link layer, or from the first nibble. */
static int
frame_ip(struct reader *r, int ipver, struct spa_packet *pkt)
{
	struct reader peek = *r;
	uint8_t first;
	int rc;

	if (ipver == 0) {
		if ((rc = reader_get_u8(&peek, &first)) != 0)
			return rc;
		ipver = first >> 4;
	}
	if (ipver == 4)
		return frame_ipv4(r, pkt);
	if (ipver == 6)
		return frame_ipv6(r, pkt);
	return SPA_ERR_INVALID;
}

/*
 * RFC 793 section 3.1.  r is bounded by both the capture and the IP length,
 * so a data offset (>= 5 words) past either fails here; what follows the
 * header is the payload, all of it captured.
 */
static int
frame_tcp(struct reader *r, struct spa_packet *pkt)
{
	uint8_t off;
	size_t hlen;
	int rc;

	if ((rc = reader_get_u16(r, &pkt->sport)) != 0 ||
	    (rc = reader_get_u16(r, &pkt->dport)) != 0 ||
	    (rc = reader_skip(r, 8)) != 0 ||
	    (rc = reader_get_u8(r, &off)) != 0)
		return rc;
	hlen = (size_t)(off >> 4) * 4;
	if (hlen < TCP_MIN_HDR)
		return SPA_ERR_INVALID;
	/* 13 bytes read: ports, sequence, acknowledgment, data offset */
	if ((rc = reader_skip(r, hlen - 13)) != 0)
		return rc;
	pkt->payload = r->ptr;
	pkt->len = reader_left(r);
	return 0;
}

/*
 * RFC 768.  The UDP length, not the IP length, ends the datagram; it may not
 * claim more than the IP length holds, nor less than its own header.
 * IPv6 UDP length 0 (a jumbogram, RFC 2675) is refused with it.
 */
static int
frame_udp(struct reader *r, struct spa_packet *pkt)
{
	uint16_t len;
	int rc;

	if ((rc = reader_get_u16(r, &pkt->sport)) != 0 ||
	    (rc = reader_get_u16(r, &pkt->dport)) != 0 ||
	    (rc = reader_get_u16(r, &len)) != 0 ||
	    (rc = reader_skip(r, 2)) != 0)
		return rc;
	if (len < UDP_HDR)
		return SPA_ERR_INVALID;
	/* 8 bytes read: ports, length, checksum */
	if ((rc = reader_truncate(r, len - UDP_HDR)) != 0)
		return rc;
	pkt->payload = r->ptr;
	pkt->len = reader_left(r);
	return 0;
}

int
frame_decode(int linktype, const uint8_t *data, size_t caplen,
    struct spa_packet *out)
{
	struct spa_packet pkt;
	struct reader r;
	int ipver, rc;

	memset(&pkt, 0, sizeof(pkt));
	reader_init(&r, data, caplen);
	if ((rc = frame_link_header(linktype, &r, &ipver)) != 0 ||
	    (rc = frame_ip(&r, ipver, &pkt)) != 0)
		return rc;
	rc = pkt.proto == IPPROTO_NUM_UDP ? frame_udp(&r, &pkt) :
	    frame_tcp(&r, &pkt);
	if (rc != 0)
		return rc;
	*out = pkt;
	return 0;
}
