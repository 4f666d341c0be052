#include "offline.h"

#include <pcap.h>
#include <string.h>

#include "filter.h"
#include "frame.h"
#include "report.h"

struct offline_capture {
	pcap_t *pcap;
	struct bpf_program filter;
	int linktype;
};

static int
offline_open(const char *path, uint16_t port, const struct spa_addr *dst,
    struct offline_capture *c, char *err, size_t errlen)
{
	char pcap_err[PCAP_ERRBUF_SIZE] = "", filter[FILTER_TEXT_MAX];
	const char *name;

	/* Microseconds whatever the file holds: the line prints them. */
	c->pcap = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, pcap_err);
	if (c->pcap == NULL) {
		snprintf(err, errlen, "%s: cannot read capture: %s", path,
		    pcap_err);
		return -1;
	}
	c->linktype = pcap_datalink(c->pcap);
	if (!frame_linktype_supported(c->linktype)) {
		name = pcap_datalink_val_to_name(c->linktype);
		snprintf(err, errlen, "%s: unsupported link type %s (%d)", path,
		    name != NULL ? name : "unknown", c->linktype);
		pcap_close(c->pcap);
		return -1;
	}
	if (filter_build(filter, sizeof(filter), port, dst,
	    c->linktype == DLT_EN10MB) != 0 ||
	    pcap_compile(c->pcap, &c->filter, filter, 1,
	    PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "filter \"%s\": %s", filter,
		    pcap_geterr(c->pcap));
		pcap_close(c->pcap);
		return -1;
	}
	return 0;
}

static void
offline_frame(struct server *s, struct state *st,
    const struct offline_capture *c,
    uint64_t number, const struct pcap_pkthdr *hdr, const u_char *data,
    offline_dry_run_fn *dry_run, void *ctx, FILE *out)
{
	struct server_frame f;
	struct report_frame rf = {
		.number = number,
		.sec = (int64_t)hdr->ts.tv_sec,
		.usec = (long)hdr->ts.tv_usec,
	};
	char line[REPORT_LINE_MAX];

	server_decide(s, c->linktype, data, hdr->caplen, rf.sec, &f);
	rf.pkt = f.decoded ? &f.pkt : NULL;
	if (st != NULL && f.decision.verdict == VERDICT_ACCEPTED &&
	    state_replay_add(st, f.decision.tag, f.decision.replay_until) != 0)
		fprintf(stderr, "sniffer: state: %s\n", state_error(st));
	report_offline_line(&rf, &f.decision, line);
	fprintf(out, "%s\n", line);
	if (dry_run != NULL && f.decision.verdict == VERDICT_ACCEPTED)
		dry_run(ctx, &f, out);
}

int
offline_run(struct server *s, struct state *st, const char *path,
    uint16_t port,
    const struct spa_addr *dst, offline_dry_run_fn *dry_run, void *ctx,
    FILE *out, char *err, size_t errlen)
{
	struct offline_capture c;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t number = 0;
	int rc;

	if (offline_open(path, port, dst, &c, err, errlen) != 0)
		return -1;
	/* Frames are numbered among all frames of the file, so the filter
	 * is applied here rather than inside libpcap (pcap_setfilter would
	 * hide the ones it drops from the count). */
	while ((rc = pcap_next_ex(c.pcap, &hdr, &data)) == 1) {
		number++;
		if (pcap_offline_filter(&c.filter, hdr, data) != 0)
			offline_frame(s, st, &c, number, hdr, data, dry_run, ctx,
			    out);
	}
	if (rc == PCAP_ERROR)
		snprintf(err, errlen, "%s: frame %llu: %s", path,
		    (unsigned long long)number + 1, pcap_geterr(c.pcap));
	pcap_freecode(&c.filter);
	pcap_close(c.pcap);
	return rc == PCAP_ERROR_BREAK ? 0 : -1;
}
