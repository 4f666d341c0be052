/*
 * The signed format (doc/protocol.md "Signed format") against
 * tests/vectors/signed.txt, byte for byte: its packet blocks (those with a
 * seed) through signed_encode, their keys through sign_public_of and
 * key_decode_client, their signatures through sign_verify; then public
 * keys that must be refused, and signing key files (common/key.h).  knock
 * builds its signed payload (knock/payload.c) to the same bytes.
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
#include "key.h"
#include "payload.h"
#include "sign.h"
#include "testfile.h"
#include "userkey.h"
#include "vectors.h"
#include "wire_signed.h"

#define VECTORS "signed.txt"
#define PACKET_BLOCKS 3         /* the blocks of signed.txt with a seed */

/* One packet block, decoded. */
struct sig_vec {
	uint8_t secret[SPA_SECRET_LEN];
	uint8_t seed[SIGN_SEED_LEN];
	uint8_t pub[SIGN_PUBLIC_LEN];
	struct native_request req;
	uint8_t nonce[NATIVE_NONCE_LEN];
	struct spa_addr server;
	uint16_t port;
	uint8_t plaintext[NATIVE_PLAIN_LEN];
	uint8_t packet[SIGNED_LEN];
};

static void
sig_vec_read(const struct vec_block *b, struct sig_vec *v)
{
	memset(v, 0, sizeof(*v));
	assert_int_equal(key_decode(vec_need(b, "secret"), v->secret, NULL), 0);
	vec_hex(b, "seed", v->seed, sizeof(v->seed), SIGN_SEED_LEN);
	vec_hex(b, "public", v->pub, sizeof(v->pub), SIGN_PUBLIC_LEN);
	v->req.time = strtoull(vec_need(b, "time"), NULL, 10);
	assert_int_equal(addr_parse(vec_need(b, "allow"), &v->req.allow), 0);
	assert_true(strlen(vec_need(b, "request")) <= SPA_REQUEST_MAX);
	strcpy(v->req.request, vec_need(b, "request"));
	vec_hex(b, "nonce", v->nonce, sizeof(v->nonce), NATIVE_NONCE_LEN);
	assert_int_equal(addr_parse(vec_need(b, "server"), &v->server), 0);
	v->port = (uint16_t)atoi(vec_need(b, "port"));
	vec_hex(b, "plaintext", v->plaintext, sizeof(v->plaintext),
	    NATIVE_PLAIN_LEN);
	vec_hex(b, "packet", v->packet, sizeof(v->packet), SIGNED_LEN);
}

typedef void (*sig_check)(const struct vec_block *, const struct sig_vec *);

/* Runs check on every packet block; fails unless there are PACKET_BLOCKS. */
static void
each_packet_block(sig_check check)
{
	struct vec_file f;
	struct sig_vec v;
	size_t n = 0;

	vec_load(VECTORS, &f);
	for (size_t i = 0; i < f.nblocks; i++) {
		if (vec_get(&f.blocks[i], "seed") == NULL)
			continue;
		sig_vec_read(&f.blocks[i], &v);
		check(&f.blocks[i], &v);
		n++;
	}
	vec_free(&f);
	assert_int_equal(n, PACKET_BLOCKS);
}

static void
check_packet(const struct vec_block *b, const struct sig_vec *v)
{
	uint8_t plain[NATIVE_PLAIN_LEN], pkt[SIGNED_LEN];
	struct native_request req = v->req, back;
	struct user_keys k;
	(void)b;

	/* signed_encode sets version 2 whatever req says. */
	assert_int_equal(user_keys_derive(v->secret, &k), 0);
	assert_int_equal(signed_encode(&k, v->seed, &req, v->nonce, &v->server,
	    v->port, pkt), 0);
	assert_memory_equal(pkt, v->packet, SIGNED_LEN);
	req.version = NATIVE_SIGNED_VERSION;
	assert_int_equal(native_plaintext_encode(&req, plain), 0);
	assert_memory_equal(plain, v->plaintext, NATIVE_PLAIN_LEN);
	assert_int_equal(native_plaintext_decode(plain, &back), 0);
	assert_int_equal(back.version, NATIVE_SIGNED_VERSION);
	assert_int_equal(back.time, v->req.time);
	assert_string_equal(back.request, v->req.request);
	/* The first 115 bytes are the native packet of a version-2 request. */
	assert_int_equal(native_encode(&k, &req, v->nonce, &v->server, v->port,
	    pkt), 0);
	assert_memory_equal(pkt, v->packet, NATIVE_LEN);
	user_keys_clear(&k);
}

static void
test_signed_packets(void **state)
{
	(void)state;
	each_packet_block(check_packet);
}

/* knock's payload builder, with the vector's time and nonce. */
static void
check_payload(const struct vec_block *b, const struct sig_vec *v)
{
	uint8_t out[PAYLOAD_MAX];
	struct payload_input in = {
		.format = PAYLOAD_SIGNED, .secret = v->secret, .seed = v->seed,
		.dst = v->server, .src = v->server, .dport = v->port,
		.sport = 40000, .allow = v->req.allow,
		.request = vec_need(b, "request"), .time = (int64_t)v->req.time,
	};
	size_t len = 0;

	memcpy(in.nonce, v->nonce, sizeof(in.nonce));
	assert_int_equal(payload_build(&in, out, &len), 0);
	assert_int_equal(len, SIGNED_LEN);
	assert_memory_equal(out, v->packet, SIGNED_LEN);
	assert_memory_equal(payload_tag(PAYLOAD_SIGNED, out),
	    v->packet + NATIVE_OFF_TAG, SPA_MAC_LEN);
	assert_string_equal(payload_format_name(PAYLOAD_SIGNED), "signed");
	/* Signed without a seed is a caller's mistake, never a native knock. */
	in.seed = NULL;
	assert_int_equal(payload_build(&in, out, &len), SPA_ERR_INVALID);
	assert_int_equal(len, 0);
}

static void
test_signed_payload_build(void **state)
{
	(void)state;
	each_packet_block(check_payload);
}

static void
check_keys(const struct vec_block *b, const struct sig_vec *v)
{
	uint8_t pub[SIGN_PUBLIC_LEN], secret[SPA_SECRET_LEN], seed[SIGN_SEED_LEN];
	char text[SPA_SIGNING_KEY_B64_LEN + 1];
	int has_seed = -1, len = -1;

	assert_int_equal(sign_public_of(v->seed, pub), 0);
	assert_memory_equal(pub, v->pub, SIGN_PUBLIC_LEN);
	assert_true(sign_public_valid(v->pub));
	/* client_key is base64 of S || seed, both ways. */
	assert_int_equal(strlen(vec_need(b, "client_key")),
	    SPA_SIGNING_KEY_B64_LEN);
	assert_int_equal(key_decode_client(vec_need(b, "client_key"), secret,
	    seed, &has_seed), 0);
	assert_int_equal(has_seed, 1);
	assert_memory_equal(secret, v->secret, SPA_SECRET_LEN);
	assert_memory_equal(seed, v->seed, SIGN_SEED_LEN);
	key_encode_signing(v->secret, v->seed, text);
	assert_string_equal(text, vec_need(b, "client_key"));
	/* Where only a secret is taken, the 64 bytes are refused. */
	assert_int_equal(key_decode(vec_need(b, "client_key"), secret, &len),
	    SPA_ERR_KEY_LENGTH);
	assert_int_equal(len, SPA_SIGNING_KEY_LEN);
	/* The secret alone is a client key without a seed. */
	memset(seed, 0xaa, sizeof(seed));
	assert_int_equal(key_decode_client(vec_need(b, "secret"), secret, seed,
	    &has_seed), 0);
	assert_int_equal(has_seed, 0);
	assert_memory_equal(secret, v->secret, SPA_SECRET_LEN);
	for (size_t i = 0; i < sizeof(seed); i++)
		assert_int_equal(seed[i], 0);
}

static void
test_signed_keys(void **state)
{
	(void)state;
	each_packet_block(check_keys);
}

/* The user blocks' public keys (base64) are the packet blocks' (hex). */
static void
test_signed_user_public(void **state)
{
	struct vec_file f;
	uint8_t pub[SIGN_PUBLIC_LEN], want[SIGN_PUBLIC_LEN];
	size_t n = 0;
	(void)state;

	vec_load(VECTORS, &f);
	vec_hex(&f.blocks[0], "public", want, sizeof(want), SIGN_PUBLIC_LEN);
	for (size_t i = 0; i < f.nblocks; i++) {
		const char *text = vec_get(&f.blocks[i], "public");

		if (vec_get(&f.blocks[i], "user") == NULL || text == NULL)
			continue;
		assert_int_equal(key_decode(text, pub, NULL), 0);
		assert_memory_equal(pub, want, SIGN_PUBLIC_LEN);
		assert_true(sign_public_valid(pub));
		n++;
	}
	vec_free(&f);
	assert_true(n >= 1);
}

static void
check_signature(const struct vec_block *b, const struct sig_vec *v)
{
	uint8_t msg[SIGNED_MESSAGE_LEN], sig[SIGN_LEN];
	struct sign_verifier *ver = NULL;
	struct spa_addr other;
	(void)b;

	assert_int_equal(sign_verifier_new(v->pub, &ver), 0);
	signed_message(v->packet, &v->server, v->port, msg);
	assert_memory_equal(msg, SIGNED_CONTEXT, SIGNED_CONTEXT_LEN);
	assert_memory_equal(msg + SIGNED_CONTEXT_LEN, v->packet, NATIVE_LEN);
	assert_int_equal(msg[SIGNED_MESSAGE_LEN - 2], v->port >> 8);
	assert_int_equal(msg[SIGNED_MESSAGE_LEN - 1], v->port & 0xff);
	memcpy(sig, v->packet + NATIVE_LEN, SIGN_LEN);
	assert_true(sign_verify(ver, msg, sizeof(msg), sig));
	/* Any bit flipped in the signature or the message: refused. */
	for (size_t bit = 0; bit < 8 * SIGN_LEN; bit += 37) {
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_false(sign_verify(ver, msg, sizeof(msg), sig));
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	msg[SIGNED_CONTEXT_LEN + NATIVE_OFF_TAG] ^= 0x01;
	assert_false(sign_verify(ver, msg, sizeof(msg), sig));
	/* The server's address and port are bound. */
	signed_message(v->packet, &v->server, (uint16_t)(v->port + 1), msg);
	assert_false(sign_verify(ver, msg, sizeof(msg), sig));
	other = v->server;
	other.bytes[SPA_ADDR_LEN - 1] ^= 0x01;
	signed_message(v->packet, &other, v->port, msg);
	assert_false(sign_verify(ver, msg, sizeof(msg), sig));
	sign_verifier_free(ver);
}

static void
test_signed_verify(void **state)
{
	(void)state;
	each_packet_block(check_signature);
}

/* Keys anyone's signature could pass, and encodings of no point. */
static void
test_signed_public_refused(void **state)
{
	static const char *const bad[] = {
		/* all zeros: y = 0, a point of order 4 */
		"0000000000000000000000000000000000000000000000000000000000000000",
		/* 0x01 then zeros: the identity */
		"0100000000000000000000000000000000000000000000000000000000000000",
		/* the identity with the sign bit set: x = 0 has no negative */
		"0100000000000000000000000000000000000000000000000000000000000080",
		/* y = p and y = p + 1: non-canonical (y >= p) */
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		/* y = 2^255 - 1, the largest 255-bit y */
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		/* y = p - 1: (0, -1), of order 2 */
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		/* a point of order 8 */
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		/* y = 2: x^2 has no square root, not on the curve */
		"0200000000000000000000000000000000000000000000000000000000000000",
	};
	struct sign_verifier *ver;
	uint8_t pub[SIGN_PUBLIC_LEN];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (size_t j = 0; j < SIGN_PUBLIC_LEN; j++) {
			char byte[3] = { bad[i][2 * j], bad[i][2 * j + 1], '\0' };

			pub[j] = (uint8_t)strtoul(byte, NULL, 16);
		}
		assert_false(sign_public_valid(pub));
		ver = (struct sign_verifier *)(uintptr_t)1;    /* set to NULL */
		assert_int_equal(sign_verifier_new(pub, &ver), SPA_ERR_INVALID);
		assert_null(ver);
	}
}

/* Client key text that is neither 32 nor 64 bytes is refused. */
static void
test_signed_client_key_bad(void **state)
{
	static const struct { const char *text; int rc; } bad[] = {
		{ "", SPA_ERR_BASE64 },
		{ "not base64!", SPA_ERR_BASE64 },
		{ "AAAAAAAAAAAAAAAAAAAAAA==", SPA_ERR_KEY_LENGTH },     /* 16 */
		/* 48 bytes */
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		  "AAAAAAAA", SPA_ERR_KEY_LENGTH },
		/* 63 bytes */
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		  "AAAAAAAAAAAAAAAAAAAAAAAAAAAA", SPA_ERR_KEY_LENGTH },
		/* 65 bytes: 88 characters too, with one '=' */
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		  "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", SPA_ERR_KEY_LENGTH },
	};
	uint8_t secret[SPA_SECRET_LEN], seed[SIGN_SEED_LEN];
	int has_seed;
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		has_seed = -1;
		assert_int_equal(key_decode_client(bad[i].text, secret, seed,
		    &has_seed), bad[i].rc);
		assert_int_equal(has_seed, 0);
	}
}

/* Signing key files: private, one line of 88 characters, refused where a
 * 32-byte secret is expected. */
static void
test_signed_key_files(void **state)
{
	char dir[] = "/tmp/spa-signkey-XXXXXX", path[64], text[128];
	uint8_t secret[SPA_SECRET_LEN], seed[SIGN_SEED_LEN];
	uint8_t s2[SPA_SECRET_LEN], seed2[SIGN_SEED_LEN];
	struct stat st;
	FILE *f;
	int has_seed;
	(void)state;

	for (size_t i = 0; i < sizeof(secret); i++) {
		secret[i] = (uint8_t)i;
		seed[i] = (uint8_t)(0xff - i);
	}
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k", dir);
	assert_int_equal(key_load_client_file(path, s2, seed2, &has_seed),
	    SPA_ERR_SYSTEM);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(key_save_signing_file(path, secret, seed, 0), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, SPA_SIGNING_KEY_B64_LEN + 1);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_int_equal(strlen(text), SPA_SIGNING_KEY_B64_LEN + 1);
	assert_int_equal(text[SPA_SIGNING_KEY_B64_LEN], '\n');
	assert_int_equal(key_load_client_file(path, s2, seed2, &has_seed), 0);
	assert_int_equal(has_seed, 1);
	assert_memory_equal(s2, secret, sizeof(secret));
	assert_memory_equal(seed2, seed, sizeof(seed));
	assert_int_equal(key_load_file(path, s2), SPA_ERR_KEY_LENGTH);
	/* No replacing unless asked; replacing makes the file private. */
	assert_int_equal(key_save_signing_file(path, seed, secret, 0),
	    SPA_ERR_SYSTEM);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(key_load_client_file(path, s2, seed2, &has_seed),
	    SPA_ERR_KEY_MODE);
	assert_int_equal(key_save_signing_file(path, seed, secret, 1), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(key_load_client_file(path, s2, seed2, &has_seed), 0);
	assert_memory_equal(s2, seed, sizeof(seed));
	assert_memory_equal(seed2, secret, sizeof(secret));
	/* A 32-byte key file is a client key without a seed. */
	assert_int_equal(key_save_file(path, secret, 1), 0);
	assert_int_equal(key_load_client_file(path, s2, seed2, &has_seed), 0);
	assert_int_equal(has_seed, 0);
	assert_memory_equal(s2, secret, sizeof(secret));
	testfile_write(NULL, path, "AAAA\n", 0600);
	assert_int_equal(key_load_client_file(path, s2, seed2, &has_seed),
	    SPA_ERR_KEY_LENGTH);
	unlink(path);
	assert_int_equal(key_load_client_file(dir, s2, seed2, &has_seed),
	    SPA_ERR_KEY_NOT_FILE);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_packets),
		cmocka_unit_test(test_signed_payload_build),
		cmocka_unit_test(test_signed_keys),
		cmocka_unit_test(test_signed_user_public),
		cmocka_unit_test(test_signed_verify),
		cmocka_unit_test(test_signed_public_refused),
		cmocka_unit_test(test_signed_client_key_bad),
		cmocka_unit_test(test_signed_key_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
