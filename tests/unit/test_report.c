/*
 * The offline line's time= field (doc/interface.md "Offline"): always
 * SECONDS.MICROS with six digits, and a time before 1970 with a fraction
 * printed as the negative decimal it is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "report.h"

static void
expect_time(int64_t sec, long usec, const char *want)
{
	struct report_frame f = { .number = 7, .sec = sec, .usec = usec };
	struct spa_decision d = { .verdict = VERDICT_NOT_SPA };
	char line[REPORT_LINE_MAX], head[64];

	report_offline_line(&f, &d, line);
	snprintf(head, sizeof(head), "frame=7 time=%s src=- ", want);
	if (strncmp(line, head, strlen(head)) != 0)
		fail_msg("%lld + %ld us: %s, want %s", (long long)sec, usec,
		    line, head);
}

static void
test_report_time(void **state)
{
	(void)state;
	expect_time(0, 0, "0.000000");
	expect_time(1764237000, 412495, "1764237000.412495");
	expect_time(2147483648LL, 999999, "2147483648.999999");
	expect_time(4294967295LL, 1, "4294967295.000001");
	expect_time(-1, 0, "-1.000000");
	expect_time(-1, 250000, "-0.750000");
	expect_time(-2, 250000, "-1.750000");
	expect_time(INT64_MIN, 1, "-9223372036854775807.999999");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
