/*
 * The messages between the capture child and the privileged parent
 * (doc/security.md "The channel").  Every message has one fixed size per
 * type, travels as one record of a SOCK_SEQPACKET socket pair, and is
 * checked for its exact length and type before any field is read.  Both
 * ends are the same program (the child is forked, never executed), so the
 * layout is the same on both sides.
 *
 *   child -> parent   PRIVMSG_GRANT    an accepted knock: commit its tag, act
 *   parent -> child   PRIVMSG_ANSWER   whether the tag was committed
 *   parent -> child   PRIVMSG_ADDRS    the capture interface's own
 *                                      addresses, in chunks
 *   child -> parent   PRIVMSG_COUNTS   its verdict counters and the
 *                                      capture's drops: once when it is
 *                                      confined (the parent's sign that it
 *                                      captures), then at most once a
 *                                      second while they change; no answer
 *
 * The parent trusts nothing in a grant message: privmsg_grant_decode
 * checks its shape here, and the parent checks every field again against
 * its own configuration (warden.h).
 */
#ifndef SPA_PRIVMSG_H
#define SPA_PRIVMSG_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "crypto.h"

enum privmsg_type {
	PRIVMSG_GRANT = 0x53504147,     /* "GAPS": far from small integers */
	PRIVMSG_ANSWER = 0x53504141,
	PRIVMSG_ADDRS = 0x53504144,
	PRIVMSG_COUNTS = 0x53504143,
};

/* An accepted knock, by index: the parent looks every name up itself. */
struct privmsg_grant {
	uint32_t type;                  /* PRIVMSG_GRANT */
	uint32_t user;                  /* index into the configuration's users */
	uint32_t action;                /* index into its actions */
	uint32_t family;                /* 4 or 6 */
	uint8_t addr[SPA_ADDR_LEN];     /* the allowed address; IPv4 mapped */
	uint8_t tag[SPA_MAC_LEN];       /* the replay tag to commit */
	int64_t tag_expiry;             /* until when the tag is remembered */
	int64_t knock_us;               /* the frame's capture time (Unix
	                                 * microseconds): for the latency
	                                 * metric only, never trusted further */
};

enum privmsg_result {
	PRIVMSG_DONE = 0,               /* committed; the action is started */
	PRIVMSG_REFUSED = 1,            /* the tag could not be recorded */
	PRIVMSG_REPLAY = 2,             /* another node of the cluster had
	                                 * the tag first (doc/cluster.md) */
	PRIVMSG_UNAVAILABLE = 3,        /* the cluster's Redis is down and
	                                 * on_redis_down = refuse */
};

struct privmsg_answer {
	uint32_t type;                  /* PRIVMSG_ANSWER */
	uint32_t result;                /* enum privmsg_result */
};

#define PRIVMSG_ADDRS_CHUNK 32

struct privmsg_addrs {
	uint32_t type;                  /* PRIVMSG_ADDRS */
	uint32_t count;                 /* used entries of addr, at most CHUNK */
	uint32_t more;                  /* 1: another chunk follows; 0: last */
	uint32_t reserved;              /* 0 */
	struct spa_addr addr[PRIVMSG_ADDRS_CHUNK];
};

#define PRIVMSG_VERDICTS 16      /* room for enum spa_verdict's values */

/* The child's counters since it started (each restart starts at 0). */
struct privmsg_counts {
	uint32_t type;                  /* PRIVMSG_COUNTS */
	uint32_t nverdicts;             /* VERDICT_COUNT, at most VERDICTS */
	uint64_t verdicts[PRIVMSG_VERDICTS];    /* frames by verdict; unused
	                                 * entries 0 */
	uint64_t dropped;               /* frames the capture ring dropped */
	uint64_t suppressed;            /* verdict lines not logged (rate) */
};

/* The largest message: a receive buffer one byte longer than this shows
 * any record that is too long. */
#define PRIVMSG_MAX sizeof(struct privmsg_addrs)

/* A grant message of len bytes into *out: 0, or SPA_ERR_TRUNCATED (wrong
 * length) or SPA_ERR_INVALID (wrong type, a family not 4 or 6, an address
 * whose form does not match its family, an all-zero tag). */
int privmsg_grant_decode(const void *buf, size_t len,
    struct privmsg_grant *out);
/* The same checks for an answer, and a result that is one of the enum. */
int privmsg_answer_decode(const void *buf, size_t len,
    struct privmsg_answer *out);
/* The same checks for an address chunk: count at most the chunk, each
 * used entry of family 4 or 6 in the matching form, reserved 0. */
int privmsg_addrs_decode(const void *buf, size_t len,
    struct privmsg_addrs *out);
/* The same checks for counters: nverdicts at most VERDICTS, the unused
 * entries 0. */
int privmsg_counts_decode(const void *buf, size_t len,
    struct privmsg_counts *out);

#endif
