/*
 * The grant engine (sniffer/grant.h) on the paths test_grant.c leaves,
 * with the same file-backed backend and a real spawner: the opened hook
 * gets the knock's time and the counters and grant_each follow a grant's
 * life; a knock while the open runs starts nothing more; a knock while a
 * close keeps failing re-opens the grant once the close works; the wait
 * between close retries stops growing at GRANT_RETRY_MAX_S; restart
 * recovery closes a recorded grant with the backend it was opened with,
 * or with the configured one when that no longer loads (and says so);
 * a grant row that is not valid is skipped with a warning; a recorded
 * grant whose close fails at restart stays and is re-opened once closed,
 * one whose time is up before it resumes is forgotten; close_all past
 * its deadline leaves a grant whose commands run; grants that cannot be
 * read fail the recovery; a forward whose close fails stays (no check
 * is asked for a forward).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "addr.h"
#include "cmdlog.h"
#include "errcap.h"
#include "grantrig.h"
#include "testfile.h"
#include "err.h"
#include "grant.h"
#include "log.h"
#include "state.h"

static char *const dir = testfile_dir;  /* testfile_dir_setup() */

static void
write_file(const char *name, const char *text, mode_t mode)
{
	testfile_write(dir, name, text, mode);
}

struct hook {
	int calls;
	int64_t knock_us, done_us;
};

static void
on_opened(void *ctx, int64_t knock_us, int64_t done_us)
{
	struct hook *h = ctx;

	h->calls++;
	h->knock_us = knock_us;
	h->done_us = done_us;
}

struct seen {
	int n;
	char user[64];
	unsigned failed;
};

static void
each(void *ctx, const struct grantrec *r, unsigned failed_closes)
{
	struct seen *s = ctx;

	s->n++;
	snprintf(s->user, sizeof(s->user), "%s", r->user);
	s->failed = failed_closes;
}

static void
test_hook_counts_each(void **state)
{
	struct rig r;
	struct hook h = { 0 };
	struct seen s = { 0 };
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.20", now + 60);
	struct grantrec g2 = grantrig_knock("198.51.100.21", now + 60);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "hook", "files");
	grant_engine_on_opened(r.e, on_opened, &h);
	grant_engine_knock_time(r.e, 1234567);
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	assert_int_equal(h.calls, 1);
	assert_int_equal(h.knock_us, 1234567);
	assert_true(h.done_us > h.knock_us);
	/* no knock time: no call */
	grant_engine_knock_time(r.e, 0);
	assert_int_equal(grant_grant(r.e, &g2, now), 0);
	settle(&r);
	assert_int_equal(h.calls, 1);
	assert_int_equal(grant_counts(r.e)->opened, 2);
	grant_each(r.e, each, &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.user, "alice");
	assert_int_equal(s.failed, 0);
	grant_expire(r.e, now + 60);
	settle(&r);
	assert_int_equal(grant_counts(r.e)->closed, 2);
	assert_int_equal(grant_counts(r.e)->close_failed, 0);
	assert_int_equal(grant_count(r.e), 0);
	grantrig_down(&r);
}

/* A second knock while the open runs: it moves the expiry, nothing more
 * runs. */
static void
test_knock_while_opening(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.22", now + 60);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "opening", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	assert_int_equal(grant_busy(r.e), 1);
	g.expiry = now + 90;
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPENING);
	assert_int_equal(grantrig_recorded(&r).expiry, now + 90);
	settle(&r);
	assert_int_equal(cmdlog_count(dir, "open"), 1);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	assert_int_equal(grantrig_recorded(&r).expiry, now + 90);
	grantrig_down(&r);
}

/* A knock while the close keeps failing: recorded, and the grant opens
 * again once a retried close has worked. */
static void
test_knock_while_close_failed(void **state)
{
	struct rig r;
	struct seen s = { 0 };
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.23", now + 1);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "cfknock", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grantrig_touch("fail-close", 1);
	grant_expire(r.e, now + 1);
	settle(&r);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_CLOSE_FAILED);
	grant_each(r.e, each, &s);
	assert_int_equal(s.failed, 1);
	g.expiry = now + 5000;
	assert_int_equal(grant_grant(r.e, &g, now + 2), 0);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_CLOSE_FAILED);
	assert_int_equal(cmdlog_count(dir, "open"), 1);
	grantrig_touch("fail-close", 0);
	grant_expire(r.e, now + 1000);
	settle(&r);
	assert_int_equal(cmdlog_count(dir, "close"), 2);
	assert_int_equal(cmdlog_count(dir, "open"), 2);
	assert_true(grantrig_exists("rule-198.51.100.23-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).n, 1);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	assert_int_equal(grantrig_recorded(&r).expiry, now + 5000);
	grantrig_down(&r);
}

/* The wait doubles after each failed close, up to GRANT_RETRY_MAX_S (the
 * log line of each failure says how long). */
static void
test_retry_wait_capped(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.24", now + 1);
	const char *err;
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "cap", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	/* the rule stays, so the backend's check says it is there */
	grantrig_touch("fail-close", 1);
	errcap_to(dir, "cap.err");
	/* each retry due: far enough ahead for any wait */
	for (int i = 0; i < 11; i++) {
		grant_expire(r.e, now + 100000 * (i + 1));
		settle(&r);
	}
	err = errcap_back(dir, "cap.err");
	assert_int_equal(cmdlog_count(dir, "close"), 11);
	assert_int_equal(grant_counts(r.e)->close_failed, 11);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_CLOSE_FAILED);
	if (strstr(err, "failed (attempt 9): it stays recorded and is retried "
	    "in 256 s\n") == NULL || strstr(err, "failed (attempt 10): it "
	    "stays recorded and is retried in 300 s\n") == NULL ||
	    strstr(err, "failed (attempt 11): it stays recorded and is "
	    "retried in 300 s\n") == NULL)
		fail_msg("log: %s", err);
	assert_true(grant_next_ms(r.e, (int64_t)time(NULL)) <=
	    GRANT_RETRY_MAX_S * 1000);
	grantrig_touch("fail-close", 0);
	grant_expire(r.e, now + 100000 * 12);
	settle(&r);
	assert_int_equal(grant_count(r.e), 0);
	assert_int_equal(grantrig_recorded(&r).n, 0);
	grantrig_down(&r);
}

/* Rules named "other": the same backend, but its close logs "oclose". */
static void
write_other_rules(void)
{
	char text[2048];
	size_t len = 0;

	for (int fam = 4; fam <= 6; fam += 2)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
		    "[ipv%d]\nopen = %s/fw.sh open %s {addr} {proto} {port}\n"
		    "close = %s/fw.sh oclose %s {addr} {proto} {port}\n", fam,
		    dir, dir, dir, dir);
	write_file("other", text, 0644);
}

/* Recorded under "other", the sniffer then killed, and restarted with
 * "files" after the grant expired. */
static void
recorded_under_other(const char *statedir, const char *addr, int64_t now)
{
	struct rig r;
	struct grantrec g = grantrig_knock(addr, now + 1);

	grantrig_up(&r, statedir, "other");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grantrig_down(&r);
}

static void
test_recover_own_backend(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	const char *err;
	(void)state;

	grantrig_rules("files", 0);
	write_other_rules();
	recorded_under_other("own", "198.51.100.25", now);
	grantrig_up(&r, "own", "files");
	assert_int_equal(grant_recover(r.e, now + 10), 0);
	assert_int_equal(cmdlog_count(dir, "oclose 198.51.100.25"), 1);
	assert_int_equal(cmdlog_count(dir, "close 198.51.100.25"), 0);
	assert_int_equal(grant_count(r.e), 0);
	grantrig_down(&r);

	/* "other" no longer loads: the configured backend closes it. */
	recorded_under_other("gone", "198.51.100.26", now);
	grantrig_touch("other", 0);
	grantrig_up(&r, "gone", "files");
	errcap_to(dir, "gone.err");
	assert_int_equal(grant_recover(r.e, now + 10), 0);
	err = errcap_back(dir, "gone.err");
	if (strstr(err, "a recorded grant's backend other: ") == NULL ||
	    strstr(err, "; closing it with files") == NULL)
		fail_msg("log: %s", err);
	assert_int_equal(cmdlog_count(dir, "close 198.51.100.26"), 1);
	assert_int_equal(cmdlog_count(dir, "oclose 198.51.100.26"), 0);
	assert_int_equal(grant_count(r.e), 0);
	grantrig_down(&r);
}

static void
test_recover_bad_row(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.27", now + 100);
	char db[192];
	const char *err;
	sqlite3 *h;
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "badrow", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grantrig_down(&r);
	snprintf(db, sizeof(db), "%s/badrow/state.db", dir);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "INSERT INTO grant_rows (family, "
	    "addr, proto, port, user, action, backend, expiry, phase) VALUES "
	    "(5, x'00', 6, 22, 'mallory', 'ssh', 'files', 1, 1)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(h);

	grantrig_up(&r, "badrow", "files");
	errcap_to(dir, "badrow.err");
	assert_int_equal(grant_recover(r.e, now), 0);
	err = errcap_back(dir, "badrow.err");
	if (strstr(err, "state: a grant row that is not valid was ignored") ==
	    NULL)
		fail_msg("log: %s", err);
	/* the good one is kept, to be opened again */
	assert_int_equal(grant_count(r.e), 1);
	grant_resume(r.e, now);
	settle(&r);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	grantrig_down(&r);
}

/* At restart the close of a recorded grant fails: it stays, to be closed
 * again later, and re-opened then since its time is not up. */
static void
test_recover_close_fails(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.28", now + 5000);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "recfail", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grantrig_down(&r);
	grantrig_touch("fail-close", 1);
	grantrig_up(&r, "recfail", "files");
	assert_int_equal(grant_recover(r.e, now), 0);
	assert_int_equal(grant_count(r.e), 1);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_CLOSE_FAILED);
	assert_int_equal(grant_counts(r.e)->close_failed, 1);
	grant_resume(r.e, now);         /* not to be resumed: nothing runs */
	assert_int_equal(grant_busy(r.e), 0);
	grantrig_touch("fail-close", 0);
	grant_expire(r.e, now + 1000);
	settle(&r);
	assert_int_equal(cmdlog_count(dir, "close 198.51.100.28"), 2);
	assert_int_equal(cmdlog_count(dir, "open 198.51.100.28"), 2);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	assert_true(grantrig_exists("rule-198.51.100.28-tcp-22"));
	grantrig_down(&r);
}

/* A grant recovered to be re-opened whose time is up by then: forgotten,
 * nothing opened. */
static void
test_resume_too_late(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.29", now + 50);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "late", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grantrig_down(&r);
	grantrig_up(&r, "late", "files");
	assert_int_equal(grant_recover(r.e, now), 0);
	assert_int_equal(grant_count(r.e), 1);
	grant_resume(r.e, now + 50);
	assert_int_equal(grant_busy(r.e), 0);
	assert_int_equal(grant_count(r.e), 0);
	assert_int_equal(cmdlog_count(dir, "open 198.51.100.29"), 1);
	grantrig_down(&r);
}

/* A crash while a grant opened: at restart it is closed and waits, in
 * its recorded phase, for grant_resume (no deadline of its own until
 * then); resumed, it opens. */
static void
test_recovered_opening_waits(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.31", now + 50);
	(void)state;

	grantrig_rules("files", 0);
	/* recorded as a crash while it opened leaves it */
	grantrig_up(&r, "opening2", "files");
	g.phase = GRANT_OPENING;
	assert_int_equal(state_grant_put(r.st, &g), 0);
	grantrig_down(&r);
	grantrig_up(&r, "opening2", "files");
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPENING);
	assert_int_equal(grant_recover(r.e, now), 0);
	assert_int_equal(grant_count(r.e), 1);
	assert_int_equal(grant_next_ms(r.e, now), -1);
	grant_resume(r.e, now);
	settle(&r);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	assert_true(grantrig_exists("rule-198.51.100.31-tcp-22"));
	assert_int_equal(grant_next_ms(r.e, now), 50 * 1000);
	grantrig_down(&r);
}

/* A forward through a backend without forward commands: nothing to run,
 * not granted, nothing recorded. */
static void
test_forward_without_commands(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.33", now + 60);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "nofwd", "files");
	assert_int_equal(addr_parse("192.0.2.10", &g.inner), 0);
	g.inner_port = 22;
	errcap_to(dir, "nofwd.err");
	assert_int_equal(grant_grant(r.e, &g, now), SPA_ERR_INVALID);
	assert_non_null(strstr(errcap_back(dir, "nofwd.err"), "open "
	    "198.51.100.33 tcp/22 -> 192.0.2.10:22: cannot run its commands"));
	assert_int_equal(grant_count(r.e), 0);
	assert_int_equal(grant_busy(r.e), 0);
	assert_int_equal(grantrig_recorded(&r).n, 0);
	assert_int_equal(cmdlog_count(dir, "open"), 0);
	grantrig_down(&r);
}

/* A close that fails, and a check that cannot run: that proves nothing
 * absent, so the close failed. */
static void
test_check_cannot_run(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.32", now + 1);
	char text[1024];
	(void)state;

	snprintf(text, sizeof(text), "[ipv4]\nopen = %s/fw.sh open %s {addr} "
	    "{proto} {port}\nclose = %s/fw.sh close %s {addr} {proto} {port}\n"
	    "check = %s/no-such-check {addr}\n[ipv6]\nopen = /bin/true\n"
	    "close = /bin/true\n", dir, dir, dir, dir, dir);
	write_file("nocheck", text, 0644);
	grantrig_up(&r, "nocheck-state", "nocheck");
	/* a knock time without a hook to tell: opened all the same */
	grant_engine_knock_time(r.e, 1234567);
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	assert_int_equal(grant_counts(r.e)->opened, 1);
	grantrig_touch("fail-close", 1);
	grant_expire(r.e, now + 1);
	settle(&r);
	grantrig_touch("fail-close", 0);
	assert_int_equal(grant_counts(r.e)->close_failed, 1);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_CLOSE_FAILED);
	grantrig_down(&r);
}

/* grant_close_all past its deadline: a grant whose commands still run is
 * left (counted), and closed by a later call. */
static void
test_close_all_busy(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.30", now + 60);
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "busyall", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	assert_int_equal(grant_busy(r.e), 1);
	assert_int_equal(grant_close_all(r.e, 0), 1);
	assert_int_equal(grant_count(r.e), 1);
	assert_int_equal(grant_close_all(r.e, spawn_now_ms() + 10000), 0);
	assert_int_equal(grant_count(r.e), 0);
	assert_false(grantrig_exists("rule-198.51.100.30-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).n, 0);
	grantrig_down(&r);
}

/* The grants cannot be read: recovery fails with SPA_ERR_STATE and says
 * why. */
static void
test_recover_unreadable(void **state)
{
	struct rig r;
	char db[192];
	const char *err;
	sqlite3 *h;
	(void)state;

	grantrig_rules("files", 0);
	grantrig_up(&r, "unread", "files");
	snprintf(db, sizeof(db), "%s/unread/state.db", dir);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "DROP TABLE grant_rows", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(h);
	errcap_to(dir, "unread.err");
	assert_int_equal(grant_recover(r.e, (int64_t)time(NULL)),
	    SPA_ERR_STATE);
	err = errcap_back(dir, "unread.err");
	if (strstr(err, "state: cannot read the grants: ") == NULL ||
	    strstr(err, "grant_rows") == NULL)
		fail_msg("log: %s", err);
	assert_int_equal(grant_count(r.e), 0);
	grantrig_down(&r);
}

/* A forward whose close fails: a backend's check is for opens, not for
 * forwards, so it is not asked (it would say "absent": /bin/false) and
 * the forward stays, to be closed again. */
static void
test_forward_close_fails(void **state)
{
	char text[1024];
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.71", now + 5);
	(void)state;

	snprintf(text, sizeof(text), "[ipv4]\nopen = /bin/false\n"
	    "close = /bin/false\ncheck = /bin/false\n"
	    "forward_open = %s/fw.sh open %s {addr} to-{inner_addr} "
	    "{inner_port}\n"
	    "forward_close = %s/fw.sh close %s {addr} to-{inner_addr} "
	    "{inner_port}\n"
	    "[ipv6]\nopen = /bin/false\nclose = /bin/false\n", dir, dir, dir,
	    dir);
	write_file("fwdrules", text, 0644);
	grantrig_up(&r, "fwdfail", "fwdrules");
	assert_int_equal(addr_parse("192.0.2.11", &g.inner), 0);
	g.inner_port = 22;
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	grantrig_touch("fail-close", 1);
	grant_expire(r.e, now + 5);
	settle(&r);
	assert_true(grantrig_exists("rule-198.51.100.71-to-192.0.2.11-22"));
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_CLOSE_FAILED);
	assert_int_equal(grant_count(r.e), 1);
	grantrig_touch("fail-close", 0);
	grant_expire(r.e, now + 1000);
	settle(&r);
	assert_false(grantrig_exists("rule-198.51.100.71-to-192.0.2.11-22"));
	assert_int_equal(grantrig_recorded(&r).n, 0);
	grantrig_down(&r);
}

static int
fresh_log(void **state)
{
	(void)state;
	grantrig_touch("log", 0);
	/* a test that failed may leave it */
	grantrig_touch("fail-close", 0);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_hook_counts_each, fresh_log),
		cmocka_unit_test_setup(test_knock_while_opening, fresh_log),
		cmocka_unit_test_setup(test_knock_while_close_failed, fresh_log),
		cmocka_unit_test_setup(test_retry_wait_capped, fresh_log),
		cmocka_unit_test_setup(test_recover_own_backend, fresh_log),
		cmocka_unit_test_setup(test_recover_bad_row, fresh_log),
		cmocka_unit_test_setup(test_recover_close_fails, fresh_log),
		cmocka_unit_test_setup(test_resume_too_late, fresh_log),
		cmocka_unit_test_setup(test_recovered_opening_waits, fresh_log),
		cmocka_unit_test_setup(test_check_cannot_run, fresh_log),
		cmocka_unit_test_setup(test_forward_without_commands, fresh_log),
		cmocka_unit_test_setup(test_close_all_busy, fresh_log),
		cmocka_unit_test_setup(test_recover_unreadable, fresh_log),
		cmocka_unit_test_setup(test_forward_close_fails, fresh_log),
	};

	log_init("test_grant_paths", 1, 0);
	return cmocka_run_group_tests(tests, grantrig_dir_setup,
	    testfile_dir_teardown);
}
