/*
 * The replay cache (PROTOCOL.md native step 4, classic "replay"): tags of
 * accepted packets, each kept until its expiry.  Looking up never
 * allocates; adding may grow the table, and only accepted packets add.
 */
#ifndef SPA_REPLAY_H
#define SPA_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

struct replay_cache;

int replay_new(struct replay_cache **out);
void replay_free(struct replay_cache *rc);
/* 1 when tag is recorded with an expiry after now. */
int replay_seen(const struct replay_cache *rc, const uint8_t tag[SPA_MAC_LEN],
    int64_t now);
/* Records tag until expiry (a later expiry wins).  0 or SPA_ERR_NOMEM. */
int replay_add(struct replay_cache *rc, const uint8_t tag[SPA_MAC_LEN],
    int64_t expiry, int64_t now);
/* Drops every tag whose expiry is not after now; returns how many stay. */
size_t replay_prune(struct replay_cache *rc, int64_t now);
size_t replay_count(const struct replay_cache *rc);

#endif
