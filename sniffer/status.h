/*
 * The status socket (doc/interface.md "Status"): a UNIX stream socket,
 * mode 0600 in a directory only root (or the daemon's user) may enter,
 * served by the privileged parent.  Each connection gets the report at
 * once, as lines of words, and is closed: the daemon reads nothing from
 * it, never waits for the reader, and a report is bounded
 * (STATUS_GRANTS_MAX grants), so a slow or hostile reader costs one
 * accept and one non-blocking send.  sniffer -S (statuscli.h) reads it.
 *
 *   spa-status 1
 *   pid PID
 *   started UNIX-SECONDS
 *   now UNIX-SECONDS
 *   counter NAME VALUE                   (frames, verdict-WORD, dropped,
 *                                         grants-open, opened, closed,
 *                                         close-failures)
 *   grant user=U address=A proto=P port=N expiry=UNIX-SECONDS phase=PH
 *         failed-closes=N                (one line each)
 *   end grants=N shown=N
 */
#ifndef SPA_STATUS_H
#define SPA_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"
#include "metrics.h"
#include "warden.h"

#define STATUS_SOCKET_NAME "sniffer.sock"
#define STATUS_RUN_DIR "/run/spa"       /* when the state is in memory */
#define STATUS_GRANTS_MAX 500           /* listed in a report at most */
#define STATUS_REPORT_MAX (STATUS_GRANTS_MAX * 192 + 4096)

/* The socket of the daemon configured by c: in its state directory, or
 * STATUS_RUN_DIR when the state is in memory.  0, or SPA_ERR_NOSPACE. */
int status_path(const struct conf *c, char *buf, size_t len);

struct status_server;

/* Listens on path: a socket left by a run that ended is replaced; one a
 * live daemon answers on is not (SPA_ERR_INVALID: "another sniffer serves
 * ...").  0, or SPA_ERR_INVALID, SPA_ERR_NOMEM or SPA_ERR_SYSTEM with a
 * message in err. */
int status_listen(const char *path, struct status_server **out, char *err,
    size_t errlen);
/* The descriptor to poll for a connection. */
int status_fd(const struct status_server *s);

/* What a report shows. */
struct status_view {
	const struct metrics *metrics;
	const struct warden *warden;
	int64_t started, now;
};

/* Answers the connections waiting (a few per call): each gets the report
 * built from v, sent without waiting, then is closed.  A peer that is
 * neither root nor our user gets nothing. */
void status_serve(struct status_server *s, const struct status_view *v);
/* Closes and removes the socket; s may be NULL. */
void status_close(struct status_server *s);

#endif
