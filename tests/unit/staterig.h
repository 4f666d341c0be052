/*
 * What test_state.c and test_state_paths.c share: a grant to record, the
 * rows the state gives back, and SQL run on its database file directly.
 */
#ifndef SPA_TEST_STATERIG_H
#define SPA_TEST_STATERIG_H

#include "grantrec.h"

/* The columns of a grant row of layout 2, the others defaulted. */
#define V2 "family, addr, proto, port, user, action, backend, expiry, phase"

/* Runs sql on the database file db directly, as another program could;
 * a failure fails the running test. */
void staterig_raw_sql(const char *db, const char *sql);

/* Rows state_grant_each gave (collect), rows it skipped (counted by the
 * test's own callback), the last row given. */
struct seen {
	int n, bad;
	struct grantrec last;
};

/* A state_grant_each callback: counts the row in the struct seen ctx. */
int staterig_collect(void *ctx, const struct grantrec *r);

/* Alice's ssh (tcp/22) from 2001:db8::7, open, through iptables, expiring
 * at 100. */
struct grantrec staterig_sample_grant(void);

#endif
