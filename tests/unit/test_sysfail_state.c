/*
 * The state database (sniffer/state.h) when SQLite fails a call
 * (tests/unit/sysfail_sqlite.c): an open that fails opens nothing and
 * says why; a statement that cannot be prepared, bound, stepped or
 * committed is SPA_ERR_STATE, and what it was to write is not there
 * after it (a grant is recorded with its replay tag or not at all).  The
 * commit of an accepted knock (sniffer/commit.h) whose tag cannot be
 * recorded refuses it, saying so; the pruning of tags says when the
 * state could not be pruned, and runs at most once a minute unless the
 * clock went back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "commit.h"
#include "err.h"
#include "replay.h"
#include "state.h"
#include "staterig.h"
#include "sysfail.h"
#include "testfile.h"

static char *const dir = testfile_dir;  /* testfile_dir_setup() */

static struct state *
open_memory(void)
{
	char err[STATE_ERR_MAX];
	struct state *st;

	assert_int_equal(state_open(NULL, &st, err), 0);
	return st;
}

static int
count_grants(struct state *st)
{
	struct seen seen = { 0 };

	assert_int_equal(state_grant_each(st, staterig_collect, NULL, &seen),
	    0);
	return seen.n;
}

static long
count_tags(struct state *st)
{
	struct replay_cache *rc;
	long n;

	assert_int_equal(replay_new(&rc), 0);
	n = state_replay_load(st, rc, 0);
	replay_free(rc);
	return n;
}

static void
test_open_fails(void **state)
{
	static const struct {
		const char *call;
		unsigned skip;
		const char *says;
	} cases[] = {
		{ "sqlite3_open_v2", 0, "cannot open" },
		{ "sqlite3_exec", 0, "memory" },        /* the pragmas, replay */
		{ "sqlite3_exec", 1, "memory" },        /* the grant table */
	};
	char err[STATE_ERR_MAX];
	struct state *st;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		sysfail_arm(cases[i].call, cases[i].skip, SQLITE_IOERR);
		assert_int_equal(state_open(NULL, &st, err), SPA_ERR_STATE);
		assert_null(st);
		assert_int_equal(sysfail_failed(cases[i].call), 1);
		if (strstr(err, cases[i].says) == NULL)
			fail_msg("%s +%u: \"%s\" lacks \"%s\"", cases[i].call,
			    cases[i].skip, err, cases[i].says);
		sysfail_clear();
	}
}

/* The status command's read-only open of a file that is there. */
static void
test_open_readonly_fails(void **state)
{
	char err[STATE_ERR_MAX], sub[128];
	struct state *st;
	(void)state;

	snprintf(sub, sizeof(sub), "%s/ro", dir);
	assert_int_equal(state_open(sub, &st, err), 0);
	state_close(st);
	sysfail_arm("sqlite3_open_v2", 0, SQLITE_CANTOPEN);
	assert_int_equal(state_open_readonly(sub, &st, err), SPA_ERR_STATE);
	assert_null(st);
	assert_non_null(strstr(err, "state.db: cannot open"));
	sysfail_clear();
	assert_int_equal(state_open_readonly(sub, &st, err), 0);
	assert_int_equal(count_grants(st), 0);
	state_close(st);
}

/* The checks of the directory and the file, when stat or lstat fails
 * (or fails the second time the read-only open looks). */
static void
test_paths_fail(void **state)
{
	static const struct {
		const char *call;
		unsigned skip;
		int readonly;
		const char *says;
	} cases[] = {
		{ "stat", 0, 0, "state directory" },
		{ "lstat", 0, 0, "state.db: Permission denied" },
		{ "stat", 0, 1, "state.db: Permission denied" },
		{ "stat", 1, 1, "" },
		{ "lstat", 1, 1, "" },
	};
	char err[STATE_ERR_MAX], sub[128];
	struct state *st;
	(void)state;

	snprintf(sub, sizeof(sub), "%s/paths", dir);
	assert_int_equal(state_open(sub, &st, err), 0);
	state_close(st);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		sysfail_arm(cases[i].call, cases[i].skip, EACCES);
		assert_int_equal(cases[i].readonly ?
		    state_open_readonly(sub, &st, err) :
		    state_open(sub, &st, err), SPA_ERR_STATE);
		assert_null(st);
		if (sysfail_failed(cases[i].call) != 1 ||
		    strstr(err, cases[i].says) == NULL)
			fail_msg("%s +%u: failed %u, \"%s\" lacks \"%s\"",
			    cases[i].call, cases[i].skip,
			    sysfail_failed(cases[i].call), err, cases[i].says);
		sysfail_clear();
	}
}

/* Looking for the table of layout 1 fails: there is none to carry over,
 * the database opens (a new one has none anyway). */
static void
test_old_table_lookup_fails(void **state)
{
	static const char *const calls[] = { "sqlite3_prepare_v2",
	    "sqlite3_bind_text" };
	char err[STATE_ERR_MAX];
	struct state *st;
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		/* prepare: the first looks for the column "more" */
		sysfail_arm(calls[i], i == 0 ? 1 : 0, SQLITE_NOMEM);
		assert_int_equal(state_open(NULL, &st, err), 0);
		assert_int_equal(sysfail_failed(calls[i]), 1);
		sysfail_clear();
		assert_int_equal(count_grants(st), 0);
		state_close(st);
	}
}

/* Each of the 13 values of a grant row failing to bind: nothing is
 * written. */
static void
test_grant_bind_fails(void **state)
{
	static const struct {
		const char *call;
		unsigned skip;
	} binds[] = {
		{ "sqlite3_bind_int", 0 },      /* family */
		{ "sqlite3_bind_blob", 0 },     /* addr */
		{ "sqlite3_bind_int", 1 },      /* proto */
		{ "sqlite3_bind_int", 2 },      /* port */
		{ "sqlite3_bind_blob", 1 },     /* more */
		{ "sqlite3_bind_int", 3 },      /* inner_family */
		{ "sqlite3_bind_blob", 2 },     /* inner_addr */
		{ "sqlite3_bind_int", 4 },      /* inner_port */
		{ "sqlite3_bind_text", 0 },     /* user */
		{ "sqlite3_bind_text", 1 },     /* action */
		{ "sqlite3_bind_text", 2 },     /* backend */
		{ "sqlite3_bind_int64", 0 },    /* expiry */
		{ "sqlite3_bind_int", 5 },      /* phase */
	};
	struct grantrec r = staterig_sample_grant();
	struct state *st = open_memory();
	(void)state;

	for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) {
		sysfail_arm(binds[i].call, binds[i].skip, SQLITE_RANGE);
		if (state_grant_put(st, &r) != SPA_ERR_STATE ||
		    sysfail_failed(binds[i].call) != 1)
			fail_msg("%s +%u: the put did not fail on it",
			    binds[i].call, binds[i].skip);
		sysfail_clear();
		assert_int_equal(count_grants(st), 0);
	}
	/* and the delete, on its key */
	assert_int_equal(state_grant_put(st, &r), 0);
	sysfail_arm("sqlite3_bind_blob", 2, SQLITE_RANGE);
	assert_int_equal(state_grant_delete(st, &r), SPA_ERR_STATE);
	sysfail_clear();
	assert_int_equal(count_grants(st), 1);
	state_close(st);
}

static void
test_replay_fails(void **state)
{
	static const struct {
		const char *call;
		unsigned skip;
	} adds[] = {
		{ "sqlite3_prepare_v2", 0 },
		{ "sqlite3_bind_blob", 0 },     /* the tag */
		{ "sqlite3_bind_int64", 0 },    /* its expiry */
		{ "sqlite3_step", 0 },
	}, loads[] = {
		{ "sqlite3_prepare_v2", 0 },    /* the prune's DELETE */
		{ "sqlite3_prepare_v2", 1 },    /* its count */
		{ "sqlite3_step", 1 },          /* the count's row */
		{ "sqlite3_prepare_v2", 2 },    /* the SELECT */
		{ "sqlite3_step", 2 },          /* its first row */
	};
	uint8_t tag[SPA_MAC_LEN];
	struct replay_cache *rc;
	struct state *st = open_memory();
	(void)state;

	memset(tag, 't', sizeof(tag));
	for (size_t i = 0; i < sizeof(adds) / sizeof(adds[0]); i++) {
		sysfail_arm(adds[i].call, adds[i].skip, SQLITE_IOERR);
		if (state_replay_add(st, tag, 100) != SPA_ERR_STATE)
			fail_msg("add, %s +%u did not fail", adds[i].call,
			    adds[i].skip);
		sysfail_clear();
		assert_int_equal(count_tags(st), 0);
	}
	assert_int_equal(state_replay_add(st, tag, 100), 0);
	for (size_t i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
		assert_int_equal(replay_new(&rc), 0);
		sysfail_arm(loads[i].call, loads[i].skip, SQLITE_IOERR);
		if (state_replay_load(st, rc, 0) != SPA_ERR_STATE ||
		    sysfail_failed(loads[i].call) != 1)
			fail_msg("load, %s +%u did not fail", loads[i].call,
			    loads[i].skip);
		sysfail_clear();
		replay_free(rc);
	}
	assert_int_equal(count_tags(st), 1);
	state_close(st);
}

/* A grant and its replay tag are one transaction. */
static void
test_tagged_fails(void **state)
{
	static const struct {
		const char *call;
		unsigned skip;
	} cases[] = {
		{ "sqlite3_exec", 0 },          /* BEGIN */
		{ "sqlite3_prepare_v2", 0 },    /* the tag's INSERT */
		{ "sqlite3_bind_int", 0 },      /* the grant's first value */
		{ "sqlite3_exec", 1 },          /* COMMIT */
	};
	uint8_t tag[SPA_MAC_LEN];
	struct grantrec r = staterig_sample_grant();
	struct state *st = open_memory();
	(void)state;

	memset(tag, 'g', sizeof(tag));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sysfail_arm(cases[i].call, cases[i].skip, SQLITE_BUSY);
		if (state_grant_put_tagged(st, &r, tag, 100) != SPA_ERR_STATE ||
		    sysfail_failed(cases[i].call) != 1)
			fail_msg("%s +%u did not fail the put", cases[i].call,
			    cases[i].skip);
		sysfail_clear();
		assert_int_equal(count_grants(st), 0);
		assert_int_equal(count_tags(st), 0);
	}
	assert_int_equal(state_grant_put_tagged(st, &r, tag, 100), 0);
	assert_int_equal(count_grants(st), 1);
	assert_int_equal(count_tags(st), 1);
	state_close(st);
}

static void
test_grant_each_fails(void **state)
{
	struct grantrec r = staterig_sample_grant();
	struct state *st = open_memory();
	struct seen seen = { 0 };
	(void)state;

	assert_int_equal(state_grant_put(st, &r), 0);
	sysfail_arm("sqlite3_prepare_v2", 0, SQLITE_IOERR);
	assert_int_equal(state_grant_each(st, staterig_collect, NULL, &seen),
	    SPA_ERR_STATE);
	sysfail_clear();
	/* a step that fails after no row is not an empty list either */
	sysfail_arm("sqlite3_step", 0, SQLITE_CORRUPT);
	assert_int_equal(state_grant_each(st, staterig_collect, NULL, &seen),
	    SPA_ERR_STATE);
	sysfail_clear();
	assert_int_equal(seen.n, 0);
	assert_int_equal(count_grants(st), 1);
	state_close(st);
}

static void
test_commit(void **state)
{
	struct spa_decision d = { .verdict = VERDICT_ACCEPTED,
	    .user_name = "alice", .request = "ssh", .replay_until = 500 };
	struct commit_pruner p = { 0 };
	struct replay_cache *rc;
	struct state *st = open_memory();
	char err[512] = "";
	(void)state;

	memset(d.tag, 'c', sizeof(d.tag));
	assert_int_equal(commit_accepted(NULL, &d, err, sizeof(err)), 0);
	sysfail_arm("sqlite3_step", 0, SQLITE_FULL);
	assert_int_equal(commit_accepted(st, &d, err, sizeof(err)),
	    SPA_ERR_STATE);
	sysfail_clear();
	assert_non_null(strstr(err, "refused: user alice request ssh: the "
	    "replay tag cannot be recorded (state: "));
	assert_int_equal(count_tags(st), 0);
	assert_int_equal(commit_accepted(st, &d, err, sizeof(err)), 0);
	assert_int_equal(count_tags(st), 1);

	assert_int_equal(replay_new(&rc), 0);
	assert_int_equal(commit_prune(&p, rc, st, 1000), 0);    /* first */
	assert_int_equal(count_tags(st), 0);                    /* 500 < 1000 */
	assert_int_equal(commit_accepted(st, &d, err, sizeof(err)), 0);
	/* within the minute: nothing done, the tag stays */
	assert_int_equal(commit_prune(&p, rc, st, 1030), 0);
	assert_int_equal(count_tags(st), 1);
	/* the clock went back: pruned at once, and failing says so */
	sysfail_arm("sqlite3_prepare_v2", 0, SQLITE_IOERR);
	assert_int_equal(commit_prune(&p, rc, st, 900), SPA_ERR_STATE);
	sysfail_clear();
	assert_int_equal(p.last, 900);
	/* a minute on, without a state: the cache alone */
	assert_int_equal(commit_prune(&p, rc, NULL, 960), 0);
	assert_int_equal(p.last, 960);
	replay_free(rc);
	state_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_fails),
		cmocka_unit_test(test_open_readonly_fails),
		cmocka_unit_test(test_paths_fail),
		cmocka_unit_test(test_old_table_lookup_fails),
		cmocka_unit_test(test_grant_bind_fails),
		cmocka_unit_test(test_replay_fails),
		cmocka_unit_test(test_tagged_fails),
		cmocka_unit_test(test_grant_each_fails),
		cmocka_unit_test(test_commit),
	};

	return cmocka_run_group_tests(tests, testfile_dir_setup, sysfail_dir_teardown);
}
