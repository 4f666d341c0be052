/*
 * Durable state (SQLite, WAL): the replay cache and the grants, so that a
 * restart never forgets a tag still inside its window and never leaves a
 * port open past its expiry by more than the time the daemon was down.
 *
 * The database is input the daemon acts on as root, so it is trusted no
 * more than it must be: the directory and the file must belong to root (or
 * to the user running the sniffer) and be writable by nobody else, as
 * sshd's StrictModes asks of its files; a grant row holds what the grant
 * is (grantrec.h), never a command, and every row read back is validated.
 * Writes are synchronous: a tag is on disk before its action starts.
 */
#ifndef SPA_STATE_H
#define SPA_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "crypto.h"
#include "grantrec.h"
#include "replay.h"

#define STATE_ERR_MAX 512
#define STATE_BUSY_MS 2000      /* how long a write waits for a lock */

struct state;

/* Opens dir/state.db, creating dir (0700) and the schema, after checking
 * the ownership and mode of both; a database of the earlier layout (close
 * commands stored with each grant) is converted, its commands dropped.
 * dir NULL or "" keeps everything in memory.  Every failure of this
 * module is SPA_ERR_STATE, with a message in err or from state_error().
 * 0, or SPA_ERR_STATE with a message. */
int state_open(const char *dir, struct state **out, char err[STATE_ERR_MAX]);
/* dir/state.db for reading only (sniffer -S when no daemon runs): the
 * same checks of ownership and mode; nothing is created or converted.
 * 0, or SPA_ERR_STATE with a message. */
int state_open_readonly(const char *dir, struct state **out,
    char err[STATE_ERR_MAX]);
void state_close(struct state *st);
/* StrictModes for path, described by sb: a directory (dir) or a regular
 * file, owned by root or by us, writable by nobody else.  0, or
 * SPA_ERR_STATE with what to fix in err (sniffer -t says the same as a
 * start). */
int state_check_mode(const char *path, const struct stat *sb, int dir,
    char err[STATE_ERR_MAX]);
/* How long a write waits for another process's lock (tests shorten it). */
void state_set_busy_ms(struct state *st, int ms);

/* Records an accepted tag until expiry, durably.  0 or SPA_ERR_STATE:
 * then the knock must not act (doc/protocol.md step 9); the caller logs
 * state_error(). */
int state_replay_add(struct state *st, const uint8_t tag[SPA_MAC_LEN],
    int64_t expiry);
/* Deletes expired tags, then loads the rest into rc.  Returns how many
 * were loaded, or SPA_ERR_STATE (the caller must not start with a cache
 * that forgets). */
long state_replay_load(struct state *st, struct replay_cache *rc, int64_t now);
/* Deletes the tags whose expiry is not after now.  Returns how many rows
 * remain, or SPA_ERR_STATE. */
long state_replay_prune(struct state *st, int64_t now);

/* Inserts or replaces the row of r's grant.  0 or SPA_ERR_STATE. */
int state_grant_put(struct state *st, const struct grantrec *r);
/* An accepted knock's tag and its grant's row in one transaction: one
 * sync before the grant opens instead of two.  0 or SPA_ERR_STATE
 * (neither written). */
int state_grant_put_tagged(struct state *st, const struct grantrec *r,
    const uint8_t tag[SPA_MAC_LEN], int64_t tag_expiry);
int state_grant_delete(struct state *st, const struct grantrec *r);
/* Calls fn for every valid grant row, earliest expiry first; a row that
 * does not validate is reported through bad (may be NULL) and skipped.
 * Stops early when fn returns non-zero.  Returns 0 or SPA_ERR_STATE. */
int state_grant_each(struct state *st,
    int (*fn)(void *ctx, const struct grantrec *r),
    void (*bad)(void *ctx, const char *why), void *ctx);
const char *state_error(const struct state *st);

#endif
