/*
 * What an accepted knock runs: for an `open` action, the firewall
 * backend's open commands for the allowed address (and, recorded with the
 * grant, its close commands); for a `run` action, the configured program.
 * Every value is formatted here from binary fields and validated data, and
 * fills one whole argument (doc/style.md item 5).
 */
#ifndef SPA_ACTIONS_H
#define SPA_ACTIONS_H

#include <stdio.h>

#include "conf.h"
#include "firewall.h"
#include "grantrec.h"
#include "server.h"
#include "spawn.h"
#include "template.h"
#include "verify.h"

struct action_values {
	char addr[SPA_ADDRSTRLEN];
	char proto[4];
	char port[6];
	char timeout[12];
	char family[2];
	char knock_port[6];
	char inner_addr[SPA_ADDRSTRLEN];
	char inner_port[6];
	struct template_values v;       /* points into the fields above */
};

/* The placeholder values of the firewall's setup and teardown for family
 * (4 or 6): {family}, and {knock_port} from knock_port, the sniffer's own
 * port (conf->sniffer.port), which setup drops so that a knock is never
 * answered. */
void actions_setup_values(int family, uint16_t knock_port,
    struct action_values *out);

/* The placeholder values for decision d running action a; {proto} and
 * {port} those of a's pair number pair (open, forward), {inner_addr}
 * and {inner_port} a forward's inner host. */
void actions_values(const struct spa_decision *d, const struct conf_action *a,
    size_t pair, struct action_values *out);

/* The placeholder values for pair number pair of grant r, {timeout}
 * being the seconds it has left (at least 1), {inner_addr} and
 * {inner_port} for a forward grant. */
void actions_grant_values(const struct grantrec *r, unsigned pair,
    int64_t seconds, struct action_values *out);

/* Called with each expanded command; argv is valid during the call only.
 * A non-zero return stops the iteration and is returned. */
typedef int actions_cmd_fn(void *ctx, char *const *argv, int may_fail);


/* Expands every command of the backend for verb and family (4 or 6) with
 * vals and calls fn.  Returns 0, fn's non-zero value, or the code of
 * template_expand when a template cannot expand. */
int actions_fw_each(const struct firewall *fw, enum firewall_verb verb,
    int family, const struct action_values *vals, actions_cmd_fn *fn,
    void *ctx);

/* Every forward action of c can be served by fw: it has forward_open and
 * forward_close for the inner host's family.  0, or SPA_ERR_CONFIG with
 * "FILE:LINE: ..." (the action's forward = line) in err. */
int actions_check_backend(const struct conf *c, const struct firewall *fw,
    char *err, size_t errlen);

/* A run action: starts its program as its run_as user (resolved when the
 * configuration was loaded), asynchronously; the end is logged.  0, or the
 * code of template_expand or spawner_submit (logged). */
int actions_run_program(struct spawner *sp, const struct spa_decision *d,
    const struct conf_action *a);

/* For sniffer -r -n: prints "run: ARGV" for each command an accepted
 * frame would run.  ctx is a struct actions_dry_run. */
struct actions_dry_run {
	const struct conf *conf;
	const struct firewall *firewall;
};
void actions_print_dry_run(void *ctx, const struct server_frame *f, FILE *out);

#endif
