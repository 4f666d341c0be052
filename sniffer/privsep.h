/*
 * The parent's side of privilege separation (doc/security.md): it forks
 * the capture child over a capture it opened as root, hears its grant
 * messages and log lines, answers, tells it the interface's addresses,
 * and reaps it.  What a grant does is the warden's (warden.h); when to
 * restart is the caller's (live.c).
 */
#ifndef SPA_PRIVSEP_H
#define SPA_PRIVSEP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "capture.h"
#include "conf.h"
#include "log.h"
#include "ownaddr.h"
#include "privdrop.h"
#include "privmsg.h"
#include "replay.h"

/* The empty directory the child is confined to (created when missing). */
#ifndef SPA_EMPTY_DIR
#define SPA_EMPTY_DIR "/run/spa/empty"
#endif

struct capchild {
	pid_t pid;                      /* 0: no child */
	int pidfd, channel, log;
	struct capture cap;             /* our copy of its capture, closed
	                                 * once it is reaped */
	int64_t started_ms;             /* spawn_now_ms() clock */
	unsigned long addrs_sent;       /* ownaddr_generation sent last */
};

struct privsep_args {
	const struct conf *conf;
	const struct ownaddr *own;
	struct replay_cache *replay;    /* the committed tags, as of now */
	const struct privdrop_target *target;
	const char *root;
};

/* Forks the child over cap, which moves into k (and is closed when the
 * fork fails).  0, or SPA_ERR_SYSTEM (logged). */
int privsep_start(struct capchild *k, struct capture *cap,
    const struct privsep_args *a);
/* Sends own's addresses, in chunks, when they changed since last sent. */
void privsep_send_addrs(struct capchild *k, const struct ownaddr *own);
/* One record from the channel: 1 with a well-formed grant in *m, 2 with
 * the child's counters in *counts, 0 when nothing is waiting,
 * SPA_ERR_INVALID for a malformed record (logged: end the child),
 * SPA_ERR_TRUNCATED when the child closed its end. */
int privsep_receive(struct capchild *k, struct privmsg_grant *m,
    struct privmsg_counts *counts);
/* The answer to the grant just received.  A child gone meanwhile is
 * not an error: it is reaped through its pidfd. */
void privsep_answer(struct capchild *k, enum privmsg_result r);
/* Logs the child's lines waiting on its log socket, each as one line of
 * ours with control characters replaced, at most lim's budget. */
void privsep_relay_logs(struct capchild *k, struct log_limit *lim,
    int64_t now);
/* Ends the child (SIGKILL first when kill_it), waits for it, writes how
 * it ended into why ("exit status 1", "killed by SIGSYS: a system call
 * outside its filter"), closes the sockets and the capture.  Returns the
 * wait status, or -1 when there was no child or it was lost. */
int privsep_reap(struct capchild *k, int kill_it, char *why, size_t len);

#endif
