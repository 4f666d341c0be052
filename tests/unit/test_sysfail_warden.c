/*
 * warden_start (sniffer/warden.h) when the state database fails
 * (tests/unit/sysfail_sqlite.c): recorded grants that cannot be read stop
 * the start (EX_CANTCREAT, said), rather than starting as if there were
 * none to close; the replay tags that cannot be loaded likewise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <sqlite3.h>

#include "errcap.h"
#include "sysfail.h"
#include "testfile.h"
#include "wardenrig.h"

static char *const dir = testfile_dir;  /* testfile_dir_setup() */

static void
test_start_state_fails(void **state)
{
	/* The steps of a start over an empty database, made by the
	 * project's code: the lookup of the old table, the prune's delete
	 * and count, the replay tags' read, then the grants' read. */
	static const struct {
		unsigned skip;
		const char *says;
	} cases[] = {
		{ 1, "cannot load the replay cache, not starting" },
		{ 4, "state: cannot read the grants" },
	};
	char sub[128];
	struct rig r;
	(void)state;

	wardenrig_backend(dir, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *err;
		int rc;

		snprintf(sub, sizeof(sub), "%s/state%zu", dir, i);
		errcap_to(dir, "start.err");
		sysfail_arm("sqlite3_step", cases[i].skip, SQLITE_IOERR);
		rc = wardenrig_start_alice(&r, dir, sub, (int64_t)time(NULL));
		assert_int_equal(sysfail_failed("sqlite3_step"), 1);
		sysfail_clear();
		err = errcap_back(dir, "start.err");
		if (rc != EX_CANTCREAT || strstr(err, cases[i].says) == NULL)
			fail_msg("step %u failing: %d, log: %s", cases[i].skip,
			    rc, err);
		assert_null(r.w);
		wardenrig_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_state_fails),
	};

	return cmocka_run_group_tests(tests, testfile_dir_setup, sysfail_dir_teardown);
}
