#include "replay.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

struct replay_slot {
	uint8_t tag[SPA_MAC_LEN];
	int64_t expiry;         /* 0: free slot */
};

struct replay_cache {
	struct replay_slot *slots;
	size_t mask;
	size_t count;
	size_t max;             /* at most this many tags */
	int64_t earliest;       /* no tag expires before this (INT64_MAX:
	                         * empty); a bound, not always reached */
};

#define REPLAY_INITIAL 256

static size_t
replay_home(const struct replay_cache *rc, const uint8_t tag[SPA_MAC_LEN])
{
	uint64_t h = 0;

	/* Tags in the cache are genuine HMAC outputs: uniformly spread. */
	for (int i = 0; i < 8; i++)
		h = h << 8 | tag[i];
	return h & rc->mask;
}

int
replay_new(struct replay_cache **out)
{
	return replay_new_capped(REPLAY_MAX_TAGS, out);
}

int
replay_new_capped(size_t max_tags, struct replay_cache **out)
{
	struct replay_cache *rc;

	*out = NULL;
	if (max_tags == 0 || max_tags > REPLAY_MAX_TAGS)
		return SPA_ERR_INVALID;
	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		return SPA_ERR_NOMEM;
	rc->slots = calloc(REPLAY_INITIAL, sizeof(*rc->slots));
	if (rc->slots == NULL) {
		free(rc);
		return SPA_ERR_NOMEM;
	}
	rc->mask = REPLAY_INITIAL - 1;
	rc->max = max_tags;
	rc->earliest = INT64_MAX;
	*out = rc;
	return 0;
}

int
replay_copy(const struct replay_cache *src, struct replay_cache **out)
{
	struct replay_cache *rc;

	*out = NULL;
	if ((rc = malloc(sizeof(*rc))) == NULL)
		return SPA_ERR_NOMEM;
	*rc = *src;
	if ((rc->slots = malloc((src->mask + 1) * sizeof(*rc->slots))) == NULL) {
		free(rc);
		return SPA_ERR_NOMEM;
	}
	memcpy(rc->slots, src->slots, (src->mask + 1) * sizeof(*rc->slots));
	*out = rc;
	return 0;
}

void
replay_free(struct replay_cache *rc)
{
	if (rc == NULL)
		return;
	free(rc->slots);
	free(rc);
}

static struct replay_slot *
replay_find(const struct replay_cache *rc, const uint8_t tag[SPA_MAC_LEN])
{
	for (size_t i = replay_home(rc, tag); rc->slots[i].expiry != 0;
	    i = (i + 1) & rc->mask)
		if (memcmp(rc->slots[i].tag, tag, SPA_MAC_LEN) == 0)
			return &rc->slots[i];
	return NULL;
}

int
replay_seen(const struct replay_cache *rc, const uint8_t tag[SPA_MAC_LEN],
    int64_t now)
{
	const struct replay_slot *s = replay_find(rc, tag);

	return s != NULL && s->expiry > now;
}

static void
replay_insert(struct replay_cache *rc, const uint8_t tag[SPA_MAC_LEN],
    int64_t expiry)
{
	size_t i = replay_home(rc, tag);

	while (rc->slots[i].expiry != 0)
		i = (i + 1) & rc->mask;
	memcpy(rc->slots[i].tag, tag, SPA_MAC_LEN);
	rc->slots[i].expiry = expiry;
	rc->count++;
	if (expiry < rc->earliest)
		rc->earliest = expiry;
}

/* Re-inserts the live tags into a table of new_cap slots. */
static int
replay_rehash(struct replay_cache *rc, size_t new_cap, int64_t now)
{
	struct replay_slot *old = rc->slots;
	size_t old_cap = rc->mask + 1;

	rc->slots = calloc(new_cap, sizeof(*rc->slots));
	if (rc->slots == NULL) {
		rc->slots = old;
		return SPA_ERR_NOMEM;
	}
	rc->mask = new_cap - 1;
	rc->count = 0;
	rc->earliest = INT64_MAX;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].expiry > now)
			replay_insert(rc, old[i].tag, old[i].expiry);
	free(old);
	return 0;
}

/* A full cache: drop the tags expired at now, if any can be (a full
 * cache with none expired refuses without walking the table). */
static int
replay_make_room(struct replay_cache *rc, int64_t now)
{
	if (rc->earliest > now)
		return SPA_ERR_NOSPACE;
	replay_prune(rc, now);
	return rc->count < rc->max ? 0 : SPA_ERR_NOSPACE;
}

int
replay_add(struct replay_cache *rc, const uint8_t tag[SPA_MAC_LEN],
    int64_t expiry, int64_t now)
{
	struct replay_slot *s = replay_find(rc, tag);
	size_t cap = rc->mask + 1;
	int rc_err;

	if (expiry <= 0)
		expiry = 1;
	if (s != NULL) {
		if (expiry > s->expiry)
			s->expiry = expiry;
		return 0;
	}
	if (rc->count >= rc->max && (rc_err = replay_make_room(rc, now)) != 0)
		return rc_err;
	/* Keep the load at most one half; drop expired tags first. */
	if (2 * (rc->count + 1) > cap) {
		replay_prune(rc, now);
		if (2 * (rc->count + 1) > cap &&
		    (rc_err = replay_rehash(rc, 2 * cap, now)) != 0)
			return rc_err;
	}
	replay_insert(rc, tag, expiry);
	return 0;
}

size_t
replay_prune(struct replay_cache *rc, int64_t now)
{
	/* Rehashing at the same size is how open addressing deletes;
	 * on allocation failure nothing is lost, only not pruned. */
	(void)replay_rehash(rc, rc->mask + 1, now);
	return rc->count;
}

size_t
replay_count(const struct replay_cache *rc)
{
	return rc->count;
}
