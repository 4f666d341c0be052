/*
 * common/sockaddr.c: spa_addr and port to sockaddr and back, for both
 * families, and every refusal (NULL, another family, a short length).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "err.h"
#include "sockaddr.h"

static void
round_trip(const char *text, uint16_t port, int family, socklen_t want_len)
{
	struct sockaddr_storage ss;
	struct spa_addr a, back;
	uint16_t got_port = 0;
	socklen_t len;

	assert_int_equal(addr_parse(text, &a), 0);
	len = sockaddr_from_addr(&a, port, &ss);
	assert_int_equal(len, want_len);
	assert_int_equal(ss.ss_family, family);
	memset(&back, 0xa5, sizeof(back));
	assert_int_equal(sockaddr_to_addr((struct sockaddr *)&ss, len, &back,
	    &got_port), 0);
	assert_int_equal(got_port, port);
	assert_true(addr_equal(&a, &back));
	assert_int_equal(sockaddr_to_addr((struct sockaddr *)&ss, len, &back,
	    NULL), 0);
	/* One byte short of the family's structure: refused. */
	assert_int_equal(sockaddr_to_addr((struct sockaddr *)&ss, len - 1,
	    &back, NULL), SPA_ERR_ADDRESS);
}

static void
test_round_trip(void **state)
{
	(void)state;
	round_trip("198.51.100.2", 5001, AF_INET, sizeof(struct sockaddr_in));
	round_trip("2001:db8::2", 65535, AF_INET6, sizeof(struct sockaddr_in6));
	round_trip("203.0.113.9", 0, AF_INET, sizeof(struct sockaddr_in));
}

/* The bytes land where the socket API puts them, in network order. */
static void
test_layout(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in sin;
	struct spa_addr a;

	(void)state;
	assert_int_equal(addr_parse("192.0.2.1", &a), 0);
	(void)sockaddr_from_addr(&a, 0x1389, &ss);
	memcpy(&sin, &ss, sizeof(sin));
	assert_int_equal(sin.sin_port, htons(0x1389));
	assert_int_equal(sin.sin_addr.s_addr, inet_addr("192.0.2.1"));
}

static void
test_refused(void **state)
{
	struct sockaddr_un sun;
	struct spa_addr out;

	(void)state;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_int_equal(sockaddr_to_addr(NULL, 16, &out, NULL),
	    SPA_ERR_ADDRESS);
	assert_int_equal(sockaddr_to_addr((struct sockaddr *)&sun, sizeof(sun),
	    &out, NULL), SPA_ERR_ADDRESS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
