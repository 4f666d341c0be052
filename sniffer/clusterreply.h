/*
 * The shape of Redis's answers the cluster reads (doc/cluster.md), checked
 * before any byte is used: Redis is reached over a network, so its
 * replies are untrusted input like a frame.  Pure: no I/O, so the fuzz
 * harness (tests/fuzz/fuzz_cluster.c) feeds it hiredis's own parser's
 * output.
 */
#ifndef SPA_CLUSTERREPLY_H
#define SPA_CLUSTERREPLY_H

#include <stddef.h>

#include <hiredis/hiredis.h>

/* A stream entry's ID: "MS-SEQ", both decimal. */
#define CLUSTERREPLY_ID_MAX 41

/* Called for each entry: its ID (NUL-terminated, checked), and the value
 * of its field "m" (msg, len), or NULL when it has none or was deleted
 * (it is acknowledged all the same). */
typedef void clusterreply_entry_fn(void *ctx, const char *id,
    const unsigned char *msg, size_t len);

/* The reply to XREADGROUP ... STREAMS key ID for one stream: nil (nothing
 * came) or [[key, [[id, [field, value, ...]] ...]]].  Calls fn per entry,
 * in order, after the whole reply's shape is checked.  Returns the number
 * of entries, or SPA_ERR_INVALID (nothing was called). */
int clusterreply_entries(const redisReply *r, clusterreply_entry_fn *fn,
    void *ctx);
/* Arrays in a reply hold at most this many elements. */
#define CLUSTERREPLY_ELEMENTS_MAX 4096

/* Makes r refuse, as a protocol error, an array header of more elements
 * than CLUSTERREPLY_ELEMENTS_MAX (or fewer than -1) before hiredis
 * allocates room for them: hiredis 0.14 has no bound of its own, and
 * "*700000000" would have it allocate gigabytes.  r's functions must be
 * hiredis's own (a reader or context just made). */
void clusterreply_bound(redisReader *r);
/* 1 when r is an error reply starting with word ("NOGROUP"). */
int clusterreply_is_error(const redisReply *r, const char *word);

#endif
