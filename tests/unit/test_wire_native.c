/* The native format against tests/vectors/native.txt, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "key.h"
#include "userkey.h"
#include "vectors.h"
#include "wire_native.h"

static void
secret_of(const struct vec_block *b, uint8_t secret[SPA_SECRET_LEN])
{
	assert_int_equal(key_decode(vec_need(b, "secret"), secret, NULL), 0);
}

static void
request_of(const struct vec_block *b, struct native_request *req)
{
	memset(req, 0, sizeof(*req));
	req->time = strtoull(vec_need(b, "time"), NULL, 10);
	assert_int_equal(addr_parse(vec_need(b, "allow"), &req->allow), 0);
	strncpy(req->request, vec_need(b, "request"), SPA_REQUEST_MAX);
}

static void
test_native_keys(void **state)
{
	struct vec_file f;
	(void)state;

	vec_load("native.txt", &f);
	for (size_t i = 0; i < f.nblocks; i++) {
		uint8_t s[32], mac[32], enc[32], loc[32], want[32];

		secret_of(&f.blocks[i], s);
		assert_int_equal(user_keys_hkdf(s, mac, enc, loc), 0);
		vec_hex(&f.blocks[i], "k_mac", want, sizeof(want), 32);
		assert_memory_equal(mac, want, 32);
		vec_hex(&f.blocks[i], "k_enc", want, sizeof(want), 32);
		assert_memory_equal(enc, want, 32);
		vec_hex(&f.blocks[i], "k_loc", want, sizeof(want), 32);
		assert_memory_equal(loc, want, 32);
	}
	vec_free(&f);
}

static void
test_native_locator_and_plaintext(void **state)
{
	struct vec_file f;
	(void)state;

	vec_load("native.txt", &f);
	for (size_t i = 0; i < f.nblocks; i++) {
		const struct vec_block *b = &f.blocks[i];
		uint8_t s[32], loc[8], want[NATIVE_PLAIN_LEN], plain[NATIVE_PLAIN_LEN];
		struct native_request req, back;
		struct user_keys k;

		secret_of(b, s);
		assert_int_equal(user_keys_derive(s, &k), 0);
		request_of(b, &req);
		native_locator(&k.loc, req.time / 60, loc);
		vec_hex(b, "locator", want, sizeof(want), 8);
		assert_memory_equal(loc, want, 8);
		assert_int_equal(native_plaintext_encode(&req, plain), 0);
		vec_hex(b, "plaintext", want, sizeof(want), NATIVE_PLAIN_LEN);
		assert_memory_equal(plain, want, NATIVE_PLAIN_LEN);
		assert_int_equal(native_plaintext_decode(plain, &back), 0);
		assert_int_equal(back.time, req.time);
		assert_true(addr_equal(&back.allow, &req.allow));
		assert_string_equal(back.request, req.request);
		user_keys_clear(&k);
	}
	vec_free(&f);
}

static void
test_native_packet(void **state)
{
	struct vec_file f;
	(void)state;

	vec_load("native.txt", &f);
	for (size_t i = 0; i < f.nblocks; i++) {
		const struct vec_block *b = &f.blocks[i];
		uint8_t s[32], nonce[16], pkt[NATIVE_LEN], want[NATIVE_LEN];
		struct native_request req;
		struct spa_addr server;
		struct user_keys k;

		secret_of(b, s);
		assert_int_equal(user_keys_derive(s, &k), 0);
		request_of(b, &req);
		vec_hex(b, "nonce", nonce, sizeof(nonce), 16);
		assert_int_equal(addr_parse(vec_need(b, "server"), &server), 0);
		assert_int_equal(native_encode(&k, &req, nonce, &server,
		    (uint16_t)atoi(vec_need(b, "port")), pkt), 0);
		vec_hex(b, "packet", want, sizeof(want), NATIVE_LEN);
		assert_memory_equal(pkt, want, NATIVE_LEN);
		user_keys_clear(&k);
	}
	vec_free(&f);
}

/* A valid plaintext with one byte changed must be refused (step 5). */
static void
test_native_plaintext_malformed(void **state)
{
	static const struct { size_t off; uint8_t val; } bad[] = {
		{ 0, 3 },       /* version: 1 native, 2 inside a signed packet */
		{ 0, 0 },
		{ 9, 5 },       /* family */
		{ 9, 0 },
		{ 10, 1 },      /* family 4, allow not mapped */
		{ 26, 0 },      /* reqlen 0 */
		{ 26, 33 },     /* reqlen > 32 */
		{ 27, ' ' },    /* space in request */
		{ 28, 0x7f },   /* DEL in request */
		{ 30, 'x' },    /* non-zero padding */
		{ 58, 1 },
	};
	struct native_request req = { .time = 1764237000 }, out;
	uint8_t plain[NATIVE_PLAIN_LEN], copy[NATIVE_PLAIN_LEN];
	(void)state;

	assert_int_equal(addr_parse("198.51.100.1", &req.allow), 0);
	strcpy(req.request, "ssh");
	assert_int_equal(native_plaintext_encode(&req, plain), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(copy, plain, sizeof(copy));
		copy[bad[i].off] = bad[i].val;
		assert_int_equal(native_plaintext_decode(copy, &out),
		    SPA_ERR_INVALID);
	}
	/* Version 2 decodes, and says so: the packet's length decides. */
	memcpy(copy, plain, sizeof(copy));
	copy[0] = 2;
	assert_int_equal(native_plaintext_decode(copy, &out), 0);
	assert_int_equal(out.version, NATIVE_SIGNED_VERSION);
	assert_int_equal(native_plaintext_decode(plain, &out), 0);
	assert_int_equal(out.version, NATIVE_VERSION);
	strcpy(req.request, "two words");
	assert_int_equal(native_plaintext_encode(&req, plain), SPA_ERR_REQUEST);
	req.request[0] = '\0';
	assert_int_equal(native_plaintext_encode(&req, plain), SPA_ERR_REQUEST);
}

/* Step 5 on the allow address: family 6 with an IPv4-mapped address, and
 * the addresses no grant can mean, are malformed; others decode. */
static void
test_native_plaintext_allow(void **state)
{
	static const struct { const char *addr; int family, rc; } cases[] = {
		{ "198.51.100.1", 4, 0 },
		{ "2001:db8::1", 6, 0 },
		{ "::ffff:198.51.100.1", 6, SPA_ERR_INVALID },
		{ "::ffff:198.51.100.1", 4, 0 },
		{ "2001:db8::1", 4, SPA_ERR_INVALID },
		{ "0.0.0.0", 4, SPA_ERR_INVALID },
		{ "127.0.0.1", 4, SPA_ERR_INVALID },
		{ "224.0.0.1", 4, SPA_ERR_INVALID },
		{ "255.255.255.255", 4, SPA_ERR_INVALID },
		{ "::", 6, SPA_ERR_INVALID },
		{ "::1", 6, SPA_ERR_INVALID },
		{ "ff02::1", 6, SPA_ERR_INVALID },
	};
	struct native_request req = { .time = 1764237000 }, out;
	uint8_t plain[NATIVE_PLAIN_LEN];
	struct spa_addr a;
	(void)state;

	assert_int_equal(addr_parse("2001:db8::1", &req.allow), 0);
	strcpy(req.request, "ssh");
	assert_int_equal(native_plaintext_encode(&req, plain), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(addr_parse(cases[i].addr, &a), 0);
		plain[9] = (uint8_t)cases[i].family;
		memcpy(plain + 10, a.bytes, SPA_ADDR_LEN);
		if (native_plaintext_decode(plain, &out) != cases[i].rc)
			fail_msg("%s family %d: want %d", cases[i].addr,
			    cases[i].family, cases[i].rc);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native_keys),
		cmocka_unit_test(test_native_locator_and_plaintext),
		cmocka_unit_test(test_native_packet),
		cmocka_unit_test(test_native_plaintext_malformed),
		cmocka_unit_test(test_native_plaintext_allow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
