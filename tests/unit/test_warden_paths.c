/*
 * The privileged side (sniffer/warden.h) on the paths test_warden.c
 * leaves, with the same logging backend (fw.sh) and a real spawner: a
 * user whose access has expired, and a forward asked for from an address
 * of the other family, are INVALID and run nothing; a forward opens with
 * its inner host, an action of two pairs opens both; a classic user's tag
 * may be kept as long as the classic format's replay time, others' not;
 * a dry run commits the tag, prints the commands and runs none; a setup
 * that fails or replay tags that cannot be loaded stop the start with
 * their exit status and a line saying why; a reload that changes the
 * [cluster] section says it is kept until a restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cmdlog.h"
#include "errcap.h"
#include "testfile.h"
#include "grantrec.h"
#include "log.h"
#include "spawn.h"
#include "verify.h"
#include "wardenrig.h"

#define ALICE_KEY "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="
#define CAROL_KEY "Dm4XyDI8ZuBHlVzC8oUEaFv6SQTYwo0hHuvSS45WMkU="
#define BOB_KEY "Z5OLITqourkxo91uCSxGkb/RohkNQf+wTuroT5IeBUU="
#define WINDOW 60
/* The tag expiries warden_check takes at now: from the native replay
 * extra (verify.h) to 2 windows and that extra, give or take its 5 s of
 * clock slack. */
#define LOWEST (VERIFY_NATIVE_REPLAY_EXTRA - 5)
#define HORIZON (2 * WINDOW + VERIFY_NATIVE_REPLAY_EXTRA + 5)

static char *const dir = testfile_dir;

static void
write_file(const char *name, const char *text, mode_t mode)
{
	testfile_write(dir, name, text, mode);
}

/* A warden over the state directory dir/name (made 0700 here when new).
 * Returns 0, or -1 with the reason printed when the host cannot run it. */
/* The configuration of every rig; extra is appended (a [cluster]). */
static struct conf *
rig_conf(const char *state_dir, const char *extra)
{
	char text[2048], err[CONF_ERR_MAX];
	struct conf *c;

	snprintf(text, sizeof(text),
	    "[sniffer]\nwindow = %d\nstate = %s\nfirewall = fake\n"
	    "formats = native classic\n"
	    "[user alice]\nkey = " ALICE_KEY "\nallow = ssh multi fwd\n"
	    "[user bob]\nkey = " BOB_KEY "\nallow = ssh\nclassic = yes\n"
	    "[user carol]\nkey = " CAROL_KEY "\nallow = ssh\n"
	    "expires = 2020-01-31\n"
	    "[action ssh]\nopen = tcp/22\n"
	    "[action multi]\nopen = tcp/22 udp/53\n"
	    "[action fwd]\nforward = tcp/2222 192.0.2.10:22\n%s", WINDOW,
	    state_dir, extra);
	if (conf_load_string("test.conf", text, &c, err) != 0)
		fail_msg("%s", err);
	return c;
}

/* warden_start's status over dir/name with the rules file rules; on
 * failure nothing is left to free. */
static int
rig_try(struct rig *r, const char *name, const char *rules, int dry_run)
{
	char fwerr[FIREWALL_ERR_MAX];
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->state, sizeof(r->state), "%s/%s", dir, name);
	if (access(r->state, F_OK) != 0)
		assert_int_equal(mkdir(r->state, 0700), 0);
	r->c = rig_conf(r->state, "");
	if (firewall_load(dir, rules, &r->fw, fwerr) != 0)
		fail_msg("%s", fwerr);
	r->o.rules_dir = dir;
	r->o.dry_run = dry_run;
	rc = warden_start(r->c, r->fw, &r->o, (int64_t)time(NULL), &r->w);
	if (rc != 0) {
		firewall_free(r->fw);
		conf_free(r->c);
	}
	return rc;
}

static int
rig_up_dry(struct rig *r, const char *name, int dry_run)
{
	assert_int_equal(rig_try(r, name, "fake", dry_run), 0);
	return 0;
}

#define rig_up(r, name) rig_up_dry(r, name, 0)
#define RIG_UP(r, name) do { \
	if (rig_up(r, name) != 0) \
		skip(); \
} while (0)

static void
test_expired_user(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct privmsg_grant m;
	(void)state;

	RIG_UP(&r, "expired");
	m = wardenrig_msg(&r, "carol", "ssh", "192.0.2.3", now + 120);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_INVALID);
	linger(&r);
	assert_int_equal(cmdlog_count(dir, "open"), 0);
	assert_int_equal(recorded_expiry(&r, m.tag), -1);
	assert_false(replay_seen(warden_replay(r.w), m.tag, now));
	rig_down(&r);
}

static void
test_forward(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct privmsg_grant m;
	(void)state;

	RIG_UP(&r, "forward");
	/* the inner host is IPv4: from IPv6, no knock can ask for it */
	m = wardenrig_msg(&r, "alice", "fwd", "2001:db8::3", now + 120);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_INVALID);
	assert_int_equal(recorded_expiry(&r, m.tag), -1);
	m = wardenrig_msg(&r, "alice", "fwd", "198.51.100.3", now + 120);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_DONE);
	wait_for(&r, "fopen", 1);
	assert_int_equal(cmdlog_count(dir,
	    "fopen 198.51.100.3 tcp 2222 192.0.2.10 22\n"), 1);
	assert_int_equal(cmdlog_count(dir, "open"), 0);
	assert_int_equal(recorded_grants(&r), 1);
	rig_down(&r);
	/* stop closes it with its forward_close */
	assert_int_equal(cmdlog_count(dir,
	    "fclose 198.51.100.3 tcp 2222 192.0.2.10 22\n"), 1);
}

static void
test_two_pairs(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct privmsg_grant m;
	(void)state;

	RIG_UP(&r, "pairs");
	m = wardenrig_msg(&r, "alice", "multi", "192.0.2.4", now + 120);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_DONE);
	wait_for(&r, "open", 2);
	assert_int_equal(cmdlog_count(dir, "open 192.0.2.4 tcp 22\n"), 1);
	assert_int_equal(cmdlog_count(dir, "open 192.0.2.4 udp 53\n"), 1);
	assert_int_equal(warden_grant_count(r.w), 1);
	assert_int_equal(recorded_grants(&r), 1);
	rig_down(&r);
}

/* A classic user's tag may be kept for the classic replay time; alice's
 * (native only) not past two windows and the native extra. */
static void
test_classic_horizon(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	int64_t far = now + VERIFY_CLASSIC_REPLAY_SECONDS;
	struct privmsg_grant m;
	(void)state;

	RIG_UP(&r, "classic");
	m = wardenrig_msg(&r, "bob", "ssh", "192.0.2.5", far);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_DONE);
	assert_int_equal(recorded_expiry(&r, m.tag), far);
	m = wardenrig_msg(&r, "bob", "ssh", "192.0.2.5", far + 6);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_INVALID);
	m = wardenrig_msg(&r, "alice", "ssh", "192.0.2.6", far);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_INVALID);
	m = wardenrig_msg(&r, "alice", "ssh", "192.0.2.6", now + HORIZON);
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_DONE);
	wait_for(&r, "open", 2);
	rig_down(&r);
}

/* stderr into dir/name while a call runs; its text after. */
static const char *
stderr_of_grant(struct rig *r, const struct privmsg_grant *m, int64_t now,
    enum warden_verdict *v)
{
	static char text[4096];
	char path[192];
	int fd, saved;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/dry.err", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, 2);
	*v = warden_grant(r->w, m, now);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, text, sizeof(text) - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	close(fd);
	return text;
}

static void
test_dry_run(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	enum warden_verdict v;
	struct privmsg_grant m;
	const char *out;
	char want[256];
	(void)state;

	if (rig_up_dry(&r, "dry", 1) != 0)
		skip();
	assert_int_equal(cmdlog_count(dir, "setup"), 0);
	m = wardenrig_msg(&r, "alice", "multi", "192.0.2.7", now + 120);
	out = stderr_of_grant(&r, &m, now, &v);
	assert_int_equal(v, WARDEN_DONE);
	snprintf(want, sizeof(want), "%s/fw.sh open %s 192.0.2.7 tcp 22",
	    dir, dir);
	if (strstr(out, want) == NULL)
		fail_msg("want \"%s\" in: %s", want, out);
	snprintf(want, sizeof(want), "%s/fw.sh open %s 192.0.2.7 udp 53",
	    dir, dir);
	if (strstr(out, want) == NULL)
		fail_msg("want \"%s\" in: %s", want, out);
	/* committed (in memory): the same tag is not acted on again */
	assert_true(replay_seen(warden_replay(r.w), m.tag, now));
	assert_int_equal(warden_grant(r.w, &m, now), WARDEN_INVALID);
	linger(&r);
	assert_int_equal(cmdlog_count(dir, "open"), 0);
	assert_int_equal(warden_grant_count(r.w), 0);
	rig_down(&r);
	assert_int_equal(cmdlog_count(dir, "teardown"), 0);
}

/* The backend's setup fails: not started, EX_UNAVAILABLE, said. */
static void
test_setup_fails(void **state)
{
	struct rig r;
	char text[1024], want[256];
	const char *err;
	int rc;
	(void)state;

	snprintf(text, sizeof(text), "[ipv4]\nsetup = /bin/false\n"
	    "open = /bin/true {addr}\nclose = /bin/true {addr}\n"
	    "[ipv6]\nopen = /bin/true {addr}\nclose = /bin/true {addr}\n");
	write_file("failsetup", text, 0644);
	errcap_to(dir, "setup.err");
	rc = rig_try(&r, "setup", "failsetup", 0);
	err = errcap_back(dir, "setup.err");
	assert_int_equal(rc, EX_UNAVAILABLE);
	snprintf(want, sizeof(want), "firewall %s/failsetup: setup failed",
	    dir);
	if (strstr(err, want) == NULL)
		fail_msg("want \"%s\" in: %s", want, err);
	/* a dry run sets nothing up: it starts */
	assert_int_equal(rig_try(&r, "setup", "failsetup", 1), 0);
	rig_down(&r);
}

/* The replay tags cannot be loaded (the table is a view another program
 * made): not started, EX_CANTCREAT, said. */
static void
test_replay_unloadable(void **state)
{
	char db[192], sub[160];
	const char *err;
	struct rig r;
	sqlite3 *h;
	int rc;
	(void)state;

	snprintf(sub, sizeof(sub), "%s/replayview", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(db, sizeof(db), "%s/state.db", sub);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "CREATE VIEW replay AS SELECT "
	    "x'00' AS tag, 0 AS expiry", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(chmod(db, 0600), 0);
	errcap_to(dir, "replay.err");
	rc = rig_try(&r, "replayview", "fake", 0);
	err = errcap_back(dir, "replay.err");
	assert_int_equal(rc, EX_CANTCREAT);
	if (strstr(err, ": cannot load the replay cache, not starting: ") ==
	    NULL)
		fail_msg("log: %s", err);
	assert_int_equal(cmdlog_count(dir, "setup"), 0);
}

/* A reload that changes the [cluster] section: said, the running one
 * stays; one that changes nothing there says nothing. */
static void
test_reconfigure_cluster(void **state)
{
	struct rig r;
	struct conf *c2, *c3;
	const char *err;
	(void)state;

	/* a dry run joins no cluster */
	assert_int_equal(rig_try(&r, "reload", "fake", 1), 0);
	c2 = rig_conf(r.state, "[cluster]\nredis = 192.0.2.50:6379\n"
	    "node = gw-a\nkey = " ALICE_KEY "\n");
	errcap_to(dir, "reload.err");
	warden_reconfigure(r.w, c2, r.fw);
	err = errcap_back(dir, "reload.err");
	if (strstr(err, "reload: the [cluster] section is read at start only; "
	    "the running one stays until a restart") == NULL)
		fail_msg("log: %s", err);
	conf_free(r.c);
	r.c = c2;
	c3 = rig_conf(r.state, "[cluster]\nredis = 192.0.2.50:6379\n"
	    "node = gw-b\nkey = " ALICE_KEY "\n");
	errcap_to(dir, "reload2.err");
	warden_reconfigure(r.w, c3, r.fw);
	err = errcap_back(dir, "reload2.err");
	assert_non_null(strstr(err, "reload: the [cluster] section"));
	conf_free(r.c);
	r.c = c3;
	c2 = rig_conf(r.state, "[cluster]\nredis = 192.0.2.50:6379\n"
	    "node = gw-b\nkey = " ALICE_KEY "\n");
	errcap_to(dir, "reload3.err");
	warden_reconfigure(r.w, c2, r.fw);
	err = errcap_back(dir, "reload3.err");
	assert_null(strstr(err, "[cluster]"));
	conf_free(r.c);
	r.c = c2;
	rig_down(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_expired_user, wardenrig_fresh_log),
		cmocka_unit_test_setup(test_forward, wardenrig_fresh_log),
		cmocka_unit_test_setup(test_two_pairs, wardenrig_fresh_log),
		cmocka_unit_test_setup(test_classic_horizon,
		    wardenrig_fresh_log),
		cmocka_unit_test_setup(test_dry_run, wardenrig_fresh_log),
		cmocka_unit_test_setup(test_setup_fails, wardenrig_fresh_log),
		cmocka_unit_test_setup(test_replay_unloadable,
		    wardenrig_fresh_log),
		cmocka_unit_test_setup(test_reconfigure_cluster,
		    wardenrig_fresh_log),
	};

	log_init("test_warden_paths", 1, 0);
	return cmocka_run_group_tests(tests, wardenrig_setup_forwards,
	    testfile_dir_teardown);
}
