#include "live.h"

#include <errno.h>
#include <netinet/in.h>
#include <pcap.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "actions.h"
#include "cmdseq.h"
#include "filter.h"
#include "frame.h"
#include "grants.h"
#include "log.h"
#include "report.h"
#include "server.h"
#include "spawn.h"
#include "state.h"

#define LIVE_SNAPLEN 1024       /* headers + a 115-byte payload, with room */
#define LIVE_MAX_CHILDREN 16    /* commands running at once */
#define LIVE_STATS_SECONDS 60

static volatile sig_atomic_t live_stop, live_reload;

struct live {
	struct conf *conf;
	struct firewall *fw;
	struct server *server;
	struct replay_cache *replay;
	struct state *state;
	struct grants *grants;
	struct spawner *spawner;
	pcap_t *pcap;
	int linktype;
	const struct live_options *opt;
	struct log_limit reject_limit;
	struct log_limit debug_limit;   /* -v lines for not-spa frames */
	int64_t stats_at;
};

/* A grant whose open commands are running. */
struct open_job {
	struct live *lv;
	struct spa_addr addr;
	uint8_t proto;
	uint16_t port;
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

/* Opens the capture: immediate mode, non-blocking, the SPA filter. */
static pcap_t *
live_open_capture(const struct conf *c, const char *iface, int *linktype)
{
	char err[PCAP_ERRBUF_SIZE] = "", filter[FILTER_TEXT_MAX];
	struct bpf_program prog;
	pcap_t *p = pcap_create(iface, err);

	if (p == NULL) {
		log_warn("capture on %s: %s", iface, err);
		return NULL;
	}
	if (pcap_set_snaplen(p, LIVE_SNAPLEN) != 0 ||
	    pcap_set_immediate_mode(p, 1) != 0 || pcap_activate(p) < 0 ||
	    pcap_setnonblock(p, 1, err) != 0 ||
	    !frame_linktype_supported(*linktype = pcap_datalink(p)) ||
	    filter_build(filter, sizeof(filter), c->sniffer.port,
	    c->sniffer.has_address ? &c->sniffer.address : NULL,
	    *linktype == DLT_EN10MB) != 0 ||
	    pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		log_warn("capture on %s: %s", iface, pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	if (pcap_setfilter(p, &prog) != 0) {
		log_warn("capture on %s: %s", iface, pcap_geterr(p));
		pcap_freecode(&prog);
		pcap_close(p);
		return NULL;
	}
	pcap_freecode(&prog);
	log_info("listening on %s: %s", iface, filter);
	return p;
}

static int
live_append_cmd(void *ctx, char *const *argv, int may_fail)
{
	return cmdlist_append(ctx, argv, may_fail);
}

/* The flattened open and close commands of action a for d. */
static int
live_commands(const struct live *lv, const struct spa_decision *d,
    const struct conf_action *a, struct cmdlist *open, struct cmdlist *close)
{
	struct action_values vals;

	actions_values(d, a, &vals);
	if (actions_each(lv->fw, a, FIREWALL_OPEN, &vals, d->allow.family,
	    live_append_cmd, open) != 0 ||
	    actions_each(lv->fw, a, FIREWALL_CLOSE, &vals, d->allow.family,
	    live_append_cmd, close) != 0 || open->n == 0 || close->n == 0) {
		log_warn("action %s: cannot build its commands", a->name);
		return -1;
	}
	return 0;
}

static void
live_record_grant(struct live *lv, const struct grant *g)
{
	struct state_grant sg = { .addr = g->addr, .proto = g->proto,
	    .port = g->port, .expiry = g->expiry, .close_argv = g->close_argv };

	if (state_grant_put(lv->state, &sg) != 0)
		log_warn("state: cannot record a grant: %s",
		    state_error(lv->state));
}

static void
live_open_done(void *cookie, int ok)
{
	struct open_job *job = cookie;
	struct live *lv = job->lv;
	struct grant *g = grants_find(lv->grants, &job->addr, job->proto,
	    job->port);
	char addr[SPA_ADDRSTRLEN];

	addr_format(&job->addr, addr);
	if (g != NULL && ok) {
		g->pending = 0;
		live_record_grant(lv, g);
		log_info("open %s %s/%u until %lld", addr, job->proto ==
		    IPPROTO_UDP ? "udp" : "tcp", job->port, (long long)g->expiry);
	} else if (g != NULL) {
		/* Not recorded as open: forget it. */
		grants_drop(lv->grants, g);
		log_warn("open %s %s/%u failed: not granted", addr,
		    job->proto == IPPROTO_UDP ? "udp" : "tcp", job->port);
	}
	free(job);
}

/* Starts the open commands of a new grant, or re-opens an open one with
 * its new expiry (close then open: no duplicate rule, and a kernel-side
 * timeout starts again). */
static void
live_grant(struct live *lv, const struct spa_decision *d,
    const struct conf_action *a, int64_t now)
{
	struct cmdlist open = { 0 }, close = { 0 };
	struct grant *g = grants_find(lv->grants, &d->allow, a->proto, a->port);
	struct open_job *job = calloc(1, sizeof(*job));

	if (job == NULL || live_commands(lv, d, a, &open, &close) != 0)
		goto done;
	if (g != NULL && g->closing) {
		/* Open again once the close has ended, not alongside it. */
		grants_argv_free(g->reopen);
		g->reopen = grants_argv_dup(open.words);
		grants_argv_free(g->close_argv);
		g->close_argv = grants_argv_dup(close.words);
		g->expiry = now + a->timeout;
		if (g->reopen == NULL || g->close_argv == NULL)
			log_warn("out of memory: a grant may not reopen");
		goto done;
	}
	if (g != NULL && g->pending) {
		g->expiry = now + a->timeout;   /* its open is on its way */
		goto done;
	}
	if (g != NULL) {
		/* Extend: close what is open (a rule already gone is no
		 * failure), then open again with the new expiry. */
		struct cmdlist seq = { 0 };

		if (cmdlist_extend(&seq, g->close_argv, 1) != 0 ||
		    cmdlist_extend(&seq, open.words, 0) != 0) {
			cmdlist_free(&seq);
			goto done;
		}
		cmdlist_free(&open);
		open = seq;
		grants_drop(lv->grants, g);
	}
	if (grants_add(lv->grants, &d->allow, a->proto, a->port,
	    now + a->timeout, close.words) != 0)
		goto done;
	grants_find(lv->grants, &d->allow, a->proto, a->port)->pending = 1;
	*job = (struct open_job){ lv, d->allow, a->proto, a->port };
	if (cmdseq_start(lv->spawner, open.words, NULL, live_open_done,
	    job) == 0)
		job = NULL;
done:
	free(job);
	cmdlist_free(&open);
	cmdlist_free(&close);
}

struct run_job {
	char action[SPA_REQUEST_MAX + 1];
	char user[64];
};

static void
live_run_done(void *cookie, const struct spawn_status *st, const char *err)
{
	struct run_job *job = cookie;
	char status[64];

	spawn_status_str(st, status, sizeof(status));
	log_info("action %s for %s ended: %s%s%s", job->action, job->user,
	    status, err[0] ? ": " : "", err);
	free(job);
}

/* A run action: the program, as run_as, asynchronously. */
static void
live_run_program(struct live *lv, const struct spa_decision *d,
    const struct conf_action *a)
{
	struct spawn_opts opts = { .limit_ms = a->timeout * 1000u };
	struct run_job *job = calloc(1, sizeof(*job));
	struct action_values vals;
	struct passwd *pw = getpwnam(a->run_as);
	char **argv = NULL;

	if (job == NULL || pw == NULL) {
		log_warn("action %s: run_as user %s does not exist", a->name,
		    a->run_as);
		free(job);
		return;
	}
	opts.set_ids = 1;
	opts.uid = pw->pw_uid;
	opts.gid = pw->pw_gid;
	snprintf(job->action, sizeof(job->action), "%s", a->name);
	snprintf(job->user, sizeof(job->user), "%s", d->user_name);
	actions_values(d, a, &vals);
	if (template_expand(&a->run, &vals.v, &argv) != 0 ||
	    spawner_submit(lv->spawner, argv, &opts, live_run_done, job) != 0) {
		log_warn("action %s: cannot start %s", a->name, a->run.words[0]);
		free(job);
	}
	template_argv_free(argv);
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
		live_run_program(lv, &f->decision, f->action);
	else
		live_grant(lv, &f->decision, f->action, now);
}

/* One captured frame (pcap_dispatch callback). */
static void
live_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct live *lv = (struct live *)user;
	int64_t now = live_now();
	struct server_frame f;
	char line[REPORT_LINE_MAX];

	server_decide(lv->server, lv->linktype, data, h->caplen, now, &f);
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
	if (f.decision.verdict == VERDICT_ACCEPTED) {
		/* Step 9: on disk before anything acts on it. */
		if (state_replay_add(lv->state, f.decision.tag,
		    f.decision.replay_until) != 0)
			log_warn("state: cannot record a tag: %s",
			    state_error(lv->state));
		report_log_line(&f.pkt, &f.decision, line);
		log_info("%s", line);
		if (f.action != NULL)
			live_act(lv, &f, now);
	} else if (log_ratelimit(&lv->reject_limit, now)) {
		report_log_line(&f.pkt, &f.decision, line);
		log_info("%s", line);
	}
}

/* A grant's close has ended: forget it, or, when a knock came meanwhile,
 * open it again now that the close cannot undo the new open. */
static void
live_close_done(void *cookie, int ok)
{
	struct open_job *job = cookie;
	struct live *lv = job->lv;
	struct grant *g = grants_find(lv->grants, &job->addr, job->proto,
	    job->port);
	char **reopen;

	if (!ok)
		log_warn("a grant's close commands failed (see above)");
	if (g == NULL || !g->closing) {
		free(job);
		return;
	}
	if (g->reopen == NULL) {
		grants_drop(lv->grants, g);
		free(job);
		return;
	}
	reopen = g->reopen;
	g->reopen = NULL;
	g->closing = 0;         /* still pending: now opening */
	if (cmdseq_start(lv->spawner, reopen, NULL, live_open_done, job) != 0) {
		grants_drop(lv->grants, g);
		free(job);
	}
	grants_argv_free(reopen);
}

/* Starts closing every grant whose time has come; each stays in the
 * table, pending, until its close has ended. */
static void
live_expire(struct live *lv, int64_t now)
{
	char addr[SPA_ADDRSTRLEN];
	struct grant *g;

	while ((g = grants_next_due(lv->grants, now)) != NULL) {
		struct open_job *job = calloc(1, sizeof(*job));

		log_info("close %s %s/%u", addr_format(&g->addr, addr),
		    g->proto == IPPROTO_UDP ? "udp" : "tcp", g->port);
		if (state_grant_delete(lv->state, &g->addr, g->proto,
		    g->port) != 0)
			log_warn("state: cannot forget the grant of %s", addr);
		g->pending = g->closing = 1;
		if (job != NULL)
			*job = (struct open_job){ lv, g->addr, g->proto, g->port };
		if (job == NULL || cmdseq_start(lv->spawner, g->close_argv, NULL,
		    live_close_done, job) != 0) {
			log_warn("close %s: cannot run its commands", addr);
			grants_drop(lv->grants, g);
			free(job);
		}
	}
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

/* Runs the setup or teardown commands of both families.  Returns ok. */
static int
live_setup(const struct firewall *fw, enum firewall_verb verb)
{
	struct action_values vals;
	struct cmdlist l = { 0 };
	int ok = 1;

	for (int family = 4; family <= 6; family += 2) {
		const struct firewall_cmd *cmds;
		size_t n = 0;
		char **argv = NULL;

		memset(&vals, 0, sizeof(vals));
		vals.family[0] = (char)('0' + family);
		vals.v.family = vals.family;
		cmds = firewall_commands(fw, verb, family, &n);
		for (size_t i = 0; i < n; i++, argv = NULL) {
			if (template_expand(&cmds[i].tmpl, &vals.v, &argv) != 0 ||
			    cmdlist_append(&l, argv, cmds[i].may_fail) != 0)
				ok = 0;
			template_argv_free(argv);
		}
	}
	if (ok && l.n > 0)
		ok = cmdseq_run_sync(l.words, NULL);
	cmdlist_free(&l);
	return ok;
}

struct recovery {
	struct live *lv;
	int64_t now;
};

/* Before setup: close what a previous run left open (it may have been
 * killed), forget what has expired, re-open the rest afterwards. */
static int
live_recover_one(void *ctx, const struct state_grant *g)
{
	struct recovery *r = ctx;
	char addr[SPA_ADDRSTRLEN];

	addr_format(&g->addr, addr);
	(void)cmdseq_run_sync(g->close_argv, NULL);
	if (g->expiry <= r->now)
		log_info("close %s %s/%u: expired while the sniffer was down",
		    addr, g->proto == IPPROTO_UDP ? "udp" : "tcp", g->port);
	/* Kept, expired or not, so that live_reopen forgets its row (not
	 * here: the rows are being read). */
	if (grants_add(r->lv->grants, &g->addr, g->proto, g->port, g->expiry,
	    g->close_argv) == 0)
		grants_find(r->lv->grants, &g->addr, g->proto, g->port)->pending = 1;
	return 0;
}

/* After setup: re-open the grants still in their time, with the time
 * they have left.  live_grant adds to lv->grants: the recovered ones are
 * taken from a list of their own, or each would be popped again forever. */
static void
live_reopen(struct live *lv, int64_t now)
{
	struct grants *recovered = lv->grants;
	struct grant g;

	if (grants_new(&lv->grants) != 0) {
		lv->grants = recovered;
		log_warn("out of memory: grants of the previous run not re-opened");
		return;
	}
	while (grants_pop_any(recovered, &g)) {
		struct conf_action a = { .name = "(restart)",
		    .kind = CONF_ACTION_OPEN, .proto = g.proto, .port = g.port,
		    .timeout = (unsigned)(g.expiry - now) };
		struct spa_decision d = { .verdict = VERDICT_ACCEPTED,
		    .user_name = "(restart)", .allow = g.addr };

		(void)state_grant_delete(lv->state, &g.addr, g.proto, g.port);
		grants_argv_free(g.close_argv);
		grants_argv_free(g.reopen);
		if (g.expiry > now)
			live_grant(lv, &d, &a, now);
	}
	grants_free(recovered);
}

static int
live_start(struct live *lv, int64_t now)
{
	char err[STATE_ERR_MAX];
	struct recovery r = { lv, now };
	long tags;

	/* A dry run must not close, forget or record a real run's grants. */
	if (state_open(lv->opt->dry_run ? NULL : lv->conf->sniffer.state,
	    &lv->state, err) != 0) {
		log_warn("%s", err);
		return EX_CANTCREAT;
	}
	if (replay_new(&lv->replay) != 0 || grants_new(&lv->grants) != 0 ||
	    spawner_new(LIVE_MAX_CHILDREN, &lv->spawner) != 0)
		return EX_OSERR;
	tags = state_replay_load(lv->state, lv->replay, now);
	if (tags < 0)
		log_warn("state: cannot load the replay cache: %s",
		    state_error(lv->state));
	if (state_grant_each(lv->state, live_recover_one, &r) != 0)
		log_warn("state: cannot read the grants: %s",
		    state_error(lv->state));
	if (!lv->opt->dry_run && !live_setup(lv->fw, FIREWALL_SETUP)) {
		log_warn("firewall %s: setup failed", firewall_path(lv->fw));
		return EX_UNAVAILABLE;
	}
	if (!lv->opt->dry_run)
		live_reopen(lv, now);
	log_info("started: %ld replay tags kept, firewall %s",
	    tags < 0 ? 0L : tags, firewall_path(lv->fw));
	return 0;
}

/* SIGHUP: a new configuration, firewall backend and capture, or, when any
 * of them fails, the old ones with a log line.  Replay cache and grants
 * stay (each grant closes with the commands recorded when it opened). */
static void
live_do_reload(struct live *lv)
{
	char err[CONF_ERR_MAX];
	struct conf *c = NULL;
	struct firewall *fw = NULL;
	struct server *s = NULL;
	pcap_t *p = NULL;
	int linktype = 0;

	if (conf_load(lv->opt->config_path, &c, err) != 0 ||
	    firewall_load(lv->opt->rules_dir, c->sniffer.firewall, &fw,
	    err) != 0 || server_new(c, lv->replay, &s, err, sizeof(err)) != 0 ||
	    (p = live_open_capture(c, lv->opt->interface ? lv->opt->interface :
	    c->sniffer.interface, &linktype)) == NULL) {
		log_warn("reload refused, the running configuration stays: %s",
		    p == NULL && s != NULL ? "cannot open the capture" : err);
		server_free(s);
		firewall_free(fw);
		conf_free(c);
		return;
	}
	pcap_close(lv->pcap);
	server_free(lv->server);
	firewall_free(lv->fw);
	conf_free(lv->conf);
	lv->pcap = p;
	lv->linktype = linktype;
	lv->server = s;
	lv->fw = fw;
	lv->conf = c;
	log_info("configuration reloaded from %s", lv->opt->config_path);
}

static int
live_poll_timeout(const struct live *lv, int64_t now)
{
	int64_t ms = 1000;
	int64_t grant = grants_next_expiry(lv->grants, now);
	int child = spawner_timeout_ms(lv->spawner, spawn_now_ms());

	if (grant >= 0 && grant * 1000 < ms)
		ms = grant * 1000;
	if (child >= 0 && child < ms)
		ms = child;
	return (int)ms;
}

static void
live_loop(struct live *lv)
{
	while (!live_stop) {
		struct pollfd fds[2] = {
			{ .fd = pcap_get_selectable_fd(lv->pcap), .events = POLLIN },
			{ .fd = spawner_fd(lv->spawner), .events = POLLIN },
		};
		int64_t now = live_now();

		if (poll(fds, 2, live_poll_timeout(lv, now)) < 0 && errno != EINTR)
			fatal(EX_OSERR, "poll: %s", strerror(errno));
		if (live_reload) {
			live_reload = 0;
			live_do_reload(lv);
			continue;
		}
		if (fds[0].revents & (POLLIN | POLLERR))
			if (pcap_dispatch(lv->pcap, 64, live_frame,
			    (u_char *)lv) == PCAP_ERROR)
				fatal(EX_IOERR, "capture: %s", pcap_geterr(lv->pcap));
		spawner_poll(lv->spawner, spawn_now_ms());
		live_expire(lv, live_now());
		live_stats(lv, live_now());
	}
}

/* SIGTERM: let the grants' running open and close commands end (bounded),
 * close every grant, tear down.  Programs of run actions still running are
 * ended with the daemon (spawner_free kills their process groups). */
static void
live_shutdown(struct live *lv)
{
	int64_t until = spawn_now_ms() + 10000;
	struct grant g;

	while (grants_pending(lv->grants) > 0 && spawn_now_ms() < until) {
		struct pollfd pfd = { spawner_fd(lv->spawner), POLLIN, 0 };

		(void)poll(&pfd, 1, 100);
		spawner_poll(lv->spawner, spawn_now_ms());
	}
	while (grants_pop_any(lv->grants, &g)) {
		if (!lv->opt->dry_run)
			(void)cmdseq_run_sync(g.close_argv, NULL);
		(void)state_grant_delete(lv->state, &g.addr, g.proto, g.port);
		grants_argv_free(g.close_argv);
		grants_argv_free(g.reopen);
	}
	if (!lv->opt->dry_run && !live_setup(lv->fw, FIREWALL_TEARDOWN))
		log_warn("firewall %s: teardown failed", firewall_path(lv->fw));
	if (spawner_running(lv->spawner) + spawner_queued(lv->spawner) > 0)
		log_info("stopping: ending %zu running action programs",
		    spawner_running(lv->spawner) + spawner_queued(lv->spawner));
	log_info("stopped");
}

static void
live_free(struct live *lv)
{
	spawner_free(lv->spawner);
	grants_free(lv->grants);
	if (lv->pcap != NULL)
		pcap_close(lv->pcap);
	server_free(lv->server);
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
	    .debug_limit = { .interval = 10, .burst = 20 } };
	char err[CONF_ERR_MAX];
	int rc;

	live_signals();
	lv.stats_at = live_now();
	lv.pcap = live_open_capture(c, o->interface ? o->interface :
	    c->sniffer.interface, &lv.linktype);
	if (lv.pcap == NULL) {
		live_free(&lv);
		return EX_UNAVAILABLE;
	}
	if ((rc = live_start(&lv, live_now())) != 0 ||
	    server_new(c, lv.replay, &lv.server, err, sizeof(err)) != 0) {
		if (rc == 0)
			log_warn("%s", err);
		live_free(&lv);
		return rc != 0 ? rc : EX_SOFTWARE;
	}
	live_loop(&lv);
	live_shutdown(&lv);
	live_free(&lv);
	return 0;
}
