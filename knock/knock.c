#include "knock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "err.h"
#include "segment.h"
#include "inject.h"
#include "pcapout.h"
#include "srcaddr.h"
#include "udp.h"

#define KNOCK_TCP_SYN 0x02

/* The values that differ from one knock to the next. */
struct knock_draw {
	struct timeval now;
	uint8_t nonce[NATIVE_NONCE_LEN];
	uint16_t sport;
	uint16_t ip_id;
	uint32_t seq;
};

/* Rejection sampling keeps the port uniform over 1024..65535. */
static int
knock_random_sport(uint16_t *port)
{
	do {
		if (crypto_random(port, sizeof(*port)) != 0)
			return SPA_ERR_CRYPTO;
	} while (*port < KNOCK_SPORT_MIN);
	return 0;
}

static int
knock_draw(const struct knock_spec *spec, struct knock_draw *d)
{
	gettimeofday(&d->now, NULL);
	if (crypto_random(d->nonce, sizeof(d->nonce)) != 0 ||
	    crypto_random(&d->seq, sizeof(d->seq)) != 0)
		return SPA_ERR_CRYPTO;
	do {
		if (crypto_random(&d->ip_id, sizeof(d->ip_id)) != 0)
			return SPA_ERR_CRYPTO;
	} while (d->ip_id == 0);
	if (spec->sport != 0) {
		d->sport = spec->sport;
		return 0;
	}
	return knock_random_sport(&d->sport);
}

static int
knock_payload(const struct knock_spec *spec, const struct knock_draw *d,
    struct knock_report *rep, uint8_t payload[PAYLOAD_MAX],
    char err[KNOCK_ERR_MAX])
{
	struct payload_input in = {
		.format = spec->format, .secret = spec->secret,
		.seed = spec->format == PAYLOAD_SIGNED ? spec->seed : NULL,
		.src = rep->src, .dst = spec->dst, .allow = rep->allow,
		.sport = d->sport, .dport = spec->dport,
		.request = spec->request, .time = (int64_t)d->now.tv_sec,
	};
	int rc;

	memcpy(in.nonce, d->nonce, sizeof(in.nonce));
	rc = payload_build(&in, payload, &rep->payload_len);
	crypto_wipe(in.nonce, sizeof(in.nonce));
	if (rc != 0) {
		snprintf(err, KNOCK_ERR_MAX, "building the payload: %s",
		    err_str(rc));
		return rc;
	}
	memcpy(rep->tag, payload_tag(spec->format, payload), SPA_MAC_LEN);
	return 0;
}

static int
knock_frame(const struct knock_spec *spec, const struct knock_draw *d,
    struct knock_report *rep, uint8_t frame[SEGMENT_MAX],
    char err[KNOCK_ERR_MAX])
{
	uint8_t payload[PAYLOAD_MAX];
	struct segment_input fi = {
		.src = rep->src, .dst = spec->dst, .sport = d->sport,
		.dport = spec->dport, .seq = d->seq, .ip_id = d->ip_id,
		.flags = KNOCK_TCP_SYN, .udp = spec->udp,
	};
	int rc;

	rc = knock_payload(spec, d, rep, payload, err);
	if (rc == 0)
		rc = segment_build(&fi, payload, rep->payload_len, frame,
		    &rep->frame_len, err);
	return rc;
}

static int
knock_output(const struct knock_spec *spec, const struct knock_draw *d,
    const uint8_t *frame, size_t len, char err[KNOCK_ERR_MAX])
{
	/* Stamped with the payload's clock, so an offline reader's "now" is
	 * the time the knock claims. */
	if (spec->pcap_path != NULL)
		return pcapout_write(spec->pcap_path, frame, len, &d->now, err);
	return inject_send(spec->dst.family, frame, len, err);
}

static void
knock_report_init(const struct knock_spec *spec, struct knock_report *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->dst = spec->dst;
	rep->dport = spec->dport;
	rep->format = spec->format;
	rep->udp = spec->udp;
}

static int
knock_addresses(const struct knock_spec *spec, struct knock_report *rep,
    char err[KNOCK_ERR_MAX])
{
	knock_report_init(spec, rep);
	if (spec->has_src) {
		rep->src = spec->src;
	} else if (srcaddr_lookup(&spec->dst, spec->dport, &rep->src) != 0) {
		snprintf(err, KNOCK_ERR_MAX, "%s", strerror(errno));
		return SPA_ERR_NO_ROUTE;
	}
	rep->allow = spec->has_allow ? spec->allow : rep->src;
	return 0;
}

/*
 * Over UDP the socket comes first: the kernel picks the source address and
 * port when it connects, and the payload (the classic format binds both)
 * is built for what it picked.
 */
static int
knock_udp(const struct knock_spec *spec, struct knock_draw *d,
    struct knock_report *rep, char err[KNOCK_ERR_MAX])
{
	uint8_t payload[PAYLOAD_MAX];
	char dst[SPA_ADDRSTRLEN];
	int fd, rc;

	fd = udp_open(&spec->dst, spec->dport, spec->sport, &rep->src,
	    &rep->sport);
	if (fd < 0) {
		snprintf(err, KNOCK_ERR_MAX, "cannot open a UDP socket to %s "
		    "port %u: %s", addr_format(&spec->dst, dst),
		    (unsigned)spec->dport, strerror(errno));
		return SPA_ERR_NETWORK;
	}
	rep->allow = spec->has_allow ? spec->allow : rep->src;
	d->sport = rep->sport;
	rc = knock_payload(spec, d, rep, payload, err);
	if (rc == 0 && udp_send(fd, payload, rep->payload_len) != 0) {
		snprintf(err, KNOCK_ERR_MAX, "send: %s", strerror(errno));
		rc = SPA_ERR_NETWORK;
	}
	rep->frame_len = (spec->dst.family == 4 ? UDP_IP4_HDR_LEN :
	    UDP_IP6_HDR_LEN) + UDP_HDR_LEN + rep->payload_len;
	crypto_wipe(payload, sizeof(payload));
	close(fd);
	return rc;
}

int
knock_fire(const struct knock_spec *spec, struct knock_report *rep,
    char err[KNOCK_ERR_MAX])
{
	uint8_t frame[SEGMENT_MAX];
	struct knock_draw d;
	int rc;

	if (spec->udp && spec->pcap_path == NULL)
		knock_report_init(spec, rep);
	else if ((rc = knock_addresses(spec, rep, err)) != 0)
		return rc;
	if ((rc = knock_draw(spec, &d)) != 0) {
		snprintf(err, KNOCK_ERR_MAX, "the random generator failed");
		return rc;
	}
	if (spec->udp && spec->pcap_path == NULL) {
		rc = knock_udp(spec, &d, rep, err);
	} else {
		rep->sport = d.sport;
		rc = knock_frame(spec, &d, rep, frame, err);
		if (rc == 0)
			rc = knock_output(spec, &d, frame, rep->frame_len, err);
	}
	crypto_wipe(&d, sizeof(d));
	return rc;
}
