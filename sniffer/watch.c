#include "watch.h"

#include <string.h>
#include <time.h>

#include "commit.h"
#include "err.h"
#include "report.h"

#define WATCH_STATS_SECONDS 60

int
watch_init(struct watch *w, const struct conf *c,
    struct replay_cache *replay, const struct ownaddr *own,
    struct capture *cap, watch_accept_fn *accept, void *ctx,
    char *err, size_t errlen)
{
	memset(w, 0, sizeof(*w));
	w->conf = c;
	w->cap = cap;
	w->accept = accept;
	w->ctx = ctx;
	w->reject_limit = (struct log_limit){ .interval = 10, .burst = 20 };
	w->debug_limit = (struct log_limit){ .interval = 10, .burst = 20 };
	w->stats_at = (int64_t)time(NULL);
	return server_new(c, replay, own, &w->server, err, errlen);
}

void
watch_free(struct watch *w)
{
	server_free(w->server);
	w->server = NULL;
}

/* The grant message for an accepted frame: indices, never names. */
static void
watch_message(const struct watch *w, const struct server_frame *f,
    struct privmsg_grant *m)
{
	memset(m, 0, sizeof(*m));
	m->type = PRIVMSG_GRANT;
	m->user = (uint32_t)f->decision.user;
	m->action = (uint32_t)(f->action - w->conf->actions);
	m->family = f->decision.allow.family;
	memcpy(m->addr, f->decision.allow.bytes, sizeof(m->addr));
	memcpy(m->tag, f->decision.tag, sizeof(m->tag));
	m->tag_expiry = f->decision.replay_until;
	m->knock_us = w->frame_us;
}

static void
watch_accepted(struct watch *w, const struct server_frame *f)
{
	char line[REPORT_LINE_MAX];
	struct privmsg_grant m;

	report_log_line(&f->pkt, &f->decision, line);
	if (f->action == NULL) {        /* conf_load makes this impossible */
		log_warn("%s: no such action", line);
		return;
	}
	watch_message(w, f, &m);
	switch (w->accept(w->ctx, &m)) {
	case PRIVMSG_DONE:
		log_info("%s", line);
		break;
	case PRIVMSG_REPLAY: {
		/* Another node of the cluster had it first. */
		struct spa_decision d = f->decision;

		d.verdict = VERDICT_REPLAY;
		server_recount(w->server, VERDICT_ACCEPTED, VERDICT_REPLAY);
		report_log_line(&f->pkt, &d, line);
		log_info("%s cluster=claimed-elsewhere", line);
		break;
	}
	case PRIVMSG_UNAVAILABLE:
		log_warn("%s%s", line, COMMIT_REDIS_DOWN_FIELD);
		break;
	default:
		log_warn("%s%s", line, COMMIT_REFUSED_FIELD);
	}
}

/* One captured frame (pcap_dispatch callback). */
static void
watch_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct watch *w = (struct watch *)user;
	int64_t now = (int64_t)time(NULL);
	struct server_frame f;
	char line[REPORT_LINE_MAX];

	w->frame_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
	server_decide(w->server, w->cap->linktype, data, h->caplen, now, &f);
	if (f.locked_now) {
		char src[SPA_ADDRSTRLEN];

		log_warn("lockout: ignoring %s for %u s after %u bad-mac, replay "
		    "or stale verdicts", addr_format(&f.pkt.src, src),
		    w->conf->sniffer.lockout_seconds,
		    w->conf->sniffer.lockout_count);
	}
	if (f.decision.verdict == VERDICT_NOT_SPA) {
		/* Counted, in the periodic stats; -v adds a rate-limited line. */
		if (f.decoded && log_ratelimit(&w->debug_limit, now)) {
			report_log_line(&f.pkt, &f.decision, line);
			log_debug("%s len=%zu%s", line, f.pkt.len,
			    f.ignored ? " (source locked out)" : "");
		}
		return;
	}
	if (f.decision.verdict == VERDICT_ACCEPTED)
		watch_accepted(w, &f);
	else if (f.decision.verdict == VERDICT_FORGED) {
		/* Never rate-limited: someone holds this user's shared secret
		 * without its signing key (doc/protocol.md "Signed format"). */
		report_log_line(&f.pkt, &f.decision, line);
		log_warn("%s: the shared secret of user %s is known to someone "
		    "without its signing key", line, f.decision.user_name);
	} else if (log_ratelimit(&w->reject_limit, now)) {
		report_log_line(&f.pkt, &f.decision, line);
		log_info("%s", line);
	}
}

int
watch_dispatch(struct watch *w)
{
	if (pcap_dispatch(w->cap->pcap, 64, watch_frame, (u_char *)w) ==
	    PCAP_ERROR) {
		log_warn("capture: %s", pcap_geterr(w->cap->pcap));
		return SPA_ERR_CAPTURE;
	}
	return 0;
}

void
watch_stats(struct watch *w, int64_t now)
{
	if (now - w->stats_at < WATCH_STATS_SECONDS)
		return;
	struct pcap_stat ps = { 0 };

	w->stats_at = now;
	/* Frames the kernel's ring had no room for (capture_buffer); libpcap
	 * keeps the count from the start.  A file has none to report. */
	if (pcap_stats(w->cap->pcap, &ps) != 0)
		ps.ps_drop = 0;
	if (server_count(w->server, VERDICT_NOT_SPA) > 0 ||
	    w->reject_limit.suppressed > 0 || ps.ps_drop > 0)
		log_info("stats: not-spa=%lu accepted=%lu forged=%lu "
		    "suppressed-lines=%lu dropped=%u",
		    server_count(w->server, VERDICT_NOT_SPA),
		    server_count(w->server, VERDICT_ACCEPTED),
		    server_count(w->server, VERDICT_FORGED),
		    w->reject_limit.suppressed, ps.ps_drop);
}

void
watch_counts(const struct watch *w, struct privmsg_counts *out)
{
	struct pcap_stat ps = { 0 };

	memset(out, 0, sizeof(*out));
	out->type = PRIVMSG_COUNTS;
	out->nverdicts = VERDICT_COUNT;
	for (int v = 0; v < VERDICT_COUNT; v++)
		out->verdicts[v] = server_count(w->server, (enum spa_verdict)v);
	if (pcap_stats(w->cap->pcap, &ps) == 0)
		out->dropped = ps.ps_drop;
	out->suppressed = w->reject_limit.suppressed;
}
