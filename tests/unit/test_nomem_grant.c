/*
 * The grant engine (sniffer/grant.h) with each allocation failing in turn
 * (tests/unit/nomem.h): a knock whose grant cannot be made is refused
 * (SPA_ERR_NOMEM) with nothing left recorded or open; a recovery that
 * cannot hold a recorded grant fails (SPA_ERR_STATE), the row kept for the
 * next start.  Nothing leaks (ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "err.h"
#include "grant.h"
#include "grantrig.h"
#include "nomem.h"
#include "state.h"
#include "testfile.h"


static void
test_grant(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.70", now + 60);
	unsigned long n, failed = 0;
	struct rig r;
	int rc = -1;
	(void)state;

	for (n = 0; n < NOMEM_MAX; n++) {
		grantrig_up(&r, "grant", "files");
		nomem_fail_after(n);
		rc = grant_grant(r.e, &g, now);
		if (!nomem_off()) {
			settle(&r);
			break;
		}
		settle(&r);
		if (rc != 0) {
			failed++;
			assert_int_equal(rc, SPA_ERR_NOMEM);
			assert_int_equal(grant_count(r.e), 0);
			assert_int_equal(grantrig_recorded(&r).n, 0);
			assert_false(grantrig_exists("rule-198.51.100.70-tcp-22"));
		}
		grant_close_all(r.e, spawn_now_ms() + 5000);
		grantrig_down(&r);
	}
	assert_int_equal(rc, 0);
	assert_true(failed >= 2);
	assert_int_equal(grantrig_recorded(&r).phase, GRANT_OPEN);
	grant_close_all(r.e, spawn_now_ms() + 5000);
	grantrig_down(&r);
}

static void
test_recover(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct grantrec g = grantrig_knock("198.51.100.71", now + 600);
	unsigned long n, failed = 0;
	struct rig r;
	int rc = -1;
	(void)state;

	grantrig_up(&r, "recover", "files");
	g.phase = GRANT_OPEN;
	assert_int_equal(state_grant_put(r.st, &g), 0);
	grantrig_down(&r);
	for (n = 0; n < NOMEM_MAX; n++) {
		grantrig_up(&r, "recover", "files");
		nomem_fail_after(n);
		rc = grant_recover(r.e, now);
		if (!nomem_off())
			break;
		if (rc != 0) {
			failed++;
			assert_int_equal(rc, SPA_ERR_STATE);
			assert_int_equal(grantrig_recorded(&r).n, 1);
		}
		grantrig_down(&r);
	}
	assert_int_equal(rc, 0);
	assert_true(failed >= 1);
	assert_int_equal(grant_count(r.e), 1);
	grantrig_down(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant),
		cmocka_unit_test(test_recover),
	};

	return cmocka_run_group_tests(tests, grantrig_files_setup,
	    testfile_dir_teardown);
}
