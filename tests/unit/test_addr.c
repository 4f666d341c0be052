/* Addresses: parsing, the IPv4-mapped form, RFC 5952 printing; hex. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "addr.h"
#include "err.h"
#include "hex.h"

static void
test_addr_parse_v4(void **state)
{
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff, 198, 51, 100, 1 };
	char buf[SPA_ADDRSTRLEN];
	struct spa_addr a;
	(void)state;

	assert_int_equal(addr_parse("198.51.100.1", &a), 0);
	assert_int_equal(a.family, 4);
	assert_memory_equal(a.bytes, mapped, 16);
	assert_true(addr_bytes_are_mapped(a.bytes));
	assert_string_equal(addr_format(&a, buf), "198.51.100.1");
}

static void
test_addr_parse_v6(void **state)
{
	char buf[SPA_ADDRSTRLEN];
	struct spa_addr a, b;
	(void)state;

	assert_int_equal(addr_parse("2001:DB8:0:0:0:0:0:2", &a), 0);
	assert_int_equal(a.family, 6);
	assert_false(addr_bytes_are_mapped(a.bytes));
	assert_string_equal(addr_format(&a, buf), "2001:db8::2");
	assert_int_equal(addr_parse("2001:db8::2", &b), 0);
	assert_true(addr_equal(&a, &b));
	/* Same bytes, other family: not the same address for the protocol. */
	assert_int_equal(addr_parse("::ffff:198.51.100.1", &a), 0);
	assert_int_equal(addr_parse("198.51.100.1", &b), 0);
	assert_memory_equal(a.bytes, b.bytes, 16);
	assert_false(addr_equal(&a, &b));
}

static void
test_addr_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "198.51.100", "198.51.100.256", "198.51.100.1/24",
		"2001:db8::1::2", "[2001:db8::1]", "fe80::1%eth0", "example.com",
		" 198.51.100.1", "198.51.100.1 ", "2001:db8:::1",
	};
	struct spa_addr a;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(addr_parse(bad[i], &a), SPA_ERR_ADDRESS);
}

static void
test_hex(void **state)
{
	uint8_t out[4];
	char text[9];
	size_t n = 0;
	(void)state;

	assert_int_equal(hex_decode("00fFa9", out, sizeof(out), &n), 0);
	assert_int_equal(n, 3);
	hex_encode(out, n, text);
	assert_string_equal(text, "00ffa9");
	assert_int_equal(hex_decode("abc", out, sizeof(out), &n), SPA_ERR_HEX);
	assert_int_equal(hex_decode("zz", out, sizeof(out), &n), SPA_ERR_HEX);
	assert_int_equal(hex_decode("0011223344", out, sizeof(out), &n),
	    SPA_ERR_NOSPACE);
	assert_int_equal(hex_decode("", out, sizeof(out), &n), 0);
	assert_int_equal(n, 0);
}

/* doc/protocol.md native step 5: addresses no grant can mean, and their
 * neighbours, which stay grantable. */
static void
test_addr_grantable(void **state)
{
	static const char *const no[] = {
		"0.0.0.0", "127.0.0.1", "127.255.255.255", "224.0.0.1",
		"239.255.255.255", "255.255.255.255", "::", "::1", "ff02::1",
		"ff0e::1",
	};
	static const char *const yes[] = {
		"0.0.0.1", "126.255.255.255", "128.0.0.0", "223.255.255.255",
		"240.0.0.1", "255.255.255.254", "198.51.100.1", "::2",
		"fe80::1", "2001:db8::1", "::ffff:127.0.0.1",
	};
	struct spa_addr a;
	(void)state;

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		assert_int_equal(addr_parse(no[i], &a), 0);
		if (addr_grantable(&a))
			fail_msg("%s: grantable", no[i]);
	}
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(addr_parse(yes[i], &a), 0);
		if (!addr_grantable(&a))
			fail_msg("%s: not grantable", yes[i]);
	}
}

/* Networks: a prefix within the family, no bits past it; membership by
 * family and leading bits. */
static void
test_addr_net(void **state)
{
	static const char *const bad[] = {
		"192.0.2.1/24", "192.0.2.0/33", "192.0.2.0/", "192.0.2.0/024",
		"192.0.2.0/x", "/24", "2001:db8::1/32", "2001:db8::/129",
		"2001:db8::/1234", "host/8", "",
	};
	struct spa_net n;
	struct spa_addr a;
	char buf[SPA_ADDRSTRLEN + 4];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (addr_net_parse(bad[i], &n) == 0)
			fail_msg("accepted %s", bad[i]);
	assert_int_equal(addr_net_parse("192.0.2.128/25", &n), 0);
	assert_string_equal(addr_net_format(&n, buf), "192.0.2.128/25");
	assert_int_equal(addr_parse("192.0.2.200", &a), 0);
	assert_int_equal(addr_in_net(&a, &n), 1);
	assert_int_equal(addr_parse("192.0.2.127", &a), 0);
	assert_int_equal(addr_in_net(&a, &n), 0);
	/* An IPv4-mapped IPv6 address is not in an IPv4 network. */
	assert_int_equal(addr_parse("::ffff:192.0.2.200", &a), 0);
	assert_int_equal(addr_in_net(&a, &n), 0);
	assert_int_equal(addr_net_parse("0.0.0.0/0", &n), 0);
	assert_int_equal(addr_parse("203.0.113.9", &a), 0);
	assert_int_equal(addr_in_net(&a, &n), 1);
	assert_int_equal(addr_net_parse("198.51.100.7", &n), 0);
	assert_int_equal(n.prefix, 32);
	assert_int_equal(addr_parse("198.51.100.7", &a), 0);
	assert_int_equal(addr_in_net(&a, &n), 1);
	assert_int_equal(addr_net_parse("2001:db8::/33", &n), 0);
	assert_int_equal(addr_parse("2001:db8:7fff::1", &a), 0);
	assert_int_equal(addr_in_net(&a, &n), 1);
	assert_int_equal(addr_parse("2001:db8:8000::1", &a), 0);
	assert_int_equal(addr_in_net(&a, &n), 0);
	assert_int_equal(addr_parse("192.0.2.1", &a), 0);
	assert_int_equal(addr_in_net(&a, &n), 0);
	assert_int_equal(addr_net_parse("::/0", &n), 0);
	assert_int_equal(addr_in_net(&a, &n), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_parse_v4),
		cmocka_unit_test(test_addr_parse_v6),
		cmocka_unit_test(test_addr_parse_bad),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_addr_grantable),
		cmocka_unit_test(test_addr_net),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
