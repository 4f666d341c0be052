/*
 * The capture child (doc/security.md): forked by the root parent with the
 * capture already open, it closes every other descriptor, drops to an
 * unprivileged user in an empty chroot (privdrop.h), enters its seccomp
 * filter (sandbox.h), and then only reads frames, decides them, logs
 * through the parent, and asks the parent to commit and act for each
 * accepted knock (privmsg.h).  It ends when the parent does.
 */
#ifndef SPA_CHILD_H
#define SPA_CHILD_H

#include <sys/types.h>

#include "capture.h"
#include "conf.h"
#include "ownaddr.h"
#include "privdrop.h"
#include "replay.h"

struct child_setup {
	const struct conf *conf;
	struct capture *cap;            /* opened by the parent, as root */
	const struct ownaddr *own;      /* the parent's, copied at start */
	struct replay_cache *replay;    /* the parent's committed tags: after
	                                 * fork, the child's own copy */
	int channel;                    /* SOCK_SEQPACKET to the parent */
	int log;                        /* SOCK_DGRAM to the parent */
	pid_t parent;
	const struct privdrop_target *target;
	const char *root;               /* the empty directory */
};

/* Exit statuses the parent tells apart. */
#define CHILD_EXIT_CHANNEL 1    /* the channel broke: restart it */
#define CHILD_EXIT_SETUP 70     /* it could not confine itself: it never
                                 * will, so the parent stops (EX_OSERR) */
#define CHILD_EXIT_CAPTURE 74   /* the capture failed (EX_IOERR) */

/* Runs the child; never returns.  Exit status 0 when the parent ended it
 * (SIGTERM, or the channel closed), else one of the above. */
void child_main(const struct child_setup *s) __attribute__((noreturn));

#endif
