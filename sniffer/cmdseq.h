/*
 * Command sequences, kept as one flattened word list so that a grant's
 * close commands can be stored and run later as recorded: the words of each
 * command in order, commands separated by an empty word, and argv[0]
 * prefixed with '-' when the command's failure is expected (rules/ files'
 * '-' prefix; argv[0] is otherwise always an absolute path, or
 * NFTEXEC_PROGRAM for an nft command run in-process, nftexec.h).  Either
 * kind of command ends the same way: its status, its stderr or nft's error
 * text, the same log lines.  In-process commands ignore spawn_opts: they
 * are a backend's, run by the daemon itself, without a time limit (one
 * netlink transaction).
 */
#ifndef SPA_CMDSEQ_H
#define SPA_CMDSEQ_H

#include <stddef.h>

#include "spawn.h"

struct cmdlist {
	char **words;           /* NULL-terminated */
	size_t n, cap;
};

/* A copy of a NULL-terminated word list, or NULL; freed with
 * template_argv_free, as every word list here. */
char **cmdwords_dup(char *const *words);

/* Appends one command.  0 or SPA_ERR_NOMEM. */
int cmdlist_append(struct cmdlist *l, char *const *argv, int may_fail);
/* Appends a flattened list; with may_fail, every command of it becomes
 * one whose failure is expected.  0 or SPA_ERR_NOMEM. */
int cmdlist_extend(struct cmdlist *l, char *const *words, int may_fail);
void cmdlist_free(struct cmdlist *l);

/* Called once when the sequence has ended: ok is 1 when every command
 * whose failure is not expected succeeded. */
typedef void cmdseq_done_fn(void *cookie, int ok);

/* Runs the commands of words one after another through sp, each command
 * failure logged with its status and stderr; the first unexpected failure
 * ends the sequence.  words is copied.  0, or SPA_ERR_NOMEM when it cannot
 * start (no callback then).  done comes from spawner_poll, except when no command
 * of words could be handed to sp at all (it is then called before this
 * returns, with ok 0). */
int cmdseq_start(struct spawner *sp, char *const *words,
    const struct spawn_opts *opts, cmdseq_done_fn *done, void *cookie);
/* The same, synchronously, for start-up and shutdown: 0 when every
 * command whose failure is not expected succeeded, else SPA_ERR_COMMAND
 * (logged). */
int cmdseq_run_sync(char *const *words, const struct spawn_opts *opts);

/* Runs the commands of words synchronously until one fails, for a
 * backend's check.  0 with *all_zero 1 when all exited 0, 0 with
 * *all_zero 0 when one exited non-zero; SPA_ERR_COMMAND when one could
 * not run or was killed (that answers nothing). */
int cmdseq_probe(char *const *words, int *all_zero);

#endif
