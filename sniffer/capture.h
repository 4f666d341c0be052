/*
 * Opening a capture, live or from a file, with the SPA filter compiled for
 * its link type: the one place that talks to libpcap's set-up, shared by
 * live mode and -r.
 */
#ifndef SPA_CAPTURE_H
#define SPA_CAPTURE_H

#include <net/if.h>
#include <pcap.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "filter.h"

#define CAPTURE_SNAPLEN 1024    /* headers + a 115-byte payload, with room */

struct capture {
	pcap_t *pcap;
	struct bpf_program filter;      /* compiled; set on live captures */
	int linktype;
	char filter_text[FILTER_TEXT_MAX];
	char iface[IF_NAMESIZE];        /* live: the device's name; "" for a file */
};

/* A live capture on iface: immediate mode, non-blocking, a kernel ring of
 * buffer_bytes, the filter for port (and dst when not NULL) applied in the
 * kernel.  0, or SPA_ERR_CAPTURE with a message in err. */
int capture_open_live(const char *iface, uint16_t port,
    const struct spa_addr *dst, unsigned buffer_bytes, struct capture *c,
    char *err, size_t errlen);
/* A pcap file, timestamps in microseconds; the filter is compiled but not
 * set, so the caller applies it (pcap_offline_filter) and can count every
 * frame.  0, or SPA_ERR_CAPTURE with a message in err. */
int capture_open_file(const char *path, uint16_t port,
    const struct spa_addr *dst, struct capture *c, char *err, size_t errlen);
void capture_close(struct capture *c);

#endif
