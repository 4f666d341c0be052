/*
 * The sniffer's decision pipeline, shared by live capture and -r: a captured
 * frame in, decoded (frame.h), decided (verify.h), counted; the caller
 * reports and acts.  The replay cache and the set of the host's own
 * addresses are owned by the caller, so that a configuration reload keeps
 * them.
 */
#ifndef SPA_SERVER_H
#define SPA_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "ownaddr.h"
#include "replay.h"
#include "verify.h"

struct server;

struct server_frame {
	int decoded;                    /* 0: not an IP/TCP segment we read */
	struct spa_packet pkt;          /* valid when decoded */
	struct spa_decision decision;
	const struct conf_action *action;       /* for accepted */
	int ignored;                    /* source locked out: not decided,
	                                 * reported as not-spa */
	int foreign;                    /* destination not the server's own
	                                 * (doc/protocol.md native step 3), or
	                                 * a port not the knock port: not
	                                 * decided, reported as not-spa */
	int locked_now;                 /* this frame locked its source out */
};

/*
 * Builds the verifier for c's users.  A frame is decided only when its
 * destination is the server's own (doc/protocol.md native step 3): the
 * configured address when there is one, else an address in own; a
 * public_address always.  own NULL: every destination counts (offline
 * without `address`).  c, replay and own are borrowed and must outlive the
 * server; own may change between frames (ownaddr_update).  Returns 0, or
 * the code of what failed (SPA_ERR_NOMEM, SPA_ERR_CRYPTO...) with a
 * message.
 */
int server_new(const struct conf *c, struct replay_cache *replay,
    const struct ownaddr *own, struct server **out, char *err, size_t errlen);
void server_free(struct server *s);
/* Decides one frame of linktype captured at now (Unix seconds).  A frame
 * to another destination is not-spa: the verifier never sees it and the
 * lockout does not count it. */
void server_decide(struct server *s, int linktype, const uint8_t *data,
    size_t caplen, int64_t now, struct server_frame *out);
/* One frame counted under from counts under to instead (an accepted
 * knock that the cluster calls a replay, doc/cluster.md). */
void server_recount(struct server *s, enum spa_verdict from,
    enum spa_verdict to);
/* How many frames got verdict v so far. */
unsigned long server_count(const struct server *s, enum spa_verdict v);

#endif
