/*
 * The replay cache (doc/protocol.md native step 4, classic "replay"): tags of
 * accepted packets, each kept until its expiry.  Looking up never
 * allocates; adding may grow the table, and only accepted packets add.
 * The number of tags is bounded (REPLAY_MAX_TAGS): a full cache refuses a
 * new tag, and so the knock (step 9), rather than forget an old one.
 */
#ifndef SPA_REPLAY_H
#define SPA_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

/*
 * At most this many tags at once.  A slot is 40 bytes (tag and expiry) and
 * the table is kept at most half full, so a full cache holds 2^19 slots:
 * 20 MiB.  Only accepted knocks add a tag; a native tag lives window + 60 s
 * past its time (about 3 minutes), so 2^18 tags allow over 1,400 accepted
 * native knocks a second, sustained, and a classic tag lives 32 days, so
 * they allow one accepted classic knock every 10 s for a month.  Past that
 * a key holder is flooding: refusing its knocks costs less than memory
 * without bound.
 */
#define REPLAY_MAX_TAGS ((size_t)1 << 18)

struct replay_cache;

/* An empty cache of at most REPLAY_MAX_TAGS tags.  0 or SPA_ERR_NOMEM. */
int replay_new(struct replay_cache **out);
/* Same, of at most max_tags tags (at least 1; tests use small ones).
 * 0, SPA_ERR_INVALID for 0 or more than REPLAY_MAX_TAGS, SPA_ERR_NOMEM. */
int replay_new_capped(size_t max_tags, struct replay_cache **out);
/* A cache of its own holding src's tags, with src's bound.  0 or
 * SPA_ERR_NOMEM. */
int replay_copy(const struct replay_cache *src, struct replay_cache **out);
void replay_free(struct replay_cache *rc);
/* 1 when tag is recorded with an expiry after now. */
int replay_seen(const struct replay_cache *rc, const uint8_t tag[SPA_MAC_LEN],
    int64_t now);
/* Records tag until expiry (a later expiry wins).  When the cache is full,
 * tags expired at now are dropped first.  0, SPA_ERR_NOSPACE when it is
 * still full (the tag is not recorded), or SPA_ERR_NOMEM. */
int replay_add(struct replay_cache *rc, const uint8_t tag[SPA_MAC_LEN],
    int64_t expiry, int64_t now);
/* Drops every tag whose expiry is not after now; returns how many stay. */
size_t replay_prune(struct replay_cache *rc, int64_t now);
size_t replay_count(const struct replay_cache *rc);

#endif
