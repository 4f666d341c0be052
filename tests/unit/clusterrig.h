/*
 * The rig of test_cluster_link.c and test_sysfail_cluster.c: a cluster
 * node (sniffer/cluster.h) whose hooks count what they are given, joined
 * to a fake Redis (fakeredis.h) or a real one (redisserver.h) on a UNIX
 * socket in the test's directory; its log caught; the loop's turns run
 * until something happened; stream entries and replies as Redis writes
 * them.
 */
#ifndef SPA_TEST_CLUSTERRIG_H
#define SPA_TEST_CLUSTERRIG_H

#include <stddef.h>
#include <stdint.h>

#include "cluster.h"
#include "fakeredis.h"

struct clusterrig {
	char dir[64], sock[128];
	struct fakeredis *fr;           /* NULL: none (a real one, or none) */
	struct conf_cluster cc;         /* cluster_new's; cc.socket = sock */
	struct cluster *c;
	struct mac_key mk;              /* the key messages are signed with */
	int grants, resyncs;            /* the hooks' calls */
	int resync_publish;             /* the resync publishes a grant */
	int resync_rc;                  /* what cluster_publish said */
	struct clustermsg last;         /* the last grant */
	char log[65536];                /* every line logged since init */
};

/* A directory, the log caught, a fake Redis on dir/redis.sock when fake,
 * r->cc for node `node` (timeout 200 ms, refuse when down): no node yet. */
void clusterrig_init(struct clusterrig *r, const char *node, int fake);
/* The node made from r->cc, then started (connected, or not). */
void clusterrig_start(struct clusterrig *r);
/* Everything freed, the fake Redis stopped, the directory removed. */
void clusterrig_free(struct clusterrig *r);
/* The lines logged so far (r->log).  The log is the process's: with two
 * rigs alive, a line goes to the rig that reads it first. */
const char *clusterrig_log(struct clusterrig *r);
/* Fails the test unless the log has a line holding want. */
void clusterrig_logged(struct clusterrig *r, const char *want);

/* Runs the loop's turns (poll on the node's descriptor, cluster_tick)
 * until the fake Redis has had n blocking reads: 0; or until the node is
 * down or 2 s passed: -1. */
int clusterrig_reads(struct clusterrig *r, unsigned n);
/* n turns of the loop (each up to 10 ms). */
void clusterrig_turns(struct clusterrig *r, int n);
/* The same until *counter reaches want: 0, or -1 (down, or 2 s). */
int clusterrig_until(struct clusterrig *r, const uint64_t *counter,
    uint64_t want);

/* A grant from node, user alice, action ssh, 198.51.100.1, until
 * expiry. */
struct clustermsg clusterrig_msg(const char *node, int64_t expiry);

/* RESP bytes (binary: messages hold zero bytes). */
struct clusterrig_resp {
	size_t len;
	char b[8192];
};
/* One stream entry [id, [m, msg]] (msg NULL: [id, [x, y]]) appended. */
void clusterrig_entry(struct clusterrig_resp *o, const char *id,
    const uint8_t *msg, size_t len);
/* m, signed with mk, appended as one entry. */
void clusterrig_entry_msg(struct clusterrig_resp *o, const char *id,
    const struct mac_key *mk, const struct clustermsg *m);
/* The reply to XREADGROUP for the stream spa:grants holding the n entries
 * of entries. */
void clusterrig_reply(struct clusterrig_resp *o,
    const struct clusterrig_resp *entries, unsigned n);

#endif
