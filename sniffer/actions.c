#include "actions.h"

#include <netinet/in.h>
#include <string.h>

#include "report.h"

void
actions_values(const struct spa_decision *d, const struct conf_action *a,
    struct action_values *out)
{
	memset(out, 0, sizeof(*out));
	addr_format(&d->allow, out->addr);
	snprintf(out->proto, sizeof(out->proto), "%s",
	    a->proto == IPPROTO_UDP ? "udp" : "tcp");
	snprintf(out->port, sizeof(out->port), "%u", (unsigned)a->port);
	snprintf(out->timeout, sizeof(out->timeout), "%u", a->timeout);
	out->family[0] = d->allow.family == 6 ? '6' : '4';
	out->v.addr = out->addr;
	out->v.family = out->family;
	out->v.user = d->user_name;
	out->v.request = d->request;
	out->v.timeout = out->timeout;
	if (a->kind == CONF_ACTION_OPEN) {
		out->v.proto = out->proto;
		out->v.port = out->port;
	}
}

static int
actions_run_one(const struct template *t, const struct action_values *vals,
    int may_fail, actions_cmd_fn *fn, void *ctx)
{
	char **argv = NULL;
	int rc;

	if (template_expand(t, &vals->v, &argv) != 0)
		return -1;
	rc = fn(ctx, argv, may_fail);
	template_argv_free(argv);
	return rc;
}

int
actions_each(const struct firewall *fw, const struct conf_action *a,
    enum firewall_verb verb, const struct action_values *vals, int family,
    actions_cmd_fn *fn, void *ctx)
{
	const struct firewall_cmd *cmds;
	size_t n = 0;
	int rc;

	if (a->kind == CONF_ACTION_RUN)
		return verb == FIREWALL_OPEN ?
		    actions_run_one(&a->run, vals, 0, fn, ctx) : 0;
	cmds = firewall_commands(fw, verb, family, &n);
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
	struct action_values vals;

	if (f->action == NULL)
		return;
	actions_values(&f->decision, f->action, &vals);
	if (actions_each(dry->firewall, f->action, FIREWALL_OPEN, &vals,
	    f->decision.allow.family, actions_print_cmd, out) != 0)
		fprintf(out, "run: (cannot expand the commands of action %s)\n",
		    f->action->name);
}
