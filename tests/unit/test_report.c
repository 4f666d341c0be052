/*
 * The offline line's time= field (doc/interface.md "Offline"): always
 * SECONDS.MICROS with six digits, and a time before 1970 with a fraction
 * printed as the negative decimal it is.  The fields after the verdict,
 * in the offline line and the log line, for each kind of decision.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "addr.h"
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

/* The tail of each line after the endpoints, one decision a row. */
static void
test_report_fields(void **state)
{
	static const struct {
		struct spa_decision d;
		const char *offline, *log;
	} cases[] = {
		{ { .verdict = VERDICT_ACCEPTED, .user_name = "alice",
		    .request = "ssh" },
		  " verdict=accepted user=alice request=ssh allow=192.0.2.9",
		  " proto=udp user=alice request=ssh allow=192.0.2.9" },
		{ { .verdict = VERDICT_STALE, .user_name = "alice", .skew = -90 },
		  " verdict=stale skew=-90", " proto=udp user=alice skew=-90" },
		{ { .verdict = VERDICT_STALE, .skew = 5 },
		  " verdict=stale skew=5", " proto=udp" },
		{ { .verdict = VERDICT_DENIED, .user_name = "alice",
		    .reason = DENY_FROM },
		  " verdict=denied reason=from",
		  " proto=udp user=alice reason=from" },
		/* denied without a reason: the user only */
		{ { .verdict = VERDICT_DENIED, .user_name = "alice" },
		  " verdict=denied", " proto=udp user=alice" },
		{ { .verdict = VERDICT_DENIED }, " verdict=denied", " proto=udp" },
		{ { .verdict = VERDICT_BAD_MAC, .user_name = "bob" },
		  " verdict=bad-mac", " proto=udp user=bob" },
	};
	struct spa_packet pkt = { .sport = 40000, .dport = 62201,
	    .proto = SPA_PROTO_UDP };
	struct report_frame f = { .number = 1, .pkt = &pkt };
	char line[REPORT_LINE_MAX];
	(void)state;

	assert_int_equal(addr_parse("198.51.100.4", &pkt.src), 0);
	assert_int_equal(addr_parse("203.0.113.1", &pkt.dst), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct spa_decision d = cases[i].d;
		size_t n;

		assert_int_equal(addr_parse("192.0.2.9", &d.allow), 0);
		report_offline_line(&f, &d, line);
		n = strlen(line) - strlen(cases[i].offline);
		if (strlen(line) < strlen(cases[i].offline) ||
		    strcmp(line + n, cases[i].offline) != 0 ||
		    strstr(line, "src=198.51.100.4 sport=40000 dst=203.0.113.1 "
		    "dport=62201 proto=udp verdict=") == NULL)
			fail_msg("%zu: offline \"%s\", want it to end \"%s\"", i,
			    line, cases[i].offline);
		report_log_line(&pkt, &d, line);
		n = strlen(line) - strlen(cases[i].log);
		if (strlen(line) < strlen(cases[i].log) ||
		    strcmp(line + n, cases[i].log) != 0)
			fail_msg("%zu: log \"%s\", want it to end \"%s\"", i,
			    line, cases[i].log);
	}
	/* a frame that did not decode */
	f.pkt = NULL;
	report_offline_line(&f, &cases[5].d, line);
	assert_string_equal(line, "frame=1 time=0.000000 src=- sport=- dst=- "
	    "dport=- proto=- verdict=denied");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_time),
		cmocka_unit_test(test_report_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
