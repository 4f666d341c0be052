/*
 * Durable state (SQLite, WAL): the replay cache and the open grants, so a
 * restart never forgets a tag still inside its window and never leaves a
 * port open past its expiry by more than the time the daemon was down.
 * Writes are synchronous: a tag is on disk before the packet is reported
 * accepted.
 */
#ifndef SPA_STATE_H
#define SPA_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "crypto.h"
#include "replay.h"

#define STATE_ERR_MAX 512

/* An open grant: who, what, until when, and how to close it. */
struct state_grant {
	struct spa_addr addr;
	uint8_t proto;                  /* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t port;
	int64_t expiry;
	char *const *close_argv;        /* NULL-terminated */
};

struct state;

/* Opens dir/state.db (creating dir 0700 and the schema); dir NULL or ""
 * keeps everything in memory.  Returns 0 or -1 with a message. */
int state_open(const char *dir, struct state **out, char err[STATE_ERR_MAX]);
void state_close(struct state *st);
/* Records an accepted tag until expiry.  0 or -1 (logged by the caller). */
int state_replay_add(struct state *st, const uint8_t tag[SPA_MAC_LEN],
    int64_t expiry);
/* Deletes expired tags, then loads the rest into rc.  Returns how many were
 * loaded, or -1. */
long state_replay_load(struct state *st, struct replay_cache *rc, int64_t now);
/* Inserts or replaces the grant for (addr, proto, port). */
int state_grant_put(struct state *st, const struct state_grant *g);
int state_grant_delete(struct state *st, const struct spa_addr *addr,
    uint8_t proto, uint16_t port);
/* Calls fn for every recorded grant (argv valid during the call only);
 * stops early when fn returns non-zero.  Returns 0 or -1. */
int state_grant_each(struct state *st,
    int (*fn)(void *ctx, const struct state_grant *g), void *ctx);
const char *state_error(const struct state *st);

#endif
