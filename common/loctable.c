#include "loctable.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "wire_native.h"

#define LOC_EMPTY UINT32_MAX

struct loc_slot {
	uint64_t locator;
	uint64_t epoch;
	uint32_t user;          /* LOC_EMPTY: free slot */
};

struct loc_table {
	struct mac_key *keys;
	size_t nusers;
	int64_t reach;          /* seconds either side of now */
	size_t span;            /* most epochs the reach can overlap */
	uint64_t *locators;     /* [user * span + epoch % span] */
	uint64_t *ring_epoch;   /* epoch cached in each ring position */
	struct loc_slot *index;
	size_t mask;
	int64_t lo, hi;         /* epochs now covered; lo > hi: none */
};

static uint64_t
loc_u64(const uint8_t b[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static size_t
loc_capacity(size_t entries)
{
	size_t cap = 16;

	while (cap < 2 * entries)
		cap <<= 1;
	return cap;
}

int
loc_table_new(const struct mac_key *const *keys, size_t nusers,
    unsigned reach, struct loc_table **out)
{
	struct loc_table *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (t == NULL)
		return SPA_ERR_NOMEM;
	t->nusers = nusers;
	t->reach = reach;
	t->span = 2 * (size_t)reach / NATIVE_EPOCH_SECONDS + 2;
	t->mask = loc_capacity(nusers * t->span) - 1;
	t->keys = calloc(nusers ? nusers : 1, sizeof(*t->keys));
	t->locators = calloc(nusers * t->span + 1, sizeof(*t->locators));
	t->ring_epoch = calloc(t->span, sizeof(*t->ring_epoch));
	t->index = calloc(t->mask + 1, sizeof(*t->index));
	if (!t->keys || !t->locators || !t->ring_epoch || !t->index) {
		loc_table_free(t);
		return SPA_ERR_NOMEM;
	}
	for (size_t u = 0; u < nusers; u++)
		t->keys[u] = *keys[u];
	for (size_t i = 0; i < t->span; i++)
		t->ring_epoch[i] = UINT64_MAX;
	t->lo = 1;
	t->hi = 0;
	*out = t;
	return 0;
}

void
loc_table_free(struct loc_table *t)
{
	if (t == NULL)
		return;
	if (t->keys != NULL)
		crypto_wipe(t->keys, t->nusers * sizeof(*t->keys));
	free(t->keys);
	free(t->locators);
	free(t->ring_epoch);
	free(t->index);
	free(t);
}

/* Computes every user's locator for epoch unless the ring has it. */
static void
loc_fill_epoch(struct loc_table *t, uint64_t epoch)
{
	size_t pos = epoch % t->span;
	uint8_t loc[NATIVE_LOCATOR_LEN];

	if (t->ring_epoch[pos] == epoch)
		return;
	for (size_t u = 0; u < t->nusers; u++) {
		native_locator(&t->keys[u], epoch, loc);
		t->locators[u * t->span + pos] = loc_u64(loc);
	}
	t->ring_epoch[pos] = epoch;
}

static void
loc_insert(struct loc_table *t, uint64_t locator, uint64_t epoch, uint32_t user)
{
	size_t i = locator & t->mask;

	while (t->index[i].user != LOC_EMPTY)
		i = (i + 1) & t->mask;
	t->index[i].locator = locator;
	t->index[i].epoch = epoch;
	t->index[i].user = user;
}

static int64_t
loc_epoch_of(int64_t when)
{
	return when < 0 ? 0 : when / NATIVE_EPOCH_SECONDS;
}

void
loc_table_refresh(struct loc_table *t, int64_t now)
{
	int64_t lo = loc_epoch_of(now - t->reach);
	int64_t hi = loc_epoch_of(now + t->reach);

	if (lo == t->lo && hi == t->hi)
		return;
	for (size_t i = 0; i <= t->mask; i++)
		t->index[i].user = LOC_EMPTY;
	for (int64_t e = lo; e <= hi; e++) {
		size_t pos = (uint64_t)e % t->span;

		loc_fill_epoch(t, (uint64_t)e);
		for (size_t u = 0; u < t->nusers; u++)
			loc_insert(t, t->locators[u * t->span + pos],
			    (uint64_t)e, (uint32_t)u);
	}
	t->lo = lo;
	t->hi = hi;
}

size_t
loc_table_find(const struct loc_table *t, const uint8_t locator[8],
    struct loc_match *out, size_t max)
{
	uint64_t want = loc_u64(locator);
	size_t n = 0;

	for (size_t i = want & t->mask; t->index[i].user != LOC_EMPTY;
	    i = (i + 1) & t->mask) {
		if (t->index[i].locator != want)
			continue;
		if (n < max) {
			out[n].user = t->index[i].user;
			out[n].epoch = t->index[i].epoch;
		}
		n++;
	}
	return n < max ? n : max;
}
