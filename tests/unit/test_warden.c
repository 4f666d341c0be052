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

#include "testfile.h"
#include "grantrec.h"
#include "log.h"
#include "spawn.h"
#include "verify.h"
#include "warden.h"

#define ALICE_KEY "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="
#define BOB_KEY "Z5OLITqourkxo91uCSxGkb/RohkNQf+wTuroT5IeBUU="
#define WINDOW 60
/* The tag expiries warden_check takes at now: from the native replay
 * extra (verify.h) to 2 windows and that extra, give or take its 5 s of
 * clock slack. */
#define LOWEST (VERIFY_NATIVE_REPLAY_EXTRA - 5)
#define HORIZON (2 * WINDOW + VERIFY_NATIVE_REPLAY_EXTRA + 5)

static char dir[] = "/tmp/spa-warden-XXXXXX";

/* The backend: fw.sh VERB DIR WORDS... logs "VERB WORDS..."; check
 * always says the rule is not there. */
static const char fw_script[] =
    "#!/bin/sh\n"
    "verb=$1 d=$2; shift 2\n"
    "echo \"$verb $*\" >> \"$d/log\"\n"
    "[ \"$verb\" = check ] && exit 1\n"
    "exit 0\n";

static void
write_file(const char *name, const char *text, mode_t mode)
{
	testfile_write(dir, name, text, mode);
}

/* rules file "fake": every verb of both families goes to fw.sh. */
static void
write_rules(void)
{
	char text[4096];
	size_t len = 0;

	for (int fam = 4; fam <= 6; fam += 2)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "[ipv%d]\n"
		    "setup = %s/fw.sh setup %s {family}\n"
		    "open = %s/fw.sh open %s {addr} {proto} {port}\n"
		    "close = %s/fw.sh close %s {addr} {proto} {port}\n"
		    "check = %s/fw.sh check %s {addr} {proto} {port}\n"
		    "teardown = %s/fw.sh teardown %s {family}\n",
		    fam, dir, dir, dir, dir, dir, dir, dir, dir, dir, dir);
	write_file("fake", text, 0644);
}

/* How many lines of the command log start with prefix. */
static int
log_count(const char *prefix)
{
	char path[192], line[256];
	int n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/log", dir);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		n += strncmp(line, prefix, strlen(prefix)) == 0;
	fclose(fp);
	return n;
}

/* The whole log, for messages and for order. */
static const char *
log_text(void)
{
	static char text[4096];
	char path[192];
	size_t n = 0;
	FILE *fp;

	text[0] = '\0';
	snprintf(path, sizeof(path), "%s/log", dir);
	if ((fp = fopen(path, "r")) != NULL) {
		n = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
	}
	text[n] = '\0';
	return text;
}

struct rig {
	struct conf *c;
	struct firewall *fw;
	struct warden_options o;
	struct warden *w;
	char state[128];
};

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

static void
rig_down(struct rig *r)
{
	warden_stop(r->w);
	firewall_free(r->fw);
	conf_free(r->c);
}

static uint32_t
user_index(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i].name, name) == 0)
			return (uint32_t)i;
	fail_msg("no user %s", name);
	return 0;
}

static uint32_t
action_index(const struct conf *c, const char *name)
{
	const struct conf_action *a = conf_find_action(c, name);

	assert_non_null(a);
	return (uint32_t)(a - c->actions);
}

/* A grant message, as the child sends it, passed through the decoder
 * (warden_grant takes only what decodes): a random tag. */
static struct privmsg_grant
msg(const struct rig *r, const char *user, const char *action,
    const char *addr, int64_t tag_expiry)
{
	struct privmsg_grant m, out;
	struct spa_addr a;

	memset(&m, 0, sizeof(m));
	m.type = PRIVMSG_GRANT;
	m.user = user_index(r->c, user);
	m.action = action_index(r->c, action);
	assert_int_equal(addr_parse(addr, &a), 0);
	m.family = a.family;
	memcpy(m.addr, a.bytes, sizeof(m.addr));
	assert_int_equal(getrandom(m.tag, sizeof(m.tag), 0),
	    (ssize_t)sizeof(m.tag));
	m.tag[0] |= 1;                  /* never all zero */
	m.tag_expiry = tag_expiry;
	assert_int_equal(privmsg_grant_decode(&m, sizeof(m), &out), 0);
	return out;
}

/* Runs the warden's loop for ms milliseconds, or until the log has n
 * lines starting with prefix (prefix NULL: the whole time), telling
 * warden_tick the time is at (0: the clock's).  Returns how many such
 * lines there are. */
static int
run_loop_at(struct rig *r, const char *prefix, int n, int ms, int64_t at)
{
	int64_t until = spawn_now_ms() + ms;

	while (spawn_now_ms() < until) {
		int64_t now = at != 0 ? at : (int64_t)time(NULL);
		struct pollfd pfd = { warden_fd(r->w), POLLIN, 0 };

		if (prefix != NULL && log_count(prefix) >= n)
			break;
		(void)poll(&pfd, 1, warden_timeout_ms(r->w, now, 20));
		warden_tick(r->w, now);
	}
	return prefix != NULL ? log_count(prefix) : 0;
}

#define run_loop(r, prefix, n, ms) run_loop_at(r, prefix, n, ms, 0)

/* Until n lines start with prefix, at most 10 s. */
#define wait_for(r, prefix, n) \
	assert_int_equal(run_loop(r, prefix, n, 10000), n)
/* Long enough for a command submitted by mistake to have run. */
#define linger(r) (void)run_loop(r, NULL, 0, 300)

/* The expiry the state database holds for tag, or -1 when none. */
static int64_t
recorded_expiry(const struct rig *r, const uint8_t tag[SPA_MAC_LEN])
{
	char db[192];
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t expiry = -1;

	snprintf(db, sizeof(db), "%s/state.db", r->state);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT expiry FROM replay"
	    " WHERE tag = ?", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_bind_blob(st, 1, tag, SPA_MAC_LEN,
	    SQLITE_STATIC), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		expiry = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return expiry;
}

/* Rows of the grant table. */
static int
recorded_grants(const struct rig *r)
{
	char db[192];
	sqlite3 *h;
	sqlite3_stmt *st;
	int n = -1;

	snprintf(db, sizeof(db), "%s/state.db", r->state);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM"
	    " grant_rows", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* The phase the state records for the only grant, or -1 when none. */
static int
recorded_phase(const struct rig *r)
{
	char db[192];
	sqlite3 *h;
	sqlite3_stmt *st;
	int phase = -1;

	snprintf(db, sizeof(db), "%s/state.db", r->state);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT phase FROM grant_rows",
	    -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		phase = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return phase;
}

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
	assert_int_equal(log_count("setup 4"), 1);
	assert_int_equal(log_count("setup 6"), 1);
	assert_int_equal(warden_grant_count(r.w), 0);
	assert_true(warden_fd(r.w) >= 0);
	linger(&r);
	rig_down(&r);
	assert_int_equal(log_count("teardown 4"), 1);
	assert_int_equal(log_count("teardown 6"), 1);
	assert_int_equal(log_count("open"), 0);
	assert_int_equal(log_count("close"), 0);
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
	m = msg(&r, "alice", "ssh", "192.0.2.1", now + 120);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_DONE);
	/* Committed by the time the verdict is given. */
	assert_int_equal(recorded_expiry(&r, m.tag), now + 120);
	assert_true(replay_seen(warden_replay(r.w), m.tag, now));
	assert_int_equal(warden_grant_count(r.w), 1);
	wait_for(&r, "open", 1);
	assert_int_equal(log_count("open 192.0.2.1 tcp 22\n"), 1);
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
	assert_int_equal(log_count("open"), 1);
	assert_int_equal(log_count("close"), 0);
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
	m = msg(&r, "alice", "ssh", "192.0.2.60", now + 120);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_DONE);
	wait_for(&r, "open", 1);
	for (int i = 0; i < 500 && recorded_phase(&r) != GRANT_OPEN; i++)
		(void)run_loop(&r, NULL, 0, 20);
	assert_int_equal(recorded_phase(&r), GRANT_OPEN);
	/* ssh's timeout is 30 s: not due at 29, due at 30. */
	(void)run_loop_at(&r, NULL, 0, 200, now + 29);
	assert_int_equal(log_count("close"), 0);
	assert_int_equal(run_loop_at(&r, "close", 1, 10000, now + 30), 1);
	assert_int_equal(log_count("close 192.0.2.60 tcp 22\n"), 1);
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
	assert_int_equal(log_count("close"), 1);
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
		m[i] = msg(&r, "alice", "ssh", addr, now + 120);
	}
	m[0].user = (uint32_t)r.c->nusers;
	m[1].user = UINT32_MAX;
	m[2].action = (uint32_t)r.c->nactions;
	m[3].action = UINT32_MAX;
	m[4].action = action_index(r.c, "web");         /* bob's, not hers */
	m[5].user = user_index(r.c, "bob");             /* not bob's */
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
	ok = msg(&r, "alice", "ssh", "192.0.2.99", now + 120);
	assert_int_equal(warden_grant(r.w, &ok, now), WARDEN_DONE);
	wait_for(&r, "open", 1);
	linger(&r);
	if (log_count("open") != 1 || log_count("open 192.0.2.99 ") != 1 ||
	    log_count("close") != 0)
		fail_msg("commands ran for invalid grants:\n%s", log_text());
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
	late = msg(&r, "alice", "ssh", "192.0.2.20", now + HORIZON + 1);
	edge = msg(&r, "alice", "ssh", "192.0.2.21", now + HORIZON);
	low = msg(&r, "alice", "ssh", "192.0.2.22", now + LOWEST);
	below = msg(&r, "alice", "ssh", "192.0.2.23", now + LOWEST - 1);
	past = msg(&r, "alice", "ssh", "192.0.2.24", now - 5);
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
	assert_int_equal(log_count("open 192.0.2.21 tcp 22\n"), 1);
	assert_int_equal(log_count("open 192.0.2.22 tcp 22\n"), 1);
	assert_int_equal(log_count("open"), 2);
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
	m[0] = msg(&r, "alice", "ssh", "192.0.2.30", now);
	m[1] = msg(&r, "alice", "ssh", "192.0.2.31", now + LOWEST);
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
	m = msg(&r, "alice", "ssh", "192.0.2.40", now + 120);
	/* Waits STATE_BUSY_MS for the lock, then gives up. */
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_REFUSED);
	assert_int_equal(warden_grant_count(r.w), 0);
	/* A run action, which writes nothing of its own: not started. */
	run = msg(&r, "bob", "hello", "192.0.2.42", now + 120);
	assert_int_equal(warden_grant(r.w, &run, now), WARDEN_REFUSED);
	assert_true(nothing_started(&r));
	linger(&r);
	if (log_count("open") != 0)
		fail_msg("a refused grant opened:\n%s", log_text());
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(recorded_expiry(&r, m.tag), -1);
	assert_int_equal(recorded_expiry(&r, run.tag), -1);
	assert_int_equal(recorded_grants(&r), 0);
	after = msg(&r, "alice", "ssh", "192.0.2.41", now + 120);
	assert_int_equal(warden_grant(r.w, &after, now), WARDEN_DONE);
	wait_for(&r, "open", 1);
	assert_int_equal(log_count("open 192.0.2.41 tcp 22\n"), 1);
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
	a = msg(&r, "alice", "ssh", "192.0.2.1", now + 120);
	b = msg(&r, "bob", "web", "2001:db8::5", now + 150);
	run = msg(&r, "bob", "hello", "198.51.100.5", now + 100);
	never = msg(&r, "bob", "web", "198.51.100.6", now + 100);
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
	assert_int_equal(log_count("open 192.0.2.1 tcp 22\n"), 1);
	assert_int_equal(log_count("open 2001:db8::5 tcp 80\n"), 1);
	assert_int_equal(log_count("open"), 2);     /* none for the run */
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
	m = msg(&r, "alice", "ssh", "192.0.2.50", now + 120);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_DONE);
	wait_for(&r, "open", 1);
	assert_int_equal(log_count("close"), 0);
	rig_down(&r);
	assert_int_equal(log_count("close 192.0.2.50 tcp 22\n"), 1);
	assert_int_equal(log_count("close"), 1);
	assert_int_equal(log_count("teardown"), 2);
	text = log_text();
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
	assert_int_equal(log_count("close"), 1);
	assert_int_equal(log_count("open"), 1);
	rig_down(&r);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	write_file("fw.sh", fw_script, 0755);
	write_rules();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return testfile_remove_tree(dir);
}

static int
fresh_log(void **state)
{
	char path[192];
	(void)state;

	snprintf(path, sizeof(path), "%s/log", dir);
	(void)unlink(path);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_warden_start_stop, fresh_log),
		cmocka_unit_test_setup(test_warden_grant_done, fresh_log),
		cmocka_unit_test_setup(test_warden_tick, fresh_log),
		cmocka_unit_test_setup(test_warden_invalid, fresh_log),
		cmocka_unit_test_setup(test_warden_expiry_bounds, fresh_log),
		cmocka_unit_test_setup(test_warden_tag_expiring_now_twice,
		    fresh_log),
		cmocka_unit_test_setup(test_warden_state_unwritable, fresh_log),
		cmocka_unit_test_setup(test_warden_replay_and_count, fresh_log),
		cmocka_unit_test_setup(test_warden_stop_closes, fresh_log),
	};

	log_init("test_warden", 1, 0);
	return cmocka_run_group_tests(tests, setup, teardown);
}
