#include "report.h"

#include <inttypes.h>
#include <string.h>

/* Appends the endpoint fields; "-" when the frame did not decode. */
static size_t
report_endpoints(const struct spa_packet *pkt, char *out, size_t cap)
{
	char src[SPA_ADDRSTRLEN], dst[SPA_ADDRSTRLEN];
	int n;

	if (pkt == NULL)
		n = snprintf(out, cap, "src=- sport=- dst=- dport=- proto=-");
	else
		n = snprintf(out, cap, "src=%s sport=%u dst=%s dport=%u proto=%s",
		    addr_format(&pkt->src, src), (unsigned)pkt->sport,
		    addr_format(&pkt->dst, dst), (unsigned)pkt->dport,
		    pkt->proto == SPA_PROTO_UDP ? "udp" : "tcp");
	return n < 0 ? 0 : ((size_t)n < cap ? (size_t)n : cap - 1);
}

/* Appends " user=.. request=.. allow=.." for an accepted decision. */
static void
report_grant(const struct spa_decision *d, char *out, size_t cap)
{
	char allow[SPA_ADDRSTRLEN];

	if (d->verdict != VERDICT_ACCEPTED || cap == 0)
		return;
	snprintf(out, cap, " user=%s request=%s allow=%s", d->user_name,
	    d->request, addr_format(&d->allow, allow));
}

/* "frame=N time=S.UUUUUU ": the time is sec + usec / 10^6, so a time
 * before 1970 with a fraction is printed as its own negative decimal
 * (-1 + 0.25 s is -0.750000). */
static size_t
report_time(const struct report_frame *f, char *out)
{
	int64_t s = f->sec;
	long u = f->usec;
	const char *sign = "";
	int n;

	if (s < 0 && u > 0) {
		sign = "-";
		s = -(s + 1);
		u = 1000000 - u;
	}
	n = snprintf(out, REPORT_LINE_MAX, "frame=%" PRIu64 " time=%s%"
	    PRId64 ".%06ld ", f->number, sign, s, u);
	return n < 0 ? 0 : (size_t)n;
}

void
report_offline_line(const struct report_frame *f,
    const struct spa_decision *d, char out[REPORT_LINE_MAX])
{
	size_t len = report_time(f, out);
	int n;

	len += report_endpoints(f->pkt, out + len, REPORT_LINE_MAX - len);
	n = snprintf(out + len, REPORT_LINE_MAX - len, " verdict=%s",
	    verdict_word(d->verdict));
	len += n < 0 ? 0 : (size_t)n;
	if (len < REPORT_LINE_MAX && d->verdict == VERDICT_STALE)
		snprintf(out + len, REPORT_LINE_MAX - len, " skew=%" PRId64,
		    d->skew);
	else if (len < REPORT_LINE_MAX && d->verdict == VERDICT_DENIED &&
	    d->reason != DENY_NONE)
		snprintf(out + len, REPORT_LINE_MAX - len, " reason=%s",
		    deny_reason_word(d->reason));
	else if (len < REPORT_LINE_MAX)
		report_grant(d, out + len, REPORT_LINE_MAX - len);
}

void
report_log_line(const struct spa_packet *pkt, const struct spa_decision *d,
    char out[REPORT_LINE_MAX])
{
	int n = snprintf(out, REPORT_LINE_MAX, "verdict=%s ",
	    verdict_word(d->verdict));
	size_t len = n < 0 ? 0 : (size_t)n;

	len += report_endpoints(pkt, out + len, REPORT_LINE_MAX - len);
	if (d->verdict == VERDICT_ACCEPTED)
		report_grant(d, out + len, REPORT_LINE_MAX - len);
	else if (d->user_name != NULL && d->verdict == VERDICT_STALE)
		snprintf(out + len, REPORT_LINE_MAX - len, " user=%s skew=%"
		    PRId64, d->user_name, d->skew);
	else if (d->user_name != NULL && d->verdict == VERDICT_DENIED &&
	    d->reason != DENY_NONE)
		snprintf(out + len, REPORT_LINE_MAX - len, " user=%s reason=%s",
		    d->user_name, deny_reason_word(d->reason));
	else if (d->user_name != NULL)
		snprintf(out + len, REPORT_LINE_MAX - len, " user=%s",
		    d->user_name);
}

void
report_run_line(FILE *fp, char *const *argv)
{
	fputs("run:", fp);
	for (size_t i = 0; argv[i] != NULL; i++)
		fprintf(fp, " %s", argv[i]);
	fputc('\n', fp);
}
