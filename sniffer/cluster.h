/*
 * A node of a cluster (doc/cluster.md): the privileged side's link to
 * Redis, through which the nodes that share a service address share their
 * replay tags and their grants.  Three connections: one for the tag's
 * claim (and the consumer group's setup), each command bounded by the
 * configured timeout; one that waits on the grants' stream, read from the
 * loop when its descriptor is readable, never waited on, which also
 * carries the acknowledgements, pipelined ahead of each read; one for
 * publications, sent and not waited for (their answers are read at the
 * next tick), so a knock's own open never waits for them.
 *
 *   claim    SET <prefix>tag:<hex> <node> NX PX <ttl>: one atomic command;
 *            the first node to set it has the knock, any other says replay
 *   publish  XADD <prefix>grants MAXLEN ~ N * m <message> (clustermsg.h)
 *   read     XREADGROUP GROUP <node> <node> ... STREAMS <prefix>grants >:
 *            a consumer group per node, so a node that was away reads what
 *            it missed; each entry is acknowledged once handled
 *
 * Redis lost: both connections are dropped and tried again every second;
 * once back, the hooks' resync publishes every grant still open here (a
 * Redis that lost its data learns them again from every node).
 */
#ifndef SPA_CLUSTER_H
#define SPA_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

#include "clustermsg.h"
#include "conf.h"

struct cluster;

struct cluster_hooks {
	/* A message of another node whose MAC held, not yet expired. */
	void (*grant)(void *ctx, const struct clustermsg *m, int64_t now);
	/* Connected (again): publish what is open. */
	void (*resync)(void *ctx, int64_t now);
	void *ctx;
};

enum cluster_claim {
	CLUSTER_CLAIMED,                /* ours: act */
	CLUSTER_TAKEN,                  /* another node had it: replay */
	CLUSTER_DOWN,                   /* Redis did not answer */
};

struct cluster_counts {
	uint64_t claimed, taken;        /* claims won and lost */
	uint64_t refused;               /* knocks refused, Redis down */
	uint64_t local;                 /* knocks decided alone, Redis down
	                                 * (on_redis_down = local) */
	uint64_t published, applied;    /* grant messages sent, taken in */
	uint64_t dropped;               /* messages refused (MAC, shape,
	                                 * unknown user or action) */
	bool up;                        /* connected now */
};

/* A node for cc (copied: a reload does not change it), not connected
 * yet.  0 or SPA_ERR_NOMEM. */
int cluster_new(const struct conf_cluster *cc,
    const struct cluster_hooks *hooks, struct cluster **out);
void cluster_free(struct cluster *c);
/* Connects (logged either way; retried from cluster_tick). */
void cluster_start(struct cluster *c, int64_t now);
/* Claims tag for ttl_ms (at least 1000). */
enum cluster_claim cluster_claim(struct cluster *c,
    const uint8_t tag[SPA_MAC_LEN], int64_t ttl_ms);
/* Publishes m's user, action, address and expiry (node, time and nonce
 * are filled here).  0; SPA_ERR_SYSTEM when Redis is down or does not
 * answer, SPA_ERR_REFUSED when it refuses (either way the re-sync on its
 * return publishes it); clustermsg_encode's error, crypto_random's. */
int cluster_publish(struct cluster *c, const struct clustermsg *m,
    int64_t now);
/* Descriptor to poll for the stream's messages, or -1. */
int cluster_fd(const struct cluster *c);
/* Milliseconds until cluster_tick has work, at most max_ms. */
int cluster_timeout_ms(const struct cluster *c, int max_ms);
/* Reads what came, hands it to the hooks, acknowledges; reconnects when
 * due. */
void cluster_tick(struct cluster *c, int64_t now);
/* on_redis_down = local. */
bool cluster_down_local(const struct cluster *c);
void cluster_count_refused(struct cluster *c);
void cluster_count_dropped(struct cluster *c);
void cluster_count_applied(struct cluster *c);
const struct cluster_counts *cluster_counts(const struct cluster *c);

#endif
