#include "warden.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "actions.h"
#include "cmdseq.h"
#include "commit.h"
#include "err.h"
#include "grant.h"
#include "log.h"
#include "spawn.h"
#include "state.h"

#define WARDEN_MAX_CHILDREN 16  /* commands running at once */
#define WARDEN_SHUTDOWN_MS 10000        /* for the grants' running commands */
/* How far the packet side's clock may be behind ours when the message
 * arrives: it read the clock before deciding, we after. */
#define WARDEN_CLOCK_SLACK 5

struct warden {
	const struct conf *conf;
	struct firewall *fw;
	const struct warden_options *opt;
	struct state *state;
	struct replay_cache *replay;    /* the tags committed (or refused) */
	struct spawner *spawner;
	struct grant_engine *grants;
	struct commit_pruner pruner;
	struct cluster *cluster;        /* NULL: alone */
	struct log_limit cluster_limit; /* dropped grant messages */
};

static int
warden_append(void *ctx, char *const *argv, int may_fail)
{
	return cmdlist_append(ctx, argv, may_fail);
}

/* Runs the setup or teardown commands of both families; {knock_port} is
 * the sniffer's port, which setup drops.  0, or SPA_ERR_INVALID (a
 * template that cannot expand), SPA_ERR_NOMEM or SPA_ERR_COMMAND (a
 * command failed: logged). */
static int
warden_setup(const struct firewall *fw, uint16_t knock_port,
    enum firewall_verb verb)
{
	struct action_values vals;
	struct cmdlist l = { 0 };
	int rc = 0, r;

	for (int family = 4; family <= 6 && rc == 0; family += 2) {
		actions_setup_values(family, knock_port, &vals);
		if ((r = actions_fw_each(fw, verb, family, &vals,
		    warden_append, &l)) != 0)
			rc = r < 0 ? r : SPA_ERR_INVALID;
	}
	if (rc == 0 && l.n > 0)
		rc = cmdseq_run_sync(l.words, NULL);
	cmdlist_free(&l);
	return rc;
}

static void
warden_free(struct warden *w)
{
	if (w == NULL)
		return;
	cluster_free(w->cluster);
	grant_engine_free(w->grants);
	spawner_free(w->spawner);
	replay_free(w->replay);
	state_close(w->state);
	free(w);
}

/* Publishes r, a grant open here, to the other nodes. */
static void
warden_publish(struct warden *w, const struct grantrec *r, int64_t now)
{
	struct clustermsg m;

	if (w->cluster == NULL || r->user[0] == '\0' || r->action[0] == '\0')
		return;
	memset(&m, 0, sizeof(m));
	snprintf(m.user, sizeof(m.user), "%s", r->user);
	snprintf(m.action, sizeof(m.action), "%s", r->action);
	m.addr = r->addr;
	m.expiry = r->expiry;
	(void)cluster_publish(w->cluster, &m, now);
}

struct warden_resync {
	struct warden *w;
	int64_t now;
	const struct grantrec *found;   /* warden_cluster_grant's lookup */
	const struct grantrec *want;
};

static void
warden_resync_one(void *ctx, const struct grantrec *r, unsigned failed)
{
	struct warden_resync *rs = ctx;

	(void)failed;
	if (r->expiry > rs->now && (r->phase == GRANT_OPENING ||
	    r->phase == GRANT_OPEN || r->phase == GRANT_REOPENING))
		warden_publish(rs->w, r, rs->now);
}

/* cluster_hooks.resync: every grant open here, again (doc/cluster.md). */
static void
warden_cluster_resync(void *ctx, int64_t now)
{
	struct warden_resync rs = { .w = ctx, .now = now };

	grant_each(rs.w->grants, warden_resync_one, &rs);
}

static void
warden_find_one(void *ctx, const struct grantrec *r, unsigned failed)
{
	struct warden_resync *rs = ctx;

	(void)failed;
	if (grantrec_same(r, rs->want) && (r->phase == GRANT_OPENING ||
	    r->phase == GRANT_OPEN || r->phase == GRANT_REOPENING))
		rs->found = r;
}

static const struct conf_user *
warden_find_user(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i].name, name) == 0)
			return &c->users[i];
	return NULL;
}

static bool warden_user_may(const struct conf_user *u, const char *action);

/* One warning per user whose expires = day is past: every knock of it
 * will be denied (sniffer -t says the same). */
static void
warden_warn_expired(const struct conf *c, int64_t now)
{
	for (size_t i = 0; i < c->nusers; i++)
		if (c->users[i].expires != 0 && now >= c->users[i].expires)
			log_warn("%s:%u: user %s has expired: every knock of it "
			    "is denied", c->path, c->users[i].expires_line,
			    c->users[i].name);
}

const char *
warden_cluster_refusal(const struct conf *c, const struct clustermsg *m,
    const struct conf_action **a)
{
	const struct conf_user *u = warden_find_user(c, m->user);

	*a = conf_find_action(c, m->action);
	if (u == NULL)
		return "no such user here";
	if (*a == NULL)
		return "no such action here";
	if (!warden_user_may(u, (*a)->name))
		return "the user may not ask for the action here";
	if ((*a)->kind == CONF_ACTION_RUN)
		return "a run action here (it runs on the accepting node only)";
	if ((*a)->kind == CONF_ACTION_FORWARD &&
	    (*a)->inner.family != m->addr.family)
		return "a forward to the other address family here";
	return NULL;
}

/* cluster_hooks.grant: another node's grant, checked against our own
 * configuration, through our own grant engine, until the same expiry
 * (never longer than our action's timeout from now). */
static void
warden_cluster_grant(void *ctx, const struct clustermsg *m, int64_t now)
{
	struct warden *w = ctx;
	const struct conf_action *a;
	const char *why = warden_cluster_refusal(w->conf, m, &a);
	struct grantrec r;
	struct warden_resync rs = { .w = w, .now = now, .want = &r };
	char allow[SPA_ADDRSTRLEN];

	if (why != NULL) {
		cluster_count_dropped(w->cluster);
		if (log_ratelimit(&w->cluster_limit, now))
			log_warn("cluster: dropped a grant from node %s: %s "
			    "(user %s, action %s)", m->node, why, m->user,
			    m->action);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.addr = m->addr;
	r.proto = a->ports[0].proto;
	r.port = a->ports[0].port;
	for (size_t i = 1; i < a->nports && i < GRANTREC_PAIRS_MAX; i++)
		r.more[r.nmore++] = (struct grant_port){ a->ports[i].proto,
		    a->ports[i].port };
	if (a->kind == CONF_ACTION_FORWARD) {
		r.inner = a->inner;     /* this node's own inner host */
		r.inner_port = a->inner_port;
	}
	r.expiry = m->expiry;
	if (r.expiry > now + (int64_t)a->timeout + WARDEN_CLOCK_SLACK)
		r.expiry = now + (int64_t)a->timeout + WARDEN_CLOCK_SLACK;
	snprintf(r.user, sizeof(r.user), "%s", m->user);
	snprintf(r.action, sizeof(r.action), "%s", a->name);
	grant_each(w->grants, warden_find_one, &rs);
	if (rs.found != NULL && rs.found->expiry >= r.expiry)
		return;         /* open here already, as long */
	if (grant_grant(w->grants, &r, now) != 0)
		return;
	cluster_count_applied(w->cluster);
	log_info("cluster: grant from node %s: user=%s request=%s allow=%s "
	    "until %lld", m->node, r.user, r.action,
	    addr_format(&r.addr, allow), (long long)r.expiry);
}

/* The cluster of c, joined; 0 or EX_OSERR. */
static int
warden_join(struct warden *w, const struct conf *c, int64_t now)
{
	struct cluster_hooks h = { .grant = warden_cluster_grant,
	    .resync = warden_cluster_resync, .ctx = w };

	if (!c->cluster.on || w->opt->dry_run)
		return 0;
	if (cluster_new(&c->cluster, &h, &w->cluster) != 0)
		return EX_OSERR;
	cluster_start(w->cluster, now);
	return 0;
}

int
warden_start(const struct conf *c, struct firewall *fw,
    const struct warden_options *o, int64_t now, struct warden **out)
{
	struct warden *w = calloc(1, sizeof(*w));
	char err[STATE_ERR_MAX];
	long tags;

	*out = NULL;
	if (w == NULL)
		return EX_OSERR;
	w->conf = c;
	w->fw = fw;
	w->opt = o;
	w->pruner.last = now;
	w->cluster_limit = (struct log_limit){ .interval = 60, .burst = 10 };
	/* A dry run must not close, forget or record a real run's grants. */
	if (state_open(o->dry_run ? NULL : c->sniffer.state, &w->state,
	    err) != 0) {
		log_warn("%s", err);
		warden_free(w);
		return EX_CANTCREAT;
	}
	if (replay_new(&w->replay) != 0 ||
	    spawner_new(WARDEN_MAX_CHILDREN, &w->spawner) != 0 ||
	    grant_engine_new(w->state, w->spawner, fw, o->rules_dir,
	    &w->grants) != 0) {
		warden_free(w);
		return EX_OSERR;
	}
	if ((tags = state_replay_load(w->state, w->replay, now)) < 0) {
		log_warn("state %s: cannot load the replay cache, not starting: "
		    "%s", c->sniffer.state, state_error(w->state));
		warden_free(w);
		return EX_CANTCREAT;
	}
	if (grant_recover(w->grants, now) != 0) {
		warden_free(w);
		return EX_CANTCREAT;
	}
	if (!o->dry_run && warden_setup(fw, c->sniffer.port,
	    FIREWALL_SETUP) != 0) {
		log_warn("firewall %s: setup failed", firewall_path(fw));
		warden_free(w);
		return EX_UNAVAILABLE;
	}
	grant_resume(w->grants, now);
	log_info("started: %ld replay tags kept, %zu grants recovered, "
	    "firewall %s", tags, grant_count(w->grants), firewall_path(fw));
	warden_warn_expired(c, now);
	if (warden_join(w, c, now) != 0) {
		warden_stop(w);
		return EX_OSERR;
	}
	*out = w;
	return 0;
}

/* Close every grant (their running commands may end first, bounded), tear
 * down.  Programs of run actions still running are ended with the daemon
 * (spawner_free kills their process groups). */
void
warden_stop(struct warden *w)
{
	size_t left = grant_close_all(w->grants,
	    spawn_now_ms() + WARDEN_SHUTDOWN_MS);

	if (left > 0)
		log_warn("stopping: %zu grants could not be closed; they stay "
		    "recorded and the next start closes them", left);
	if (!w->opt->dry_run && warden_setup(w->fw,
	    w->conf->sniffer.port, FIREWALL_TEARDOWN) != 0)
		log_warn("firewall %s: teardown failed", firewall_path(w->fw));
	if (spawner_running(w->spawner) + spawner_queued(w->spawner) > 0)
		log_info("stopping: ending %zu running action programs",
		    spawner_running(w->spawner) + spawner_queued(w->spawner));
	warden_free(w);
}

void
warden_reconfigure(struct warden *w, const struct conf *c,
    struct firewall *fw)
{
	const struct conf_cluster *was = &w->conf->cluster, *now = &c->cluster;

	if (was->on != now->on || (now->on && (strcmp(was->node, now->node) ||
	    was->port != now->port || was->down_local != now->down_local ||
	    strcmp(was->prefix, now->prefix) ||
	    !mac_equal(was->key, now->key))))
		log_warn("reload: the [cluster] section is read at start "
		    "only; the running one stays until a restart");
	w->conf = c;
	w->fw = fw;
	grant_engine_set_firewall(w->grants, fw);
	warden_warn_expired(c, (int64_t)time(NULL));
}

struct replay_cache *
warden_replay(const struct warden *w)
{
	return w->replay;
}

size_t
warden_grant_count(const struct warden *w)
{
	return grant_count(w->grants);
}

static bool
warden_user_may(const struct conf_user *u, const char *action)
{
	for (size_t i = 0; i < u->nallow; i++)
		if (strcmp(u->allow[i], action) == 0)
			return true;
	return false;
}

/* The latest tag expiry user u's accepted knock can carry at now. */
static int64_t
warden_tag_horizon(const struct conf *c, const struct conf_user *u,
    int64_t now)
{
	int64_t h = now + 2 * (int64_t)c->sniffer.window +
	    VERIFY_NATIVE_REPLAY_EXTRA;

	if (c->sniffer.classic && u->classic)
		h = now + VERIFY_CLASSIC_REPLAY_SECONDS;
	return h + WARDEN_CLOCK_SLACK;
}

/* Every field against our configuration; NULL when all hold, else why. */
static const char *
warden_check(const struct warden *w, const struct privmsg_grant *m,
    int64_t now)
{
	const struct conf *c = w->conf;
	const struct conf_user *u;

	if (m->user >= c->nusers)
		return "no such user";
	if (m->action >= c->nactions)
		return "no such action";
	u = &c->users[m->user];
	if (!warden_user_may(u, c->actions[m->action].name))
		return "the user may not ask for the action";
	if (u->expires != 0 && now >= u->expires)
		return "the user's access has expired";
	/* The verifier denies it (DENY_FAMILY): never a grant. */
	if (c->actions[m->action].kind == CONF_ACTION_FORWARD &&
	    c->actions[m->action].inner.family != m->family)
		return "a forward to a host of the other family";
	/* Every format keeps a tag at least VERIFY_NATIVE_REPLAY_EXTRA past
	 * the decision; so a tag the check below calls new is not one that
	 * expired a moment ago and could come twice. */
	if (m->tag_expiry < now + VERIFY_NATIVE_REPLAY_EXTRA -
	    WARDEN_CLOCK_SLACK ||
	    m->tag_expiry > warden_tag_horizon(c, u, now))
		return "a tag expiry no knock can have";
	if (replay_seen(w->replay, m->tag, now))
		return "a tag already committed";
	return NULL;
}

/* Runs d's action; 0, or SPA_ERR_STATE when its tag could not be
 * committed, and then nothing ran.  An open commits the tag with the
 * grant's first record (one sync); the others commit it alone first. */
static int
warden_act(struct warden *w, const struct conf_action *a,
    const struct spa_decision *d, int64_t knock_us, int64_t now)
{
	int rc;

	if (a->kind != CONF_ACTION_RUN && !w->opt->dry_run) {
		struct grantrec r = { .addr = d->allow,
		    .proto = a->ports[0].proto, .port = a->ports[0].port,
		    .expiry = now + a->timeout };

		if (a->kind == CONF_ACTION_FORWARD) {
			r.inner = a->inner;
			r.inner_port = a->inner_port;
		}

		/* One grant for every pair, one expiry (doc/grants.md). */
		for (size_t i = 1; i < a->nports && i < GRANTREC_PAIRS_MAX; i++)
			r.more[r.nmore++] = (struct grant_port){
			    a->ports[i].proto, a->ports[i].port };

		snprintf(r.user, sizeof(r.user), "%s", d->user_name);
		snprintf(r.action, sizeof(r.action), "%s", a->name);
		grant_engine_knock_time(w->grants, knock_us);
		if ((rc = grant_grant_tagged(w->grants, &r, d->tag,
		    d->replay_until, now)) != 0)
			return rc;
		warden_publish(w, &r, now);
		return 0;
	}
	if (commit_accepted(w->state, d, NULL, 0) != 0)
		return SPA_ERR_STATE;
	if (w->opt->dry_run) {
		struct actions_dry_run dry = { w->conf, w->fw };
		struct server_frame f = { .decision = *d, .action = a };

		actions_print_dry_run(&dry, &f, stderr);
	} else {
		(void)actions_run_program(w->spawner, d, a);
	}
	return 0;
}

/* The tag claimed cluster-wide (doc/cluster.md): NULL when the knock may
 * go on, "replay" when another node had it, "down" when Redis did not
 * answer and on_redis_down = refuse. */
static const char *
warden_claim(struct warden *w, const struct privmsg_grant *m, int64_t now)
{
	if (w->cluster == NULL)
		return NULL;
	switch (cluster_claim(w->cluster, m->tag,
	    (m->tag_expiry - now) * 1000)) {
	case CLUSTER_CLAIMED:
		return NULL;
	case CLUSTER_TAKEN:
		return "replay";
	case CLUSTER_DOWN:
		break;
	}
	cluster_count_refused(w->cluster);
	return cluster_down_local(w->cluster) ? NULL : "down";
}

enum warden_verdict
warden_grant(struct warden *w, const struct privmsg_grant *m, int64_t now)
{
	const char *why = warden_check(w, m, now);
	const struct conf_action *a;
	struct spa_decision d;
	if (why != NULL) {
		log_warn("privsep: refused a grant from the capture process: %s "
		    "(user %u, action %u)", why, m->user, m->action);
		return WARDEN_INVALID;
	}
	a = &w->conf->actions[m->action];
	memset(&d, 0, sizeof(d));
	d.verdict = VERDICT_ACCEPTED;
	d.user = (int)m->user;
	d.user_name = w->conf->users[m->user].name;
	snprintf(d.request, sizeof(d.request), "%s", a->name);
	d.allow.family = (uint8_t)m->family;
	memcpy(d.allow.bytes, m->addr, sizeof(d.allow.bytes));
	memcpy(d.tag, m->tag, sizeof(d.tag));
	d.replay_until = m->tag_expiry;
	if ((why = warden_claim(w, m, now)) != NULL) {
		/* Remembered here too: a child restarted from our cache
		 * calls the same frame a replay. */
		(void)replay_add(w->replay, d.tag, d.replay_until, now);
		return strcmp(why, "replay") == 0 ? WARDEN_REPLAY :
		    WARDEN_UNAVAILABLE;
	}
	/* Committed before anything acts (doc/protocol.md step 9). */
	if (replay_add(w->replay, d.tag, d.replay_until, now) != 0) {
		log_warn("refused: user %s request %s: the replay cache is full "
		    "(%zu tags), so nothing runs", d.user_name, d.request,
		    replay_count(w->replay));
		return WARDEN_REFUSED;
	}
	if (warden_act(w, a, &d, m->knock_us, now) != 0) {
		char err[STATE_ERR_MAX + 128];

		commit_refusal(w->state, &d, err, sizeof(err));
		log_warn("%s", err);
		return WARDEN_REFUSED;
	}
	return WARDEN_DONE;
}

uint64_t
warden_commands_refused(const struct warden *w)
{
	return spawner_refused(w->spawner);
}

const struct grant_counts *
warden_grant_counts(const struct warden *w)
{
	return grant_counts(w->grants);
}

void
warden_each_grant(const struct warden *w,
    void (*fn)(void *ctx, const struct grantrec *r, unsigned failed_closes),
    void *ctx)
{
	grant_each(w->grants, fn, ctx);
}

void
warden_on_opened(struct warden *w, grant_opened_fn *fn, void *ctx)
{
	grant_engine_on_opened(w->grants, fn, ctx);
}

int
warden_fd(const struct warden *w)
{
	return spawner_fd(w->spawner);
}

int
warden_cluster_fd(const struct warden *w)
{
	return w->cluster != NULL ? cluster_fd(w->cluster) : -1;
}

const struct cluster_counts *
warden_cluster_counts(const struct warden *w)
{
	return w->cluster != NULL ? cluster_counts(w->cluster) : NULL;
}

int
warden_timeout_ms(const struct warden *w, int64_t now, int max_ms)
{
	int64_t ms = max_ms;
	int64_t grant = grant_next_ms(w->grants, now);
	int child = spawner_timeout_ms(w->spawner, spawn_now_ms());

	if (grant >= 0 && grant < ms)
		ms = grant;
	if (child >= 0 && child < ms)
		ms = child;
	if (w->cluster != NULL)
		ms = cluster_timeout_ms(w->cluster, (int)ms);
	return (int)ms;
}

void
warden_tick(struct warden *w, int64_t now)
{
	spawner_poll(w->spawner, spawn_now_ms());
	if (w->cluster != NULL)
		cluster_tick(w->cluster, now);
	grant_expire(w->grants, now);
	if (commit_prune(&w->pruner, w->replay, w->state, now) != 0)
		log_warn("state: cannot prune the replay tags: %s",
		    state_error(w->state));
}
