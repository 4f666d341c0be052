/*
 * warden_start (sniffer/warden.h) with each of its allocations failing in
 * turn (tests/unit/nomem.h), a cluster configured: every failure is a
 * start that did not happen (EX_OSERR, EX_CANTCREAT or EX_UNAVAILABLE,
 * no warden returned, nothing leaked), until one with no failure starts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <time.h>

#include "conf.h"
#include "firewall.h"
#include "nomem.h"
#include "testfile.h"
#include "wardenrig.h"

static void
test_start(void **state)
{
	char dir[] = "/tmp/spa-nomem-warden-XXXXXX", text[1024];
	char err[CONF_ERR_MAX], fwerr[FIREWALL_ERR_MAX];
	struct warden_options o = { 0 };
	struct firewall *fw;
	struct warden *w;
	struct conf *c;
	unsigned long n, failed = 0;
	int rc = -1;
	(void)state;

	assert_non_null(mkdtemp(dir));
	wardenrig_backend(dir, 0);
	/* a cluster whose Redis is not there: joined, down */
	snprintf(text, sizeof(text), "[sniffer]\nstate =\nfirewall = fake\n"
	    "[cluster]\nredis = %s/redis.sock\nnode = a\n"
	    "key = PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=\n"
	    "[user alice]\nkey = " WARDENRIG_ALICE_KEY "\nallow = ssh\n"
	    "[action ssh]\nopen = tcp/22\n", dir);
	if (conf_load_string("t.conf", text, &c, err) != 0)
		fail_msg("%s", err);
	if (firewall_load(dir, "fake", &fw, fwerr) != 0)
		fail_msg("%s", fwerr);
	o.rules_dir = dir;
	for (n = 0; n < NOMEM_MAX; n++) {
		w = (struct warden *)1;
		nomem_fail_after(n);
		rc = warden_start(c, fw, &o, (int64_t)time(NULL), &w);
		if (!nomem_off())
			break;
		if (rc == 0) {          /* a failure it could do without */
			warden_stop(w);
			continue;
		}
		failed++;
		if (rc != EX_OSERR && rc != EX_CANTCREAT &&
		    rc != EX_UNAVAILABLE)
			fail_msg("allocation %lu failing: status %d", n, rc);
		assert_null(w);
	}
	assert_int_equal(rc, 0);
	assert_non_null(w);
	assert_non_null(warden_cluster_counts(w));
	assert_true(failed >= 5);
	warden_stop(w);
	firewall_free(fw);
	conf_free(c);
	assert_int_equal(testfile_remove_tree(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
