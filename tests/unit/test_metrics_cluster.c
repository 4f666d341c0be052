/*
 * The metrics of a cluster node (sniffer/metrics.h): with m->cluster set
 * the exposition and the log line carry every cluster counter and the
 * cluster_up gauge, and without it none; a buffer that has room for the
 * rest but not for them is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "metrics.h"

static struct metrics
cluster_metrics(void)
{
	struct metrics m = { 0 };

	m.verdicts[VERDICT_ACCEPTED] = 3;
	m.cluster = 1;
	m.cluster_up = 7;               /* any non-zero: shown as 1 */
	m.cluster_claimed = 11;
	m.cluster_taken = 12;
	m.cluster_refused = 13;
	m.cluster_local = 14;
	m.cluster_published = 15;
	m.cluster_applied = 16;
	m.cluster_dropped = 17;
	return m;
}

static void
test_cluster_exposition(void **state)
{
	struct metrics m = cluster_metrics();
	char buf[METRICS_TEXT_MAX];
	static const char *const want[] = {
		"# TYPE spa_sniffer_cluster_up gauge\nspa_sniffer_cluster_up 1\n",
		"\nspa_sniffer_cluster_claims_total 11\n",
		"\nspa_sniffer_cluster_replays_total 12\n",
		"\nspa_sniffer_cluster_refused_total 13\n",
		"\nspa_sniffer_cluster_local_total 14\n",
		"\nspa_sniffer_cluster_published_total 15\n",
		"\nspa_sniffer_cluster_applied_total 16\n",
		"\nspa_sniffer_cluster_dropped_total 17\n",
		"# TYPE spa_sniffer_cluster_dropped_total counter\n",
	};
	int n;

	(void)state;
	n = metrics_format(&m, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(buf, want[i]) == NULL)
			fail_msg("want \"%s\" in:\n%s", want[i], buf);

	m.cluster_up = 0;
	assert_true(metrics_format(&m, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\nspa_sniffer_cluster_up 0\n"));

	/* Room for everything but the cluster's part: refused. */
	m.cluster = 0;
	n = metrics_format(&m, buf, sizeof(buf));
	assert_true(n > 0);
	assert_null(strstr(buf, "cluster"));
	m.cluster = 1;
	assert_int_equal(metrics_format(&m, buf, (size_t)n + 1),
	    SPA_ERR_NOSPACE);
}

static void
test_cluster_line(void **state)
{
	struct metrics m = cluster_metrics();
	char line[768];

	(void)state;
	metrics_line(&m, line, sizeof(line));
	assert_non_null(strstr(line, "counters: frames=3 accepted=3 "));
	assert_non_null(strstr(line, " cluster-up=1 cluster-claims=11 "
	    "cluster-replays=12 cluster-refused=13 cluster-local=14 "
	    "cluster-published=15 cluster-applied=16 cluster-dropped=17"));
	m.cluster = 0;
	metrics_line(&m, line, sizeof(line));
	assert_null(strstr(line, "cluster"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cluster_exposition),
		cmocka_unit_test(test_cluster_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
