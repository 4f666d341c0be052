/*
 * Optional lockout (the paper, section 5.5.3; `lockout = N/SECONDS`): a
 * source that earns N bad-mac, replay or stale verdicts within SECONDS is
 * ignored for SECONDS.  Off by default because source addresses can be
 * spoofed: an attacker who knows a user's address could lock that user out
 * (doc/sniffer.8 says so).  Memory is fixed at creation, and a flood of
 * spoofed sources only recycles slots: nothing is allocated per packet.
 */
#ifndef SPA_LOCKOUT_H
#define SPA_LOCKOUT_H

#include <stdint.h>

#include "addr.h"
#include "verify.h"

struct lockout;

/* count failures within seconds lock a source for seconds.  0 or
 * SPA_ERR_NOMEM / SPA_ERR_CRYPTO. */
int lockout_new(unsigned count, unsigned seconds, struct lockout **out);
void lockout_free(struct lockout *l);
/* 1 when src is locked out at now. */
int lockout_blocked(const struct lockout *l, const struct spa_addr *src,
    int64_t now);
/* Counts verdict v from src; returns 1 when this locks src out. */
int lockout_record(struct lockout *l, const struct spa_addr *src,
    enum spa_verdict v, int64_t now);

#endif
