/*
 * The state database (sniffer/state.h) when its disk or its files are not
 * what they should be: a full disk (a 256 KiB tmpfs in a mount namespace
 * of a child's own, as root; never the host's disk) refuses a tag and a
 * grant, rolls a tagged grant back whole and says why, and works again
 * once there is room; a state directory that cannot be made, a file where
 * the directory should be, a directory, a link or garbage where state.db
 * should be, are each refused with a message naming them; the read-only
 * open (sniffer -S) refuses the same and never writes.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "err.h"
#include "replay.h"
#include "state.h"
#include "testfile.h"
#include "tmpfschild.h"

static struct grantrec
a_grant(const char *addr, uint16_t port)
{
	struct grantrec r = { .proto = 6, .port = port, .expiry = 2000000000,
	    .phase = GRANT_OPEN };

	assert_int_equal(addr_parse(addr, &r.addr), 0);
	strcpy(r.user, "alice");
	strcpy(r.action, "ssh");
	strcpy(r.backend, "iptables");
	return r;
}

/* ---- a full disk, in a child with its own mount namespace ---- */

static int
fill(const char *path)
{
	static char block[4096];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n;

	if (fd < 0)
		return -1;
	memset(block, 'x', sizeof(block));
	while ((n = write(fd, block, sizeof(block))) > 0)
		;
	close(fd);
	return n < 0 && errno == ENOSPC ? 0 : -1;
}

static void
full_disk_child(const char *dir)
{
	char err[STATE_ERR_MAX], filler[256];
	struct grantrec r = a_grant("198.51.100.1", 22);
	struct grantrec r2 = a_grant("198.51.100.2", 22);
	struct replay_cache *rc;
	uint8_t tag[SPA_MAC_LEN];
	struct state *st;
	int ok = 0;

	tmpfschild_mount(dir, "size=256k,mode=0700");
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	CHECK(state_open(dir, &st, err) == 0, 10);
	memset(tag, 1, sizeof(tag));
	CHECK(state_replay_add(st, tag, 2000000000) == 0, 11);
	CHECK(state_grant_put(st, &r) == 0, 12);
	CHECK(fill(filler) == 0, 13);
	/* Many rows: the pages the database has free run out too. */
	for (int i = 0; i < 4000 && ok == 0; i++) {
		tag[0] = (uint8_t)i;
		tag[1] = (uint8_t)(i >> 8);
		tag[2] = 2;
		ok = state_replay_add(st, tag, 2000000000);
	}
	CHECK(ok == SPA_ERR_STATE, 14);
	CHECK(strstr(state_error(st), "full") != NULL, 15);
	/* A tagged grant is refused whole: neither its tag nor its row. */
	memset(tag, 3, sizeof(tag));
	CHECK(state_grant_put_tagged(st, &r2, tag, 2000000000) == SPA_ERR_STATE, 16);
	CHECK(state_error(st)[0] != '\0', 17);
	/* Room again: the same calls work, and nothing half-done is left. */
	CHECK(unlink(filler) == 0, 18);
	CHECK(state_grant_put_tagged(st, &r2, tag, 2000000000) == 0, 19);
	CHECK(replay_new(&rc) == 0, 20);
	CHECK(state_replay_load(st, rc, 1000) >= 2, 21);
	CHECK(replay_seen(rc, tag, 1000), 22);
	replay_free(rc);
	state_close(st);
	tmpfschild_exit(0);
}

static void
test_state_full_disk(void **state)
{
	char dir[] = "/tmp/spa-statefull-XXXXXX";
	(void)state;
	tmpfschild_need_root();
	assert_non_null(mkdtemp(dir));
	tmpfschild_run(dir, full_disk_child, 1);
}

/* ---- paths that are not what they should be ---- */

static void
expect_open_error(const char *dir, const char *want)
{
	char err[STATE_ERR_MAX];
	struct state *st = (struct state *)1;

	assert_int_equal(state_open(dir, &st, err), SPA_ERR_STATE);
	assert_null(st);
	if (strstr(err, want) == NULL)
		fail_msg("state_open(%s): got \"%s\", wanted \"%s\"", dir, err,
		    want);
}

static void
expect_readonly_error(const char *dir, const char *want)
{
	char err[STATE_ERR_MAX];
	struct state *st = (struct state *)1;

	assert_int_equal(state_open_readonly(dir, &st, err), SPA_ERR_STATE);
	assert_null(st);
	if (strstr(err, want) == NULL)
		fail_msg("state_open_readonly(%s): got \"%s\", wanted \"%s\"",
		    dir, err, want);
}

static void
test_state_bad_paths(void **state)
{
	char top[] = "/tmp/spa-statepath-XXXXXX", p[128], db[160];
	char err[STATE_ERR_MAX];
	struct state *st;

	(void)state;
	assert_non_null(mkdtemp(top));

	/* A directory under one that does not exist. */
	snprintf(p, sizeof(p), "%s/no/such", top);
	expect_open_error(p, "No such file or directory");
	expect_readonly_error(p, "No such file or directory");

	/* A file where the directory should be. */
	snprintf(p, sizeof(p), "%s/file", top);
	testfile_write(NULL, p, "x", 0600);
	expect_open_error(p, "not a directory");

	/* A directory, a link, garbage where state.db should be. */
	snprintf(p, sizeof(p), "%s/s1", top);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(db, sizeof(db), "%s/state.db", p);
	assert_int_equal(mkdir(db, 0700), 0);
	expect_open_error(p, "not a regular file");
	expect_readonly_error(p, "not a regular file");

	snprintf(p, sizeof(p), "%s/s2", top);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(db, sizeof(db), "%s/state.db", p);
	assert_int_equal(symlink("/etc/passwd", db), 0);
	expect_open_error(p, "not a regular file");

	snprintf(p, sizeof(p), "%s/s3", top);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(db, sizeof(db), "%s/state.db", p);
	testfile_write(NULL, db, "this is not an SQLite database, not at all "
	    "and not in any way, whatever sqlite may think of it.........\n",
	    0600);
	expect_open_error(p, "state.db: file is not a database");

	/* Read only: nothing there yet is an error, never a new file. */
	snprintf(p, sizeof(p), "%s/s4", top);
	assert_int_equal(mkdir(p, 0700), 0);
	expect_readonly_error(p, "state.db: No such file or directory");
	snprintf(db, sizeof(db), "%s/state.db", p);
	assert_int_equal(access(db, F_OK), -1);

	/* A writable-by-others database is refused by both. */
	assert_int_equal(state_open(p, &st, err), 0);
	state_close(st);
	assert_int_equal(chmod(db, 0666), 0);
	expect_open_error(p, "writable by group or others");
	expect_readonly_error(p, "writable by group or others");
	assert_int_equal(chmod(db, 0600), 0);

	/* Read only, the database is read and never written. */
	assert_int_equal(state_open_readonly(p, &st, err), 0);
	{
		uint8_t tag[SPA_MAC_LEN] = { 9 };

		assert_int_equal(state_replay_add(st, tag, 2000000000), SPA_ERR_STATE);
		assert_non_null(strstr(state_error(st), "readonly"));
	}
	state_close(st);
	state_close(NULL);
	assert_int_equal(testfile_remove_tree(top), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_full_disk),
		cmocka_unit_test(test_state_bad_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
