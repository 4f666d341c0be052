/*
 * The privileged side (sniffer/warden.h) against a real state directory,
 * a real spawner and a backend whose commands only write a line to a log
 * (fw.sh), so each case sees what ran: a good grant commits its tag
 * before it opens; every message an honest packet side cannot send (a
 * user or action that does not exist, an action the user may not ask for,
 * a tag expiry no knock can carry, a tag already committed) is INVALID
 * and changes nothing, and a tag is never acted on twice; a state that
 * cannot be written refuses the knock and runs nothing; the loop closes a
 * grant when due and prunes expired tags; stop closes what is open, then
 * tears down.  The commands run as the user running the test; run =
 * actions as nobody (skipped, with the reason, when there is none).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cmdlog.h"
#include "testfile.h"
#include "grantrec.h"
#include "log.h"
#include "spawn.h"
#include "verify.h"
#include "wardenrig.h"

#define ALICE_KEY "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="
#define BOB_KEY "Z5OLITqourkxo91uCSxGkb/RohkNQf+wTuroT5IeBUU="
#define WINDOW 60
/* The tag expiries warden_check takes at now: from the native replay
 * extra (verify.h) to 2 windows and that extra, give or take its 5 s of
 * clock slack. */
#define LOWEST (VERIFY_NATIVE_REPLAY_EXTRA - 5)
#define HORIZON (2 * WINDOW + VERIFY_NATIVE_REPLAY_EXTRA + 5)

static char *const dir = testfile_dir;

/* A warden over the state directory dir/name (made 0700 here when new).
 * Returns 0, or -1 with the reason printed when the host cannot run it. */
static int
rig_up(struct rig *r, const char *name)
{
	char text[1024], err[CONF_ERR_MAX];
	char fwerr[FIREWALL_ERR_MAX];

	memset(r, 0, sizeof(*r));
	snprintf(r->state, sizeof(r->state), "%s/%s", dir, name);
	if (access(r->state, F_OK) != 0)
		assert_int_equal(mkdir(r->state, 0700), 0);
	snprintf(text, sizeof(text),
	    "[sniffer]\nwindow = %d\nstate = %s\nfirewall = fake\n"
	    "[user alice]\nkey = " ALICE_KEY "\nallow = ssh\n"
	    "[user bob]\nkey = " BOB_KEY "\nallow = web hello\n"
	    "[action ssh]\nopen = tcp/22\n"
	    "[action web]\nopen = tcp/80\n"
	    "[action hello]\nrun = /bin/true\n", WINDOW, r->state);
	if (conf_load_string("test.conf", text, &r->c, err) != 0) {
		if (strstr(err, "run_as") != NULL) {
			print_message("no user nobody for run = (%s)\n", err);
			return -1;
		}
		fail_msg("%s", err);
	}
	if (firewall_load(dir, "fake", &r->fw, fwerr) != 0)
		fail_msg("%s", fwerr);
	r->o.rules_dir = dir;
	r->o.dry_run = 0;
	assert_int_equal(warden_start(r->c, r->fw, &r->o, (int64_t)time(NULL),
	    &r->w), 0);
	return 0;
}

#define RIG_UP(r, name) do { \
	if (rig_up(r, name) != 0) \
		skip(); \
} while (0)

/* warden_timeout_ms with a maximum no grant or time limit reaches: it is
 * given back unchanged only when no grant is due and no command (a
 * child with a time limit) was started and is not yet reaped. */
#define FAR_MS 100000000
static int
nothing_started(const struct rig *r)
{
	return warden_timeout_ms(r->w, (int64_t)time(NULL), FAR_MS) == FAR_MS;
}

/* Start runs the setup of both families, stop the teardown; nothing else
 * runs when no knock came. */
static void
test_warden_start_stop(void **state)
{
	struct rig r;
	(void)state;

	RIG_UP(&r, "startstop");
	assert_int_equal(cmdlog_count(dir, "setup 4"), 1);
	assert_int_equal(cmdlog_count(dir, "setup 6"), 1);
	assert_int_equal(warden_grant_count(r.w), 0);
	assert_true(warden_fd(r.w) >= 0);
	linger(&r);
	rig_down(&r);
	assert_int_equal(cmdlog_count(dir, "teardown 4"), 1);
	assert_int_equal(cmdlog_count(dir, "teardown 6"), 1);
	assert_int_equal(cmdlog_count(dir, "open"), 0);
	assert_int_equal(cmdlog_count(dir, "close"), 0);
}

/* A good grant: committed (memory and disk) before it opens, then opened;
 * the same tag again is not one an honest packet side sends. */
static void
test_warden_grant_done(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct privmsg_grant m;
	(void)state;

	RIG_UP(&r, "done");
	m = wardenrig_msg(&r, "alice", "ssh", "192.0.2.1", now + 120);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_DONE);
	/* Committed by the time the verdict is given. */
	assert_int_equal(recorded_expiry(&r, m.tag), now + 120);
	assert_true(replay_seen(warden_replay(r.w), m.tag, now));
	assert_int_equal(warden_grant_count(r.w), 1);
	wait_for(&r, "open", 1);
	assert_int_equal(cmdlog_count(dir, "open 192.0.2.1 tcp 22\n"), 1);
	assert_int_equal(recorded_grants(&r), 1);
	/* warden_tick reaps the open command: the grant is then open. */
	for (int i = 0; i < 500 && recorded_phase(&r) != GRANT_OPEN; i++)
		(void)run_loop(&r, NULL, 0, 20);
	assert_int_equal(recorded_phase(&r), GRANT_OPEN);
	/* Due at its action's timeout (30 s), not at its tag's expiry. */
	assert_in_range(warden_timeout_ms(r.w, now, FAR_MS), 1, 30000);
	/* The same tag again. */
	assert_int_equal(warden_grant(r.w, &m, now + 1), WARDEN_INVALID);
	linger(&r);
	assert_int_equal(cmdlog_count(dir, "open"), 1);
	assert_int_equal(cmdlog_count(dir, "close"), 0);
	assert_int_equal(warden_grant_count(r.w), 1);
	assert_int_equal(recorded_expiry(&r, m.tag), now + 120);
	rig_down(&r);
}

/* warden_tick closes a grant when its action's time is up, and prunes a
 * tag from memory and disk once its expiry has passed (at most once a
 * minute). */
static void
test_warden_tick(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct privmsg_grant m;
	(void)state;

	RIG_UP(&r, "tick");
	m = wardenrig_msg(&r, "alice", "ssh", "192.0.2.60", now + 120);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_DONE);
	wait_for(&r, "open", 1);
	for (int i = 0; i < 500 && recorded_phase(&r) != GRANT_OPEN; i++)
		(void)run_loop(&r, NULL, 0, 20);
	assert_int_equal(recorded_phase(&r), GRANT_OPEN);
	/* ssh's timeout is 30 s: not due at 29, due at 30. */
	(void)run_loop_at(&r, NULL, 0, 200, now + 29);
	assert_int_equal(cmdlog_count(dir, "close"), 0);
	assert_int_equal(run_loop_at(&r, "close", 1, 10000, now + 30), 1);
	assert_int_equal(cmdlog_count(dir, "close 192.0.2.60 tcp 22\n"), 1);
	for (int i = 0; i < 500 && warden_grant_count(r.w) > 0; i++)
		(void)run_loop_at(&r, NULL, 0, 20, now + 30);
	assert_int_equal(warden_grant_count(r.w), 0);
	assert_int_equal(recorded_grants(&r), 0);
	/* The tag outlives the grant, until its own expiry. */
	assert_true(replay_seen(warden_replay(r.w), m.tag, now + 30));
	assert_int_equal(recorded_expiry(&r, m.tag), now + 120);
	warden_tick(r.w, now + 120);
	assert_false(replay_seen(warden_replay(r.w), m.tag, now));
	assert_int_equal(recorded_expiry(&r, m.tag), -1);
	rig_down(&r);
	assert_int_equal(cmdlog_count(dir, "close"), 1);
}

/* Every message a packet side that follows the configuration cannot
 * send: INVALID, nothing committed, nothing run. */
static void
test_warden_invalid(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct privmsg_grant m[9], ok;
	char addr[32];
	(void)state;

	RIG_UP(&r, "invalid");
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		snprintf(addr, sizeof(addr), "192.0.2.%zu", 10 + i);
		m[i] = wardenrig_msg(&r, "alice", "ssh", addr, now + 120);
	}
	m[0].user = (uint32_t)r.c->nusers;
	m[1].user = UINT32_MAX;
	m[2].action = (uint32_t)r.c->nactions;
	m[3].action = UINT32_MAX;
	m[4].action = wardenrig_action_index(r.c, "web"); /* bob's, not hers */
	m[5].user = wardenrig_user_index(r.c, "bob");     /* not bob's */
	m[6].tag_expiry = now - 10;
	m[7].tag_expiry = now + 2 * WINDOW + 60 + 100;
	m[8].tag_expiry = now + HORIZON + 1;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (warden_grant(r.w, &m[i], now) != WARDEN_INVALID)
			fail_msg("case %zu: not INVALID", i);
		if (warden_grant_count(r.w) != 0)
			fail_msg("case %zu: a grant was made", i);
		if (replay_seen(warden_replay(r.w), m[i].tag, now))
			fail_msg("case %zu: its tag is in the cache", i);
		if (recorded_expiry(&r, m[i].tag) != -1)
			fail_msg("case %zu: its tag is in the state", i);
	}
	/* A good one after them: its open is the only command that runs. */
	ok = wardenrig_msg(&r, "alice", "ssh", "192.0.2.99", now + 120);
	assert_int_equal(warden_grant(r.w, &ok, now), WARDEN_DONE);
	wait_for(&r, "open", 1);
	linger(&r);
	if (cmdlog_count(dir, "open") != 1 ||
	    cmdlog_count(dir, "open 192.0.2.99 ") != 1 ||
	    cmdlog_count(dir, "close") != 0)
		fail_msg("commands ran for invalid grants:\n%s",
		    cmdlog_text(dir));
	assert_int_equal(warden_grant_count(r.w), 1);
	rig_down(&r);
}

/* The tag expiry's bounds, from the earliest a knock can carry (the
 * native replay extra past the decision, less the slack) to the latest
 * (plus the slack): both taken, one second outside either is not, nor is
 * an expiry in the past. */
static void
test_warden_expiry_bounds(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct privmsg_grant late, edge, low, below, past;
	(void)state;

	RIG_UP(&r, "bounds");
	late = wardenrig_msg(&r, "alice", "ssh", "192.0.2.20",
	    now + HORIZON + 1);
	edge = wardenrig_msg(&r, "alice", "ssh", "192.0.2.21", now + HORIZON);
	low = wardenrig_msg(&r, "alice", "ssh", "192.0.2.22", now + LOWEST);
	below = wardenrig_msg(&r, "alice", "ssh", "192.0.2.23",
	    now + LOWEST - 1);
	past = wardenrig_msg(&r, "alice", "ssh", "192.0.2.24", now - 5);
	assert_int_equal(warden_grant(r.w, &late, now), WARDEN_INVALID);
	assert_int_equal(warden_grant(r.w, &below, now), WARDEN_INVALID);
	assert_int_equal(warden_grant(r.w, &past, now), WARDEN_INVALID);
	assert_int_equal(warden_grant(r.w, &edge, now), WARDEN_DONE);
	assert_int_equal(warden_grant(r.w, &low, now), WARDEN_DONE);
	assert_int_equal(recorded_expiry(&r, edge.tag), now + HORIZON);
	assert_int_equal(recorded_expiry(&r, low.tag), now + LOWEST);
	assert_int_equal(recorded_expiry(&r, late.tag), -1);
	assert_int_equal(recorded_expiry(&r, below.tag), -1);
	assert_int_equal(recorded_expiry(&r, past.tag), -1);
	wait_for(&r, "open", 2);
	linger(&r);
	assert_int_equal(cmdlog_count(dir, "open 192.0.2.21 tcp 22\n"), 1);
	assert_int_equal(cmdlog_count(dir, "open 192.0.2.22 tcp 22\n"), 1);
	assert_int_equal(cmdlog_count(dir, "open"), 2);
	rig_down(&r);
}

/* One tag is acted on once, whenever it comes again: sent at the time of
 * its first acceptance, and later, up to and past its expiry (a check for
 * committed tags that only counts unexpired ones, replay_seen, must not
 * be all that stands between an expired tag and a second action).  The
 * tags: one expiring at now, which no knock can carry (so the check
 * against the cache alone would miss it at once), and one at the
 * earliest expiry a knock can carry. */
static void
test_warden_tag_expiring_now_twice(void **state)
{
	static const int64_t later[] = { 0, 1, LOWEST - 1, LOWEST, LOWEST + 1,
	    HORIZON, 1000 };
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct privmsg_grant m[2];
	enum warden_verdict v[2][1 + sizeof(later) / sizeof(later[0])];
	(void)state;

	RIG_UP(&r, "twice");
	m[0] = wardenrig_msg(&r, "alice", "ssh", "192.0.2.30", now);
	m[1] = wardenrig_msg(&r, "alice", "ssh", "192.0.2.31", now + LOWEST);
	for (int i = 0; i < 2; i++) {
		v[i][0] = warden_grant(r.w, &m[i], now);
		for (size_t j = 0; j < sizeof(later) / sizeof(later[0]); j++)
			v[i][1 + j] = warden_grant(r.w, &m[i], now + later[j]);
	}
	rig_down(&r);           /* first: its commands end before the next */
	assert_int_equal(v[1][0], WARDEN_DONE);
	for (int i = 0; i < 2; i++) {
		int done = 0;

		for (size_t j = 0; j < sizeof(v[i]) / sizeof(v[i][0]); j++)
			done += v[i][j] == WARDEN_DONE;
		if (done > 1)
			fail_msg("the tag expiring at now + %d was committed and "
			    "acted on %d times", i == 0 ? 0 : LOWEST, done);
	}
}

/* The state cannot be written (another process holds its write lock):
 * REFUSED, no grant, no command, no tag on disk; once the lock is gone, a
 * new knock works again. */
static void
test_warden_state_unwritable(void **state)
{
	char db[192];
	struct rig r;
	sqlite3 *other;
	int64_t now = (int64_t)time(NULL);
	struct privmsg_grant m, run, after;
	(void)state;

	RIG_UP(&r, "locked");
	snprintf(db, sizeof(db), "%s/state.db", r.state);
	assert_int_equal(sqlite3_open(db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL,
	    NULL), SQLITE_OK);
	m = wardenrig_msg(&r, "alice", "ssh", "192.0.2.40", now + 120);
	/* Waits STATE_BUSY_MS for the lock, then gives up. */
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_REFUSED);
	assert_int_equal(warden_grant_count(r.w), 0);
	/* A run action, which writes nothing of its own: not started. */
	run = wardenrig_msg(&r, "bob", "hello", "192.0.2.42", now + 120);
	assert_int_equal(warden_grant(r.w, &run, now), WARDEN_REFUSED);
	assert_true(nothing_started(&r));
	linger(&r);
	if (cmdlog_count(dir, "open") != 0)
		fail_msg("a refused grant opened:\n%s", cmdlog_text(dir));
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(recorded_expiry(&r, m.tag), -1);
	assert_int_equal(recorded_expiry(&r, run.tag), -1);
	assert_int_equal(recorded_grants(&r), 0);
	after = wardenrig_msg(&r, "alice", "ssh", "192.0.2.41", now + 120);
	assert_int_equal(warden_grant(r.w, &after, now), WARDEN_DONE);
	wait_for(&r, "open", 1);
	assert_int_equal(cmdlog_count(dir, "open 192.0.2.41 tcp 22\n"), 1);
	rig_down(&r);
}

/* warden_replay holds every committed tag, warden_grant_count every open
 * grant (a run action makes none); a new start loads the tags back. */
static void
test_warden_replay_and_count(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct privmsg_grant a, b, run, never;
	(void)state;

	RIG_UP(&r, "replay");
	a = wardenrig_msg(&r, "alice", "ssh", "192.0.2.1", now + 120);
	b = wardenrig_msg(&r, "bob", "web", "2001:db8::5", now + 150);
	run = wardenrig_msg(&r, "bob", "hello", "198.51.100.5", now + 100);
	never = wardenrig_msg(&r, "bob", "web", "198.51.100.6", now + 100);
	/* The run action first: it starts its program and makes no grant. */
	assert_true(nothing_started(&r));
	assert_int_equal(warden_grant(r.w, &run, now), WARDEN_DONE);
	assert_false(nothing_started(&r));
	assert_int_equal(warden_grant_count(r.w), 0);
	assert_int_equal(warden_grant(r.w, &a, now), WARDEN_DONE);
	assert_int_equal(warden_grant_count(r.w), 1);
	assert_int_equal(warden_grant(r.w, &b, now), WARDEN_DONE);
	assert_int_equal(warden_grant_count(r.w), 2);
	assert_true(replay_seen(warden_replay(r.w), a.tag, now));
	assert_true(replay_seen(warden_replay(r.w), b.tag, now));
	assert_true(replay_seen(warden_replay(r.w), run.tag, now));
	assert_false(replay_seen(warden_replay(r.w), never.tag, now));
	/* Each kept until its own expiry. */
	assert_false(replay_seen(warden_replay(r.w), run.tag, now + 100));
	assert_true(replay_seen(warden_replay(r.w), a.tag, now + 100));
	assert_int_equal(recorded_expiry(&r, run.tag), now + 100);
	wait_for(&r, "open", 2);
	linger(&r);
	assert_int_equal(cmdlog_count(dir, "open 192.0.2.1 tcp 22\n"), 1);
	assert_int_equal(cmdlog_count(dir, "open 2001:db8::5 tcp 80\n"), 1);
	/* none for the run */
	assert_int_equal(cmdlog_count(dir, "open"), 2);
	rig_down(&r);

	RIG_UP(&r, "replay");
	assert_true(replay_seen(warden_replay(r.w), a.tag, now));
	assert_true(replay_seen(warden_replay(r.w), b.tag, now));
	assert_true(replay_seen(warden_replay(r.w), run.tag, now));
	assert_false(replay_seen(warden_replay(r.w), never.tag, now));
	assert_int_equal(warden_grant(r.w, &a, now), WARDEN_INVALID);
	assert_int_equal(warden_grant_count(r.w), 0);   /* closed at stop */
	rig_down(&r);
}

/* Stop closes the open grant, forgets it, then tears the firewall down;
 * the next start has nothing to close. */
static void
test_warden_stop_closes(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct privmsg_grant m;
	const char *text, *close, *teardown;
	(void)state;

	RIG_UP(&r, "stop");
	m = wardenrig_msg(&r, "alice", "ssh", "192.0.2.50", now + 120);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_DONE);
	wait_for(&r, "open", 1);
	assert_int_equal(cmdlog_count(dir, "close"), 0);
	rig_down(&r);
	assert_int_equal(cmdlog_count(dir, "close 192.0.2.50 tcp 22\n"), 1);
	assert_int_equal(cmdlog_count(dir, "close"), 1);
	assert_int_equal(cmdlog_count(dir, "teardown"), 2);
	text = cmdlog_text(dir);
	close = strstr(text, "close ");
	teardown = strstr(text, "teardown ");
	assert_non_null(close);
	assert_non_null(teardown);
	assert_true(close < teardown);
	assert_int_equal(recorded_grants(&r), 0);
	/* The next start recovers nothing. */
	RIG_UP(&r, "stop");
	assert_int_equal(warden_grant_count(r.w), 0);
	linger(&r);
	assert_int_equal(cmdlog_count(dir, "close"), 1);
	assert_int_equal(cmdlog_count(dir, "open"), 1);
	rig_down(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_warden_start_stop,
		    wardenrig_fresh_log),
		cmocka_unit_test_setup(test_warden_grant_done,
		    wardenrig_fresh_log),
		cmocka_unit_test_setup(test_warden_tick, wardenrig_fresh_log),
		cmocka_unit_test_setup(test_warden_invalid,
		    wardenrig_fresh_log),
		cmocka_unit_test_setup(test_warden_expiry_bounds,
		    wardenrig_fresh_log),
		cmocka_unit_test_setup(test_warden_tag_expiring_now_twice,
		    wardenrig_fresh_log),
		cmocka_unit_test_setup(test_warden_state_unwritable,
		    wardenrig_fresh_log),
		cmocka_unit_test_setup(test_warden_replay_and_count,
		    wardenrig_fresh_log),
		cmocka_unit_test_setup(test_warden_stop_closes,
		    wardenrig_fresh_log),
	};

	log_init("test_warden", 1, 0);
	return cmocka_run_group_tests(tests, wardenrig_setup,
	    testfile_dir_teardown);
}
