#include "verify.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "loctable.h"
#include "userkey.h"
#include "wire_classic.h"
#include "wire_native.h"
#include "wire_signed.h"

struct vuser {
	char *name;
	char **requests;
	uint8_t *request_family;        /* per request: 4, 6 or 0 (any) */
	size_t nrequests;
	struct spa_net *from;
	size_t nfrom;
	int64_t expires;
	bool nat, classic;
	struct user_keys keys;
	struct sign_verifier *sig;      /* a signing user; NULL: not one */
};

struct verifier {
	struct vuser *users;
	size_t nusers;
	struct verifier_options opt;
	struct spa_addr *public_addrs;
	struct loc_table *loc;
};

static const char *const verdict_words[VERDICT_COUNT] = {
	[VERDICT_ACCEPTED] = "accepted",
	[VERDICT_NOT_SPA] = "not-spa",
	[VERDICT_UNKNOWN] = "unknown",
	[VERDICT_BAD_MAC] = "bad-mac",
	[VERDICT_REPLAY] = "replay",
	[VERDICT_MALFORMED] = "malformed",
	[VERDICT_STALE] = "stale",
	[VERDICT_SOURCE_MISMATCH] = "source-mismatch",
	[VERDICT_DENIED] = "denied",
	[VERDICT_FORGED] = "forged",
};

const char *
verdict_word(enum spa_verdict v)
{
	if ((unsigned)v >= VERDICT_COUNT)
		return "?";
	return verdict_words[v];
}

const char *
deny_reason_word(enum spa_deny_reason r)
{
	switch (r) {
	case DENY_EXPIRED:
		return "expired";
	case DENY_FROM:
		return "from";
	case DENY_REQUEST:
		return "request";
	case DENY_FAMILY:
		return "family";
	case DENY_REPLAY_FULL:
		return "replay-full";
	case DENY_NONE:
	default:
		return "";
	}
}

static void
vuser_clear(struct vuser *u)
{
	for (size_t i = 0; i < u->nrequests; i++)
		free(u->requests[i]);
	free(u->requests);
	free(u->request_family);
	free(u->from);
	free(u->name);
	user_keys_clear(&u->keys);
	sign_verifier_free(u->sig);
}

static int
vuser_init(struct vuser *u, const struct verifier_user *in)
{
	memset(u, 0, sizeof(*u));
	u->nat = in->nat;
	u->classic = in->classic;
	u->expires = in->expires;
	u->name = strdup(in->name);
	u->requests = calloc(in->nrequests + 1, sizeof(*u->requests));
	u->request_family = calloc(in->nrequests + 1,
	    sizeof(*u->request_family));
	u->from = calloc(in->nfrom + 1, sizeof(*u->from));
	if (u->name == NULL || u->requests == NULL ||
	    u->request_family == NULL || u->from == NULL)
		return SPA_ERR_NOMEM;
	if (in->nfrom > 0)
		memcpy(u->from, in->from, in->nfrom * sizeof(*u->from));
	u->nfrom = in->nfrom;
	if (in->request_family != NULL && in->nrequests > 0)
		memcpy(u->request_family, in->request_family, in->nrequests);
	for (; u->nrequests < in->nrequests; u->nrequests++) {
		u->requests[u->nrequests] = strdup(in->requests[u->nrequests]);
		if (u->requests[u->nrequests] == NULL)
			return SPA_ERR_NOMEM;
	}
	if (in->has_public) {
		int rc = sign_verifier_new(in->public_key, &u->sig);

		if (rc != 0)
			return rc;
	}
	return user_keys_derive(in->secret, &u->keys);
}

static int
verifier_build_locators(struct verifier *v)
{
	const struct mac_key **keys = calloc(v->nusers + 1, sizeof(*keys));
	int rc;

	if (keys == NULL)
		return SPA_ERR_NOMEM;
	for (size_t i = 0; i < v->nusers; i++)
		keys[i] = &v->users[i].keys.loc;
	rc = loc_table_new(keys, v->nusers, v->opt.window + VERIFY_STALE_REACH,
	    &v->loc);
	free(keys);
	return rc;
}

int
verifier_new(const struct verifier_user *users, size_t nusers,
    const struct verifier_options *opt, struct verifier **out)
{
	struct verifier *v = calloc(1, sizeof(*v));
	int rc = SPA_ERR_NOMEM;

	*out = NULL;
	if (v == NULL)
		return rc;
	v->opt = *opt;
	v->users = calloc(nusers + 1, sizeof(*v->users));
	v->public_addrs = calloc(opt->npublic + 1, sizeof(*v->public_addrs));
	if (v->users == NULL || v->public_addrs == NULL)
		goto fail;
	if (opt->npublic > 0)
		memcpy(v->public_addrs, opt->public_addrs,
		    opt->npublic * sizeof(*v->public_addrs));
	v->opt.public_addrs = v->public_addrs;
	for (; v->nusers < nusers; v->nusers++)
		if ((rc = vuser_init(&v->users[v->nusers], &users[v->nusers])) != 0) {
			v->nusers++;    /* so the partial user is cleared too */
			goto fail;
		}
	if ((rc = verifier_build_locators(v)) != 0)
		goto fail;
	*out = v;
	return 0;
fail:
	verifier_free(v);
	return rc;
}

void
verifier_free(struct verifier *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < v->nusers; i++)
		vuser_clear(&v->users[i]);
	free(v->users);
	free(v->public_addrs);
	loc_table_free(v->loc);
	free(v);
}

/* Step 8: the user's end date, then where the knock came from, then
 * the request and the family of the address it is for.  DENY_NONE when
 * the user may run it. */
static enum spa_deny_reason
vuser_may_run(const struct vuser *u, const char *request,
    const struct spa_addr *src, const struct spa_addr *allow, int64_t now)
{
	bool inside = u->nfrom == 0;

	if (u->expires != 0 && now >= u->expires)
		return DENY_EXPIRED;
	for (size_t i = 0; !inside && i < u->nfrom; i++)
		inside = addr_in_net(src, &u->from[i]);
	if (!inside)
		return DENY_FROM;
	for (size_t i = 0; i < u->nrequests; i++)
		if (strcmp(u->requests[i], request) == 0)
			return u->request_family[i] == 0 ||
			    u->request_family[i] == allow->family ?
			    DENY_NONE : DENY_FAMILY;
	return DENY_REQUEST;
}

/* Step 3: the tag against the packet's destination, then each public
 * address (a server behind NAT).  The address it matched, or NULL. */
static const struct spa_addr *
native_tag_matches(const struct verifier *v, const struct vuser *u,
    const struct spa_packet *pkt, uint8_t tag_out[SPA_MAC_LEN])
{
	const uint8_t *tag = pkt->payload + NATIVE_OFF_TAG;
	const struct spa_addr *server = &pkt->dst;
	uint8_t want[SPA_MAC_LEN];

	for (size_t i = 0;; i++) {
		native_tag(&u->keys.mac, pkt->payload, server, pkt->dport, want);
		if (mac_equal(want, tag)) {
			memcpy(tag_out, tag, SPA_MAC_LEN);
			return server;
		}
		if (i >= v->opt.npublic)
			return NULL;
		server = &v->public_addrs[i];
	}
}

/* Steps 2 and 3: which user, and which epoch, sent this packet, and the
 * address its MAC bound; for a signed packet, among signing users only. */
static enum spa_verdict
native_authenticate(struct verifier *v, const struct spa_packet *pkt,
    int64_t now, bool signing_only, struct spa_decision *out,
    uint64_t *epoch, const struct spa_addr **server)
{
	struct loc_match m[LOC_MAX_MATCHES];
	size_t n, tried = 0;

	loc_table_refresh(v->loc, now);
	n = loc_table_find(v->loc, pkt->payload, m, LOC_MAX_MATCHES);
	for (size_t i = 0; i < n; i++) {
		const struct vuser *u = &v->users[m[i].user];

		if (signing_only && u->sig == NULL)
			continue;
		tried++;
		if ((*server = native_tag_matches(v, u, pkt, out->tag)) == NULL)
			continue;
		out->user = (int)m[i].user;
		out->user_name = u->name;
		*epoch = m[i].epoch;
		return VERDICT_ACCEPTED;
	}
	return tried == 0 ? VERDICT_UNKNOWN : VERDICT_BAD_MAC;
}

/* |now - t| <= window, without overflow for any t. */
static bool
within_window(uint64_t t, int64_t now, unsigned window)
{
	uint64_t n = now < 0 ? 0 : (uint64_t)now;

	return (t > n ? t - n : n - t) <= window;
}

/* t - now in seconds, saturated. */
static int64_t
skew_of(uint64_t t, int64_t now)
{
	int64_t d;

	if (t > (uint64_t)INT64_MAX ||
	    __builtin_sub_overflow((int64_t)t, now, &d))
		return now < 0 ? INT64_MAX : (t > (uint64_t)INT64_MAX ?
		    INT64_MAX : INT64_MIN);
	return d;
}

/* Steps 5 to 8, on an authenticated packet. */
static enum spa_verdict
native_check_request(struct verifier *v, const struct spa_packet *pkt,
    int64_t now, uint64_t epoch, uint8_t version, struct spa_decision *out)
{
	const struct vuser *u = &v->users[out->user];
	uint8_t plain[NATIVE_PLAIN_LEN];
	struct native_request req;
	int rc;

	rc = cipher_ctr(&u->keys.enc, pkt->payload + NATIVE_OFF_NONCE,
	    pkt->payload + NATIVE_OFF_CIPHER, NATIVE_PLAIN_LEN, plain);
	if (rc == 0)
		rc = native_plaintext_decode(plain, &req);
	crypto_wipe(plain, sizeof(plain));
	if (rc != 0 || req.version != version)
		return VERDICT_MALFORMED;
	if (!within_window(req.time, now, v->opt.window) ||
	    req.time / NATIVE_EPOCH_SECONDS != epoch) {
		out->skew = skew_of(req.time, now);
		return VERDICT_STALE;
	}
	if (!u->nat && !addr_equal(&req.allow, &pkt->src))
		return VERDICT_SOURCE_MISMATCH;
	out->reason = vuser_may_run(u, req.request, &pkt->src, &req.allow,
	    now);
	if (out->reason != DENY_NONE)
		return VERDICT_DENIED;
	memcpy(out->request, req.request, sizeof(out->request));
	out->allow = req.allow;
	out->replay_until = (int64_t)req.time + v->opt.window +
	    VERIFY_NATIVE_REPLAY_EXTRA;
	return VERDICT_ACCEPTED;
}

static enum spa_verdict
decide_native(struct verifier *v, struct replay_cache *replay,
    const struct spa_packet *pkt, int64_t now, struct spa_decision *out)
{
	const struct spa_addr *server;
	uint64_t epoch = 0;
	enum spa_verdict verdict = native_authenticate(v, pkt, now, false, out,
	    &epoch, &server);

	if (verdict != VERDICT_ACCEPTED)
		return verdict;
	/* A signing user never sends an unsigned packet (step 3). */
	if (v->users[out->user].sig != NULL)
		return VERDICT_FORGED;
	if (replay_seen(replay, out->tag, now))
		return VERDICT_REPLAY;
	return native_check_request(v, pkt, now, epoch, NATIVE_VERSION, out);
}

/* doc/protocol.md "Signed format": steps 2 and 3 on the native part, then
 * the signature over what the MAC bound, then steps 4 to 9. */
static enum spa_verdict
decide_signed(struct verifier *v, struct replay_cache *replay,
    const struct spa_packet *pkt, int64_t now, struct spa_decision *out)
{
	const struct spa_addr *server;
	uint8_t msg[SIGNED_MESSAGE_LEN];
	uint64_t epoch = 0;
	enum spa_verdict verdict = native_authenticate(v, pkt, now, true, out,
	    &epoch, &server);

	if (verdict != VERDICT_ACCEPTED)
		return verdict;
	signed_message(pkt->payload, server, pkt->dport, msg);
	if (!sign_verify(v->users[out->user].sig, msg, sizeof(msg),
	    pkt->payload + NATIVE_LEN))
		return VERDICT_FORGED;
	if (replay_seen(replay, out->tag, now))
		return VERDICT_REPLAY;
	return native_check_request(v, pkt, now, epoch, NATIVE_SIGNED_VERSION,
	    out);
}

/* Every classic user, request and minute around now (doc/protocol.md classic). */
static bool
classic_search(const struct verifier *v, const struct spa_packet *pkt,
    int64_t now, struct spa_decision *out)
{
	const uint8_t *tag = pkt->payload + CLASSIC_MARKER_LEN;
	char header[CLASSIC_HEADER_MAX + 1], minute[7];
	size_t header_len = classic_header(&pkt->dst, &pkt->src, pkt->dport,
	    pkt->sport, header);
	uint8_t want[SPA_MAC_LEN];

	for (int64_t delta = -60; delta <= 60; delta += 60) {
		classic_minute(now + delta, minute);
		for (size_t ui = 0; ui < v->nusers; ui++) {
			const struct vuser *u = &v->users[ui];

			for (size_t r = 0; u->classic && r < u->nrequests; r++) {
				classic_tag(&u->keys.classic, header, header_len,
				    u->requests[r], minute, want);
				if (!mac_equal(want, tag))
					continue;
				out->user = (int)ui;
				out->user_name = u->name;
				strncpy(out->request, u->requests[r],
				    SPA_REQUEST_MAX);
				memcpy(out->tag, tag, SPA_MAC_LEN);
				return true;
			}
		}
	}
	return false;
}

static enum spa_verdict
decide_classic(struct verifier *v, struct replay_cache *replay,
    const struct spa_packet *pkt, int64_t now, struct spa_decision *out)
{
	if (!classic_search(v, pkt, now, out))
		return VERDICT_BAD_MAC;
	if (replay_seen(replay, out->tag, now))
		return VERDICT_REPLAY;
	out->reason = vuser_may_run(&v->users[out->user], out->request,
	    &pkt->src, &pkt->src, now);
	if (out->reason != DENY_NONE)
		return VERDICT_DENIED;
	out->allow = pkt->src;
	out->replay_until = now + VERIFY_CLASSIC_REPLAY_SECONDS;
	return VERDICT_ACCEPTED;
}

static void
decision_reset(struct spa_decision *out)
{
	memset(out, 0, sizeof(*out));
	out->verdict = VERDICT_NOT_SPA;
	out->user = -1;
}

void
verifier_decide(struct verifier *v, struct replay_cache *replay,
    const struct spa_packet *pkt, int64_t now, struct spa_decision *out)
{
	enum spa_verdict verdict = VERDICT_NOT_SPA;

	decision_reset(out);
	if (v->opt.native && pkt->len == NATIVE_LEN)
		verdict = decide_native(v, replay, pkt, now, out);
	else if (v->opt.signed_fmt && pkt->len == SIGNED_LEN)
		verdict = decide_signed(v, replay, pkt, now, out);
	else if (v->opt.classic && classic_looks_like(pkt->payload, pkt->len))
		verdict = decide_classic(v, replay, pkt, now, out);
	/* Step 9: record the tag before anything acts on the grant.  A tag
	 * that cannot be recorded could be replayed: refuse instead. */
	if (verdict == VERDICT_ACCEPTED &&
	    replay_add(replay, out->tag, out->replay_until, now) != 0) {
		verdict = VERDICT_DENIED;
		out->reason = DENY_REPLAY_FULL;
	}
	out->verdict = verdict;
	if (verdict != VERDICT_ACCEPTED) {
		/* Only an accepted packet names its request and address. */
		int user = out->user;
		const char *name = out->user_name;
		int64_t skew = out->skew;
		enum spa_deny_reason reason = out->reason;

		decision_reset(out);
		out->verdict = verdict;
		if (verdict == VERDICT_STALE)
			out->skew = skew;
		if (verdict == VERDICT_DENIED)
			out->reason = reason;
		if (verdict != VERDICT_BAD_MAC && verdict != VERDICT_UNKNOWN) {
			out->user = user;
			out->user_name = name;
		}
	}
}
