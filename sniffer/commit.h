/*
 * The replay tags' life after the decision, the same for live mode and -r.
 * Commit (doc/protocol.md step 9): an accepted knock's tag is on stable storage
 * before its action starts, or the action does not run; a replay cache
 * that forgets is a hole, so a tag that cannot be written refuses the
 * knock (fail closed).  Prune: expired tags leave memory and disk once a
 * minute, so neither grows with the time the daemon runs.
 */
#ifndef SPA_COMMIT_H
#define SPA_COMMIT_H

#include <stddef.h>

#include "state.h"
#include "verify.h"

/* The logfmt field an offline line gains when the knock was refused. */
#define COMMIT_REFUSED_FIELD " refused=state-unwritable"
/* ... and the one of a knock refused because the cluster's Redis is
 * down (doc/cluster.md). */
#define COMMIT_REDIS_DOWN_FIELD " refused=redis-down"

/* Records d's tag in st (NULL: no durable state configured, nothing to
 * write).  0 when the action may run; SPA_ERR_STATE with the reason in
 * err when it must not. */
int commit_accepted(struct state *st, const struct spa_decision *d,
    char *err, size_t errlen);

/* The log line of a knock refused because st could not record its tag. */
void commit_refusal(const struct state *st, const struct spa_decision *d,
    char *err, size_t errlen);

#define COMMIT_PRUNE_SECONDS 60

struct commit_pruner {
	int64_t last;                   /* when it last pruned; 0: never */
};

/* At most once per COMMIT_PRUNE_SECONDS of now (the wall clock live, the
 * capture time offline): drops the tags whose expiry is not after now
 * from rc and from st (may be NULL).  Returns SPA_ERR_STATE when st could
 * not be pruned (the caller logs state_error), else 0. */
int commit_prune(struct commit_pruner *p, struct replay_cache *rc,
    struct state *st, int64_t now);

#endif
