/*
 * The server's decision (doc/protocol.md "What the server does", steps 1-9, and
 * the classic format): a payload with its addresses, ports and `now` in; a
 * verdict, user, request and allowed address out.  No I/O, no allocation.
 */
#ifndef SPA_VERIFY_H
#define SPA_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "crypto.h"
#include "replay.h"
#include "request.h"
#include "sign.h"

enum spa_verdict {
	VERDICT_ACCEPTED,
	VERDICT_NOT_SPA,
	VERDICT_UNKNOWN,
	VERDICT_BAD_MAC,
	VERDICT_REPLAY,
	VERDICT_MALFORMED,
	VERDICT_STALE,
	VERDICT_SOURCE_MISMATCH,
	VERDICT_DENIED,
	VERDICT_FORGED,                 /* the MAC of a signing user, without
	                                 * its signature: S is known to someone
	                                 * without the signing key */
};
#define VERDICT_COUNT 10

/* doc/protocol.md classic: a matched tag is remembered for 32 days, since
 * ddHHMM repeats every month: the same frame is valid again a month later,
 * at the same minute (28 to 31 days on), and must then be a replay. */
#define VERIFY_CLASSIC_REPLAY_SECONDS (32 * 86400)
/* A native tag is remembered until window + this many seconds past the
 * time the packet carries (doc/protocol.md native step 4). */
#define VERIFY_NATIVE_REPLAY_EXTRA 60

/* How far beyond the window, either side, a native knock's locator is
 * still looked for (two epochs): a knock from a clock that far off is
 * stale, with its skew, rather than unknown (doc/protocol.md native step
 * 2).  Never accepted: step 6 checks the window itself.  The table holds
 * more locators, the look-up is still one. */
#define VERIFY_STALE_REACH 120

/* Why a knock was denied (doc/protocol.md native step 8), logged with it
 * as reason=WORD. */
enum spa_deny_reason {
	DENY_NONE,
	DENY_EXPIRED,                   /* the user's expires = day is past */
	DENY_FROM,                      /* the source is outside from = */
	DENY_REQUEST,                   /* no action of this user by that name */
	DENY_FAMILY,                    /* the action cannot serve the allowed
	                                 * address's family (a forward) */
	DENY_REPLAY_FULL,               /* the replay cache is full (step 9) */
};

/* The word doc/protocol.md uses for v ("accepted", "not-spa", ...). */
const char *verdict_word(enum spa_verdict v);
/* "expired", "from", "request", "family", "replay-full"; "" for none. */
const char *deny_reason_word(enum spa_deny_reason r);

/* A user as the verifier needs it; copied by verifier_new. */
struct verifier_user {
	const char *name;
	uint8_t secret[SPA_SECRET_LEN];
	const char *const *requests;    /* the actions this user may run */
	const uint8_t *request_family;  /* each one's address family, 4 or 6,
	                                 * or 0: any; NULL: all any */
	size_t nrequests;
	const struct spa_net *from;     /* a knock's source must be in one;
	                                 * nfrom 0: anywhere */
	size_t nfrom;
	int64_t expires;                /* denied from this time on; 0: never */
	bool nat;                       /* allow may differ from the source */
	bool classic;                   /* accept the classic format */
	bool has_public;                /* a signing user: signed packets only */
	uint8_t public_key[SIGN_PUBLIC_LEN];
};

struct verifier_options {
	unsigned window;                /* seconds; doc/protocol.md default 60 */
	bool native;                    /* formats accepted */
	bool signed_fmt;
	bool classic;
	const struct spa_addr *public_addrs;    /* more addresses the MAC binds */
	size_t npublic;
};

/* IP protocol numbers of the two transports a knock may use. */
#define SPA_PROTO_TCP 6
#define SPA_PROTO_UDP 17

/* One captured segment or datagram, as the decoder found it.  The MAC binds
 * the addresses and ports, not the transport: proto is for reports only. */
struct spa_packet {
	const uint8_t *payload;
	size_t len;
	struct spa_addr src, dst;
	uint16_t sport, dport;
	uint8_t proto;                  /* SPA_PROTO_TCP or SPA_PROTO_UDP */
};

struct spa_decision {
	enum spa_verdict verdict;
	int user;                       /* index into the users; -1 if none */
	const char *user_name;          /* owned by the verifier; NULL if none */
	char request[SPA_REQUEST_MAX + 1];
	struct spa_addr allow;
	uint8_t tag[SPA_MAC_LEN];       /* for accepted: recorded in replay */
	int64_t replay_until;           /* for accepted: the tag's expiry */
	int64_t skew;                   /* for stale: the knock's time - now,
	                                 * seconds (saturated) */
	enum spa_deny_reason reason;    /* for denied */
};

struct verifier;

/* Derives every user's keys and builds the locator table.  Returns 0 or a
 * SPA_ERR code. */
int verifier_new(const struct verifier_user *users, size_t nusers,
    const struct verifier_options *opt, struct verifier **out);
void verifier_free(struct verifier *v);
/* Decides one packet at time now; for accepted, records the tag in replay
 * (the only step that may allocate).  Fills *out in every case. */
void verifier_decide(struct verifier *v, struct replay_cache *replay,
    const struct spa_packet *pkt, int64_t now, struct spa_decision *out);

#endif
