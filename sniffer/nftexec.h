/*
 * nft commands run in-process with libnftables, for rules files whose
 * program is the word "libnftables" instead of a path (rules/nft-set):
 * no fork, no exec, one nftables context kept for the daemon's life.  The
 * words after the program are joined by single spaces and given to
 * nft_run_cmd_from_buffer, which is what /usr/sbin/nft does with its own
 * arguments, so such a command does what "/usr/sbin/nft WORDS..." would.
 * Only the privileged side runs them (cmdseq.c); the capture process never
 * does, and closes the context's netlink socket with its other inherited
 * descriptors (child.c).
 */
#ifndef SPA_NFTEXEC_H
#define SPA_NFTEXEC_H

#include <stddef.h>

#include "spawn.h"

/* The program word of an in-process command in a rules file. */
#define NFTEXEC_PROGRAM "libnftables"
/* Bytes of the joined command, with its NUL. */
#define NFTEXEC_CMD_MAX 4096

/* Nonzero when program (argv[0], without its '-' mark) is
 * NFTEXEC_PROGRAM. */
int nftexec_is(const char *program);

/*
 * Runs argv[1], argv[2]... as one nft command, synchronously.  *st is what
 * an exec'd nft's would be: exited 0 when it succeeded, exited 1 when nft
 * refused or the kernel failed it, with nft's error text (as nft writes it
 * to stderr) in err[errlen] (errlen >= 1).  SPAWN_FAILED, with an errno
 * as its code and the reason in err, when it did not run at all: no words,
 * a word holding a control character (it could end the command and start
 * another), a command longer than NFTEXEC_CMD_MAX - 1, or no context
 * (the netlink socket cannot be opened, memory).  The context is made at
 * the first call and kept (nftexec_free).
 */
void nftexec_run(char *const argv[], struct spawn_status *st, char *err,
    size_t errlen);

/* Frees the context, if any; the next nftexec_run makes a new one. */
void nftexec_free(void);

#endif
