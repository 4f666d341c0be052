/*
 * segment_build (knock/segment.h) refuses what it cannot build, with a
 * message and nothing written: a source and a destination of different
 * families, a payload that would make the frame longer than SEGMENT_MAX
 * (TCP or UDP); and builds the longest payload that fits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "segment.h"

static void
test_refusals(void **state)
{
	struct segment_input in = { .sport = 40000, .dport = 5001, .seq = 1,
	    .ip_id = 7, .flags = 0x02 };
	uint8_t payload[SEGMENT_MAX], out[SEGMENT_MAX];
	char err[SEGMENT_ERR_MAX];
	size_t len = 12345;

	(void)state;
	memset(payload, 'p', sizeof(payload));
	memset(out, 0xee, sizeof(out));
	assert_int_equal(addr_parse("198.51.100.1", &in.src), 0);
	assert_int_equal(addr_parse("2001:db8::2", &in.dst), 0);
	assert_int_equal(segment_build(&in, payload, 10, out, &len, err),
	    SPA_ERR_INVALID);
	assert_non_null(strstr(err, "mixed address families"));
	assert_int_equal(len, 12345);
	assert_int_equal(out[0], 0xee);

	/* IPv6 header 40 + TCP 20: SEGMENT_MAX - 60 fits, one more not */
	assert_int_equal(addr_parse("2001:db8::1", &in.src), 0);
	assert_int_equal(segment_build(&in, payload, SEGMENT_MAX - 59, out,
	    &len, err), SPA_ERR_INVALID);
	assert_non_null(strstr(err, "payload too long"));
	assert_int_equal(segment_build(&in, payload, SEGMENT_MAX - 60, out,
	    &len, err), 0);
	assert_int_equal(len, SEGMENT_MAX);
	assert_int_equal(out[0] >> 4, 6);
	assert_int_equal(out[6], 6);                    /* next header: TCP */

	/* UDP: header 8, so 12 bytes more fit */
	in.udp = 1;
	assert_int_equal(segment_build(&in, payload, SEGMENT_MAX - 47, out,
	    &len, err), SPA_ERR_INVALID);
	assert_int_equal(segment_build(&in, payload, SEGMENT_MAX - 48, out,
	    &len, err), 0);
	assert_int_equal(len, SEGMENT_MAX);
	assert_int_equal(out[6], 17);                   /* UDP */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
