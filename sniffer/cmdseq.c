#include "cmdseq.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "nftexec.h"
#include "template.h"

static int
cmdlist_push(struct cmdlist *l, const char *word)
{
	if (l->n + 2 > l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		char **w = realloc(l->words, cap * sizeof(*w));

		if (w == NULL)
			return SPA_ERR_NOMEM;
		l->words = w;
		l->cap = cap;
	}
	if ((l->words[l->n] = strdup(word)) == NULL)
		return SPA_ERR_NOMEM;
	l->words[++l->n] = NULL;
	return 0;
}

char **
cmdwords_dup(char *const *words)
{
	size_t n = 0;
	char **copy;

	while (words[n] != NULL)
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	for (size_t i = 0; copy != NULL && i < n; i++)
		if ((copy[i] = strdup(words[i])) == NULL) {
			template_argv_free(copy);
			return NULL;
		}
	return copy;
}

int
cmdlist_append(struct cmdlist *l, char *const *argv, int may_fail)
{
	char first[4096];
	int rc = 0;

	if (l->n > 0)
		rc = cmdlist_push(l, "");
	snprintf(first, sizeof(first), "%s%s", may_fail ? "-" : "", argv[0]);
	if (rc == 0)
		rc = cmdlist_push(l, first);
	for (size_t i = 1; rc == 0 && argv[i] != NULL; i++)
		rc = cmdlist_push(l, argv[i]);
	return rc;
}

void
cmdlist_free(struct cmdlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->words[i]);
	free(l->words);
	memset(l, 0, sizeof(*l));
}

/* The command starting at words[*pos] into argv (pointing into words,
 * argv[0] without its '-'); advances *pos past it.  0 at the end. */
static int
cmdseq_next(char *const *words, size_t *pos, char **argv, size_t max,
    int *may_fail)
{
	size_t n = 0;

	if (words[*pos] == NULL)
		return 0;
	*may_fail = words[*pos][0] == '-';
	argv[n++] = words[*pos] + *may_fail;
	for ((*pos)++; words[*pos] != NULL && words[*pos][0] != '\0'; (*pos)++)
		if (n + 1 < max)
			argv[n++] = words[*pos];
	if (words[*pos] != NULL)
		(*pos)++;       /* the separator */
	argv[n] = NULL;
	return 1;
}

int
cmdlist_extend(struct cmdlist *l, char *const *words, int may_fail)
{
	char *argv[TEMPLATE_MAX_WORDS + 1];
	size_t pos = 0;
	int expected, rc;

	while (cmdseq_next(words, &pos, argv, TEMPLATE_MAX_WORDS + 1,
	    &expected))
		if ((rc = cmdlist_append(l, argv, expected || may_fail)) != 0)
			return rc;
	return 0;
}

/* -v: every command, as it starts. */
static void
cmdseq_log_start(char *const *argv)
{
	char cmd[1024];

	template_argv_join(argv, cmd, sizeof(cmd));
	log_debug("run: %s", cmd);
}

static void
cmdseq_log_failure(char *const *argv, const struct spawn_status *st,
    const char *err, int may_fail)
{
	char cmd[1024], status[64];

	if (may_fail && st->outcome == SPAWN_EXITED)
		return;
	template_argv_join(argv, cmd, sizeof(cmd));
	spawn_status_str(st, status, sizeof(status));
	log_warn("command failed (%s): %s%s%s", status, cmd,
	    err[0] ? ": " : "", err);
}

struct cmdseq {
	struct spawner *sp;
	char **words;
	size_t pos;
	struct spawn_opts opts;
	char *argv[TEMPLATE_MAX_WORDS + 1];
	int may_fail;
	cmdseq_done_fn *done;
	void *cookie;
};

static void cmdseq_step(struct cmdseq *q, int ok);
static spawn_done_fn cmdseq_after;

/* Starts q's current command: exec'd by the spawner, or run now
 * in-process with its outcome handed to the spawner, so that cmdseq_after
 * comes from spawner_poll either way, never from inside the caller.  0, or
 * an error of the spawner. */
static int
cmdseq_submit(struct cmdseq *q)
{
	struct spawn_status st;
	char err[SPAWN_ERR_MAX];

	if (!nftexec_is(q->argv[0]))
		return spawner_submit(q->sp, q->argv, &q->opts, cmdseq_after,
		    q);
	nftexec_run(q->argv, &st, err, sizeof(err));
	return spawner_submit_ended(q->sp, &st, err, cmdseq_after, q);
}

static void
cmdseq_after(void *cookie, const struct spawn_status *st, const char *err)
{
	struct cmdseq *q = cookie;
	int ok = spawn_succeeded(st);

	if (!ok)
		cmdseq_log_failure(q->argv, st, err, q->may_fail);
	cmdseq_step(q, ok || (q->may_fail && st->outcome == SPAWN_EXITED));
}

/* Starts the next command, or ends the sequence. */
static void
cmdseq_step(struct cmdseq *q, int ok)
{
	int rc;

	while (ok && cmdseq_next(q->words, &q->pos, q->argv,
	    TEMPLATE_MAX_WORDS + 1, &q->may_fail)) {
		cmdseq_log_start(q->argv);
		if ((rc = cmdseq_submit(q)) == 0)
			return;
		/* A full queue is logged by the spawner, once a burst. */
		if (rc != SPA_ERR_FULL)
			log_warn("cannot start %s", q->argv[0]);
		ok = 0;
	}
	q->done(q->cookie, ok);
	template_argv_free(q->words);
	free(q);
}

int
cmdseq_start(struct spawner *sp, char *const *words,
    const struct spawn_opts *opts, cmdseq_done_fn *done, void *cookie)
{
	struct cmdseq *q = calloc(1, sizeof(*q));

	if (q == NULL || (q->words = cmdwords_dup(words)) == NULL) {
		free(q);
		return SPA_ERR_NOMEM;
	}
	q->sp = sp;
	if (opts != NULL)
		q->opts = *opts;
	q->done = done;
	q->cookie = cookie;
	cmdseq_step(q, 1);
	return 0;
}

/* Runs the commands of words one by one until verdict() says stop: it
 * gets each command's status and returns 1 to go on, else the result
 * (0 or a negative SPA_ERR_*); 1 when every command went on. */
static int
cmdseq_sync(char *const *words, const struct spawn_opts *opts,
    int (*verdict)(char *const *argv, const struct spawn_status *st,
    const char *err, int may_fail))
{
	char *argv[TEMPLATE_MAX_WORDS + 1], err[SPAWN_ERR_MAX];
	struct spawn_status st;
	size_t pos = 0;
	int may_fail, rc, v;

	while (cmdseq_next(words, &pos, argv, TEMPLATE_MAX_WORDS + 1,
	    &may_fail)) {
		cmdseq_log_start(argv);
		if (nftexec_is(argv[0]))
			nftexec_run(argv, &st, err, sizeof(err));
		else if ((rc = spawn_run_sync(argv, opts, &st, err,
		    sizeof(err))) != 0) {
			/* the errno of a failed call; none for a refusal */
			st.outcome = SPAWN_FAILED;
			st.code = rc == SPA_ERR_SYSTEM ? errno :
			    rc == SPA_ERR_NOMEM ? ENOMEM : 0;
			snprintf(err, sizeof(err), "cannot start it: %s",
			    err_str(rc));
		}
		if ((v = verdict(argv, &st, err, may_fail)) != 1)
			return v;
	}
	return 1;
}

/* cmdseq_run_sync: an unexpected failure ends the sequence. */
static int
cmdseq_run_verdict(char *const *argv, const struct spawn_status *st,
    const char *err, int may_fail)
{
	if (spawn_succeeded(st))
		return 1;
	cmdseq_log_failure(argv, st, err, may_fail);
	return may_fail && st->outcome == SPAWN_EXITED ? 1 : SPA_ERR_COMMAND;
}

int
cmdseq_run_sync(char *const *words, const struct spawn_opts *opts)
{
	int rc = cmdseq_sync(words, opts, cmdseq_run_verdict);

	return rc == 1 ? 0 : rc;
}

/* cmdseq_probe: a non-zero exit answers (0); 126/127 mean it was not
 * executed, which proves nothing absent (SPA_ERR_COMMAND). */
static int
cmdseq_probe_verdict(char *const *argv, const struct spawn_status *st,
    const char *err, int may_fail)
{
	(void)argv;
	(void)err;
	(void)may_fail;
	if (st->outcome != SPAWN_EXITED || st->code == 126 || st->code == 127)
		return SPA_ERR_COMMAND;
	return st->code == 0 ? 1 : 0;
}

int
cmdseq_probe(char *const *words, int *all_zero)
{
	int rc = cmdseq_sync(words, NULL, cmdseq_probe_verdict);

	*all_zero = 0;
	if (rc < 0)
		return rc;
	*all_zero = rc == 1;
	return 0;
}
