#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "frame.h"
#include "lockout.h"

struct server {
	const struct conf *conf;
	struct verifier *verifier;
	struct replay_cache *replay;
	const struct ownaddr *own;      /* NULL: every destination */
	struct lockout *lockout;        /* NULL: off */
	unsigned long counts[VERDICT_COUNT];
};

/* The conf users as the verifier takes them (borrowed strings). */
static struct verifier_user *
server_users(const struct conf *c)
{
	struct verifier_user *u = calloc(c->nusers + 1, sizeof(*u));

	if (u == NULL)
		return NULL;
	for (size_t i = 0; i < c->nusers; i++) {
		u[i].name = c->users[i].name;
		memcpy(u[i].secret, c->users[i].secret, SPA_SECRET_LEN);
		u[i].requests = (const char *const *)c->users[i].allow;
		u[i].request_family = c->users[i].allow_family;
		u[i].nrequests = c->users[i].nallow;
		u[i].nat = c->users[i].nat;
		u[i].classic = c->users[i].classic;
		u[i].from = c->users[i].from;
		u[i].nfrom = c->users[i].nfrom;
		u[i].expires = c->users[i].expires;
		u[i].has_public = c->users[i].has_public;
		memcpy(u[i].public_key, c->users[i].public_key,
		    sizeof(u[i].public_key));
	}
	return u;
}

int
server_new(const struct conf *c, struct replay_cache *replay,
    const struct ownaddr *own, struct server **out, char *err, size_t errlen)
{
	struct verifier_options opt = {
		.window = c->sniffer.window,
		.native = c->sniffer.native,
		.signed_fmt = c->sniffer.signed_fmt,
		.classic = c->sniffer.classic,
		.public_addrs = c->sniffer.public_addrs,
		.npublic = c->sniffer.npublic,
	};
	struct server *s = calloc(1, sizeof(*s));
	struct verifier_user *users = server_users(c);
	int rc = SPA_ERR_NOMEM;

	*out = NULL;
	if (s != NULL && users != NULL)
		rc = verifier_new(users, c->nusers, &opt, &s->verifier);
	if (rc == 0 && c->sniffer.lockout_count > 0)
		rc = lockout_new(c->sniffer.lockout_count,
		    c->sniffer.lockout_seconds, &s->lockout);
	if (users != NULL)
		crypto_wipe(users, (c->nusers + 1) * sizeof(*users));
	free(users);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot prepare the users' keys: %s",
		    c->path, err_str(rc));
		server_free(s);
		return rc;
	}
	s->conf = c;
	s->replay = replay;
	s->own = own;
	*out = s;
	return 0;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	verifier_free(s->verifier);
	lockout_free(s->lockout);
	free(s);
}

/* doc/protocol.md native step 3: the destination is one of the server's own.
 * With `address` configured only it (the capture filter already keeps
 * others out), else the capture interface's addresses; a public_address
 * in either case (the address a server behind NAT is knocked at). */
static bool
server_dst_is_own(const struct server *s, const struct spa_addr *dst)
{
	const struct conf_sniffer *sn = &s->conf->sniffer;

	for (size_t i = 0; i < sn->npublic; i++)
		if (addr_equal(dst, &sn->public_addrs[i]))
			return true;
	if (sn->has_address)
		return addr_equal(dst, &sn->address);
	return s->own == NULL || ownaddr_contains(s->own, dst);
}

void
server_decide(struct server *s, int linktype, const uint8_t *data,
    size_t caplen, int64_t now, struct server_frame *out)
{
	memset(out, 0, sizeof(*out));
	out->decision.verdict = VERDICT_NOT_SPA;
	out->decision.user = -1;
	out->decoded = frame_decode(linktype, data, caplen, &out->pkt) == 0;
	/* Another port: only an IPv6 packet with extension headers, which
	 * the capture filter cannot follow to its port, gets here so. */
	if (out->decoded && (out->pkt.dport != s->conf->sniffer.port ||
	    !server_dst_is_own(s, &out->pkt.dst)))
		out->foreign = 1;
	else if (out->decoded && s->lockout != NULL &&
	    lockout_blocked(s->lockout, &out->pkt.src, now))
		out->ignored = 1;
	else if (out->decoded)
		verifier_decide(s->verifier, s->replay, &out->pkt, now,
		    &out->decision);
	if (out->decoded && !out->foreign && !out->ignored &&
	    s->lockout != NULL)
		out->locked_now = lockout_record(s->lockout, &out->pkt.src,
		    out->decision.verdict, now);
	if (out->decision.verdict == VERDICT_ACCEPTED)
		out->action = conf_find_action(s->conf, out->decision.request);
	s->counts[out->decision.verdict]++;
}

void
server_recount(struct server *s, enum spa_verdict from, enum spa_verdict to)
{
	if ((unsigned)from < VERDICT_COUNT && (unsigned)to < VERDICT_COUNT &&
	    s->counts[from] > 0) {
		s->counts[from]--;
		s->counts[to]++;
	}
}

unsigned long
server_count(const struct server *s, enum spa_verdict v)
{
	return (unsigned)v < VERDICT_COUNT ? s->counts[v] : 0;
}
