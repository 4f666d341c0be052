#include "segment.h"

#include <stdio.h>
#include <string.h>

#include <libnet.h>

#include "err.h"

static int
segment_fail(libnet_t *l, const char *what, char err[SEGMENT_ERR_MAX])
{
	snprintf(err, SEGMENT_ERR_MAX, "%s: %s", what,
	    l == NULL ? "no libnet context" : libnet_geterror(l));
	return SPA_ERR_INVALID;
}

static int
segment_ip4(libnet_t *l, const struct segment_input *in, size_t tcp_len,
    uint8_t proto, char err[SEGMENT_ERR_MAX])
{
	uint32_t src, dst;

	/* addr.h keeps IPv4 mapped: the address is the last four bytes,
	 * already in network order, as libnet wants it. */
	memcpy(&src, in->src.bytes + 12, 4);
	memcpy(&dst, in->dst.bytes + 12, 4);
	if (libnet_build_ipv4((uint16_t)(LIBNET_IPV4_H + tcp_len), 0, in->ip_id,
	    IP_DF, SEGMENT_TTL, proto, 0, src, dst, NULL, 0, l, 0) < 0)
		return segment_fail(l, "libnet_build_ipv4", err);
	return 0;
}

static int
segment_ip6(libnet_t *l, const struct segment_input *in, size_t tcp_len,
    uint8_t proto, char err[SEGMENT_ERR_MAX])
{
	struct libnet_in6_addr src, dst;

	memcpy(src.libnet_s6_addr, in->src.bytes, 16);
	memcpy(dst.libnet_s6_addr, in->dst.bytes, 16);
	if (libnet_build_ipv6(0, 0, (uint16_t)tcp_len, proto, SEGMENT_TTL,
	    src, dst, NULL, 0, l, 0) < 0)
		return segment_fail(l, "libnet_build_ipv6", err);
	return 0;
}

/* Coalescing computes the checksums that were left 0 above. */
static int
segment_copy_out(libnet_t *l, uint8_t out[SEGMENT_MAX], size_t *len,
    char err[SEGMENT_ERR_MAX])
{
	uint8_t *bytes = NULL;
	uint32_t n = 0;

	if (libnet_pblock_coalesce(l, &bytes, &n) < 0)
		return segment_fail(l, "libnet_pblock_coalesce", err);
	if (n > SEGMENT_MAX) {
		libnet_adv_free_packet(l, bytes);
		snprintf(err, SEGMENT_ERR_MAX, "frame of %u bytes too long", n);
		return SPA_ERR_INVALID;
	}
	memcpy(out, bytes, n);
	*len = n;
	libnet_adv_free_packet(l, bytes);
	return 0;
}

int
segment_build(const struct segment_input *in, const uint8_t *payload,
    size_t payload_len, uint8_t out[SEGMENT_MAX], size_t *len,
    char err[SEGMENT_ERR_MAX])
{
	char lerr[LIBNET_ERRBUF_SIZE] = "";
	size_t tcp_len = (in->udp ? LIBNET_UDP_H : LIBNET_TCP_H) + payload_len;
	uint8_t proto = in->udp ? IPPROTO_UDP : IPPROTO_TCP;
	libnet_t *l;
	int rc = SPA_ERR_INVALID;

	if (in->src.family != in->dst.family ||
	    tcp_len + LIBNET_IPV6_H > SEGMENT_MAX) {
		snprintf(err, SEGMENT_ERR_MAX, "mixed address families or payload too long");
		return SPA_ERR_INVALID;
	}
	/* LIBNET_NONE: build only, no socket, no privileges. */
	l = libnet_init(LIBNET_NONE, NULL, lerr);
	if (l == NULL) {
		snprintf(err, SEGMENT_ERR_MAX, "libnet_init: %s", lerr);
		return SPA_ERR_INVALID;
	}
	if (in->udp ? libnet_build_udp(in->sport, in->dport, (uint16_t)tcp_len,
	    0, payload, (uint32_t)payload_len, l, 0) < 0 :
	    libnet_build_tcp(in->sport, in->dport, in->seq, 0, in->flags,
	    SEGMENT_WINDOW, 0, 0, (uint16_t)tcp_len, payload, (uint32_t)payload_len,
	    l, 0) < 0) {
		segment_fail(l, in->udp ? "libnet_build_udp" : "libnet_build_tcp",
		    err);
		goto destroy;
	}
	if (in->dst.family == 4)
		rc = segment_ip4(l, in, tcp_len, proto, err);
	else
		rc = segment_ip6(l, in, tcp_len, proto, err);
	if (rc == 0)
		rc = segment_copy_out(l, out, len, err);
destroy:
	libnet_destroy(l);
	return rc;
}
