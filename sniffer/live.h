/*
 * sniffer's live mode: the capture loop (libpcap, immediate mode, BPF
 * filter), the decision for each frame, the grants it opens and closes on
 * time through the firewall backend, durable state, and signals (SIGHUP
 * reloads, SIGTERM/SIGINT close everything and exit 0).  Nothing is ever
 * sent in reply to a packet.
 */
#ifndef SPA_LIVE_H
#define SPA_LIVE_H

#include "conf.h"
#include "firewall.h"

struct live_options {
	const char *config_path;        /* reloaded on SIGHUP */
	const char *rules_dir;
	const char *interface;          /* NULL: the configured one */
	int dry_run;                    /* log commands instead of running */
};

/* Runs until SIGTERM/SIGINT; takes ownership of c and fw.  Returns an exit
 * status (0 after a clean shutdown). */
int live_run(struct conf *c, struct firewall *fw, const struct live_options *o);

#endif
