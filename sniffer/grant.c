#include "grant.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions.h"
#include "cmdseq.h"
#include "err.h"
#include "log.h"

/* A plain array: grants are few (one per client and service) and each
 * verb runs once per accepted knock or expiry, never per packet. */
struct grant {
	struct grantrec rec;
	struct firewall *fw;            /* the backend it was opened with */
	unsigned long id;               /* matches a job to its grant */
	int busy;                       /* its commands run */
	int resume;                     /* recovered: open in grant_resume */
	int want_open;                  /* close-failed, and a knock asked for
	                                 * it again: open once it closes */
	unsigned attempts;              /* failed closes in a row */
	unsigned closed;                /* bit i: pair i closed by the close
	                                 * under way or that failed; a retry
	                                 * closes only the others */
	int64_t retry_at;               /* close-failed: next attempt */
	int64_t knock_us;               /* its knock's capture time, until the
	                                 * open completes; 0: none */
};

struct grant_engine {
	struct grant *items;
	size_t n, cap;
	unsigned long next_id;
	struct state *st;
	struct spawner *sp;
	struct firewall *fw;
	char *rules_dir;
	const uint8_t *tag;     /* grant_grant_tagged: written with the next */
	int64_t tag_expiry;     /* record, then NULL */
	int64_t knock_us;       /* grant_engine_knock_time, for the next */
	struct grant_counts counts;
	grant_opened_fn *on_opened;
	void *on_opened_ctx;
};

/* A running open or close of one grant: the commands of each pair in
 * turn, pair by pair. */
struct grant_job {
	struct grant_engine *e;
	unsigned long id;
	int closing;
	int tolerant;                   /* every failure expected */
	unsigned pair;                  /* the pair whose commands run */
	int ok;                         /* 0 once a pair failed */
};

static struct grant *
grant_find(struct grant_engine *e, const struct grantrec *r)
{
	for (size_t i = 0; i < e->n; i++)
		if (grantrec_same(&e->items[i].rec, r))
			return &e->items[i];
	return NULL;
}

static struct grant *
grant_by_id(struct grant_engine *e, unsigned long id)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->items[i].id == id)
			return &e->items[i];
	return NULL;
}

static struct grant *
grant_add(struct grant_engine *e, const struct grantrec *r,
    struct firewall *fw)
{
	struct grant *g;

	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 16;
		struct grant *items = realloc(e->items, cap * sizeof(*items));

		if (items == NULL)
			return NULL;
		e->items = items;
		e->cap = cap;
	}
	g = &e->items[e->n++];
	memset(g, 0, sizeof(*g));
	g->rec = *r;
	g->fw = firewall_ref(fw);
	g->id = ++e->next_id;
	snprintf(g->rec.backend, sizeof(g->rec.backend), "%s",
	    firewall_name(fw));
	return g;
}

static void
grant_remove(struct grant_engine *e, struct grant *g)
{
	firewall_free(g->fw);
	*g = e->items[--e->n];
}

int
grant_engine_new(struct state *st, struct spawner *sp, struct firewall *fw,
    const char *rules_dir, struct grant_engine **out)
{
	struct grant_engine *e = calloc(1, sizeof(*e));

	*out = NULL;
	if (e == NULL || (e->rules_dir = strdup(rules_dir)) == NULL) {
		free(e);
		return SPA_ERR_NOMEM;
	}
	e->st = st;
	e->sp = sp;
	e->fw = firewall_ref(fw);
	*out = e;
	return 0;
}

void
grant_engine_free(struct grant_engine *e)
{
	if (e == NULL)
		return;
	while (e->n > 0)
		grant_remove(e, &e->items[e->n - 1]);
	free(e->items);
	firewall_free(e->fw);
	free(e->rules_dir);
	free(e);
}

void
grant_engine_set_firewall(struct grant_engine *e, struct firewall *fw)
{
	firewall_free(e->fw);
	e->fw = firewall_ref(fw);
}

static const char *
grant_text(const struct grantrec *r, char buf[GRANTREC_TEXT_MAX])
{
	return grantrec_text(r, buf);
}

/* Writes g's record with its phase.  0 or -1 (logged). */
static int
grant_save(struct grant_engine *e, struct grant *g, enum grant_phase phase)
{
	char what[GRANTREC_TEXT_MAX];

	int rc;

	g->rec.phase = phase;
	if (e->tag != NULL) {
		rc = state_grant_put_tagged(e->st, &g->rec, e->tag,
		    e->tag_expiry);
		if (rc == 0)
			e->tag = NULL;
	} else {
		rc = state_grant_put(e->st, &g->rec);
	}
	if (rc == 0)
		return 0;
	log_warn("state: cannot record the grant %s (%s): %s",
	    grant_text(&g->rec, what), grant_phase_name(phase),
	    state_error(e->st));
	return SPA_ERR_STATE;
}

static void
grant_forget(struct grant_engine *e, struct grant *g)
{
	char what[GRANTREC_TEXT_MAX];

	if (state_grant_delete(e->st, &g->rec) != 0)
		log_warn("state: cannot forget the grant %s: %s",
		    grant_text(&g->rec, what), state_error(e->st));
	grant_remove(e, g);
}

struct grant_build {
	struct cmdlist *out;
	int tolerant;
};

static int
grant_append(void *ctx, char *const *argv, int may_fail)
{
	struct grant_build *b = ctx;

	return cmdlist_append(b->out, argv, may_fail || b->tolerant);
}

/* g's commands for verb (open, close or check; a forward's are its
 * forward_open and forward_close) and its pair number pair, from its
 * backend's rules file; with tolerant, every failure is expected (a rule
 * that may not be there).  0, or a code of actions_fw_each. */
static int
grant_commands(const struct grant *g, enum firewall_verb verb, int tolerant,
    unsigned pair, int64_t now, struct cmdlist *out)
{
	struct action_values vals;
	struct grant_build b = { out, tolerant };

	/* A forward has its own commands, and no check. */
	if (g->rec.inner.family != 0) {
		if (verb == FIREWALL_CHECK)
			return 0;
		verb = verb == FIREWALL_OPEN ? FIREWALL_FORWARD_OPEN :
		    FIREWALL_FORWARD_CLOSE;
	}
	actions_grant_values(&g->rec, pair, g->rec.expiry - now, &vals);
	return actions_fw_each(g->fw, verb, g->rec.addr.family, &vals,
	    grant_append, &b);
}

/* Runs g's check command for pair, when its backend has one: 1 when the
 * check says the rule is absent (it ran and exited non-zero), else 0. */
static int
grant_absent(const struct grant *g, unsigned pair, int64_t now)
{
	struct cmdlist l = { 0 };
	int present = 1;

	if (grant_commands(g, FIREWALL_CHECK, 0, pair, now, &l) == 0 &&
	    l.n > 0 && cmdseq_probe(l.words, &present) != 0)
		present = 1;
	cmdlist_free(&l);
	return !present;
}

static void grant_job_done(void *cookie, int ok);

/* Starts the commands of the job's pair, or of the next pair that has
 * some to run (a close skips the pairs already closed).  0: they run;
 * 1: no pair is left; a negative code: this pair's commands cannot be
 * built or started (SPA_ERR_INVALID: the backend has none for it). */
static int
grant_job_next(struct grant_job *job, struct grant *g, int64_t now)
{
	struct cmdlist l = { 0 };
	int rc;

	while (job->pair < grantrec_npairs(&g->rec) && job->closing &&
	    (g->closed & 1u << job->pair))
		job->pair++;
	if (job->pair >= grantrec_npairs(&g->rec))
		return 1;
	rc = grant_commands(g, job->closing ? FIREWALL_CLOSE : FIREWALL_OPEN,
	    job->tolerant, job->pair, now, &l);
	if (rc == 0 && l.n == 0)
		rc = SPA_ERR_INVALID;
	if (rc == 0)
		rc = cmdseq_start(job->e->sp, l.words, NULL, grant_job_done,
		    job);
	cmdlist_free(&l);
	return rc;
}

/* Starts g's open (closing 0) or close commands, pair after pair.  0, or
 * a negative code when the first cannot start (nothing ran then). */
static int
grant_start(struct grant_engine *e, struct grant *g, int closing,
    int tolerant, int64_t now)
{
	struct grant_job *job = calloc(1, sizeof(*job));
	int rc;

	if (job == NULL)
		return SPA_ERR_NOMEM;
	*job = (struct grant_job){ e, g->id, closing, tolerant, 0, 1 };
	if (!closing)
		g->closed = 0;
	g->busy = 1;
	if ((rc = grant_job_next(job, g, now)) == 0)
		return 0;
	g->busy = 0;
	free(job);
	return rc < 0 ? rc : SPA_ERR_INVALID;
}

static void
grant_open_done(struct grant_engine *e, struct grant *g, int ok, int64_t now)
{
	char what[GRANTREC_TEXT_MAX];

	grant_text(&g->rec, what);
	if (ok) {
		(void)grant_save(e, g, GRANT_OPEN);
		log_info("open %s until %lld", what, (long long)g->rec.expiry);
		e->counts.opened++;
		if (g->knock_us > 0 && e->on_opened != NULL) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			e->on_opened(e->on_opened_ctx, g->knock_us,
			    (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
		}
		g->knock_us = 0;
		return;
	}
	/* Undo what part of it did open, then forget it. */
	log_warn("open %s failed: not granted", what);
	g->rec.expiry = now;
	if (grant_save(e, g, GRANT_CLOSING) != 0 ||
	    grant_start(e, g, 1, 1, now) != 0)
		grant_forget(e, g);
}

static void
grant_close_failed(struct grant_engine *e, struct grant *g, int64_t now)
{
	char what[GRANTREC_TEXT_MAX];
	int64_t wait = (int64_t)1 << (g->attempts < 9 ? g->attempts : 9);

	if (wait > GRANT_RETRY_MAX_S)
		wait = GRANT_RETRY_MAX_S;
	g->attempts++;
	g->retry_at = now + wait;
	e->counts.close_failed++;
	(void)grant_save(e, g, GRANT_CLOSE_FAILED);
	log_warn("close %s failed (attempt %u): it stays recorded and is "
	    "retried in %lld s", grant_text(&g->rec, what), g->attempts,
	    (long long)wait);
}

static void
grant_close_done(struct grant_engine *e, struct grant *g, int ok, int64_t now)
{
	char what[GRANTREC_TEXT_MAX];

	if (!ok) {
		grant_close_failed(e, g, now);
		return;
	}
	g->attempts = 0;
	g->closed = 0;
	if (g->rec.phase == GRANT_REOPENING || g->want_open) {
		g->want_open = 0;
		/* A knock came while it closed: open it again, now that the
		 * close cannot undo the new open. */
		if (grant_save(e, g, GRANT_OPENING) != 0 ||
		    grant_start(e, g, 0, 0, now) != 0)
			grant_forget(e, g);
		return;
	}
	log_info("closed %s", grant_text(&g->rec, what));
	e->counts.closed++;
	grant_forget(e, g);
}

/* One pair's commands ended: a close notes the pair closed (its rule
 * gone, or the backend's check says it is absent) and goes on with the
 * next whatever happened; an open stops at the first pair that fails.
 * At the end, the grant's phase moves on. */
static void
grant_job_done(void *cookie, int ok)
{
	struct grant_job *job = cookie;
	struct grant *g = grant_by_id(job->e, job->id);
	int64_t now = (int64_t)time(NULL);
	int rc = 1;

	if (g == NULL) {
		free(job);
		return;
	}
	if (job->closing && (ok || grant_absent(g, job->pair, now)))
		g->closed |= 1u << job->pair;
	else if (!ok)
		job->ok = 0;
	while (job->closing || job->ok) {
		job->pair++;
		if ((rc = grant_job_next(job, g, now)) == 0)
			return;         /* the next pair's commands run */
		if (rc > 0)
			break;
		job->ok = 0;            /* this pair cannot run: next */
	}
	g->busy = 0;
	if (job->closing)
		grant_close_done(job->e, g, g->closed + 1u ==
		    1u << grantrec_npairs(&g->rec), now);
	else
		grant_open_done(job->e, g, job->ok, now);
	free(job);
}

/* A knock for a grant that exists: its new expiry and, by phase, what to
 * run.  Returns 0, or the code of grant_save or grant_start. */
static int
grant_again(struct grant_engine *e, struct grant *g, const struct grantrec *r,
    int64_t now)
{
	enum grant_phase was = g->rec.phase;
	int rc;

	g->rec.expiry = r->expiry;
	g->knock_us = e->knock_us;
	memcpy(g->rec.user, r->user, sizeof(r->user));
	memcpy(g->rec.action, r->action, sizeof(r->action));
	switch (was) {
	case GRANT_CLOSE_FAILED:        /* re-opened once the close works */
		g->want_open = 1;
		return grant_save(e, g, was);
	case GRANT_OPENING:             /* its open is on its way */
	case GRANT_REOPENING:
		return grant_save(e, g, was);
	case GRANT_CLOSING:
		return grant_save(e, g, GRANT_REOPENING);
	case GRANT_OPEN:
	default:
		/* Extend: close (the rule may be gone: no failure), then open
		 * with the new expiry, so a kernel-side timeout starts again. */
		if ((rc = grant_save(e, g, GRANT_REOPENING)) != 0)
			return rc;
		if ((rc = grant_start(e, g, 1, 1, now)) != 0) {
			(void)grant_save(e, g, was);
			return rc;
		}
		return 0;
	}
}

int
grant_grant(struct grant_engine *e, const struct grantrec *r, int64_t now)
{
	struct grant *g = grant_find(e, r);
	char what[GRANTREC_TEXT_MAX];
	int rc;

	if (g != NULL)
		return grant_again(e, g, r, now);
	if ((g = grant_add(e, r, e->fw)) == NULL) {
		log_warn("out of memory: %s not granted", grant_text(r, what));
		return SPA_ERR_NOMEM;
	}
	g->knock_us = e->knock_us;
	/* On disk before anything opens: a restart then knows to close it. */
	if ((rc = grant_save(e, g, GRANT_OPENING)) != 0) {
		grant_remove(e, g);
		return rc;
	}
	if ((rc = grant_start(e, g, 0, 0, now)) != 0) {
		log_warn("open %s: cannot run its commands", grant_text(r, what));
		grant_forget(e, g);
		return rc;
	}
	return 0;
}

int
grant_grant_tagged(struct grant_engine *e, const struct grantrec *r,
    const uint8_t tag[SPA_MAC_LEN], int64_t tag_expiry, int64_t now)
{
	e->tag = tag;
	e->tag_expiry = tag_expiry;
	(void)grant_grant(e, r, now);
	e->knock_us = 0;
	if (e->tag == NULL)
		return 0;
	e->tag = NULL;          /* never saved: the knock is refused */
	return SPA_ERR_STATE;
}

/* The first grant grant_expire must act on, or NULL. */
static struct grant *
grant_next_due(struct grant_engine *e, int64_t now)
{
	for (size_t i = 0; i < e->n; i++) {
		struct grant *g = &e->items[i];

		if (g->busy)
			continue;
		if ((g->rec.phase == GRANT_OPEN && g->rec.expiry <= now) ||
		    (g->rec.phase == GRANT_CLOSE_FAILED && g->retry_at <= now))
			return g;
	}
	return NULL;
}

void
grant_expire(struct grant_engine *e, int64_t now)
{
	char what[GRANTREC_TEXT_MAX];
	struct grant *g;

	/* Each turn makes g busy, moves its retry later or forgets it (a
	 * sequence that cannot start ends at once, through its callback). */
	while ((g = grant_next_due(e, now)) != NULL) {
		if (g->rec.phase == GRANT_OPEN) {
			log_info("close %s", grant_text(&g->rec, what));
			(void)grant_save(e, g, GRANT_CLOSING);
		}
		if (grant_start(e, g, 1, 0, now) != 0)
			grant_close_failed(e, g, now);
	}
}

int64_t
grant_next_ms(const struct grant_engine *e, int64_t now)
{
	int64_t best = -1;

	for (size_t i = 0; i < e->n; i++) {
		const struct grant *g = &e->items[i];
		int64_t at;

		if (g->busy)
			continue;
		if (g->rec.phase == GRANT_OPEN)
			at = g->rec.expiry;
		else if (g->rec.phase == GRANT_CLOSE_FAILED)
			at = g->retry_at;
		else
			continue;
		at = at <= now ? 0 : (at - now) * 1000;
		if (best < 0 || at < best)
			best = at;
	}
	return best;
}

/* Closes g now, synchronously, every pair not closed yet; 1 when all
 * are closed. */
static int
grant_close_sync(struct grant *g, int tolerant, int64_t now)
{
	for (unsigned i = 0; i < grantrec_npairs(&g->rec); i++) {
		struct cmdlist l = { 0 };
		int ok = 0;

		if (g->closed & 1u << i)
			continue;
		if (grant_commands(g, FIREWALL_CLOSE, tolerant, i, now, &l) == 0)
			ok = l.n == 0 || cmdseq_run_sync(l.words, NULL) == 0;
		cmdlist_free(&l);
		if (ok || grant_absent(g, i, now))
			g->closed |= 1u << i;
	}
	return g->closed + 1u == 1u << grantrec_npairs(&g->rec);
}

size_t
grant_close_all(struct grant_engine *e, int64_t deadline_ms)
{
	int64_t now;
	size_t left = 0;

	while (grant_busy(e) > 0 && spawn_now_ms() < deadline_ms) {
		struct pollfd pfd = { spawner_fd(e->sp), POLLIN, 0 };

		(void)poll(&pfd, 1, 100);
		spawner_poll(e->sp, spawn_now_ms());
	}
	now = (int64_t)time(NULL);
	for (size_t i = e->n; i-- > 0;) {
		struct grant *g = &e->items[i];

		if (g->busy) {          /* its row says what it was doing */
			left++;
			continue;
		}
		if (grant_close_sync(g, g->rec.phase == GRANT_OPENING, now)) {
			e->counts.closed++;
			grant_forget(e, g);
			continue;
		}
		left++;
		e->counts.close_failed++;
		g->rec.expiry = now < g->rec.expiry ? now : g->rec.expiry;
		(void)grant_save(e, g, GRANT_CLOSE_FAILED);
	}
	return left;
}

struct grant_recovery {
	struct grant_engine *e;
	int64_t now;
	int failed;
};

/* The backend a recorded grant was opened with: its own, when it still
 * loads, else the configured one. */
static struct firewall *
grant_backend(struct grant_engine *e, const struct grantrec *r)
{
	char err[FIREWALL_ERR_MAX];
	struct firewall *fw = NULL;

	if (r->backend[0] == '\0' ||
	    strcmp(r->backend, firewall_name(e->fw)) == 0)
		return firewall_ref(e->fw);
	if (firewall_load(e->rules_dir, r->backend, &fw, err) == 0)
		return fw;
	log_warn("a recorded grant's backend %s: %s; closing it with %s",
	    r->backend, err, firewall_name(e->fw));
	return firewall_ref(e->fw);
}

static int
grant_recover_one(void *ctx, const struct grantrec *r)
{
	struct grant_recovery *rc = ctx;
	struct firewall *fw = grant_backend(rc->e, r);
	struct grant *g = grant_add(rc->e, r, fw);
	char what[GRANTREC_TEXT_MAX];

	firewall_free(fw);
	if (g == NULL) {
		rc->failed = 1;
		return 1;
	}
	/* Whether its rule is there is known only for these two phases. */
	if (!grant_close_sync(g, r->phase != GRANT_OPEN &&
	    r->phase != GRANT_CLOSE_FAILED, rc->now)) {
		g->want_open = r->expiry > rc->now;
		grant_close_failed(rc->e, g, rc->now);
		return 0;
	}
	if (r->expiry > rc->now) {
		g->resume = 1;
		return 0;
	}
	log_info("closed %s: it expired while the sniffer was down",
	    grant_text(r, what));
	grant_forget(rc->e, g);
	return 0;
}

static void
grant_recover_bad(void *ctx, const char *why)
{
	(void)ctx;
	log_warn("state: %s", why);
}

int
grant_recover(struct grant_engine *e, int64_t now)
{
	struct grant_recovery rc = { e, now, 0 };

	if (state_grant_each(e->st, grant_recover_one, grant_recover_bad,
	    &rc) != 0 || rc.failed) {
		log_warn("state: cannot read the grants: %s", state_error(e->st));
		return SPA_ERR_STATE;
	}
	return 0;
}

void
grant_resume(struct grant_engine *e, int64_t now)
{
	for (size_t i = e->n; i-- > 0;) {
		struct grant *g = &e->items[i];

		if (!g->resume)
			continue;
		g->resume = 0;
		if (g->rec.expiry <= now || grant_save(e, g, GRANT_OPENING) != 0 ||
		    grant_start(e, g, 0, 0, now) != 0)
			grant_forget(e, g);
	}
}

size_t
grant_count(const struct grant_engine *e)
{
	return e->n;
}

size_t
grant_busy(const struct grant_engine *e)
{
	size_t n = 0;

	for (size_t i = 0; i < e->n; i++)
		n += e->items[i].busy != 0;
	return n;
}

const struct grant_counts *
grant_counts(const struct grant_engine *e)
{
	return &e->counts;
}

void
grant_engine_on_opened(struct grant_engine *e, grant_opened_fn *fn,
    void *ctx)
{
	e->on_opened = fn;
	e->on_opened_ctx = ctx;
}

void
grant_engine_knock_time(struct grant_engine *e, int64_t knock_us)
{
	e->knock_us = knock_us;
}

void
grant_each(const struct grant_engine *e,
    void (*fn)(void *ctx, const struct grantrec *r, unsigned failed_closes),
    void *ctx)
{
	for (size_t i = 0; i < e->n; i++)
		fn(ctx, &e->items[i].rec, e->items[i].attempts);
}
