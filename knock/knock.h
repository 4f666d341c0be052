/*
 * One knock from resolved settings: draws what varies per packet (time,
 * nonce, source port, TCP sequence, IP id), asks the kernel for the source
 * address when none was given, builds payload and frame, then writes the
 * frame to a pcap file or injects it.  Over UDP the payload goes out in one
 * datagram from an ordinary socket, whose source address and port the
 * kernel picks and the payload binds.  main.c turns the outcome into a
 * message and an exit status.
 */
#ifndef KNOCK_KNOCK_H
#define KNOCK_KNOCK_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "crypto.h"
#include "payload.h"
#include "sign.h"

#define KNOCK_ERR_MAX 512
#define KNOCK_DEFAULT_PORT 5001
#define KNOCK_SPORT_MIN 1024    /* random source ports are unprivileged */

struct knock_spec {
	enum payload_format format;
	uint8_t secret[SPA_SECRET_LEN];
	uint8_t seed[SIGN_SEED_LEN];    /* PAYLOAD_SIGNED only */
	struct spa_addr dst;
	struct spa_addr src;            /* used when has_src */
	struct spa_addr allow;          /* native; used when has_allow, else src */
	int has_src, has_allow;
	uint16_t dport;
	uint16_t sport;                 /* 0: random in 1024..65535 */
	char request[SPA_REQUEST_MAX + 1];
	const char *pcap_path;          /* write here instead of sending */
	int udp;                        /* a UDP datagram, not a TCP SYN;
	                                 * never with has_src */
};

/* What went out, for -v: never the key. */
struct knock_report {
	struct spa_addr src, dst, allow;
	uint16_t sport, dport;
	int udp;
	enum payload_format format;
	size_t payload_len, frame_len;
	uint8_t tag[SPA_MAC_LEN];
};

/* Sends (or writes) one knock.  Returns 0, or on error, with the cause in
 * err: SPA_ERR_NO_ROUTE (no source address toward DST), SPA_ERR_WRITE
 * (the pcap file), SPA_ERR_UNAVAILABLE (-w: libpcap cannot be loaded),
 * SPA_ERR_PERMISSION (the raw socket refused), SPA_ERR_NETWORK (the
 * network refused the frame), or another code for what cannot happen
 * (randomness, crypto, building the frame).  *rep is filled once the
 * frame is built. */
int knock_fire(const struct knock_spec *spec, struct knock_report *rep,
    char err[KNOCK_ERR_MAX]);

#endif
