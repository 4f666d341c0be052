/*
 * The privileged side of the live sniffer: the configuration's actions,
 * the durable state, the replay tags committed so far, the grant engine
 * and the firewall backend.  Its whole input from the packet side is one
 * message, an accepted knock by index (privmsg.h), which it checks field
 * by field against its own configuration before it commits the tag and
 * acts (doc/security.md).  With privilege separation the message comes
 * over the channel from the capture child; without it (not root, dry
 * run), from the same process; the checks are the same.
 */
#ifndef SPA_WARDEN_H
#define SPA_WARDEN_H

#include <stdint.h>

#include "cluster.h"
#include "conf.h"
#include "firewall.h"
#include "grant.h"
#include "privmsg.h"
#include "replay.h"

struct warden;

struct warden_options {
	const char *rules_dir;
	int dry_run;                    /* print commands; state in memory */
};

/*
 * Opens the state, loads the replay tags, closes what a previous run left,
 * sets the firewall up and re-opens the grants still in their time; with a
 * [cluster] (not in a dry run), joins it (doc/cluster.md).  c and
 * fw are borrowed until warden_reconfigure; o must outlive the warden.
 * Returns 0, or an exit status (logged): EX_CANTCREAT for the state,
 * EX_UNAVAILABLE for the firewall setup, EX_OSERR.
 */
int warden_start(const struct conf *c, struct firewall *fw,
    const struct warden_options *o, int64_t now, struct warden **out);
/* Closes every grant (bounded), tears the firewall down, frees. */
void warden_stop(struct warden *w);
/* A reload: new knocks are checked against c and open through fw. */
void warden_reconfigure(struct warden *w, const struct conf *c,
    struct firewall *fw);

/* The replay tags committed, and those refused because the disk would
 * not take them (kept, so the same frame is never let through later):
 * the packet side starts from a copy (a forked child's is its own;
 * never written through in this process). */
struct replay_cache *warden_replay(const struct warden *w);
/* How many grants there are. */
size_t warden_grant_count(const struct warden *w);
/* Commands the full queue refused so far (sniffer/spawn.h). */
uint64_t warden_commands_refused(const struct warden *w);

enum warden_verdict {
	WARDEN_DONE,                    /* committed, action started */
	WARDEN_REFUSED,                 /* the tag cannot be recorded: no action */
	WARDEN_REPLAY,                  /* another node of the cluster claimed
	                                 * the tag first: no action */
	WARDEN_UNAVAILABLE,             /* the cluster's Redis is down and
	                                 * on_redis_down = refuse: no action */
	WARDEN_INVALID,                 /* the message is not one an honest
	                                 * packet side sends (logged): end it */
};

/* An accepted knock, already decoded by privmsg_grant_decode: checks
 * that the user and action exist, that the user may ask for the action,
 * that the tag is new and its expiry one the user's format can give; with
 * a [cluster], claims the tag cluster-wide (doc/cluster.md); then commits
 * the tag, then starts the action (now: Unix seconds), and publishes an
 * open's grant to the other nodes. */
enum warden_verdict warden_grant(struct warden *w,
    const struct privmsg_grant *m, int64_t now);

/* For the metrics and the status (sniffer/metrics.h, status.h): what
 * the grant engine did so far, each grant read only, and fn called as
 * each knock's open completes. */
const struct grant_counts *warden_grant_counts(const struct warden *w);
void warden_each_grant(const struct warden *w,
    void (*fn)(void *ctx, const struct grantrec *r, unsigned failed_closes),
    void *ctx);
void warden_on_opened(struct warden *w, grant_opened_fn *fn, void *ctx);

/* Why another node's grant message m cannot run under c (doc/cluster.md:
 * a user or action not configured here, an action the user may not ask
 * for, one that opens nothing), or NULL with its action in *a. */
const char *warden_cluster_refusal(const struct conf *c,
    const struct clustermsg *m, const struct conf_action **a);

/* The cluster's counters (cluster.h), or NULL when there is no
 * [cluster] (or in a dry run). */
const struct cluster_counts *warden_cluster_counts(const struct warden *w);

/* Descriptor to poll for the commands' ends. */
int warden_fd(const struct warden *w);
/* Descriptor to poll for the cluster's grants, or -1. */
int warden_cluster_fd(const struct warden *w);
/* Milliseconds until warden_tick has work, at most max_ms. */
int warden_timeout_ms(const struct warden *w, int64_t now, int max_ms);
/* Reaps commands, closes what is due, prunes expired tags. */
void warden_tick(struct warden *w, int64_t now);

#endif
