#include "live.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "capture.h"
#include "child.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "ownaddr.h"
#include "privdrop.h"
#include "privsep.h"
#include "server.h"
#include "spawn.h"
#include "status.h"
#include "warden.h"
#include "watch.h"

#define LIVE_RESTART_FIRST_MS 100       /* a child that ended: backoff */
#define LIVE_RESTART_MAX_MS 30000
#define LIVE_RESTART_RESET_MS 60000     /* lived this long: start over */
#define LIVE_SERVE_MAX 64               /* grant messages served per turn */
#define LIVE_METRICS_SECONDS 5          /* stats_file written this often */

static volatile sig_atomic_t live_stop, live_reload, live_report;

struct live {
	struct conf *conf;
	struct firewall *fw;
	const struct live_options *opt;
	struct warden_options wopt;
	struct warden *warden;
	struct ownaddr *own;            /* the capture interface's addresses */
	struct log_limit addr_limit;    /* own addresses that cannot be read */
	/* Privilege separation: the capture child. */
	int split;
	struct privdrop_target target;
	struct capchild child;
	struct capture next_cap;        /* opened, for the next child */
	int64_t restart_at_ms;
	int64_t restart_delay_ms;
	struct log_limit relay_limit;   /* the child's lines */
	/* Without it: the packet side in this process. */
	struct capture cap;
	struct replay_cache *replay;
	struct watch watch;
	int watching;
	/* Observability (doc/interface.md "Status", "Metrics"). */
	struct metrics metrics;         /* latency kept; the rest collected */
	struct privmsg_counts counts;   /* the packet side's, as of now */
	struct privmsg_counts counts_base;      /* of the ones that ended */
	struct status_server *status;
	int ready;                      /* READY=1 sent */
	int64_t started, metrics_at;
	struct log_limit metrics_limit; /* a stats_file that cannot be written */
};

static void
live_on_signal(int sig)
{
	if (sig == SIGHUP)
		live_reload = 1;
	else if (sig == SIGUSR1)
		live_report = 1;
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
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int64_t
live_now(void)
{
	return (int64_t)time(NULL);
}

/* The packet side that ended (or is replaced) keeps its counts: the
 * totals never go back (Prometheus counters). */
static void
live_counts_fold(struct live *lv)
{
	for (int v = 0; v < PRIVMSG_VERDICTS; v++)
		lv->counts_base.verdicts[v] += lv->counts.verdicts[v];
	lv->counts_base.dropped += lv->counts.dropped;
	lv->counts_base.suppressed += lv->counts.suppressed;
	memset(&lv->counts, 0, sizeof(lv->counts));
}

/* lv->metrics as of now, from the packet side's counts and the grant
 * engine's. */
static void
live_collect(struct live *lv)
{
	struct metrics *m = &lv->metrics;
	const struct grant_counts *g = warden_grant_counts(lv->warden);
	const struct cluster_counts *cl;

	if (lv->watching)
		watch_counts(&lv->watch, &lv->counts);
	for (int v = 0; v < VERDICT_COUNT; v++)
		m->verdicts[v] = lv->counts_base.verdicts[v] +
		    lv->counts.verdicts[v];
	m->dropped = lv->counts_base.dropped + lv->counts.dropped;
	m->grants_open = warden_grant_count(lv->warden);
	m->opened = g->opened;
	m->closed = g->closed;
	m->close_failed = g->close_failed;
	m->commands_refused = warden_commands_refused(lv->warden);
	if ((cl = warden_cluster_counts(lv->warden)) != NULL) {
		m->cluster = 1;
		m->cluster_up = cl->up;
		m->cluster_claimed = cl->claimed;
		m->cluster_taken = cl->taken;
		m->cluster_refused = cl->refused;
		m->cluster_local = cl->local;
		m->cluster_published = cl->published;
		m->cluster_applied = cl->applied;
		m->cluster_dropped = cl->dropped;
	}
}

static void
live_on_opened(void *ctx, int64_t knock_us, int64_t done_us)
{
	struct live *lv = ctx;

	metrics_latency(&lv->metrics, knock_us, done_us);
}

/* The stats_file, when there is one; force: now, else when due. */
static void
live_metrics(struct live *lv, int64_t now, int force)
{
	const char *path = lv->conf->sniffer.stats_file;

	if (!force && now - lv->metrics_at < LIVE_METRICS_SECONDS)
		return;
	lv->metrics_at = now;
	live_collect(lv);
	notify_status(lv->metrics.grants_open,
	    lv->metrics.verdicts[VERDICT_ACCEPTED]);
	if (path[0] != '\0' && metrics_write(&lv->metrics, path) != 0 &&
	    log_ratelimit(&lv->metrics_limit, now))
		log_warn("stats_file %s: %s", path, strerror(errno));
}

static void
live_log_counters(struct live *lv)
{
	char line[768];

	live_collect(lv);
	metrics_line(&lv->metrics, line, sizeof(line));
	log_info("%s", line);
}

static void
live_serve_status(struct live *lv)
{
	struct status_view v = { .metrics = &lv->metrics,
	    .warden = lv->warden, .started = lv->started, .now = live_now() };

	live_collect(lv);
	status_serve(lv->status, &v);
}

/* The status socket, except in a dry run (whose state directory is a
 * real run's).  A socket that cannot be made is logged, not fatal: it
 * shows, it never guards. */
static void
live_status_open(struct live *lv)
{
	char path[256], err[512];

	if (lv->opt->dry_run)
		return;
	if (status_path(lv->conf, path, sizeof(path)) != 0)
		log_warn("status socket: the state directory's path is too "
		    "long; sniffer -S will not reach this daemon");
	else if (status_listen(path, &lv->status, err, sizeof(err)) != 0)
		log_warn("%s; sniffer -S will not reach this daemon", err);
}

static const char *
live_iface(const struct live *lv, const struct conf *c)
{
	return lv->opt->interface ? lv->opt->interface : c->sniffer.interface;
}

/* The capture, and the interface's own addresses when own is not NULL (a
 * frame to any other destination is never decided).  0, or the code of
 * what failed (logged). */
static int
live_open_capture(const struct live *lv, const struct conf *c,
    struct capture *cap, struct ownaddr **own)
{
	const char *iface = live_iface(lv, c);
	char err[512];
	int rc;

	if ((rc = capture_open_live(iface, c->sniffer.port,
	    c->sniffer.has_address ? &c->sniffer.address : NULL,
	    c->sniffer.capture_buffer, cap, err, sizeof(err))) != 0) {
		log_warn("%s", err);
		return rc;
	}
	if (own == NULL)
		return 0;
	if ((rc = ownaddr_new(iface, own)) != 0) {
		log_warn("addresses of %s: %s", iface, err_str(rc));
		capture_close(cap);
		return rc;
	}
	log_info("listening on %s (%zu own addresses): %s", iface,
	    ownaddr_count(*own), cap->filter_text);
	return 0;
}

/* The packet side's answer for v (not WARDEN_INVALID). */
static enum privmsg_result
live_answer(enum warden_verdict v)
{
	switch (v) {
	case WARDEN_DONE:
		return PRIVMSG_DONE;
	case WARDEN_REPLAY:
		return PRIVMSG_REPLAY;
	case WARDEN_UNAVAILABLE:
		return PRIVMSG_UNAVAILABLE;
	default:
		return PRIVMSG_REFUSED;
	}
}

/* watch_accept_fn without privilege separation: the same checks as for a
 * message from a child. */
static enum privmsg_result
live_accept_here(void *ctx, const struct privmsg_grant *m)
{
	struct live *lv = ctx;

	return live_answer(warden_grant(lv->warden, m, live_now()));
}

static void
live_backoff(struct live *lv)
{
	lv->restart_delay_ms *= 2;
	if (lv->restart_delay_ms > LIVE_RESTART_MAX_MS)
		lv->restart_delay_ms = LIVE_RESTART_MAX_MS;
}

/* The capture child over lv->next_cap (or a capture opened now). */
static void
live_spawn(struct live *lv)
{
	struct privsep_args a = { .conf = lv->conf, .own = lv->own,
	    .replay = warden_replay(lv->warden), .target = &lv->target,
	    .root = SPA_EMPTY_DIR };

	lv->restart_at_ms = -1;
	if ((lv->next_cap.pcap != NULL ||
	    live_open_capture(lv, lv->conf, &lv->next_cap, NULL) == 0) &&
	    privsep_start(&lv->child, &lv->next_cap, &a) == 0)
		return;
	lv->restart_at_ms = spawn_now_ms() + lv->restart_delay_ms;
	log_warn("capture process: trying again in %ld ms",
	    (long)lv->restart_delay_ms);
	live_backoff(lv);
}

/* The child ended (or was ended): reaped, logged; restarted after a
 * backoff, or, when it can never work, the daemon stops with rc. */
static int
live_child_ended(struct live *lv, int kill_it, const char *reason)
{
	int64_t lived = spawn_now_ms() - lv->child.started_ms;
	char why[128];
	int status;

	privsep_relay_logs(&lv->child, &lv->relay_limit, live_now());
	status = privsep_reap(&lv->child, kill_it, why, sizeof(why));
	live_counts_fold(lv);
	if (status >= 0 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == CHILD_EXIT_CAPTURE) {
		log_warn("capture process ended: the capture failed");
		return EX_IOERR;
	}
	if (status >= 0 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == CHILD_EXIT_SETUP) {
		log_warn("capture process could not confine itself (see "
		    "above); not running without it");
		return EX_OSERR;
	}
	if (lived >= LIVE_RESTART_RESET_MS)
		lv->restart_delay_ms = LIVE_RESTART_FIRST_MS;
	log_warn("capture process ended%s%s: %s; restarting it in %ld ms, "
	    "%zu grants kept", reason ? ": " : "", reason ? reason : "", why,
	    (long)lv->restart_delay_ms, warden_grant_count(lv->warden));
	lv->restart_at_ms = spawn_now_ms() + lv->restart_delay_ms;
	live_backoff(lv);
	return 0;
}

/* The child's grant messages waiting now.  0, or an exit status. */
static int
live_serve(struct live *lv)
{
	struct privmsg_grant m;
	struct privmsg_counts counts;
	int rc;

	/* Bounded, so that a child that floods cannot hold back the
	 * grants' expiry: the rest waits for the next turn. */
	for (int i = 0; i < LIVE_SERVE_MAX && lv->child.pid != 0 &&
	    (rc = privsep_receive(&lv->child, &m, &counts)) != 0; i++) {
		enum warden_verdict v;

		if (rc == SPA_ERR_TRUNCATED)
			return 0;       /* it ended: its pidfd says how */
		if (rc < 0)
			return live_child_ended(lv, 1, "malformed message");
		if (rc == 2) {
			/* The first comes once it is confined and captures. */
			lv->counts = counts;
			if (!lv->ready) {
				notify_ready();
				lv->ready = 1;
			}
			continue;
		}
		v = warden_grant(lv->warden, &m, live_now());
		if (v == WARDEN_INVALID)
			return live_child_ended(lv, 1, "impossible grant");
		privsep_answer(&lv->child, live_answer(v));
	}
	return 0;
}

/* Ends the child for good (SIGKILL: it holds nothing to save). */
static void
live_end_child(struct live *lv)
{
	char why[128];

	if (lv->child.pid == 0)
		return;
	privsep_relay_logs(&lv->child, &lv->relay_limit, live_now());
	(void)privsep_reap(&lv->child, 1, why, sizeof(why));
	live_counts_fold(lv);
}

/* A new configuration, firewall backend, capture and addresses, all
 * checked before anything changes; NULLs and SPA_ERR_CONFIG (logged) when
 * one fails and the running configuration stays. */
static int
live_load(struct live *lv, struct conf **c, struct firewall **fw,
    struct capture *cap, struct ownaddr **own)
{
	char err[CONF_ERR_MAX] = "";
	struct replay_cache *probe = NULL;
	struct server *s = NULL;

	*c = NULL;
	*fw = NULL;
	*own = NULL;
	memset(cap, 0, sizeof(*cap));
	if (conf_load(lv->opt->config_path, c, err) == 0 &&
	    firewall_load(lv->opt->rules_dir, (*c)->sniffer.firewall, fw,
	    err) == 0 && actions_check_backend(*c, *fw, err,
	    sizeof(err)) == 0 && live_open_capture(lv, *c, cap, own) == 0 &&
	    replay_new_capped(1, &probe) == 0 &&
	    server_new(*c, probe, *own, &s, err, sizeof(err)) == 0) {
		server_free(s);
		replay_free(probe);
		return 0;
	}
	log_warn("reload refused, the running configuration stays: %s",
	    err[0] ? err : "cannot open the capture");
	replay_free(probe);
	capture_close(cap);
	ownaddr_free(*own);
	firewall_free(*fw);
	conf_free(*c);
	*c = NULL;
	*fw = NULL;
	*own = NULL;
	return SPA_ERR_CONFIG;
}

/* SIGHUP: a new configuration, firewall backend and capture, or, when any
 * of them fails, the old ones with a log line.  Replay tags and grants
 * stay (each grant keeps the backend it was opened with).  The capture
 * child is replaced: the grants it asked for before are served first,
 * with the configuration they were decided under. */
static int
live_do_reload(struct live *lv)
{
	struct conf *c;
	struct firewall *fw;
	struct capture cap;
	struct ownaddr *own;
	char err[CONF_ERR_MAX];
	int rc = 0;

	notify_reloading();
	if (live_load(lv, &c, &fw, &cap, &own) != 0) {
		notify_ready();
		return 0;
	}
	if (lv->split) {
		if ((rc = live_serve(lv)) != 0) {
			capture_close(&cap);
			ownaddr_free(own);
			firewall_free(fw);
			conf_free(c);
			return rc;
		}
		live_end_child(lv);
		capture_close(&lv->next_cap);
		lv->next_cap = cap;
	} else {
		watch_counts(&lv->watch, &lv->counts);
		live_counts_fold(lv);
		watch_free(&lv->watch);
		capture_close(&lv->cap);
		lv->cap = cap;
	}
	ownaddr_free(lv->own);
	lv->own = own;
	warden_reconfigure(lv->warden, c, fw);
	firewall_free(lv->fw);
	conf_free(lv->conf);
	lv->fw = fw;
	lv->conf = c;
	if (lv->split) {
		lv->restart_delay_ms = LIVE_RESTART_FIRST_MS;
		live_spawn(lv);
	} else if (watch_init(&lv->watch, c, lv->replay, own, &lv->cap,
	    live_accept_here, lv, err, sizeof(err)) != 0) {
		log_warn("%s", err);    /* live_load built the same */
		watch_free(&lv->watch);
		lv->watching = 0;       /* nothing left to count from */
		return EX_SOFTWARE;
	}
	log_info("configuration reloaded from %s", lv->opt->config_path);
	/* With a capture child, its first counts say when it captures again
	 * (live_serve sends READY=1 then); in one process, it does now. */
	if (lv->split)
		lv->ready = 0;
	else
		notify_ready();
	return 0;
}

static void
live_update_addrs(struct live *lv, int64_t now)
{
	int rc;

	/* Each turn, so that a reading that failed is tried again (with
	 * nothing pending it costs one recvfrom). */
	if ((rc = ownaddr_update(lv->own)) != 0 &&
	    log_ratelimit(&lv->addr_limit, now))
		log_warn("own addresses: cannot read them, the previous "
		    "ones stay: %s", err_str(rc));
	if (lv->split)
		privsep_send_addrs(&lv->child, lv->own);
}

static int
live_timeout(const struct live *lv, int64_t now)
{
	int ms = warden_timeout_ms(lv->warden, now, 1000);

	if (lv->split && lv->child.pid == 0 && lv->restart_at_ms >= 0) {
		int64_t left = lv->restart_at_ms - spawn_now_ms();

		if (left < ms)
			ms = left < 0 ? 0 : (int)left;
	}
	return ms;
}

/* One turn with privilege separation.  0, or an exit status. */
static int
live_turn_split(struct live *lv, const struct pollfd *fds)
{
	int rc;

	privsep_relay_logs(&lv->child, &lv->relay_limit, live_now());
	if ((rc = live_serve(lv)) != 0)
		return rc;
	/* At SIGINT from a terminal the child stops too: not a crash. */
	if (lv->child.pid != 0 && (fds[2].revents & POLLIN) && !live_stop &&
	    (rc = live_child_ended(lv, 0, NULL)) != 0)
		return rc;
	if (lv->child.pid == 0 && lv->restart_at_ms >= 0 &&
	    spawn_now_ms() >= lv->restart_at_ms)
		live_spawn(lv);
	return 0;
}

/* Until SIGTERM (0) or an error the loop cannot recover from (an exit
 * status, logged): either way the caller tears down. */
static int
live_loop(struct live *lv)
{
	int rc = 0;

	while (!live_stop && rc == 0) {
		struct pollfd fds[7] = {
			{ .fd = lv->split ? lv->child.channel :
			  pcap_get_selectable_fd(lv->cap.pcap),
			  .events = POLLIN },
			{ .fd = lv->split ? lv->child.log : -1,
			  .events = POLLIN },
			{ .fd = lv->split ? lv->child.pidfd : -1,
			  .events = POLLIN },
			{ .fd = warden_fd(lv->warden), .events = POLLIN },
			{ .fd = ownaddr_fd(lv->own), .events = POLLIN },
			{ .fd = status_fd(lv->status), .events = POLLIN },
			{ .fd = warden_cluster_fd(lv->warden),
			  .events = POLLIN },
		};
		int64_t now = live_now();

		if (poll(fds, 7, live_timeout(lv, now)) < 0 &&
		    errno != EINTR) {
			log_warn("poll: %s", strerror(errno));
			return EX_OSERR;
		}
		if (live_reload) {
			live_reload = 0;
			rc = live_do_reload(lv);
			continue;
		}
		/* Addresses first: a frame to one just added is decided. */
		live_update_addrs(lv, now);
		if (lv->split)
			rc = live_turn_split(lv, fds);
		else if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) &&
		    watch_dispatch(&lv->watch) != 0)
			rc = EX_IOERR;
		warden_tick(lv->warden, live_now());
		if (!lv->split)
			watch_stats(&lv->watch, live_now());
		if (live_report) {
			live_report = 0;
			live_log_counters(lv);
		}
		if (fds[5].revents & POLLIN)
			live_serve_status(lv);
		live_metrics(lv, live_now(), 0);
	}
	return rc;
}

/* Privilege separation needs root, and a dry run does without it.  0, or
 * an exit status (logged). */
static int
live_prepare_split(struct live *lv)
{
	char err[512];

	if (geteuid() != 0 || lv->opt->dry_run) {
		log_info("privilege separation off: %s", lv->opt->dry_run ?
		    "a dry run" : "not running as root");
		return 0;
	}
	if (privdrop_lookup(&lv->target, err, sizeof(err)) != 0 ||
	    privdrop_prepare_root(SPA_EMPTY_DIR, err, sizeof(err)) != 0) {
		log_warn("privilege separation: %s", err);
		return EX_OSERR;
	}
	lv->split = 1;
	return 0;
}

static int
live_start_packet_side(struct live *lv)
{
	char err[CONF_ERR_MAX];

	if (lv->split) {
		live_spawn(lv);
		return lv->child.pid != 0 ? 0 : EX_OSERR;
	}
	if (replay_copy(warden_replay(lv->warden), &lv->replay) != 0)
		return EX_OSERR;
	if (watch_init(&lv->watch, lv->conf, lv->replay, lv->own, &lv->cap,
	    live_accept_here, lv, err, sizeof(err)) != 0) {
		log_warn("%s", err);
		return EX_SOFTWARE;
	}
	lv->watching = 1;
	notify_ready();         /* the capture is open and decided here */
	lv->ready = 1;
	return 0;
}

static void
live_free(struct live *lv)
{
	live_end_child(lv);
	status_close(lv->status);
	if (lv->watching)
		watch_free(&lv->watch);
	capture_close(&lv->next_cap);
	capture_close(&lv->cap);
	replay_free(lv->replay);
	ownaddr_free(lv->own);
	firewall_free(lv->fw);
	conf_free(lv->conf);
}

int
live_run(struct conf *c, struct firewall *fw, const struct live_options *o)
{
	struct live lv = { .conf = c, .fw = fw, .opt = o,
	    .wopt = { .rules_dir = o->rules_dir, .dry_run = o->dry_run },
	    .addr_limit = { .interval = 60, .burst = 1 },
	    .relay_limit = { .interval = 10, .burst = 2000 },
	    .metrics_limit = { .interval = 300, .burst = 1 },
	    .restart_delay_ms = LIVE_RESTART_FIRST_MS, .restart_at_ms = -1,
	    .started = live_now() };
	int rc;

	live_signals();
	if ((rc = live_prepare_split(&lv)) != 0 ||
	    live_open_capture(&lv, c, lv.split ? &lv.next_cap : &lv.cap,
	    &lv.own) != 0) {
		live_free(&lv);
		return rc != 0 ? rc : EX_UNAVAILABLE;
	}
	if ((rc = warden_start(c, fw, &lv.wopt, live_now(),
	    &lv.warden)) != 0) {
		live_free(&lv);
		return rc;
	}
	warden_on_opened(lv.warden, live_on_opened, &lv);
	live_status_open(&lv);
	if ((rc = live_start_packet_side(&lv)) == 0)
		rc = live_loop(&lv);
	notify_stopping();
	/* The child first: no grant may be asked for while they close. */
	live_end_child(&lv);
	status_close(lv.status);
	lv.status = NULL;
	/* The last stats_file before the grants close: their closes at the
	 * end are in the log, not in the file. */
	live_metrics(&lv, live_now(), 1);
	warden_stop(lv.warden);
	log_info("stopped%s", rc == 0 ? "" : " after an error (see above)");
	live_free(&lv);
	return rc;
}
