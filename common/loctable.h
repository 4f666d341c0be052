/*
 * The locator table (doc/protocol.md native step 2): every user's locator for
 * every epoch overlapping [now - reach, now + reach], found with one hash
 * look-up whatever the number of users.  The verifier asks for a reach a
 * little wider than its window, so that a knock from a clock just outside
 * it is still recognised, and reported as stale rather than unknown.  When
 * the epoch range moves, only the new epochs' locators are computed (one
 * HMAC per user per minute) and the index is rebuilt in place: refreshing
 * never allocates.
 */
#ifndef SPA_LOCTABLE_H
#define SPA_LOCTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

#define LOC_MAX_MATCHES 4

struct loc_match {
	uint32_t user;          /* index into the keys given at init */
	uint64_t epoch;
};

struct loc_table;

/* Copies the nusers locator keys; reach in seconds.  0 or SPA_ERR_NOMEM. */
int loc_table_new(const struct mac_key *const *keys, size_t nusers,
    unsigned reach, struct loc_table **out);
void loc_table_free(struct loc_table *t);
/* Makes the table cover now; cheap when the epoch range is unchanged. */
void loc_table_refresh(struct loc_table *t, int64_t now);
/* Fills out with the first max matches for locator; returns how many it
 * filled, at most max (further matches are neither stored nor counted). */
size_t loc_table_find(const struct loc_table *t, const uint8_t locator[8],
    struct loc_match *out, size_t max);

#endif
