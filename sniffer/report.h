/*
 * What the sniffer says about a frame: the offline logfmt line of
 * doc/interface.md ("frame=N time=... verdict=WORD ...") and the log line of a
 * live verdict.  Formatting only; no decisions.
 */
#ifndef SPA_REPORT_H
#define SPA_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "verify.h"

#define REPORT_LINE_MAX 512

/* A frame as reported: pkt NULL when the frame could not be decoded. */
struct report_frame {
	uint64_t number;                /* position in the file, from 1 */
	int64_t sec;                    /* capture time: sec + usec / 10^6 */
	long usec;                      /* 0..999999 */
	const struct spa_packet *pkt;
};

/* The doc/interface.md offline line, without newline: " skew=S" ends a
 * stale one, " reason=WORD" a denied one. */
void report_offline_line(const struct report_frame *f,
    const struct spa_decision *d, char out[REPORT_LINE_MAX]);
/* "verdict=WORD src=ADDR sport=P dst=ADDR dport=P [user=..]", with
 * " skew=S" for stale and " reason=WORD" for denied, for logs. */
void report_log_line(const struct spa_packet *pkt,
    const struct spa_decision *d, char out[REPORT_LINE_MAX]);
/* "run: ARGV..." for dry runs. */
void report_run_line(FILE *fp, char *const *argv);

#endif
