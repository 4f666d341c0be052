/* The classic format against tests/vectors/classic.txt, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "key.h"
#include "vectors.h"
#include "wire_classic.h"

struct classic_case {
	struct spa_addr dst, src;
	uint16_t dport, sport;
	int64_t time;
	struct mac_key key;
};

static void
case_of(const struct vec_block *b, struct classic_case *c)
{
	uint8_t s[32];

	assert_int_equal(key_decode(vec_need(b, "secret"), s, NULL), 0);
	mac_key_init(&c->key, s, sizeof(s));
	assert_int_equal(addr_parse(vec_need(b, "dst"), &c->dst), 0);
	assert_int_equal(addr_parse(vec_need(b, "src"), &c->src), 0);
	c->dport = (uint16_t)atoi(vec_need(b, "dport"));
	c->sport = (uint16_t)atoi(vec_need(b, "sport"));
	c->time = strtoll(vec_need(b, "time"), NULL, 10);
}

static void
test_classic_message(void **state)
{
	struct vec_file f;
	(void)state;

	vec_load("classic.txt", &f);
	for (size_t i = 0; i < f.nblocks; i++) {
		const struct vec_block *b = &f.blocks[i];
		char header[CLASSIC_HEADER_MAX + 1], minute[7];
		char msg[CLASSIC_MESSAGE_MAX + 1];
		struct classic_case c;
		size_t n;

		case_of(b, &c);
		n = classic_header(&c.dst, &c.src, c.dport, c.sport, header);
		assert_int_equal(n, strlen(header));
		classic_minute(c.time, minute);
		snprintf(msg, sizeof(msg), "%s%s%s", header,
		    vec_need(b, "request"), minute);
		assert_string_equal(msg, vec_need(b, "message"));
	}
	vec_free(&f);
}

static void
test_classic_packet(void **state)
{
	struct vec_file f;
	(void)state;

	vec_load("classic.txt", &f);
	for (size_t i = 0; i < f.nblocks; i++) {
		const struct vec_block *b = &f.blocks[i];
		uint8_t pkt[CLASSIC_LEN], want[CLASSIC_LEN];
		struct classic_case c;

		case_of(b, &c);
		assert_int_equal(classic_encode(&c.key, &c.dst, &c.src, c.dport,
		    c.sport, vec_need(b, "request"), c.time, pkt), 0);
		vec_hex(b, "packet", want, sizeof(want), CLASSIC_LEN);
		assert_memory_equal(pkt, want, CLASSIC_LEN);
		assert_true(classic_looks_like(pkt, sizeof(pkt)));
	}
	vec_free(&f);
}

static void
test_classic_edges(void **state)
{
	uint8_t pkt[CLASSIC_LEN] = { 0xff, 0xff, 0xff };
	char minute[7];
	struct mac_key k;
	struct spa_addr a;
	(void)state;

	assert_false(classic_looks_like(pkt, CLASSIC_LEN - 1));
	pkt[2] = 0xfe;
	assert_false(classic_looks_like(pkt, CLASSIC_LEN));
	classic_minute(0, minute);
	assert_string_equal(minute, "010000");
	classic_minute(1537262550, minute);     /* 2018-09-18 09:22:30 UTC */
	assert_string_equal(minute, "180922");
	mac_key_init(&k, (const uint8_t *)"k", 1);
	assert_int_equal(addr_parse("192.0.2.1", &a), 0);
	assert_int_equal(classic_encode(&k, &a, &a, 1, 2, "a b", 0, pkt),
	    SPA_ERR_REQUEST);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classic_message),
		cmocka_unit_test(test_classic_packet),
		cmocka_unit_test(test_classic_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
