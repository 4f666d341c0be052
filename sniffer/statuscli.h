/*
 * sniffer -S (doc/interface.md "Status"): the running daemon's report from
 * its status socket (status.h), as text or JSON.  When no daemon answers,
 * it says so and lists the grants recorded in the state database, opened
 * read only (there are no counters without the daemon).
 */
#ifndef SPA_STATUSCLI_H
#define SPA_STATUSCLI_H

#include <stdio.h>

#include "conf.h"

/* Prints the status of the daemon configured by c to out (json: as one
 * JSON object), reasons to stderr.  Returns the exit status: 0 when the
 * daemon answered, EX_UNAVAILABLE when none runs (the database's grants
 * were printed when there is one), EX_NOPERM when the socket may not be
 * reached, EX_PROTOCOL for a report cut short or not one. */
int statuscli_run(const struct conf *c, int json, FILE *out);

#endif
