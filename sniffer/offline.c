#include "offline.h"

#include <pcap.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "commit.h"
#include "report.h"

static void
offline_frame(const struct offline_run *r, struct commit_pruner *pruner,
    const struct capture *c, uint64_t number, const struct pcap_pkthdr *hdr,
    const u_char *data)
{
	struct server_frame f;
	struct report_frame rf = {
		.number = number,
		.sec = (int64_t)hdr->ts.tv_sec,
		.usec = (long)hdr->ts.tv_usec,
	};
	char line[REPORT_LINE_MAX], err[512];
	int refused = 0;

	/* Never prune past the wall clock: a capture from the future must
	 * not drop tags a live run still needs. */
	if (commit_prune(pruner, r->replay, r->state, rf.sec < time(NULL) ?
	    rf.sec : time(NULL)) != 0)
		fprintf(stderr, "sniffer: state: cannot prune: %s\n",
		    state_error(r->state));
	server_decide(r->server, c->linktype, data, hdr->caplen, rf.sec, &f);
	rf.pkt = f.decoded ? &f.pkt : NULL;
	if (f.decision.verdict == VERDICT_ACCEPTED &&
	    commit_accepted(r->state, &f.decision, err, sizeof(err)) != 0) {
		fprintf(stderr, "sniffer: frame %llu: %s\n",
		    (unsigned long long)number, err);
		refused = 1;
	}
	report_offline_line(&rf, &f.decision, line);
	fprintf(r->out, "%s%s\n", line, refused ? COMMIT_REFUSED_FIELD : "");
	if (r->dry_run != NULL && f.decision.verdict == VERDICT_ACCEPTED &&
	    !refused)
		r->dry_run(r->ctx, &f, r->out);
}

int
offline_run(const struct offline_run *r, char *err, size_t errlen)
{
	struct commit_pruner pruner = { 0 };
	struct capture c;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t number = 0;
	int rc;

	if (capture_open_file(r->path, r->port, r->dst, &c, err, errlen) != 0)
		return -1;
	/* Frames are numbered among all frames of the file, so the filter
	 * is applied here rather than inside libpcap (pcap_setfilter would
	 * hide the ones it drops from the count). */
	while ((rc = pcap_next_ex(c.pcap, &hdr, &data)) == 1) {
		number++;
		if (pcap_offline_filter(&c.filter, hdr, data) != 0)
			offline_frame(r, &pruner, &c, number, hdr, data);
	}
	if (rc == PCAP_ERROR)
		snprintf(err, errlen, "%s: frame %llu: %s", r->path,
		    (unsigned long long)number + 1, pcap_geterr(c.pcap));
	capture_close(&c);
	return rc == PCAP_ERROR_BREAK ? 0 : -1;
}
