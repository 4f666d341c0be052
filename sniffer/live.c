#include "live.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "actions.h"
#include "capture.h"
#include "cmdseq.h"
#include "commit.h"
#include "err.h"
#include "grant.h"
#include "log.h"
#include "ownaddr.h"
#include "report.h"
#include "server.h"
#include "spawn.h"
#include "state.h"

#define LIVE_MAX_CHILDREN 16    /* commands running at once */
#define LIVE_STATS_SECONDS 60
#define LIVE_SHUTDOWN_MS 10000  /* for the grants' running commands */

static volatile sig_atomic_t live_stop, live_reload;

struct live {
	struct conf *conf;
	struct firewall *fw;
	struct server *server;
	struct replay_cache *replay;
	struct state *state;
	struct grant_engine *grants;
	struct spawner *spawner;
	struct capture cap;
	struct ownaddr *own;            /* the capture interface's addresses */
	const struct live_options *opt;
	struct log_limit reject_limit;
	struct log_limit debug_limit;   /* -v lines for not-spa frames */
	struct log_limit addr_limit;    /* own addresses that cannot be read */
	int64_t stats_at;
	struct commit_pruner pruner;
};

static void
live_on_signal(int sig)
{
	if (sig == SIGHUP)
		live_reload = 1;
	else
		live_stop = 1;
}

static void
live_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = live_on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() must return so the loop sees the flag. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int64_t
live_now(void)
{
	return (int64_t)time(NULL);
}

/* The capture, and the interface's own addresses (a frame to any other
 * destination is never decided).  0, or -1 (logged). */
static int
live_open_capture(const struct conf *c, const struct live_options *o,
    struct capture *cap, struct ownaddr **own)
{
	const char *iface = o->interface ? o->interface : c->sniffer.interface;
	char err[512];
	int rc;

	if (capture_open_live(iface, c->sniffer.port, c->sniffer.has_address ?
	    &c->sniffer.address : NULL, cap, err, sizeof(err)) != 0) {
		log_warn("%s", err);
		return -1;
	}
	if ((rc = ownaddr_new(iface, own)) != 0) {
		log_warn("addresses of %s: %s", iface, err_str(rc));
		capture_close(cap);
		return -1;
	}
	log_info("listening on %s (%zu own addresses): %s", iface,
	    ownaddr_count(*own), cap->filter_text);
	return 0;
}

/* An accepted open action, handed to the grant engine. */
static void
live_grant(struct live *lv, const struct spa_decision *d,
    const struct conf_action *a, int64_t now)
{
	struct grantrec r = { .addr = d->allow, .proto = a->proto,
	    .port = a->port, .expiry = now + a->timeout };

	snprintf(r.user, sizeof(r.user), "%s", d->user_name);
	snprintf(r.action, sizeof(r.action), "%s", a->name);
	(void)grant_grant(lv->grants, &r, now);
}

static void
live_act(struct live *lv, const struct server_frame *f, int64_t now)
{
	if (lv->opt->dry_run) {
		struct actions_dry_run dry = { lv->conf, lv->fw };

		actions_print_dry_run(&dry, f, stderr);
		return;
	}
	if (f->action->kind == CONF_ACTION_RUN)
		(void)actions_run_program(lv->spawner, &f->decision, f->action);
	else
		live_grant(lv, &f->decision, f->action, now);
}

static void
live_accepted(struct live *lv, const struct server_frame *f, int64_t now)
{
	char line[REPORT_LINE_MAX], err[512];

	report_log_line(&f->pkt, &f->decision, line);
	if (commit_accepted(lv->state, &f->decision, err, sizeof(err)) != 0) {
		log_warn("%s%s: %s", line, COMMIT_REFUSED_FIELD, err);
		return;
	}
	log_info("%s", line);
	if (f->action != NULL)
		live_act(lv, f, now);
}

/* One captured frame (pcap_dispatch callback). */
static void
live_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct live *lv = (struct live *)user;
	int64_t now = live_now();
	struct server_frame f;
	char line[REPORT_LINE_MAX];

	server_decide(lv->server, lv->cap.linktype, data, h->caplen, now, &f);
	if (f.locked_now) {
		char src[SPA_ADDRSTRLEN];

		log_warn("lockout: ignoring %s for %u s after %u bad-mac, replay "
		    "or stale verdicts", addr_format(&f.pkt.src, src),
		    lv->conf->sniffer.lockout_seconds,
		    lv->conf->sniffer.lockout_count);
	}
	if (f.decision.verdict == VERDICT_NOT_SPA) {
		/* Counted, in the periodic stats; -v adds a rate-limited line. */
		if (f.decoded && log_ratelimit(&lv->debug_limit, now)) {
			report_log_line(&f.pkt, &f.decision, line);
			log_debug("%s len=%zu%s", line, f.pkt.len,
			    f.ignored ? " (source locked out)" : "");
		}
		return;
	}
	if (f.decision.verdict == VERDICT_ACCEPTED)
		live_accepted(lv, &f, now);
	else if (log_ratelimit(&lv->reject_limit, now)) {
		report_log_line(&f.pkt, &f.decision, line);
		log_info("%s", line);
	}
}

static void
live_prune(struct live *lv, int64_t now)
{
	if (commit_prune(&lv->pruner, lv->replay, lv->state, now) != 0)
		log_warn("state: cannot prune the replay tags: %s",
		    state_error(lv->state));
}

static void
live_stats(struct live *lv, int64_t now)
{
	if (now - lv->stats_at < LIVE_STATS_SECONDS)
		return;
	lv->stats_at = now;
	if (server_count(lv->server, VERDICT_NOT_SPA) > 0 ||
	    lv->reject_limit.suppressed > 0)
		log_info("stats: not-spa=%lu accepted=%lu suppressed-lines=%lu",
		    server_count(lv->server, VERDICT_NOT_SPA),
		    server_count(lv->server, VERDICT_ACCEPTED),
		    lv->reject_limit.suppressed);
}

static int
live_append(void *ctx, char *const *argv, int may_fail)
{
	return cmdlist_append(ctx, argv, may_fail);
}

/* Runs the setup or teardown commands of both families.  Returns ok. */
static int
live_setup(const struct firewall *fw, enum firewall_verb verb)
{
	struct action_values vals;
	struct cmdlist l = { 0 };
	int ok = 1;

	for (int family = 4; family <= 6; family += 2) {
		memset(&vals, 0, sizeof(vals));
		vals.family[0] = (char)('0' + family);
		vals.v.family = vals.family;
		if (actions_fw_each(fw, verb, family, &vals, live_append,
		    &l) != 0)
			ok = 0;
	}
	if (ok && l.n > 0)
		ok = cmdseq_run_sync(l.words, NULL);
	cmdlist_free(&l);
	return ok;
}

static int
live_start(struct live *lv, int64_t now)
{
	char err[STATE_ERR_MAX];
	long tags;

	/* A dry run must not close, forget or record a real run's grants. */
	if (state_open(lv->opt->dry_run ? NULL : lv->conf->sniffer.state,
	    &lv->state, err) != 0) {
		log_warn("%s", err);
		return EX_CANTCREAT;
	}
	if (replay_new(&lv->replay) != 0 ||
	    spawner_new(LIVE_MAX_CHILDREN, &lv->spawner) != 0 ||
	    grant_engine_new(lv->state, lv->spawner, lv->fw,
	    lv->opt->rules_dir, &lv->grants) != 0)
		return EX_OSERR;
	if ((tags = state_replay_load(lv->state, lv->replay, now)) < 0) {
		log_warn("state %s: cannot load the replay cache, not starting: "
		    "%s", lv->conf->sniffer.state, state_error(lv->state));
		return EX_CANTCREAT;
	}
	if (grant_recover(lv->grants, now) != 0)
		return EX_CANTCREAT;
	if (!lv->opt->dry_run && !live_setup(lv->fw, FIREWALL_SETUP)) {
		log_warn("firewall %s: setup failed", firewall_path(lv->fw));
		return EX_UNAVAILABLE;
	}
	grant_resume(lv->grants, now);
	log_info("started: %ld replay tags kept, %zu grants recovered, "
	    "firewall %s", tags, grant_count(lv->grants), firewall_path(lv->fw));
	return 0;
}

/* SIGHUP: a new configuration, firewall backend and capture, or, when any
 * of them fails, the old ones with a log line.  Replay cache and grants
 * stay (each grant keeps the backend it was opened with). */
static void
live_do_reload(struct live *lv)
{
	char err[CONF_ERR_MAX] = "";
	struct conf *c = NULL;
	struct firewall *fw = NULL;
	struct server *s = NULL;
	struct capture cap = { 0 };
	struct ownaddr *own = NULL;

	if (conf_load(lv->opt->config_path, &c, err) != 0 ||
	    firewall_load(lv->opt->rules_dir, c->sniffer.firewall, &fw,
	    err) != 0 || live_open_capture(c, lv->opt, &cap, &own) != 0 ||
	    server_new(c, lv->replay, own, &s, err, sizeof(err)) != 0) {
		log_warn("reload refused, the running configuration stays: %s",
		    err[0] ? err : "cannot open the capture");
		capture_close(&cap);
		ownaddr_free(own);
		firewall_free(fw);
		conf_free(c);
		return;
	}
	capture_close(&lv->cap);
	server_free(lv->server);
	ownaddr_free(lv->own);
	firewall_free(lv->fw);
	conf_free(lv->conf);
	lv->cap = cap;
	lv->own = own;
	lv->server = s;
	lv->fw = fw;
	lv->conf = c;
	grant_engine_set_firewall(lv->grants, fw);
	log_info("configuration reloaded from %s", lv->opt->config_path);
}

static int
live_poll_timeout(const struct live *lv, int64_t now)
{
	int64_t ms = 1000;
	int64_t grant = grant_next_ms(lv->grants, now);
	int child = spawner_timeout_ms(lv->spawner, spawn_now_ms());

	if (grant >= 0 && grant < ms)
		ms = grant;
	if (child >= 0 && child < ms)
		ms = child;
	return (int)ms;
}

/* Until SIGTERM (0) or an error the loop cannot recover from (an exit
 * status, logged): either way the caller tears down. */
static int
live_loop(struct live *lv)
{
	int rc;

	while (!live_stop) {
		struct pollfd fds[3] = {
			{ .fd = pcap_get_selectable_fd(lv->cap.pcap),
			  .events = POLLIN },
			{ .fd = spawner_fd(lv->spawner), .events = POLLIN },
			{ .fd = ownaddr_fd(lv->own), .events = POLLIN },
		};
		int64_t now = live_now();

		if (poll(fds, 3, live_poll_timeout(lv, now)) < 0 &&
		    errno != EINTR) {
			log_warn("poll: %s", strerror(errno));
			return EX_OSERR;
		}
		if (live_reload) {
			live_reload = 0;
			live_do_reload(lv);
			continue;
		}
		/* Addresses first: a frame to one just added is decided.  Each
		 * turn, so that a reading that failed is tried again (with
		 * nothing pending it costs one recvfrom). */
		if ((rc = ownaddr_update(lv->own)) != 0 &&
		    log_ratelimit(&lv->addr_limit, now))
			log_warn("own addresses: cannot read them, the previous "
			    "ones stay: %s", err_str(rc));
		if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) &&
		    pcap_dispatch(lv->cap.pcap, 64, live_frame,
		    (u_char *)lv) == PCAP_ERROR) {
			log_warn("capture: %s", pcap_geterr(lv->cap.pcap));
			return EX_IOERR;
		}
		spawner_poll(lv->spawner, spawn_now_ms());
		grant_expire(lv->grants, live_now());
		live_prune(lv, live_now());
		live_stats(lv, live_now());
	}
	return 0;
}

/* Close every grant (their running commands may end first, bounded), tear
 * down.  Programs of run actions still running are ended with the daemon
 * (spawner_free kills their process groups). */
static void
live_shutdown(struct live *lv)
{
	size_t left = grant_close_all(lv->grants,
	    spawn_now_ms() + LIVE_SHUTDOWN_MS);

	if (left > 0)
		log_warn("stopping: %zu grants could not be closed; they stay "
		    "recorded and the next start closes them", left);
	if (!lv->opt->dry_run && !live_setup(lv->fw, FIREWALL_TEARDOWN))
		log_warn("firewall %s: teardown failed", firewall_path(lv->fw));
	if (spawner_running(lv->spawner) + spawner_queued(lv->spawner) > 0)
		log_info("stopping: ending %zu running action programs",
		    spawner_running(lv->spawner) + spawner_queued(lv->spawner));
}

static void
live_free(struct live *lv)
{
	grant_engine_free(lv->grants);
	spawner_free(lv->spawner);
	capture_close(&lv->cap);
	server_free(lv->server);
	ownaddr_free(lv->own);
	replay_free(lv->replay);
	state_close(lv->state);
	firewall_free(lv->fw);
	conf_free(lv->conf);
}

int
live_run(struct conf *c, struct firewall *fw, const struct live_options *o)
{
	struct live lv = { .conf = c, .fw = fw, .opt = o,
	    .reject_limit = { .interval = 10, .burst = 20 },
	    .debug_limit = { .interval = 10, .burst = 20 },
	    .addr_limit = { .interval = 60, .burst = 1 } };
	char err[CONF_ERR_MAX];
	int rc;

	live_signals();
	lv.stats_at = lv.pruner.last = live_now();
	if (live_open_capture(c, o, &lv.cap, &lv.own) != 0) {
		live_free(&lv);
		return EX_UNAVAILABLE;
	}
	if ((rc = live_start(&lv, live_now())) != 0 ||
	    server_new(c, lv.replay, lv.own, &lv.server, err,
	    sizeof(err)) != 0) {
		if (rc == 0)
			log_warn("%s", err);
		live_free(&lv);
		return rc != 0 ? rc : EX_SOFTWARE;
	}
	rc = live_loop(&lv);
	live_shutdown(&lv);
	log_info("stopped%s", rc == 0 ? "" : " after an error (see above)");
	live_free(&lv);
	return rc;
}
