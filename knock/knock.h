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

enum knock_status {
	KNOCK_OK = 0,
	KNOCK_ERR_NO_SOURCE = -1,           /* no source address: errno set */
	KNOCK_ERR_INTERNAL = -2,        /* randomness, crypto or libnet */
	KNOCK_ERR_WRITE = -3,           /* the pcap file */
	KNOCK_ERR_NOT_PERMITTED = -4,   /* raw socket refused */
	KNOCK_ERR_SEND = -5,            /* the network refused the frame */
	KNOCK_ERR_NO_LIBPCAP = -6,      /* -w: libpcap cannot be loaded */
};

/* Sends (or writes) one knock.  Returns a knock_status; on error, err holds
 * the cause.  *rep is filled once the frame is built. */
int knock_fire(const struct knock_spec *spec, struct knock_report *rep,
    char err[KNOCK_ERR_MAX]);

#endif
