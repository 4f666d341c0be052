/*
 * Captured frame -> TCP segment or UDP datagram (doc/style.md items 1-2).  The
 * decoder walks the link header, IPv4 or IPv6 and TCP or UDP through one
 * bounds-checked struct reader, assuming the capture may stop at any byte,
 * and hands the payload to the verifier (doc/protocol.md "Transport": the
 * payload of one TCP segment or one UDP datagram).  No allocation, no I/O,
 * no state.
 */
#ifndef SPA_FRAME_H
#define SPA_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <pcap/dlt.h>

/* Older <pcap/dlt.h> lack the newer values; these are the registered ones. */
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

struct spa_packet;

/*
 * 1 when frame_decode understands linktype, a pcap DLT_ value as
 * pcap_datalink() returns it: DLT_EN10MB (with 802.1Q / 802.1ad tags),
 * DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW (and LINKTYPE_RAW, 101), DLT_IPV4,
 * DLT_IPV6, DLT_NULL, DLT_LOOP; else 0.
 */
int frame_linktype_supported(int linktype);

/*
 * Decodes the caplen captured bytes of one frame of the given linktype.
 * Returns 0 when they hold a whole unfragmented IPv4 or IPv6 TCP segment or
 * UDP datagram: every header inside the capture and the IP length, and the
 * whole payload the IP length (and the UDP length) announces captured.  *out
 * then has the transport, addresses, ports, and payload/len pointing into
 * data (valid as long as data is).  Otherwise returns SPA_ERR_TRUNCATED (the
 * capture or the IP or UDP length ends inside a header or the payload) or
 * SPA_ERR_INVALID (unknown linktype or ethertype, not IP, neither TCP nor
 * UDP, a fragment, a malformed header), and leaves *out alone.
 * The caller counts every failure as not-spa.
 */
int frame_decode(int linktype, const uint8_t *data, size_t caplen,
    struct spa_packet *out);

#endif
