#include "actions.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "report.h"

/* The fields every command may use, formatted once. */
static void
actions_common_values(const struct spa_addr *allow, unsigned timeout,
    struct action_values *out)
{
	memset(out, 0, sizeof(*out));
	addr_format(allow, out->addr);
	snprintf(out->timeout, sizeof(out->timeout), "%u", timeout);
	out->family[0] = allow->family == 6 ? '6' : '4';
	out->v.addr = out->addr;
	out->v.family = out->family;
	out->v.timeout = out->timeout;
}

void
actions_setup_values(int family, uint16_t knock_port,
    struct action_values *out)
{
	memset(out, 0, sizeof(*out));
	out->family[0] = family == 6 ? '6' : '4';
	snprintf(out->knock_port, sizeof(out->knock_port), "%u",
	    (unsigned)knock_port);
	out->v.family = out->family;
	out->v.knock_port = out->knock_port;
}

static void
actions_port_values(uint8_t proto, uint16_t port, struct action_values *out)
{
	snprintf(out->proto, sizeof(out->proto), "%s",
	    proto == IPPROTO_UDP ? "udp" : "tcp");
	snprintf(out->port, sizeof(out->port), "%u", (unsigned)port);
	out->v.proto = out->proto;
	out->v.port = out->port;
}

/* A forward's inner host, {inner_addr} and {inner_port}. */
static void
actions_inner_values(const struct spa_addr *inner, uint16_t port,
    struct action_values *out)
{
	addr_format(inner, out->inner_addr);
	snprintf(out->inner_port, sizeof(out->inner_port), "%u",
	    (unsigned)port);
	out->v.inner_addr = out->inner_addr;
	out->v.inner_port = out->inner_port;
}

void
actions_values(const struct spa_decision *d, const struct conf_action *a,
    size_t pair, struct action_values *out)
{
	actions_common_values(&d->allow, a->timeout, out);
	out->v.user = d->user_name;
	out->v.request = d->request;
	if (a->kind != CONF_ACTION_RUN && pair < a->nports)
		actions_port_values(a->ports[pair].proto, a->ports[pair].port,
		    out);
	if (a->kind == CONF_ACTION_FORWARD)
		actions_inner_values(&a->inner, a->inner_port, out);
}

void
actions_grant_values(const struct grantrec *r, unsigned pair,
    int64_t seconds, struct action_values *out)
{
	struct grant_port p = grantrec_pair(r, pair);

	if (seconds < 1)
		seconds = 1;
	if (seconds > UINT32_MAX)
		seconds = UINT32_MAX;
	actions_common_values(&r->addr, (unsigned)seconds, out);
	out->v.user = r->user;
	out->v.request = r->action;
	actions_port_values(p.proto, p.port, out);
	if (r->inner.family != 0)
		actions_inner_values(&r->inner, r->inner_port, out);
}

static int
actions_run_one(const struct template *t, const struct action_values *vals,
    int may_fail, actions_cmd_fn *fn, void *ctx)
{
	char **argv = NULL;
	int rc;

	if ((rc = template_expand(t, &vals->v, &argv)) != 0)
		return rc;
	rc = fn(ctx, argv, may_fail);
	template_argv_free(argv);
	return rc;
}

int
actions_fw_each(const struct firewall *fw, enum firewall_verb verb,
    int family, const struct action_values *vals, actions_cmd_fn *fn,
    void *ctx)
{
	size_t n = 0;
	const struct firewall_cmd *cmds = firewall_commands(fw, verb, family,
	    &n);
	int rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = actions_run_one(&cmds[i].tmpl, vals, cmds[i].may_fail,
		    fn, ctx)) != 0)
			return rc;
	return 0;
}


static int
actions_print_cmd(void *ctx, char *const *argv, int may_fail)
{
	(void)may_fail;
	report_run_line(ctx, argv);
	return 0;
}

void
actions_print_dry_run(void *ctx, const struct server_frame *f, FILE *out)
{
	const struct actions_dry_run *dry = ctx;
	const struct conf_action *a = f->action;
	struct action_values vals;
	int rc = 0;

	if (a == NULL)
		return;
	if (a->kind == CONF_ACTION_RUN) {
		actions_values(&f->decision, a, 0, &vals);
		rc = actions_run_one(&a->run, &vals, 0, actions_print_cmd, out);
	}
	/* An open: the backend's open commands for each pair in turn; a
	 * forward: its forward_open commands. */
	for (size_t i = 0; rc == 0 && a->kind != CONF_ACTION_RUN &&
	    i < a->nports; i++) {
		actions_values(&f->decision, a, i, &vals);
		rc = actions_fw_each(dry->firewall,
		    a->kind == CONF_ACTION_FORWARD ? FIREWALL_FORWARD_OPEN :
		    FIREWALL_OPEN, f->decision.allow.family, &vals,
		    actions_print_cmd, out);
	}
	if (rc != 0)
		fprintf(out, "run: (cannot expand the commands of action %s)\n",
		    a->name);
}

int
actions_check_backend(const struct conf *c, const struct firewall *fw,
    char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nactions; i++) {
		const struct conf_action *a = &c->actions[i];

		if (a->kind != CONF_ACTION_FORWARD ||
		    firewall_can_forward(fw, a->inner.family))
			continue;
		snprintf(err, errlen, "%s:%u: action %s forwards to an IPv%d "
		    "host, but firewall = %s (%s) has no forward_open and "
		    "forward_close for IPv%d: use a backend that has them, "
		    "such as iptables or nft", c->path, a->kind_line, a->name,
		    a->inner.family, firewall_name(fw), firewall_path(fw),
		    a->inner.family);
		return SPA_ERR_CONFIG;
	}
	return 0;
}

struct run_job {
	char action[SPA_REQUEST_MAX + 1];
	char user[64];
};

static void
actions_run_done(void *cookie, const struct spawn_status *st, const char *err)
{
	struct run_job *job = cookie;
	char status[64];

	spawn_status_str(st, status, sizeof(status));
	log_info("action %s for %s ended: %s%s%s", job->action, job->user,
	    status, err[0] ? ": " : "", err);
	free(job);
}

int
actions_run_program(struct spawner *sp, const struct spa_decision *d,
    const struct conf_action *a)
{
	struct spawn_opts opts = { .limit_ms = a->timeout * 1000u,
	    .set_ids = 1, .uid = a->run_uid, .gid = a->run_gid };
	struct run_job *job = calloc(1, sizeof(*job));
	struct action_values vals;
	char **argv = NULL;
	int rc = 0;

	if (job == NULL)
		return SPA_ERR_NOMEM;
	snprintf(job->action, sizeof(job->action), "%s", a->name);
	snprintf(job->user, sizeof(job->user), "%s", d->user_name);
	actions_values(d, a, 0, &vals);
	if ((rc = template_expand(&a->run, &vals.v, &argv)) != 0 ||
	    (rc = spawner_submit(sp, argv, &opts, actions_run_done, job)) != 0) {
		/* A full queue is logged by the spawner, once a burst. */
		if (rc != SPA_ERR_FULL)
			log_warn("action %s: cannot start %s", a->name,
			    a->run.words[0]);
		free(job);
		template_argv_free(argv);
		return rc;
	}
	template_argv_free(argv);
	return 0;
}
