#include "pcapout.h"

#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#define PCAPOUT_SNAPLEN 65535

int
pcapout_write(const char *path, const uint8_t *frame, size_t len,
    const struct timeval *ts, char err[PCAPOUT_ERR_MAX])
{
	struct pcap_pkthdr hdr;
	pcap_dumper_t *d;
	pcap_t *p;
	int rc = 0;

	p = pcap_open_dead(DLT_RAW, PCAPOUT_SNAPLEN);
	if (p == NULL) {
		snprintf(err, PCAPOUT_ERR_MAX, "pcap_open_dead failed");
		return -1;
	}
	d = pcap_dump_open(p, path);
	if (d == NULL) {
		snprintf(err, PCAPOUT_ERR_MAX, "%s", pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.ts = *ts;
	hdr.caplen = hdr.len = (bpf_u_int32)len;
	pcap_dump((u_char *)d, &hdr, frame);
	/* pcap_dump reports nothing: a short write shows at flush time. */
	if (pcap_dump_flush(d) != 0) {
		snprintf(err, PCAPOUT_ERR_MAX, "%s: write failed", path);
		rc = -1;
	}
	pcap_dump_close(d);
	pcap_close(p);
	return rc;
}
