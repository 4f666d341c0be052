/*
 * The metrics (sniffer/metrics.h): the exposition names every verdict,
 * the histogram's buckets are cumulative, a latency that cannot be a
 * knock's is left out, a buffer too small is refused, and the file is
 * replaced whole with mode 0644 and no temporary file left.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "metrics.h"

static void
test_metrics_format(void **state)
{
	struct metrics m = { 0 };
	char buf[METRICS_TEXT_MAX], line[768];
	(void)state;

	m.verdicts[VERDICT_ACCEPTED] = 2;
	m.verdicts[VERDICT_NOT_SPA] = 40;
	m.verdicts[VERDICT_FORGED] = 1;
	m.opened = 2;
	m.commands_refused = 5;
	metrics_latency(&m, 1000000, 1003000);          /* 3 ms */
	metrics_latency(&m, 1000000, 1300000);          /* 300 ms */
	metrics_latency(&m, 1000000, 999999);           /* negative: out */
	metrics_latency(&m, 0, 5);                      /* no knock time */
	metrics_latency(&m, 1, 86400LL * 1000000 + 2);  /* over a day */
	metrics_latency(&m, 1000000, 61000000);         /* 60 s: +Inf only */
	assert_int_equal(m.latency_count, 3);
	assert_int_equal(metrics_frames(&m), 43);
	assert_true(metrics_format(&m, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\nspa_sniffer_frames_total 43\n"));
	assert_non_null(strstr(buf,
	    "spa_sniffer_verdicts_total{verdict=\"accepted\"} 2\n"));
	assert_non_null(strstr(buf,
	    "spa_sniffer_verdicts_total{verdict=\"source-mismatch\"} 0\n"));
	assert_non_null(strstr(buf,
	    "spa_sniffer_knock_open_seconds_bucket{le=\"0.005\"} 1\n"));
	assert_non_null(strstr(buf,
	    "spa_sniffer_knock_open_seconds_bucket{le=\"0.25\"} 1\n"));
	assert_non_null(strstr(buf,
	    "spa_sniffer_knock_open_seconds_bucket{le=\"0.5\"} 2\n"));
	assert_non_null(strstr(buf,
	    "spa_sniffer_knock_open_seconds_bucket{le=\"10\"} 2\n"));
	assert_non_null(strstr(buf,
	    "spa_sniffer_knock_open_seconds_bucket{le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(buf, "spa_sniffer_knock_open_seconds_count 3\n"));
	assert_non_null(strstr(buf, "spa_sniffer_knock_open_seconds_sum "
	    "60.303000\n"));
	assert_non_null(strstr(buf, "\nspa_sniffer_commands_refused_total 5\n"));
	assert_int_equal(metrics_format(&m, buf, 100), SPA_ERR_NOSPACE);
	metrics_line(&m, line, sizeof(line));
	assert_non_null(strstr(line, "counters: frames=43 accepted=2 "
	    "not-spa=40 "));
	assert_non_null(strstr(line, " forged=1 dropped=0 grants-open=0 "
	    "opened=2 "));
	assert_non_null(strstr(line, " close-failures=0 commands-refused=5 "));
}

static void
test_metrics_write(void **state)
{
	char dir[] = "/tmp/spa-metrics-XXXXXX", path[128], tmp[160];
	char buf[METRICS_TEXT_MAX], file[METRICS_TEXT_MAX + 1];
	struct metrics m = { 0 };
	struct stat sb;
	FILE *fp;
	size_t n;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/spa.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	m.dropped = 7;
	assert_int_equal(metrics_write(&m, path), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(file, 1, sizeof(file) - 1, fp);
	fclose(fp);
	file[n] = '\0';
	assert_int_equal(metrics_format(&m, buf, sizeof(buf)), (int)n);
	assert_string_equal(file, buf);
	/* A directory that is not there: an error with errno, nothing left. */
	snprintf(path, sizeof(path), "%s/none/spa.prom", dir);
	assert_int_equal(metrics_write(&m, path), SPA_ERR_SYSTEM);
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof(path), "%s/spa.prom", dir);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_format),
		cmocka_unit_test(test_metrics_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
