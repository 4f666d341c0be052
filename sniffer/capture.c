#include "capture.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "frame.h"

/* "WHAT: libpcap's message" into err, then closes c (its filter too when
 * compiled).  Returns -1. */
static int
capture_fail(struct capture *c, int compiled, const char *what, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, pcap_geterr(c->pcap));
	if (compiled)
		pcap_freecode(&c->filter);
	pcap_close(c->pcap);
	c->pcap = NULL;
	return SPA_ERR_CAPTURE;
}

/* The link type must be one the decoder reads; then the filter.  On
 * failure the capture is closed. */
static int
capture_compile(struct capture *c, const char *what, uint16_t port,
    const struct spa_addr *dst, char *err, size_t errlen)
{
	const char *name;

	c->linktype = pcap_datalink(c->pcap);
	if (!frame_linktype_supported(c->linktype)) {
		name = pcap_datalink_val_to_name(c->linktype);
		snprintf(err, errlen, "%s: unsupported link type %s (%d)", what,
		    name != NULL ? name : "unknown", c->linktype);
		pcap_close(c->pcap);
		c->pcap = NULL;
		return SPA_ERR_CAPTURE;
	}
	if (filter_build(c->filter_text, sizeof(c->filter_text), port, dst,
	    c->linktype == DLT_EN10MB) != 0 ||
	    pcap_compile(c->pcap, &c->filter, c->filter_text, 1,
	    PCAP_NETMASK_UNKNOWN) != 0) {
		char prefix[FILTER_TEXT_MAX + 300];

		snprintf(prefix, sizeof(prefix), "%.256s: filter \"%s\"", what,
		    c->filter_text);
		return capture_fail(c, 0, prefix, err, errlen);
	}
	return 0;
}

int
capture_open_live(const char *iface, uint16_t port,
    const struct spa_addr *dst, unsigned buffer_bytes, struct capture *c,
    char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "", what[256];

	memset(c, 0, sizeof(*c));
	if ((c->pcap = pcap_create(iface, pcap_err)) == NULL) {
		snprintf(err, errlen, "capture on %s: %s", iface, pcap_err);
		return SPA_ERR_CAPTURE;
	}
	snprintf(what, sizeof(what), "capture on %.200s", iface);
	snprintf(c->iface, sizeof(c->iface), "%s", iface);
	if (pcap_set_snaplen(c->pcap, CAPTURE_SNAPLEN) != 0 ||
	    pcap_set_immediate_mode(c->pcap, 1) != 0 ||
	    pcap_set_buffer_size(c->pcap, (int)buffer_bytes) != 0 ||
	    pcap_activate(c->pcap) < 0 ||
	    pcap_setnonblock(c->pcap, 1, pcap_err) != 0)
		return capture_fail(c, 0, what, err, errlen);
	if (capture_compile(c, iface, port, dst, err, errlen) != 0)
		return SPA_ERR_CAPTURE;
	if (pcap_setfilter(c->pcap, &c->filter) != 0)
		return capture_fail(c, 1, what, err, errlen);
	return 0;
}

int
capture_open_file(const char *path, uint16_t port,
    const struct spa_addr *dst, struct capture *c, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "";

	memset(c, 0, sizeof(*c));
	/* Microseconds whatever the file holds: the line prints them. */
	c->pcap = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, pcap_err);
	if (c->pcap == NULL) {
		snprintf(err, errlen, "%s: cannot read capture: %s", path,
		    pcap_err);
		return SPA_ERR_CAPTURE;
	}
	return capture_compile(c, path, port, dst, err, errlen);
}

void
capture_close(struct capture *c)
{
	if (c->pcap == NULL)
		return;
	pcap_freecode(&c->filter);
	pcap_close(c->pcap);
	c->pcap = NULL;
}
