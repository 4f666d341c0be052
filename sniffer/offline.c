#include "offline.h"

#include <pcap.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "commit.h"
#include "err.h"
#include "log.h"
#include "report.h"

/* The record's capture time as the file says it, the fraction in
 * 0..999999 (doc/interface.md "Offline").  A pcap file's seconds and
 * fraction are unsigned 32-bit fields, which libpcap hands over
 * sign-extended (from 2^31 up they arrive negative); a pcapng time comes
 * whole, and may be before 1970.  A fraction of a second or more (a
 * hand-made or corrupt record) carries into the seconds. */
static void
offline_time(const struct capture *c, const struct timeval *ts,
    int64_t *sec, long *usec)
{
	int64_t s = (int64_t)ts->tv_sec, u = (int64_t)ts->tv_usec;

	if (pcap_major_version(c->pcap) == PCAP_VERSION_MAJOR) {
		s = (int64_t)(uint32_t)s;
		u = (int64_t)(uint32_t)u;
	}
	s += u / 1000000;
	u %= 1000000;
	if (u < 0) {
		s--;
		u += 1000000;
	}
	*sec = s;
	*usec = (long)u;
}

static void
offline_frame(const struct offline_run *r, struct commit_pruner *pruner,
    const struct capture *c, uint64_t number, const struct pcap_pkthdr *hdr,
    const u_char *data)
{
	struct server_frame f;
	struct report_frame rf = { .number = number };
	char line[REPORT_LINE_MAX], err[512];
	int refused = 0;

	offline_time(c, &hdr->ts, &rf.sec, &rf.usec);

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
	uint64_t number = 0, decided = 0;
	int rc;

	if ((rc = capture_open_file(r->path, r->port, r->dst, &c, err,
	    errlen)) != 0)
		return rc;
	/* Frames are numbered among all frames of the file, so the filter
	 * is applied here rather than inside libpcap (pcap_setfilter would
	 * hide the ones it drops from the count). */
	while ((rc = pcap_next_ex(c.pcap, &hdr, &data)) == 1) {
		number++;
		if (pcap_offline_filter(&c.filter, hdr, data) != 0) {
			decided++;
			offline_frame(r, &pruner, &c, number, hdr, data);
		}
	}
	/* With -v: how many frames were read, so that a file whose every
	 * frame the filter dropped is told from one that was not read. */
	log_debug("%s: frames=%llu decided=%llu", r->path,
	    (unsigned long long)number, (unsigned long long)decided);
	if (rc == PCAP_ERROR)
		snprintf(err, errlen, "%s: frame %llu: %s", r->path,
		    (unsigned long long)number + 1, pcap_geterr(c.pcap));
	capture_close(&c);
	return rc == PCAP_ERROR_BREAK ? 0 : SPA_ERR_CAPTURE;
}
