/*
 * The grant engine (sniffer/grant.h) when the state database fails to
 * record a phase (tests/unit/sysfail_sqlite.c fails every statement):
 * a grant the engine can no longer record is forgotten in memory, its row
 * left as it was, so that a restart still knows to close it; a knock for
 * an open grant whose reopening cannot be recorded is refused and the
 * grant stays open, nothing run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "cmdlog.h"
#include "err.h"
#include "errcap.h"
#include "grant.h"
#include "grantrig.h"
#include "sysfail.h"
#include "testfile.h"

static char *const dir = testfile_dir;  /* testfile_dir_setup() */

/* Every statement of the state fails from now on. */
static void
state_breaks(void)
{
	sysfail_arm_all("sqlite3_prepare_v2", SQLITE_IOERR);
}

/* The open fails; undoing it cannot be recorded. */
static void
test_failed_open_unrecorded(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.40", now + 60);
	(void)state;

	grantrig_up(&r, "openfail", "files");
	grantrig_touch("fail-open", 1);
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	state_breaks();
	errcap_to(dir, "openfail.err");
	settle(&r);
	sysfail_clear();
	grantrig_touch("fail-open", 0);
	assert_non_null(strstr(errcap_back(dir, "openfail.err"),
	    "state: cannot record the grant 198.51.100.40 tcp/22 (closing)"));
	assert_int_equal(grant_count(r.e), 0);
	assert_int_equal(grantrig_recorded(&r).n, 1);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPENING);
	grantrig_down(&r);
}

/* A knock while the close ran: once closed, the open cannot be
 * recorded. */
static void
test_reopen_unrecorded(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.41", now + 1);
	(void)state;

	grantrig_up(&r, "reopen", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grant_expire(r.e, now + 1);
	assert_int_equal(grant_busy(r.e), 1);          /* closing */
	g.expiry = now + 600;
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_REOPENING);
	state_breaks();
	errcap_to(dir, "reopen.err");
	settle(&r);
	assert_non_null(strstr(errcap_back(dir, "reopen.err"),
	    "state: cannot record the grant 198.51.100.41 tcp/22 (opening)"));
	sysfail_clear();
	assert_int_equal(grant_count(r.e), 0);
	assert_int_equal(cmdlog_count(dir, "open"), 1);        /* not again */
	assert_false(grantrig_exists("rule-198.51.100.41-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).n, 1);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_REOPENING);
	grantrig_down(&r);
}

/* A knock for an open grant: its new phase cannot be recorded. */
static void
test_extend_unrecorded(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.42", now + 60);
	(void)state;

	grantrig_up(&r, "extend", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	g.expiry = now + 600;
	sysfail_arm("sqlite3_prepare_v2", 0, SQLITE_IOERR);
	assert_int_equal(grant_grant(r.e, &g, now), SPA_ERR_STATE);
	sysfail_clear();
	assert_int_equal(grant_busy(r.e), 0);
	assert_int_equal(grant_count(r.e), 1);
	assert_int_equal(cmdlog_count(dir, "close"), 0);
	assert_true(grantrig_exists("rule-198.51.100.42-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	assert_int_equal(grantrig_recorded(&r).expiry, now + 60);
	grantrig_down(&r);
}

/* At restart, a recorded open grant is closed; its open again cannot be
 * recorded: it stays closed, its row kept for the next start. */
static void
test_resume_unrecorded(void **state)
{
	struct rig r;
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.43", now + 600);
	(void)state;

	grantrig_up(&r, "resume", "files");
	assert_int_equal(grant_grant(r.e, &g, now), 0);
	settle(&r);
	grantrig_down(&r);                      /* a crash: nothing closed */
	assert_true(grantrig_exists("rule-198.51.100.43-tcp-22"));

	grantrig_up(&r, "resume", "files");
	assert_int_equal(grant_recover(r.e, now), 0);
	assert_false(grantrig_exists("rule-198.51.100.43-tcp-22"));
	state_breaks();
	grant_resume(r.e, now);
	settle(&r);
	sysfail_clear();
	assert_int_equal(grant_count(r.e), 0);
	assert_int_equal(cmdlog_count(dir, "open"), 1);
	assert_false(grantrig_exists("rule-198.51.100.43-tcp-22"));
	assert_int_equal(grantrig_recorded(&r).n, 1);
	grantrig_down(&r);
}

static int
fresh(void **state)
{
	(void)state;
	grantrig_touch("log", 0);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_failed_open_unrecorded, fresh),
		cmocka_unit_test_setup(test_reopen_unrecorded, fresh),
		cmocka_unit_test_setup(test_extend_unrecorded, fresh),
		cmocka_unit_test_setup(test_resume_unrecorded, fresh),
	};

	return cmocka_run_group_tests(tests, grantrig_files_setup,
	    sysfail_dir_teardown);
}
