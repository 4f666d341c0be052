/*
 * sniffer -r: the live pipeline over a pcap file (doc/interface.md "Offline"),
 * with now = each frame's capture time, one logfmt line per frame that
 * passed the filter, and with -n the commands an accepted frame would run.
 * Needs no privileges.
 */
#ifndef SPA_OFFLINE_H
#define SPA_OFFLINE_H

#include <stdint.h>
#include <stdio.h>

#include "addr.h"

#include "server.h"
#include "state.h"

/* Prints the argv lists the accepted frame would run ("run: ..."). */
typedef void offline_dry_run_fn(void *ctx, const struct server_frame *f,
    FILE *out);

/* What one offline run reads and where it writes. */
struct offline_run {
	struct server *server;
	struct replay_cache *replay;    /* the one server decides with */
	struct state *state;            /* NULL: tags kept in memory only */
	const char *path;
	uint16_t port;
	const struct spa_addr *dst;     /* NULL: every destination */
	offline_dry_run_fn *dry_run;    /* NULL: no run lines */
	void *ctx;                      /* for dry_run */
	FILE *out;
};

/* Reads r->path through r->server, keeping the frames that the capture
 * filter for r->port (and r->dst) selects, writing one line each to
 * r->out; accepted tags are committed to r->state and expired ones pruned
 * as capture time passes, as live.  Returns 0 when the file was read to
 * the end, else SPA_ERR_CAPTURE with a message in err. */
int offline_run(const struct offline_run *r, char *err, size_t errlen);

#endif
