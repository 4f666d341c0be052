#include "lockout.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "err.h"

#define LOCKOUT_SLOTS 4096      /* sources remembered at once */
#define LOCKOUT_PROBES 8        /* slots a source may land in */

struct lockout_slot {
	struct spa_addr addr;
	int64_t first;          /* start of the counting window; 0: free */
	int64_t until;          /* locked until, or 0 */
	unsigned count;
};

struct lockout {
	unsigned count, seconds;
	uint64_t seed;          /* random: sources cannot aim at one slot */
	struct lockout_slot slots[LOCKOUT_SLOTS];
};

int
lockout_new(unsigned count, unsigned seconds, struct lockout **out)
{
	struct lockout *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (l == NULL)
		return SPA_ERR_NOMEM;
	if (crypto_random(&l->seed, sizeof(l->seed)) != 0) {
		free(l);
		return SPA_ERR_CRYPTO;
	}
	l->count = count;
	l->seconds = seconds;
	*out = l;
	return 0;
}

void
lockout_free(struct lockout *l)
{
	free(l);
}

static size_t
lockout_home(const struct lockout *l, const struct spa_addr *a)
{
	uint64_t h = l->seed ^ a->family;

	for (size_t i = 0; i < SPA_ADDR_LEN; i++)
		h = (h ^ a->bytes[i]) * 0x100000001b3ULL;       /* FNV-1a */
	return (size_t)(h ^ h >> 29) % LOCKOUT_SLOTS;
}

/* The slot holding src, or NULL. */
static const struct lockout_slot *
lockout_find(const struct lockout *l, const struct spa_addr *src)
{
	size_t home = lockout_home(l, src);

	for (size_t i = 0; i < LOCKOUT_PROBES; i++) {
		const struct lockout_slot *s =
		    &l->slots[(home + i) % LOCKOUT_SLOTS];

		if (s->first != 0 && addr_equal(&s->addr, src))
			return s;
	}
	return NULL;
}

/* How much a slot is worth keeping: 0 free or stale, 1 counting, 2 locked. */
static int
lockout_worth(const struct lockout *l, const struct lockout_slot *s,
    int64_t now)
{
	if (s->until > now)
		return 2;
	if (s->first != 0 && now - s->first < (int64_t)l->seconds)
		return 1;
	return 0;
}

/* A slot for src: its own, else the least worth keeping among its probes
 * (the oldest of equals), so a flood of spoofed sources recycles counting
 * slots before it can push out a lock. */
static struct lockout_slot *
lockout_claim(struct lockout *l, const struct spa_addr *src, int64_t now)
{
	size_t home = lockout_home(l, src);
	struct lockout_slot *best = NULL;
	int best_worth = 3;

	for (size_t i = 0; i < LOCKOUT_PROBES; i++) {
		struct lockout_slot *s = &l->slots[(home + i) % LOCKOUT_SLOTS];
		int worth = lockout_worth(l, s, now);

		if (s->first != 0 && addr_equal(&s->addr, src))
			return s;
		if (worth < best_worth ||
		    (worth == best_worth && s->first < best->first)) {
			best = s;
			best_worth = worth;
		}
	}
	memset(best, 0, sizeof(*best));
	best->addr = *src;
	return best;
}

int
lockout_blocked(const struct lockout *l, const struct spa_addr *src,
    int64_t now)
{
	const struct lockout_slot *s = lockout_find(l, src);

	return s != NULL && s->until > now;
}

int
lockout_record(struct lockout *l, const struct spa_addr *src,
    enum spa_verdict v, int64_t now)
{
	struct lockout_slot *s;

	if (v != VERDICT_BAD_MAC && v != VERDICT_REPLAY && v != VERDICT_STALE)
		return 0;
	s = lockout_claim(l, src, now);
	if (s->first == 0 || now - s->first >= (int64_t)l->seconds) {
		s->first = now > 0 ? now : 1;
		s->count = 0;
	}
	if (++s->count < l->count || s->until > now)
		return 0;
	s->until = now + l->seconds;
	return 1;
}
