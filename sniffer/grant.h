/*
 * The grant engine: the one owner of every grant's life (doc/grants.md).
 * Nothing else changes a grant.  Its verbs are few, and each takes what a
 * grant is (grantrec.h), never a command: open and close commands are built
 * from the backend's rules file when they run, and only the record is
 * stored, so a restart rebuilds them the same way.
 *
 *   grant     open a grant, or extend the open one (close, then open with
 *             the new expiry), or, while it closes, open it again after
 *   expire    close what is due; retry, with backoff, closes that failed
 *   close_all at shutdown, close everything (bounded)
 *   recover   at start, before the firewall setup: close what a previous
 *             run left; resume after the setup re-opens what is in time
 *
 * Every phase change is written to the state before the commands of the
 * next phase run; a grant that cannot be recorded is not opened.
 */
#ifndef SPA_GRANT_H
#define SPA_GRANT_H

#include <stddef.h>
#include <stdint.h>

#include "firewall.h"
#include "grantrec.h"
#include "spawn.h"
#include "state.h"

#define GRANT_RETRY_MAX_S 300   /* longest wait between close retries */

struct grant_engine;

/* st and sp are borrowed; fw is referenced (firewall_ref); rules_dir is
 * where a recorded grant's own backend is found when it is not fw's. */
int grant_engine_new(struct state *st, struct spawner *sp,
    struct firewall *fw, const char *rules_dir, struct grant_engine **out);
void grant_engine_free(struct grant_engine *e);
/* After a reload: new grants use fw; open ones keep theirs. */
void grant_engine_set_firewall(struct grant_engine *e, struct firewall *fw);

/* r's user, action, address, proto, port and expiry (phase and backend
 * are the engine's).  0, or refused (logged): SPA_ERR_STATE when it could
 * not be recorded, SPA_ERR_NOMEM, or the code of why its commands could
 * not be built or started. */
int grant_grant(struct grant_engine *e, const struct grantrec *r,
    int64_t now);
/* grant_grant for an accepted knock: its replay tag is written in the same
 * transaction as the grant's first record, before anything opens.  0 when
 * the tag is on disk (the grant may still have failed: logged),
 * SPA_ERR_STATE when it is not: the knock is refused and nothing ran. */
int grant_grant_tagged(struct grant_engine *e, const struct grantrec *r,
    const uint8_t tag[SPA_MAC_LEN], int64_t tag_expiry, int64_t now);
/* Starts closing the grants whose expiry is at or before now, and the
 * retries that are due.  Call whenever grant_next_ms says. */
void grant_expire(struct grant_engine *e, int64_t now);
/* Milliseconds until grant_expire has work (0: now), or -1 when none;
 * now in Unix seconds, as everywhere here. */
int64_t grant_next_ms(const struct grant_engine *e, int64_t now);
/* Shutdown: waits (until deadline_ms, spawn_now_ms() clock) for running
 * commands, then closes every grant synchronously; a close that fails
 * stays recorded as close-failed for the next start.  Returns how many
 * grants could not be closed. */
size_t grant_close_all(struct grant_engine *e, int64_t deadline_ms);
/* Start, before the firewall setup: every recorded grant is closed
 * (synchronously); those still in their time are kept for grant_resume,
 * a close that fails is retried from the loop.  0, or SPA_ERR_STATE when
 * the records cannot be read. */
int grant_recover(struct grant_engine *e, int64_t now);
/* Start, after the setup: re-opens the recovered grants in their time. */
void grant_resume(struct grant_engine *e, int64_t now);

size_t grant_count(const struct grant_engine *e);
/* Grants whose commands are running. */
size_t grant_busy(const struct grant_engine *e);

/* What the engine did since it was made (sniffer/metrics.h): opens that
 * completed, grants closed and forgotten, closes that failed. */
struct grant_counts {
	unsigned long opened, closed, close_failed;
};
const struct grant_counts *grant_counts(const struct grant_engine *e);
/* Called when an open completes for a knock captured at knock_us (Unix
 * microseconds), done_us the completion on the same clock. */
typedef void grant_opened_fn(void *ctx, int64_t knock_us, int64_t done_us);
void grant_engine_on_opened(struct grant_engine *e, grant_opened_fn *fn,
    void *ctx);
/* The capture time of the knock the next grant_grant_tagged is for (0:
 * unknown); kept with its grant until that open completes. */
void grant_engine_knock_time(struct grant_engine *e, int64_t knock_us);
/* Calls fn for every grant, in no order, with its failed closes in a row;
 * read only (sniffer/status.h). */
void grant_each(const struct grant_engine *e,
    void (*fn)(void *ctx, const struct grantrec *r, unsigned failed_closes),
    void *ctx);

#endif
