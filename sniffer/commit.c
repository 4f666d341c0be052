#include "commit.h"

#include <stdio.h>

#include "err.h"

void
commit_refusal(const struct state *st, const struct spa_decision *d,
    char *err, size_t errlen)
{
	snprintf(err, errlen, "refused: user %s request %s: the replay tag "
	    "cannot be recorded (state: %s), so nothing runs", d->user_name,
	    d->request, state_error(st));
}

int
commit_accepted(struct state *st, const struct spa_decision *d, char *err,
    size_t errlen)
{
	if (st == NULL || state_replay_add(st, d->tag, d->replay_until) == 0)
		return 0;
	commit_refusal(st, d, err, errlen);
	return SPA_ERR_STATE;
}

int
commit_prune(struct commit_pruner *p, struct replay_cache *rc,
    struct state *st, int64_t now)
{
	if (p->last != 0 && now - p->last < COMMIT_PRUNE_SECONDS &&
	    now >= p->last)
		return 0;
	p->last = now;
	(void)replay_prune(rc, now);
	return st != NULL && state_replay_prune(st, now) < 0 ? SPA_ERR_STATE :
	    0;
}
