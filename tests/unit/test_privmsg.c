/*
 * The channel's messages (sniffer/privmsg.h): each decoder takes a good
 * message, refuses every other length as truncated and a wrong type word
 * as invalid, and refuses each field outside its range; an address chunk
 * looks only at its used entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "privmsg.h"

/* A grant any parent would take: family 4, 192.0.2.1 mapped. */
static struct privmsg_grant
good_grant(void)
{
	struct privmsg_grant m;

	memset(&m, 0, sizeof(m));
	m.type = PRIVMSG_GRANT;
	m.user = 1;
	m.action = 2;
	m.family = 4;
	m.addr[10] = 0xff;
	m.addr[11] = 0xff;
	m.addr[12] = 192;
	m.addr[13] = 0;
	m.addr[14] = 2;
	m.addr[15] = 1;
	memset(m.tag, 0xa5, sizeof(m.tag));
	m.tag_expiry = 1764237005;
	return m;
}

static struct privmsg_answer
good_answer(uint32_t result)
{
	struct privmsg_answer m;

	memset(&m, 0, sizeof(m));
	m.type = PRIVMSG_ANSWER;
	m.result = result;
	return m;
}

/* 2001:db8::N */
static void
set_v6(uint8_t bytes[SPA_ADDR_LEN], uint8_t n)
{
	memset(bytes, 0, SPA_ADDR_LEN);
	bytes[0] = 0x20;
	bytes[1] = 0x01;
	bytes[2] = 0x0d;
	bytes[3] = 0xb8;
	bytes[15] = n;
}

/* 198.51.100.N, mapped */
static void
set_v4(uint8_t bytes[SPA_ADDR_LEN], uint8_t n)
{
	memset(bytes, 0, SPA_ADDR_LEN);
	bytes[10] = 0xff;
	bytes[11] = 0xff;
	bytes[12] = 198;
	bytes[13] = 51;
	bytes[14] = 100;
	bytes[15] = n;
}

/* Three used entries, v4 and v6; the unused ones are zero. */
static struct privmsg_addrs
good_addrs(void)
{
	struct privmsg_addrs m;

	memset(&m, 0, sizeof(m));
	m.type = PRIVMSG_ADDRS;
	m.count = 3;
	m.more = 1;
	m.addr[0].family = 4;
	set_v4(m.addr[0].bytes, 1);
	m.addr[1].family = 6;
	set_v6(m.addr[1].bytes, 2);
	m.addr[2].family = 4;
	set_v4(m.addr[2].bytes, 3);
	return m;
}

/* All PRIVMSG_ADDRS_CHUNK entries used, every one valid. */
static struct privmsg_addrs
full_addrs(void)
{
	struct privmsg_addrs m = good_addrs();

	m.count = PRIVMSG_ADDRS_CHUNK;
	for (uint32_t i = 0; i < PRIVMSG_ADDRS_CHUNK; i++) {
		m.addr[i].family = i % 2 ? 6 : 4;
		if (i % 2)
			set_v6(m.addr[i].bytes, (uint8_t)i);
		else
			set_v4(m.addr[i].bytes, (uint8_t)i);
	}
	return m;
}

static int
grant_rc(const struct privmsg_grant *m)
{
	struct privmsg_grant out;

	return privmsg_grant_decode(m, sizeof(*m), &out);
}

static int
addrs_rc(const struct privmsg_addrs *m)
{
	struct privmsg_addrs out;

	return privmsg_addrs_decode(m, sizeof(*m), &out);
}

static void
test_privmsg_types(void **state)
{
	(void)state;
	assert_int_not_equal(PRIVMSG_GRANT, PRIVMSG_ANSWER);
	assert_int_not_equal(PRIVMSG_GRANT, PRIVMSG_ADDRS);
	assert_int_not_equal(PRIVMSG_ANSWER, PRIVMSG_ADDRS);
	assert_true(PRIVMSG_MAX >= sizeof(struct privmsg_grant));
	assert_true(PRIVMSG_MAX >= sizeof(struct privmsg_answer));
	assert_true(PRIVMSG_MAX >= sizeof(struct privmsg_addrs));
	assert_true(PRIVMSG_MAX >= sizeof(struct privmsg_counts));
	assert_int_not_equal(PRIVMSG_COUNTS, PRIVMSG_GRANT);
	assert_int_not_equal(PRIVMSG_COUNTS, PRIVMSG_ANSWER);
	assert_int_not_equal(PRIVMSG_COUNTS, PRIVMSG_ADDRS);
}

/* Counters: the exact length and type; no more verdicts than there is
 * room for, the unused ones 0; a grant is not counters. */
static void
test_privmsg_counts(void **state)
{
	struct privmsg_counts m, out;
	struct privmsg_grant g = good_grant();
	(void)state;

	memset(&m, 0, sizeof(m));
	m.type = PRIVMSG_COUNTS;
	m.nverdicts = 10;
	m.verdicts[0] = 5;
	m.verdicts[9] = UINT64_MAX;
	m.dropped = 3;
	assert_int_equal(privmsg_counts_decode(&m, sizeof(m), &out), 0);
	assert_memory_equal(&out, &m, sizeof(m));
	assert_int_equal(privmsg_counts_decode(&m, sizeof(m) - 1, &out),
	    SPA_ERR_TRUNCATED);
	assert_int_equal(privmsg_counts_decode(&g, sizeof(g), &out),
	    sizeof(g) == sizeof(m) ? SPA_ERR_INVALID : SPA_ERR_TRUNCATED);
	m.verdicts[10] = 1;
	assert_int_equal(privmsg_counts_decode(&m, sizeof(m), &out),
	    SPA_ERR_INVALID);
	m.verdicts[10] = 0;
	m.nverdicts = PRIVMSG_VERDICTS + 1;
	assert_int_equal(privmsg_counts_decode(&m, sizeof(m), &out),
	    SPA_ERR_INVALID);
	m.nverdicts = PRIVMSG_VERDICTS;
	assert_int_equal(privmsg_counts_decode(&m, sizeof(m), &out), 0);
	m.type = PRIVMSG_GRANT;
	assert_int_equal(privmsg_counts_decode(&m, sizeof(m), &out),
	    SPA_ERR_INVALID);
}

static void
test_privmsg_grant_good(void **state)
{
	struct privmsg_grant m = good_grant(), out;
	(void)state;

	memset(&out, 0, sizeof(out));
	assert_int_equal(privmsg_grant_decode(&m, sizeof(m), &out), 0);
	assert_memory_equal(&out, &m, sizeof(m));
	/* Family 6 with an address of its own form is as good. */
	m.family = 6;
	set_v6(m.addr, 9);
	assert_int_equal(privmsg_grant_decode(&m, sizeof(m), &out), 0);
	assert_int_equal(out.family, 6);
	assert_memory_equal(out.addr, m.addr, sizeof(m.addr));
	/* A tag with one non-zero byte is not all zero. */
	memset(m.tag, 0, sizeof(m.tag));
	m.tag[sizeof(m.tag) - 1] = 1;
	assert_int_equal(grant_rc(&m), 0);
}

static void
test_privmsg_grant_lengths(void **state)
{
	struct privmsg_grant m = good_grant(), out;
	unsigned char buf[sizeof(m) + 1];
	(void)state;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &m, sizeof(m));
	for (size_t len = 0; len <= sizeof(m) + 1; len++) {
		int rc = privmsg_grant_decode(buf, len, &out);

		if (len == sizeof(m))
			assert_int_equal(rc, 0);
		else if (rc != SPA_ERR_TRUNCATED)
			fail_msg("length %zu: %d, want SPA_ERR_TRUNCATED", len,
			    rc);
	}
}

static void
test_privmsg_grant_invalid(void **state)
{
	static const uint32_t bad_types[] = { 0, PRIVMSG_ANSWER,
	    PRIVMSG_ADDRS, PRIVMSG_GRANT ^ 1, 0x47415053 /* byte-swapped */ };
	static const uint32_t bad_families[] = { 0, 5, 7, 46, UINT32_MAX };
	struct privmsg_grant m;
	(void)state;

	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		m = good_grant();
		m.type = bad_types[i];
		assert_int_equal(grant_rc(&m), SPA_ERR_INVALID);
	}
	for (size_t i = 0; i < sizeof(bad_families) / sizeof(bad_families[0]);
	    i++) {
		m = good_grant();
		m.family = bad_families[i];
		assert_int_equal(grant_rc(&m), SPA_ERR_INVALID);
	}
	/* Family 4 whose address is not mapped: a v6 one, and all zero. */
	m = good_grant();
	set_v6(m.addr, 1);
	assert_int_equal(grant_rc(&m), SPA_ERR_INVALID);
	memset(m.addr, 0, sizeof(m.addr));
	assert_int_equal(grant_rc(&m), SPA_ERR_INVALID);
	/* Mapped but for one byte of the ffff marker. */
	m = good_grant();
	m.addr[10] = 0xfe;
	assert_int_equal(grant_rc(&m), SPA_ERR_INVALID);
	/* Family 6 with an IPv4-mapped address. */
	m = good_grant();
	m.family = 6;
	assert_int_equal(grant_rc(&m), SPA_ERR_INVALID);
	/* An all-zero tag. */
	m = good_grant();
	memset(m.tag, 0, sizeof(m.tag));
	assert_int_equal(grant_rc(&m), SPA_ERR_INVALID);
}

static void
test_privmsg_answer_good(void **state)
{
	struct privmsg_answer m, out;
	(void)state;

	m = good_answer(PRIVMSG_DONE);
	out.result = 99;
	assert_int_equal(privmsg_answer_decode(&m, sizeof(m), &out), 0);
	assert_int_equal(out.type, PRIVMSG_ANSWER);
	assert_int_equal(out.result, PRIVMSG_DONE);
	m = good_answer(PRIVMSG_REFUSED);
	assert_int_equal(privmsg_answer_decode(&m, sizeof(m), &out), 0);
	assert_int_equal(out.result, PRIVMSG_REFUSED);
}

static void
test_privmsg_answer_lengths(void **state)
{
	struct privmsg_answer m = good_answer(PRIVMSG_DONE), out;
	unsigned char buf[sizeof(m) + 1];
	(void)state;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &m, sizeof(m));
	for (size_t len = 0; len <= sizeof(m) + 1; len++) {
		int rc = privmsg_answer_decode(buf, len, &out);

		if (len == sizeof(m))
			assert_int_equal(rc, 0);
		else if (rc != SPA_ERR_TRUNCATED)
			fail_msg("length %zu: %d, want SPA_ERR_TRUNCATED", len,
			    rc);
	}
}

static void
test_privmsg_answer_invalid(void **state)
{
	static const uint32_t bad_types[] = { 0, PRIVMSG_GRANT,
	    PRIVMSG_ADDRS, PRIVMSG_ANSWER ^ 1 };
	struct privmsg_answer m, out;
	(void)state;

	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		m = good_answer(PRIVMSG_DONE);
		m.type = bad_types[i];
		assert_int_equal(privmsg_answer_decode(&m, sizeof(m), &out),
		    SPA_ERR_INVALID);
	}
	for (uint32_t r = PRIVMSG_DONE; r <= PRIVMSG_UNAVAILABLE; r++) {
		m = good_answer(r);
		assert_int_equal(privmsg_answer_decode(&m, sizeof(m), &out), 0);
		assert_int_equal(out.result, r);
	}
	m = good_answer(PRIVMSG_UNAVAILABLE + 1);
	assert_int_equal(privmsg_answer_decode(&m, sizeof(m), &out),
	    SPA_ERR_INVALID);
	m = good_answer(UINT32_MAX);
	assert_int_equal(privmsg_answer_decode(&m, sizeof(m), &out),
	    SPA_ERR_INVALID);
}

static void
test_privmsg_addrs_good(void **state)
{
	struct privmsg_addrs m = good_addrs(), out;
	(void)state;

	memset(&out, 0, sizeof(out));
	assert_int_equal(privmsg_addrs_decode(&m, sizeof(m), &out), 0);
	assert_memory_equal(&out, &m, sizeof(m));
	/* The last chunk; an empty one; a full one. */
	m.more = 0;
	assert_int_equal(addrs_rc(&m), 0);
	m.count = 0;
	assert_int_equal(addrs_rc(&m), 0);
	m = full_addrs();
	assert_int_equal(privmsg_addrs_decode(&m, sizeof(m), &out), 0);
	assert_int_equal(out.count, PRIVMSG_ADDRS_CHUNK);
}

static void
test_privmsg_addrs_lengths(void **state)
{
	static struct privmsg_addrs m, out;
	static unsigned char buf[sizeof(m) + 1];
	(void)state;

	m = good_addrs();
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &m, sizeof(m));
	for (size_t len = 0; len <= sizeof(m) + 1; len++) {
		int rc = privmsg_addrs_decode(buf, len, &out);

		if (len == sizeof(m))
			assert_int_equal(rc, 0);
		else if (rc != SPA_ERR_TRUNCATED)
			fail_msg("length %zu: %d, want SPA_ERR_TRUNCATED", len,
			    rc);
	}
}

static void
test_privmsg_addrs_invalid(void **state)
{
	static const uint32_t bad_types[] = { 0, PRIVMSG_GRANT,
	    PRIVMSG_ANSWER, PRIVMSG_ADDRS ^ 1 };
	struct {
		struct privmsg_addrs out;
		struct spa_addr after;
	} spill;
	struct privmsg_addrs m;
	(void)state;

	for (size_t i = 0; i < sizeof(bad_types) / sizeof(bad_types[0]); i++) {
		m = good_addrs();
		m.type = bad_types[i];
		assert_int_equal(addrs_rc(&m), SPA_ERR_INVALID);
	}
	/* One more than a chunk, though every entry there is valid, and
	 * so are the bytes just past the copy (a decoder that read a 33rd
	 * entry would find a good one there). */
	m = full_addrs();
	m.count = PRIVMSG_ADDRS_CHUNK + 1;
	memset(&spill, 0, sizeof(spill));
	spill.after.family = 4;
	set_v4(spill.after.bytes, 33);
	assert_int_equal(privmsg_addrs_decode(&m, sizeof(m), &spill.out),
	    SPA_ERR_INVALID);
	m.count = UINT32_MAX;
	assert_int_equal(addrs_rc(&m), SPA_ERR_INVALID);
	m = good_addrs();
	m.more = 2;
	assert_int_equal(addrs_rc(&m), SPA_ERR_INVALID);
	m = good_addrs();
	m.reserved = 1;
	assert_int_equal(addrs_rc(&m), SPA_ERR_INVALID);
	/* A used entry of a bad family, first, middle or last used. */
	for (uint32_t i = 0; i < 3; i++) {
		m = good_addrs();
		m.addr[i].family = 5;
		assert_int_equal(addrs_rc(&m), SPA_ERR_INVALID);
		m.addr[i].family = 0;
		assert_int_equal(addrs_rc(&m), SPA_ERR_INVALID);
	}
	/* A used entry whose form does not match its family. */
	m = good_addrs();
	m.addr[0].family = 6;           /* mapped bytes */
	assert_int_equal(addrs_rc(&m), SPA_ERR_INVALID);
	m = good_addrs();
	m.addr[1].family = 4;           /* v6 bytes */
	assert_int_equal(addrs_rc(&m), SPA_ERR_INVALID);
}

/* Entries past count are not looked at, whatever they hold. */
static void
test_privmsg_addrs_unused_ignored(void **state)
{
	struct privmsg_addrs m = good_addrs();
	(void)state;

	m.addr[3].family = 5;
	m.addr[PRIVMSG_ADDRS_CHUNK - 1].family = 6;
	set_v4(m.addr[PRIVMSG_ADDRS_CHUNK - 1].bytes, 7);
	assert_int_equal(addrs_rc(&m), 0);
	/* The same entry, once counted, is refused. */
	m.count = 4;
	assert_int_equal(addrs_rc(&m), SPA_ERR_INVALID);
	m.count = 0;
	assert_int_equal(addrs_rc(&m), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_privmsg_types),
		cmocka_unit_test(test_privmsg_counts),
		cmocka_unit_test(test_privmsg_grant_good),
		cmocka_unit_test(test_privmsg_grant_lengths),
		cmocka_unit_test(test_privmsg_grant_invalid),
		cmocka_unit_test(test_privmsg_answer_good),
		cmocka_unit_test(test_privmsg_answer_lengths),
		cmocka_unit_test(test_privmsg_answer_invalid),
		cmocka_unit_test(test_privmsg_addrs_good),
		cmocka_unit_test(test_privmsg_addrs_lengths),
		cmocka_unit_test(test_privmsg_addrs_invalid),
		cmocka_unit_test(test_privmsg_addrs_unused_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
