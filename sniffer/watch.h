/*
 * The packet side of the live sniffer: frames from the capture, decided
 * (server.h), logged, counted; an accepted knock handed on as one grant
 * message (privmsg.h) to whoever commits and acts: the privileged parent
 * over the channel, or, without privilege separation, the warden in the
 * same process.  It holds no state on disk and runs no command.
 */
#ifndef SPA_WATCH_H
#define SPA_WATCH_H

#include <stdint.h>

#include "capture.h"
#include "conf.h"
#include "log.h"
#include "privmsg.h"
#include "server.h"

/* Commits and acts on m; returns what happened (the line logged for the
 * knock says so). */
typedef enum privmsg_result watch_accept_fn(void *ctx,
    const struct privmsg_grant *m);

struct watch {
	const struct conf *conf;
	struct server *server;
	struct capture *cap;            /* borrowed */
	watch_accept_fn *accept;
	void *ctx;
	struct log_limit reject_limit;
	struct log_limit debug_limit;   /* -v lines for not-spa frames */
	int64_t stats_at;
	int64_t frame_us;               /* the frame being decided: its capture
	                                 * time, Unix microseconds */
};

/* Builds the decision for c's users over replay and own (borrowed, and
 * must outlive the watch).  0, or a code of server_new with a message in
 * err. */
int watch_init(struct watch *w, const struct conf *c,
    struct replay_cache *replay, const struct ownaddr *own,
    struct capture *cap, watch_accept_fn *accept, void *ctx,
    char *err, size_t errlen);
void watch_free(struct watch *w);
/* Reads and decides what the capture holds.  0, or SPA_ERR_CAPTURE when
 * the capture failed (logged). */
int watch_dispatch(struct watch *w);
/* The periodic stats line, at most once a minute. */
void watch_stats(struct watch *w, int64_t now);
/* The counters so far, as the child sends them (privmsg.h). */
void watch_counts(const struct watch *w, struct privmsg_counts *out);

#endif
