/*
 * The grant engine against a real spawner and a backend whose "rules" are
 * files (tests write its rules file and script): a grant's every phase, a
 * failed close that stays until it works, restart recovery after the
 * process died at any point, a close sequence of any length, and a state
 * that cannot be written (nothing opens).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cmdlog.h"
#include "grantrig.h"
#include "testfile.h"
#include "err.h"
#include "grant.h"
#include "log.h"

static char *const dir = testfile_dir;  /* testfile_dir_setup() */

static void
write_file(const char *name, const char *text, mode_t mode)
{
	testfile_write(dir, name, text, mode);
}

static void
test_grant_life(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.7", now + 30);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "life", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	/* before */
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPENING);
	settle(&r);
	assert_true(grantrig_exists("rule-198.51.100.7-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	assert_int_equal(grant_next_ms(r.e, now), 30000);
	/* Extended: closed, then opened again, with the new expiry. */
	g.expiry = now + 60;
	assert_int_equal(grant_grant(r.e, &g, now + 1), 0);
	settle(&r);
	assert_int_equal(cmdlog_count(dir, "close"), 1);
	assert_int_equal(cmdlog_count(dir, "open"), 2);
	assert_true(grantrig_exists("rule-198.51.100.7-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).expiry, now + 60);
	/* Not due yet; then due. */
	grant_expire(r.e, now + 59);
	assert_int_equal(grant_busy(r.e), 0);
	grant_expire(r.e, now + 60);
	assert_int_equal(grant_busy(r.e), 1);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_CLOSING);
	settle(&r);
	assert_false(grantrig_exists("rule-198.51.100.7-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).n, 0);
	assert_int_equal(grant_count(r.e), 0);
	assert_int_equal(grant_next_ms(r.e, now), -1);
	grantrig_down(&r);
}

/* The key of a grant includes the family (grantrec_same, and the state's
 * primary key): 198.51.100.7 (family 4, kept as ::ffff:198.51.100.7) and
 * the same 16 bytes as family 6 are not one grant.  Family 6 with a mapped
 * address is no grant at all (doc/protocol.md native step 5 refuses it):
 * asking for it opens nothing, and neither extends nor closes the
 * family-4 grant. */
static void
test_grant_family_in_key(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec v4 = grantrig_knock("198.51.100.7", now + 30);
	struct grantrec v6 = grantrig_knock("::ffff:198.51.100.7", now + 60);
	(void)state;

	assert_memory_equal(v4.addr.bytes, v6.addr.bytes, SPA_ADDR_LEN);
	assert_int_equal(v6.addr.family, 6);
	assert_false(grantrec_same(&v4, &v6));
	assert_true(grantrec_same(&v4, &v4));
	grantrig_rules("files", 0);
	grantrig_up(&r, "family", "files");
	assert_int_equal(grant_grant(r.e, &v4, now), 0);
	settle(&r);
	assert_int_equal(grant_grant(r.e, &v6, now), SPA_ERR_STATE);
	settle(&r);
	assert_int_equal(grant_count(r.e), 1);
	assert_int_equal(grantrig_recorded(&r).n, 1);
	assert_int_equal(grantrig_recorded(&r).expiry, now + 30);
	assert_int_equal(cmdlog_count(dir, "open"), 1);
	assert_int_equal(cmdlog_count(dir, "close"), 0);
	assert_true(grantrig_exists("rule-198.51.100.7-tcp-22"));
	grantrig_down(&r);
	grantrig_touch("rule-198.51.100.7-tcp-22", 0);
}

/* A knock while its grant closes: open again after the close, never
 * alongside it. */
static void
test_grant_knock_while_closing(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("2001:db8::7", now + 5);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "reopen", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grant_expire(r.e, now + 5);
	g.expiry = now + 50;
	assert_int_equal(grant_grant(r.e, &g, now + 5), 0);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_REOPENING);
	settle(&r);
	assert_true(grantrig_exists("rule-2001:db8::7-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	assert_int_equal(grantrig_recorded(&r).expiry, now + 50);
	grantrig_down(&r);
}

/* A close that fails stays recorded and is retried until it works. */
static void
test_grant_close_fails(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.8", now + 1);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "closefail", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grantrig_touch("fail-close", 1);
	grant_expire(r.e, now + 1);
	settle(&r);
	assert_true(grantrig_exists("rule-198.51.100.8-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).n, 1);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_CLOSE_FAILED);
	assert_int_equal(grant_count(r.e), 1);
	/* A retry is scheduled (perhaps due already on a slow machine). */
	assert_true(grant_next_ms(r.e, (int64_t)time(NULL)) >= 0);
	/* The retry that is due fails again, and waits longer. */
	grant_expire(r.e, now + 1000);
	settle(&r);
	assert_int_equal(cmdlog_count(dir, "close"), 2);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_CLOSE_FAILED);
	grantrig_touch("fail-close", 0);
	grant_expire(r.e, now + 2000);
	settle(&r);
	assert_false(grantrig_exists("rule-198.51.100.8-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).n, 0);
	assert_int_equal(grant_count(r.e), 0);
	grantrig_down(&r);
}

/* A rule someone else removed: the close fails, the check says it is
 * gone, so the grant is closed rather than retried for ever. */
static void
test_grant_rule_already_gone(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.9", now + 1);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "gone", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grantrig_touch("rule-198.51.100.9-tcp-22", 0);
	grant_expire(r.e, now + 1);
	settle(&r);
	assert_int_equal(grantrig_recorded(&r).n, 0);
	assert_int_equal(grant_count(r.e), 0);
	grantrig_down(&r);
}

/* An open that fails: what it opened is closed and nothing is granted. */
static void
test_grant_open_fails(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.10", now + 30);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "openfail", "files");
	grantrig_touch("fail-open", 1);
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grantrig_touch("fail-open", 0);
	assert_int_equal(grantrig_recorded(&r).n, 0);
	assert_int_equal(grant_count(r.e), 0);
	assert_int_equal(cmdlog_count(dir, "close"), 1);        /* the undo */
	grantrig_down(&r);
}

/* The process dies (no close ran) with one grant in its time, one
 * expired and one whose close had failed; a new one recovers: closes
 * all three with commands built from the rules file (a sequence of more
 * than 64 words), re-opens the one in its time with its expiry, and
 * retries the failed one. */
static void
test_grant_recover(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec live = grantrig_knock("198.51.100.20", now + 100);
	struct grantrec old = grantrig_knock("198.51.100.21", now + 2);
	struct grantrec stuck = grantrig_knock("198.51.100.22", now + 1);
	(void)state;

	grantrig_rules("long", 4);
	grantrig_up(&r, "recover", "long");
	assert_int_equal(grant_grant(r.e, &live, now), 0);
	assert_int_equal(grant_grant(r.e, &old, now), 0);
	assert_int_equal(grant_grant(r.e, &stuck, now), 0);
	settle(&r);
	grantrig_touch("fail-close", 1);
	grant_expire(r.e, now + 1);
	settle(&r);
	grantrig_touch("fail-close", 0);
	grantrig_down(&r);           /* killed */
	grantrig_touch("log", 0);

	grantrig_up(&r, "recover", "long");
	assert_int_equal(grant_recover(r.e, now + 10), 0);
	assert_int_equal(cmdlog_count(dir, "note"), 3 * 4);
	assert_int_equal(cmdlog_count(dir, "close"), 3);
	assert_false(grantrig_exists("rule-198.51.100.20-tcp-22"));
	assert_false(grantrig_exists("rule-198.51.100.21-tcp-22"));
	assert_false(grantrig_exists("rule-198.51.100.22-tcp-22"));
	assert_int_equal(grant_count(r.e), 1);
	grant_resume(r.e, now + 10);
	settle(&r);
	assert_true(grantrig_exists("rule-198.51.100.20-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).n, 1);
	assert_int_equal(grantrig_recorded(&r).expiry, now + 100);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	grantrig_down(&r);
}

/* Killed while the open commands ran (row "opening", rule there or not):
 * the recovery close may fail without consequence; the grant re-opens. */
static void
test_grant_recover_opening(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.30", now + 100);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "opening", "files");
	g.phase = GRANT_OPENING;
	snprintf(g.backend, sizeof(g.backend), "files");
	assert_int_equal(state_grant_put(r.st, &g), 0);        /* no rule */
	grantrig_down(&r);
	grantrig_up(&r, "opening", "files");
	assert_int_equal(grant_recover(r.e, now), 0);
	grant_resume(r.e, now);
	settle(&r);
	assert_true(grantrig_exists("rule-198.51.100.30-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	grantrig_down(&r);
}

/* Shutdown closes everything; a close that fails stays for next time. */
static void
test_grant_close_all(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec a = grantrig_knock("198.51.100.40", now + 100);
	struct grantrec b = grantrig_knock("2001:db8::40", now + 100);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "closeall", "files");
	assert_int_equal(grant_grant(r.e, &a, now), 0);
	assert_int_equal(grant_grant(r.e, &b, now), 0);
	settle(&r);
	assert_int_equal(grant_close_all(r.e, spawn_now_ms() + 1000), 0);
	assert_false(grantrig_exists("rule-198.51.100.40-tcp-22"));
	assert_false(grantrig_exists("rule-2001:db8::40-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).n, 0);
	assert_int_equal(grant_grant(r.e, &a, now), 0);
	settle(&r);
	grantrig_touch("fail-close", 1);
	assert_int_equal(grant_close_all(r.e, spawn_now_ms() + 1000), 1);
	grantrig_touch("fail-close", 0);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_CLOSE_FAILED);
	grantrig_down(&r);
}

/* g with tcp/443 and udp/51820 after its tcp/22. */
static struct grantrec
three_pairs(struct grantrec g)
{
	g.more[0] = (struct grant_port){ IPPROTO_TCP, 443 };
	g.more[1] = (struct grant_port){ IPPROTO_UDP, 51820 };
	g.nmore = 2;
	return g;
}

/* One grant of three pairs: each pair's open and close run, one expiry;
 * an open that fails at the second pair closes the first and never opens
 * the third; a close that fails for one pair is retried for it alone. */
static void
test_grant_pairs(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = three_pairs(grantrig_knock("198.51.100.60",
	    now + 30));
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "pairs", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	assert_true(grantrig_exists("rule-198.51.100.60-tcp-22"));
	assert_true(grantrig_exists("rule-198.51.100.60-tcp-443"));
	assert_true(grantrig_exists("rule-198.51.100.60-udp-51820"));
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	assert_int_equal(grantrig_recorded(&r).n, 1);
	assert_int_equal(grant_count(r.e), 1);
	/* The close of tcp/443 fails: the other two close, it stays. */
	grantrig_touch("fail-close-443", 1);
	grant_expire(r.e, now + 30);
	settle(&r);
	assert_false(grantrig_exists("rule-198.51.100.60-tcp-22"));
	assert_true(grantrig_exists("rule-198.51.100.60-tcp-443"));
	assert_false(grantrig_exists("rule-198.51.100.60-udp-51820"));
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_CLOSE_FAILED);
	assert_int_equal(cmdlog_count(dir, "close"), 3);
	grantrig_touch("fail-close-443", 0);
	grant_expire(r.e, now + 1000);
	settle(&r);
	assert_false(grantrig_exists("rule-198.51.100.60-tcp-443"));
	/* tcp/443 alone */
	assert_int_equal(cmdlog_count(dir, "close"), 4);
	assert_int_equal(grantrig_recorded(&r).n, 0);
	assert_int_equal(grant_count(r.e), 0);

	/* The open of tcp/443 fails: tcp/22 is closed again, udp/51820
	 * never opened; nothing is granted. */
	grantrig_touch("log", 0);
	grantrig_touch("fail-open-443", 1);
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grantrig_touch("fail-open-443", 0);
	assert_int_equal(cmdlog_count(dir, "open"), 2);
	assert_int_equal(cmdlog_count(dir, "open 198.51.100.60 udp"), 0);
	assert_false(grantrig_exists("rule-198.51.100.60-tcp-22"));
	assert_false(grantrig_exists("rule-198.51.100.60-tcp-443"));
	assert_int_equal(grantrig_recorded(&r).n, 0);
	assert_int_equal(grant_count(r.e), 0);

	/* Killed with it open: the next start closes every pair, and
	 * re-opens every pair in its time. */
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grantrig_down(&r);
	grantrig_touch("log", 0);
	grantrig_up(&r, "pairs", "files");
	assert_int_equal(grant_recover(r.e, now + 1), 0);
	assert_int_equal(cmdlog_count(dir, "close"), 3);
	assert_false(grantrig_exists("rule-198.51.100.60-udp-51820"));
	grant_resume(r.e, now + 1);
	settle(&r);
	assert_true(grantrig_exists("rule-198.51.100.60-tcp-22"));
	assert_true(grantrig_exists("rule-198.51.100.60-tcp-443"));
	assert_true(grantrig_exists("rule-198.51.100.60-udp-51820"));
	assert_int_equal(grant_close_all(r.e, spawn_now_ms() + 1000), 0);
	assert_false(grantrig_exists("rule-198.51.100.60-tcp-443"));
	assert_int_equal(grantrig_recorded(&r).n, 0);
	grantrig_down(&r);
}

/* A grant of tcp/22 alone and one of tcp/22 tcp/443 for the same address
 * are two grants (grantrec_same, and the state's key). */
static void
test_grant_pairs_key(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct grantrec one = grantrig_knock("198.51.100.61", now + 30);
	struct grantrec three = three_pairs(one);
	struct grantrec other = three;
	(void)state;

	other.more[1].port = 51821;
	assert_false(grantrec_same(&one, &three));
	assert_false(grantrec_same(&three, &other));
	assert_true(grantrec_same(&three, &three));
	assert_int_equal(grantrec_npairs(&three), 3);
	assert_int_equal(grantrec_pair(&three, 2).port, 51820);
	assert_int_equal(grantrec_pair(&three, 0).port, 22);
}

/* A forward grant runs the backend's forward_open and forward_close,
 * with the inner host, never its open, close or check. */
static void
test_grant_forward(void **state)
{
	char text[1024];
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.70", now + 5);
	(void)state;

	snprintf(text, sizeof(text), "[ipv4]\nopen = /bin/false\n"
	    "close = /bin/false\ncheck = /bin/false\n"
	    "forward_open = %s/fw.sh open %s {addr} to-{inner_addr} {inner_port}\n"
	    "forward_close = %s/fw.sh close %s {addr} to-{inner_addr} {inner_port}\n"
	    "[ipv6]\nopen = /bin/false\nclose = /bin/false\n", dir, dir, dir,
	    dir);
	write_file("fwd", text, 0644);
	grantrig_up(&r, "forward", "fwd");
	assert_int_equal(addr_parse("192.0.2.10", &g.inner), 0);
	g.inner_port = 22;
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	assert_true(grantrig_exists("rule-198.51.100.70-to-192.0.2.10-22"));
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	grant_expire(r.e, now + 5);
	settle(&r);
	assert_false(grantrig_exists("rule-198.51.100.70-to-192.0.2.10-22"));
	assert_int_equal(grantrig_recorded(&r).n, 0);
	assert_int_equal(cmdlog_count(dir, "open"), 1);
	assert_int_equal(cmdlog_count(dir, "close"), 1);
	grantrig_down(&r);
}

/* The state cannot record the grant: nothing opens (fail closed). */
static void
test_grant_state_unwritable(void **state)
{
	char db[128];
	struct rig r;
	sqlite3 *other;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.50", now + 100);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "locked", "files");
	state_set_busy_ms(r.st, 20);
	snprintf(db, sizeof(db), "%s/locked/state.db", dir);
	assert_int_equal(sqlite3_open(db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(grant_grant(r.e, &g, now), SPA_ERR_STATE);
	settle(&r);
	assert_false(grantrig_exists("rule-198.51.100.50-tcp-22"));
	assert_int_equal(grant_count(r.e), 0);
	sqlite3_close(other);
	grantrig_down(&r);
}

static int
fresh_log(void **state)
{
	(void)state;
	grantrig_touch("log", 0);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_grant_life, fresh_log),
		cmocka_unit_test_setup(test_grant_family_in_key, fresh_log),
		cmocka_unit_test_setup(test_grant_knock_while_closing, fresh_log),
		cmocka_unit_test_setup(test_grant_close_fails, fresh_log),
		cmocka_unit_test_setup(test_grant_rule_already_gone, fresh_log),
		cmocka_unit_test_setup(test_grant_open_fails, fresh_log),
		cmocka_unit_test_setup(test_grant_recover, fresh_log),
		cmocka_unit_test_setup(test_grant_recover_opening, fresh_log),
		cmocka_unit_test_setup(test_grant_close_all, fresh_log),
		cmocka_unit_test_setup(test_grant_state_unwritable, fresh_log),
		cmocka_unit_test_setup(test_grant_pairs, fresh_log),
		cmocka_unit_test_setup(test_grant_pairs_key, fresh_log),
		cmocka_unit_test_setup(test_grant_forward, fresh_log),
	};

	log_init("test_grant", 1, 0);
	return cmocka_run_group_tests(tests, grantrig_dir_setup,
	    testfile_dir_teardown);
}
