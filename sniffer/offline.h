/*
 * sniffer -r: the live pipeline over a pcap file (INTERFACE.md "Offline"),
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

/* Reads path through s (recording accepted tags in st when not NULL), keeping the frames that the capture filter for
 * port (and dst, if not NULL) selects, writing lines to out.  Returns 0 when the file was
 * read to the end, else -1 with a message in err. */
int offline_run(struct server *s, struct state *st, const char *path,
    uint16_t port,
    const struct spa_addr *dst, offline_dry_run_fn *dry_run, void *ctx,
    FILE *out, char *err, size_t errlen);

#endif
