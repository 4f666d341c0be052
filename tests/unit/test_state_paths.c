/*
 * The state database (sniffer/state.h) on the paths test_state.c leaves:
 * grant rows whose text holds a NUL byte or whose further pairs are not a
 * blob, and rows with any column out of its range or NULL, are skipped
 * and reported; replay rows that are not a tag are
 * skipped and a replay cache too small for them fails the load; an old layout whose
 * migration fails leaves the file as it was and refuses to open, saying
 * why; a table
 * gone under an open database is an error, not an empty list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "addr.h"
#include "err.h"
#include "replay.h"
#include "state.h"
#include "staterig.h"
#include "testfile.h"

static char *const dir = testfile_dir;  /* testfile_dir_setup() */

/* One integer a query on the file gives. */
static long long
raw_count(const char *db, const char *sql)
{
	sqlite3_stmt *s;
	long long n = -1;
	sqlite3 *h;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

static void
count_bad(void *ctx, const char *why)
{
	struct seen *s = ctx;

	assert_non_null(strstr(why, "not valid"));
	s->bad++;
}

static int
stop_at_first(void *ctx, const struct grantrec *r)
{
	staterig_collect(ctx, r);
	return 1;
}

static void
paths(const char *name, char sub[128], char db[160])
{
	snprintf(sub, 128, "%s/%s", dir, name);
	snprintf(db, 160, "%s/state.db", sub);
}

static void
test_rows_not_valid(void **state)
{
	char err[STATE_ERR_MAX], sub[128], db[160];
	struct grantrec r = staterig_sample_grant();
	struct seen seen = { 0 };
	struct state *st;
	(void)state;

	paths("rows", sub, db);
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_grant_put(st, &r), 0);
	state_close(st);
	staterig_raw_sql(db,
	    "INSERT INTO grant_rows (" V2 ") SELECT family, addr, "
	    "proto, 23, CAST(x'616c00' AS TEXT), action, backend, expiry, "
	    "phase FROM grant_rows WHERE port = 22;"
	    "INSERT INTO grant_rows (" V2 ", more) SELECT family, addr, proto,"
	    " 24, user, action, backend, expiry, phase, 6 FROM grant_rows"
	    " WHERE port = 22;"
	    "INSERT INTO grant_rows (" V2 ", more) SELECT family, addr, proto,"
	    " 25, user, action, backend, expiry, phase, 'abc' FROM grant_rows"
	    " WHERE port = 22;"
	    /* an empty text where the pairs go: no further pairs, valid */
	    "INSERT INTO grant_rows (" V2 ", more) SELECT family, addr, proto,"
	    " 26, user, action, backend, expiry, phase, '' FROM grant_rows"
	    " WHERE port = 22;");
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.bad, 3);
	state_close(st);
}

/* One column of a copy of the valid row set to what no grant holds: each
 * copy is skipped and reported, the valid rows are given. */
static const struct {
	const char *set;        /* SET clause of the copy */
	int valid;
} row_cases[] = {
	{ "family = 3", 0 },                    /* below 4 */
	{ "family = 7", 0 },                    /* above 6 */
	{ "family = 5", 0 },                    /* neither 4 nor 6 */
	{ "family = 6.5", 0 },                  /* not an integer */
	{ "addr = x'20010db8'", 0 },            /* 4 bytes, not 16 */
	{ "proto = -1", 0 },
	{ "proto = 256", 0 },
	{ "port = 0", 0 },
	{ "port = 65536", 0 },
	{ "user = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'", 0 },     /* 33 */
	{ "action = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'", 0 },
	{ "backend = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'", 0 },
	{ "expiry = 1.5", 0 },
	{ "phase = -1", 0 },
	{ "more = x'060001060002060003060004060005060006060007060008'", 0 },
	{ "more = 7", 0 },                      /* not a blob */
	{ "inner_family = -1", 0 },
	{ "inner_family = 7", 0 },
	{ "inner_family = 5", 0 },
	{ "inner_family = x'06'", 0 },
	{ "inner_port = -1", 0 },
	{ "inner_port = 65536", 0 },
	{ "inner_port = 'x'", 0 },
	/* the inner address's length must match its family */
	{ "inner_family = 6, inner_port = 22", 0 },
	{ "inner_addr = zeroblob(16)", 0 },
	/* a forward to 2001:db8::80 port 8022: a grant */
	{ "inner_family = 6, inner_port = 8022,"
	  " inner_addr = x'20010db8000000000000000000000080'", 1 },
};

static void
test_rows_out_of_range(void **state)
{
	char err[STATE_ERR_MAX], sub[128], db[160], sql[512];
	struct grantrec r = staterig_sample_grant();
	struct seen seen = { 0 };
	struct state *st;
	int valid = 1;
	(void)state;

	paths("range", sub, db);
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_grant_put(st, &r), 0);
	state_close(st);
	for (size_t i = 0; i < sizeof(row_cases) / sizeof(row_cases[0]); i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO grant_rows (" V2 ")"
		    " SELECT family, addr, proto, %zu, user, action, backend,"
		    " expiry, phase FROM grant_rows WHERE port = 22;"
		    "UPDATE grant_rows SET %s WHERE port = %zu;", 1000 + i,
		    row_cases[i].set, 1000 + i);
		staterig_raw_sql(db, sql);
		valid += row_cases[i].valid;
	}
	assert_int_equal(raw_count(db, "SELECT count(*) FROM grant_rows"),
	    1 + (long long)(sizeof(row_cases) / sizeof(row_cases[0])));
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, valid);
	assert_int_equal(seen.bad, (int)(sizeof(row_cases) /
	    sizeof(row_cases[0])) + 1 - valid);
	state_close(st);
}

/* A grant table another program made without NOT NULL: a NULL where a
 * name goes is not a grant either. */
static void
test_rows_null(void **state)
{
	char err[STATE_ERR_MAX], sub[128], db[160];
	struct seen seen = { 0 };
	struct state *st;
	(void)state;

	paths("null", sub, db);
	assert_int_equal(mkdir(sub, 0700), 0);
	staterig_raw_sql(db,
	    "CREATE TABLE grant_rows (family, addr, proto, port, user, action,"
	    " backend, expiry, phase, more, inner_family, inner_addr,"
	    " inner_port);"
	    "INSERT INTO grant_rows VALUES (6,"
	    " x'20010db8000000000000000000000007', 6, 22, 'alice', 'ssh',"
	    " 'iptables', 100, 1, x'', 0, x'', 0);"
	    "INSERT INTO grant_rows SELECT family, addr, proto, 23, NULL,"
	    " action, backend, expiry, phase, more, inner_family, inner_addr,"
	    " inner_port FROM grant_rows;"
	    "INSERT INTO grant_rows SELECT family, addr, proto, 24, user,"
	    " action, backend, expiry, phase, NULL, inner_family, inner_addr,"
	    " inner_port FROM grant_rows WHERE port = 22;");
	assert_int_equal(chmod(db, 0600), 0);
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.last.port, 22);
	assert_int_equal(seen.bad, 2);
	/* without a reporter the bad rows are skipped all the same */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(state_grant_each(st, staterig_collect, NULL, &seen),
	    0);
	assert_int_equal(seen.n, 1);
	/* a callback that stops the walk: no error */
	assert_int_equal(state_grant_each(st, stop_at_first, NULL, &seen), 0);
	assert_int_equal(seen.n, 2);
	state_close(st);
}

static void
test_replay_rows(void **state)
{
	char err[STATE_ERR_MAX], sub[128], db[160];
	uint8_t tag[SPA_MAC_LEN];
	struct replay_cache *rc;
	struct state *st;
	(void)state;

	paths("replay", sub, db);
	assert_int_equal(state_open(sub, &st, err), 0);
	for (int i = 0; i < 5; i++) {
		memset(tag, 'a' + i, sizeof(tag));
		assert_int_equal(state_replay_add(st, tag, 2000), 0);
	}
	state_close(st);
	staterig_raw_sql(db,
	    "INSERT INTO replay (tag, expiry) VALUES (x'0102', 2000)");
	assert_int_equal(state_open(sub, &st, err), 0);
	/* the short one is not a tag: five loaded */
	assert_int_equal(replay_new(&rc), 0);
	assert_int_equal(state_replay_load(st, rc, 1000), 5);
	memset(tag, 'c', sizeof(tag));
	assert_true(replay_seen(rc, tag, 1000));
	replay_free(rc);
	/* a cache with room for three: the load stops there and fails (a
	 * tag left out could be replayed) */
	assert_int_equal(replay_new_capped(3, &rc), 0);
	assert_int_equal(state_replay_load(st, rc, 1000), SPA_ERR_STATE);
	assert_int_equal(replay_count(rc), 3);
	replay_free(rc);
	state_close(st);
}

static void
test_migration_fails(void **state)
{
	char err[STATE_ERR_MAX], sub[128], db[160];
	struct state *st;
	(void)state;

	/* Layout 2 without its backend column: it cannot be carried over. */
	paths("mig2", sub, db);
	assert_int_equal(mkdir(sub, 0700), 0);
	staterig_raw_sql(db,
	    "CREATE TABLE grant_rows (family INTEGER, addr BLOB, "
	    "proto INTEGER, port INTEGER, user TEXT, action TEXT, expiry "
	    "INTEGER, phase INTEGER);"
	    "INSERT INTO grant_rows VALUES (4, x'c6336401', 6, 22, 'a', 'b', "
	    "100, 1);");
	chmod(db, 0600);
	assert_int_equal(state_open(sub, &st, err), SPA_ERR_STATE);
	assert_null(st);
	assert_non_null(strstr(err, db));
	assert_non_null(strstr(err, "backend"));     /* why, not "not an error" */
	/* nothing changed: the old table and its row are there */
	assert_int_equal(raw_count(db, "SELECT count(*) FROM grant_rows"), 1);
	assert_int_equal(raw_count(db, "SELECT count(*) FROM sqlite_master "
	    "WHERE name = 'grant_rows3'"), 0);

	/* Layout 1 ("grants") without its expiry column. */
	paths("mig1", sub, db);
	assert_int_equal(mkdir(sub, 0700), 0);
	staterig_raw_sql(db,
	    "CREATE TABLE grants (family INTEGER, addr BLOB, proto "
	    "INTEGER, port INTEGER);"
	    "INSERT INTO grants VALUES (4, x'c6336401', 6, 22);");
	chmod(db, 0600);
	assert_int_equal(state_open(sub, &st, err), SPA_ERR_STATE);
	assert_non_null(strstr(err, "expiry"));
	assert_int_equal(raw_count(db, "SELECT count(*) FROM grants"), 1);
}

static void
test_table_gone(void **state)
{
	char err[STATE_ERR_MAX], sub[128], db[160];
	struct seen seen = { 0 };
	struct state *st;
	(void)state;

	paths("gone", sub, db);
	assert_int_equal(state_open(sub, &st, err), 0);
	staterig_raw_sql(db, "DROP TABLE grant_rows");
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen),
	    SPA_ERR_STATE);
	assert_int_equal(seen.n, 0);
	assert_non_null(strstr(state_error(st), "grant_rows"));
	state_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_not_valid),
		cmocka_unit_test(test_rows_out_of_range),
		cmocka_unit_test(test_rows_null),
		cmocka_unit_test(test_replay_rows),
		cmocka_unit_test(test_migration_fails),
		cmocka_unit_test(test_table_gone),
	};

	return cmocka_run_group_tests(tests, testfile_dir_setup, testfile_dir_teardown);
}
