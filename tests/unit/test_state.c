/* Durable state: what one run writes, the next run reads back. */
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

#include "staterig.h"
#include "testfile.h"
#include "err.h"
#include "state.h"

static char *const dir = testfile_dir;  /* testfile_dir_setup() */

static void
tag_of(uint8_t n, uint8_t tag[32])
{
	memset(tag, n, 32);
}

static void
test_state_replay_survives(void **state)
{
	char err[STATE_ERR_MAX], sub[64];
	struct replay_cache *rc;
	struct state *st;
	uint8_t tag[32];
	struct stat sb;
	(void)state;

	snprintf(sub, sizeof(sub), "%s/replay", dir);
	assert_int_equal(state_open(sub, &st, err), 0);
	tag_of(1, tag);
	assert_int_equal(state_replay_add(st, tag, 1000), 0);
	tag_of(2, tag);
	assert_int_equal(state_replay_add(st, tag, 2000), 0);
	state_close(st);
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* A later run, at time 1500: tag 1 has expired, tag 2 has not. */
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(replay_new(&rc), 0);
	assert_int_equal(state_replay_load(st, rc, 1500), 1);
	tag_of(1, tag);
	assert_false(replay_seen(rc, tag, 1500));
	tag_of(2, tag);
	assert_true(replay_seen(rc, tag, 1500));
	replay_free(rc);
	state_close(st);
}

static void
count_bad(void *ctx, const char *why)
{
	struct seen *s = ctx;

	assert_non_null(why);
	s->bad++;
}

static void
test_state_grants(void **state)
{
	char err[STATE_ERR_MAX], sub[64];
	struct grantrec r = staterig_sample_grant();
	struct seen seen = { 0 };
	struct state *st;
	(void)state;

	snprintf(sub, sizeof(sub), "%s/grants", dir);
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_grant_put(st, &r), 0);
	r.expiry = 200;         /* the same grant, extended */
	r.phase = GRANT_CLOSE_FAILED;
	assert_int_equal(state_grant_put(st, &r), 0);
	state_close(st);
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.bad, 0);
	assert_int_equal(seen.last.expiry, 200);
	assert_int_equal(seen.last.port, 22);
	assert_int_equal(seen.last.addr.family, 6);
	assert_int_equal(seen.last.phase, GRANT_CLOSE_FAILED);
	assert_string_equal(seen.last.user, "alice");
	assert_string_equal(seen.last.action, "ssh");
	assert_string_equal(seen.last.backend, "iptables");
	/* The same address and port in the other family is another grant. */
	assert_int_equal(state_grant_delete(st, &r), 0);
	seen.n = 0;
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 0);
	/* A grant of several pairs is another grant than its first pair
	 * alone, and comes back with every pair. */
	r.phase = GRANT_OPEN;
	assert_int_equal(state_grant_put(st, &r), 0);
	r.more[0] = (struct grant_port){ IPPROTO_TCP, 443 };
	r.more[1] = (struct grant_port){ IPPROTO_UDP, 51820 };
	r.nmore = 2;
	r.expiry = 300;
	assert_int_equal(state_grant_put(st, &r), 0);
	seen.n = 0;
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.bad, 0);
	assert_int_equal(seen.last.nmore, 2);
	assert_int_equal(seen.last.more[1].proto, IPPROTO_UDP);
	assert_int_equal(seen.last.more[1].port, 51820);
	assert_true(grantrec_same(&seen.last, &r));
	assert_int_equal(state_grant_delete(st, &r), 0);
	seen.n = 0;
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.last.nmore, 0);
	/* A forward: its inner host is part of what it is. */
	{
		struct grantrec f = staterig_sample_grant(), g;

		assert_int_equal(addr_parse("2001:db8:1::10", &f.inner), 0);
		f.inner_port = 2222;
		g = f;
		g.inner_port = 22;
		assert_int_equal(state_grant_put(st, &f), 0);
		assert_int_equal(state_grant_put(st, &g), 0);
		seen.n = 0;
		assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
		    &seen), 0);
		assert_int_equal(seen.n, 3);
		assert_int_equal(state_grant_delete(st, &g), 0);
		assert_int_equal(state_grant_delete(st, &f), 0);
		seen.n = 0;
		assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
		    &seen), 0);
		assert_int_equal(seen.n, 1);
		assert_int_equal(seen.last.inner.family, 0);
		/* An inner host of the other family, or with pairs: none. */
		assert_int_equal(addr_parse("192.0.2.10", &f.inner), 0);
		assert_int_equal(state_grant_put(st, &f), SPA_ERR_STATE);
		assert_int_equal(addr_parse("2001:db8:1::10", &f.inner), 0);
		f.more[0] = (struct grant_port){ IPPROTO_TCP, 443 };
		f.nmore = 1;
		assert_int_equal(state_grant_put(st, &f), SPA_ERR_STATE);
	}
	/* A pair twice is not a grant. */
	r.more[1] = r.more[0];
	assert_int_equal(state_grant_put(st, &r), SPA_ERR_STATE);
	/* A record no command may be built from is not written. */
	r.nmore = 0;
	snprintf(r.user, sizeof(r.user), "a b");
	assert_int_equal(state_grant_put(st, &r), SPA_ERR_STATE);
	/* It says why, not sqlite's "not an error". */
	assert_non_null(strstr(state_error(st), "not a valid grant record"));
	state_close(st);
}


/* Rows the engine must never act on: each is skipped and reported. */
static void
test_state_rows_validated(void **state)
{
	char err[STATE_ERR_MAX], sub[64], db[96];
	struct grantrec r = staterig_sample_grant();
	struct seen seen = { 0 };
	struct state *st;
	(void)state;

	snprintf(sub, sizeof(sub), "%s/rows", dir);
	snprintf(db, sizeof(db), "%s/state.db", sub);
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_grant_put(st, &r), 0);
	state_close(st);
	staterig_raw_sql(db,
	    "INSERT INTO grant_rows (" V2 ") SELECT family, addr, proto, 23,"
	    " 'x; id', action, backend, expiry, phase FROM grant_rows;"
	    "INSERT INTO grant_rows (" V2 ") SELECT family, addr, proto, 24,"
	    " user, 'a b', backend, expiry, phase FROM grant_rows WHERE port=22;"
	    "INSERT INTO grant_rows (" V2 ") SELECT family, addr, proto, 25,"
	    " user, action, '../../bin', expiry, phase FROM grant_rows"
	    " WHERE port=22;"
	    "INSERT INTO grant_rows (" V2 ") SELECT 4, addr, proto, 26,"
	    " user, action, backend, expiry, phase FROM grant_rows WHERE port=22;"
	    "INSERT INTO grant_rows (" V2 ") SELECT family, addr, 1, 27,"
	    " user, action, backend, expiry, phase FROM grant_rows WHERE port=22;"
	    "INSERT INTO grant_rows (" V2 ") SELECT family, addr, proto, 28,"
	    " user, action, backend, expiry, 9 FROM grant_rows WHERE port=22;"
	    "INSERT INTO grant_rows (" V2 ") SELECT family, x'00', proto, 29,"
	    " user, action, backend, expiry, phase FROM grant_rows WHERE port=22;"
	    "INSERT INTO grant_rows (" V2 ") SELECT family, addr, proto, 30,"
	    " user, action, backend, 'soon', phase FROM grant_rows WHERE port=22;"
	    /* Further pairs: one twice, a proto no grant has, a cut pair; a
	     * forward (this build opens none). */
	    "INSERT INTO grant_rows (" V2 ", more) SELECT family, addr, proto,"
	    " 31, user, action, backend, expiry, phase, x'06001f' FROM"
	    " grant_rows WHERE port=22;"
	    "INSERT INTO grant_rows (" V2 ", more) SELECT family, addr, proto,"
	    " 32, user, action, backend, expiry, phase, x'0101bb' FROM"
	    " grant_rows WHERE port=22;"
	    "INSERT INTO grant_rows (" V2 ", more) SELECT family, addr, proto,"
	    " 33, user, action, backend, expiry, phase, x'0601' FROM"
	    " grant_rows WHERE port=22;"
	    "INSERT INTO grant_rows (" V2 ", more) SELECT family, addr, proto,"
	    " 34, user, action, backend, expiry, phase, x'060000' FROM"
	    " grant_rows WHERE port=22;"
	    "INSERT INTO grant_rows (" V2 ", inner_family, inner_port) SELECT"
	    " family, addr, proto, 35, user, action, backend, expiry, phase,"
	    " 4, 22 FROM grant_rows WHERE port=22;");
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.last.port, 22);
	assert_int_equal(seen.bad, 13);
	state_close(st);
}

/* A database of the first layout, whose grants carried close commands:
 * the grants are kept as what they were, the commands are dropped. */
static void
test_state_old_layout(void **state)
{
	char err[STATE_ERR_MAX], sub[64], db[96];
	struct seen seen = { 0 };
	struct state *st;
	(void)state;

	snprintf(sub, sizeof(sub), "%s/old", dir);
	snprintf(db, sizeof(db), "%s/state.db", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	staterig_raw_sql(db, "CREATE TABLE replay (tag BLOB PRIMARY KEY,"
	    " expiry INTEGER NOT NULL);"
	    "CREATE TABLE grants (addr BLOB NOT NULL, family INTEGER NOT NULL,"
	    " proto INTEGER NOT NULL, port INTEGER NOT NULL,"
	    " expiry INTEGER NOT NULL, close_argv BLOB NOT NULL,"
	    " PRIMARY KEY (addr, proto, port));"
	    "INSERT INTO grants VALUES (x'00000000000000000000ffffc0000201', 4,"
	    " 6, 22, 1234, CAST('/bin/sh' || x'00' || '-c' || x'00' || 'id'"
	    " || x'00' AS BLOB));");
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.last.expiry, 1234);
	assert_int_equal(seen.last.phase, GRANT_OPENING);
	assert_string_equal(seen.last.user, "");
	assert_string_equal(seen.last.backend, "");
	state_close(st);
	/* Converted once: the next open finds the new layout only. */
	assert_int_equal(state_open(sub, &st, err), 0);
	seen.n = 0;
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 1);
	state_close(st);
}

/* A database of layout 2 (one pair a grant, no forwards): its rows are
 * kept, each as a grant of one pair, and new rows of several pairs fit
 * beside them. */
static void
test_state_layout_2(void **state)
{
	char err[STATE_ERR_MAX], sub[64], db[96];
	struct grantrec r = staterig_sample_grant();
	struct seen seen = { 0 };
	struct state *st;
	(void)state;

	snprintf(sub, sizeof(sub), "%s/layout2", dir);
	snprintf(db, sizeof(db), "%s/state.db", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	staterig_raw_sql(db, "CREATE TABLE replay (tag BLOB PRIMARY KEY,"
	    " expiry INTEGER NOT NULL);"
	    "CREATE TABLE grant_rows ("
	    " family INTEGER NOT NULL, addr BLOB NOT NULL, proto INTEGER NOT NULL,"
	    " port INTEGER NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,"
	    " backend TEXT NOT NULL, expiry INTEGER NOT NULL, phase INTEGER NOT NULL,"
	    " PRIMARY KEY (family, addr, proto, port));"
	    "INSERT INTO grant_rows VALUES (4, x'00000000000000000000ffffc0000201',"
	    " 6, 22, 'alice', 'ssh', 'nft', 1234, 1);");
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.bad, 0);
	assert_int_equal(seen.last.port, 22);
	assert_int_equal(seen.last.nmore, 0);
	assert_int_equal(seen.last.phase, GRANT_OPEN);
	assert_string_equal(seen.last.backend, "nft");
	r = seen.last;
	r.more[0] = (struct grant_port){ IPPROTO_TCP, 443 };
	r.nmore = 1;
	assert_int_equal(state_grant_put(st, &r), 0);
	state_close(st);
	assert_int_equal(state_open(sub, &st, err), 0);
	seen.n = 0;
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(state_grant_delete(st, &seen.last), 0);
	state_close(st);
}

/* StrictModes: a directory or database others may write is refused. */
static void
test_state_strict_modes(void **state)
{
	char err[STATE_ERR_MAX], sub[64], db[96];
	struct state *st;
	(void)state;

	snprintf(sub, sizeof(sub), "%s/modes", dir);
	snprintf(db, sizeof(db), "%s/state.db", sub);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(chmod(sub, 0777), 0);
	assert_int_equal(state_open(sub, &st, err), SPA_ERR_STATE);
	assert_non_null(strstr(err, "writable by group or others"));
	assert_int_equal(chmod(sub, 0755), 0);
	assert_int_equal(state_open(sub, &st, err), 0);
	state_close(st);
	assert_int_equal(chmod(db, 0666), 0);
	assert_int_equal(state_open(sub, &st, err), SPA_ERR_STATE);
	assert_non_null(strstr(err, "state.db: writable by group"));
	assert_int_equal(chmod(db, 0600), 0);
	if (geteuid() == 0) {
		/* Owned by someone else (nobody): refused even at 0700. */
		assert_int_equal(chown(sub, 65534, 65534), 0);
		assert_int_equal(state_open(sub, &st, err), SPA_ERR_STATE);
		assert_non_null(strstr(err, "not by root"));
		assert_int_equal(chown(sub, 0, 0), 0);
	}
	assert_int_equal(unlink(db), 0);
	assert_int_equal(symlink("/etc/passwd", db), 0);
	assert_int_equal(state_open(sub, &st, err), SPA_ERR_STATE);
	assert_non_null(strstr(err, "not a regular file"));
}

/* Another process holds the write lock: the tag cannot be made durable,
 * and neither can the cache be loaded (both are refusals upstream). */
/* Opens the state in dir/name with a short lock wait, and takes an
 * exclusive lock on its database file as another program would. */
static struct state *
open_locked(const char *name, sqlite3 **other)
{
	char err[STATE_ERR_MAX], sub[64], db[96];
	struct state *st;

	snprintf(sub, sizeof(sub), "%s/%s", dir, name);
	snprintf(db, sizeof(db), "%s/state.db", sub);
	assert_int_equal(state_open(sub, &st, err), 0);
	state_set_busy_ms(st, 50);
	assert_int_equal(sqlite3_open(db, other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(*other, "BEGIN EXCLUSIVE", NULL, NULL,
	    NULL), SQLITE_OK);
	return st;
}

static void
unlock(sqlite3 *other)
{
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
}

static void
test_state_locked(void **state)
{
	struct replay_cache *rc;
	sqlite3 *other;
	struct state *st = open_locked("locked", &other);
	uint8_t tag[32];
	(void)state;

	tag_of(4, tag);
	assert_int_equal(state_replay_add(st, tag, 1000), SPA_ERR_STATE);
	assert_int_equal(replay_new(&rc), 0);
	assert_int_equal(state_replay_load(st, rc, 10), SPA_ERR_STATE);
	unlock(other);
	assert_int_equal(state_replay_add(st, tag, 1000), 0);
	replay_free(rc);
	state_close(st);
}

/* A knock's tag and its grant's row: both written, or neither. */
static void
test_state_grant_tagged(void **state)
{
	char err[STATE_ERR_MAX], sub[64];
	struct grantrec r = staterig_sample_grant();
	struct seen seen = { 0 };
	struct replay_cache *rc;
	sqlite3 *other;
	/* Locked by another program: neither row, and the reason kept. */
	struct state *st = open_locked("tagged", &other);
	uint8_t tag[32];
	(void)state;

	tag_of(5, tag);
	assert_int_equal(state_grant_put_tagged(st, &r, tag, 1000), SPA_ERR_STATE);
	assert_non_null(strstr(state_error(st), "locked"));
	unlock(other);
	/* A record no command may be built from: the tag is not kept. */
	snprintf(r.user, sizeof(r.user), "a b");
	assert_int_equal(state_grant_put_tagged(st, &r, tag, 1000), SPA_ERR_STATE);
	assert_int_equal(replay_new(&rc), 0);
	assert_int_equal(state_replay_load(st, rc, 10), 0);
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 0);
	/* Both, read back by a new run. */
	snprintf(r.user, sizeof(r.user), "alice");
	assert_int_equal(state_grant_put_tagged(st, &r, tag, 1000), 0);
	state_close(st);
	snprintf(sub, sizeof(sub), "%s/tagged", dir);
	assert_int_equal(state_open(sub, &st, err), 0);
	assert_int_equal(state_replay_load(st, rc, 10), 1);
	assert_true(replay_seen(rc, tag, 10));
	assert_int_equal(state_grant_each(st, staterig_collect, count_bad,
	    &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.last.user, "alice");
	replay_free(rc);
	state_close(st);
}

static void
test_state_prune(void **state)
{
	char err[STATE_ERR_MAX];
	struct state *st;
	uint8_t tag[32];
	(void)state;

	assert_int_equal(state_open("", &st, err), 0);
	for (uint8_t i = 1; i <= 10; i++) {
		tag_of(i, tag);
		assert_int_equal(state_replay_add(st, tag, 100 * i), 0);
	}
	assert_int_equal(state_replay_prune(st, 550), 5);
	assert_int_equal(state_replay_prune(st, 5000), 0);
	state_close(st);
}

static void
test_state_memory_and_errors(void **state)
{
	char err[STATE_ERR_MAX];
	struct state *st;
	uint8_t tag[32];
	(void)state;

	assert_int_equal(state_open("", &st, err), 0);
	tag_of(3, tag);
	assert_int_equal(state_replay_add(st, tag, 5), 0);
	state_close(st);
	assert_int_equal(state_open("/proc/spa-cannot-exist/x", &st, err),
	    SPA_ERR_STATE);
	assert_non_null(strstr(err, "/proc/spa-cannot-exist/x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_replay_survives),
		cmocka_unit_test(test_state_grants),
		cmocka_unit_test(test_state_rows_validated),
		cmocka_unit_test(test_state_old_layout),
		cmocka_unit_test(test_state_layout_2),
		cmocka_unit_test(test_state_strict_modes),
		cmocka_unit_test(test_state_locked),
		cmocka_unit_test(test_state_grant_tagged),
		cmocka_unit_test(test_state_prune),
		cmocka_unit_test(test_state_memory_and_errors),
	};

	return cmocka_run_group_tests(tests, testfile_dir_setup, testfile_dir_teardown);
}
