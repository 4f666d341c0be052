/*
 * libFuzzer harness for the signed format (doc/protocol.md "Signed
 * format") behind its MAC: the input is what a holder of erin's shared
 * secret controls.  Byte 0 holds flags, bytes 1..59 the plaintext, the
 * next 64 (when present) a signature, two more the server's clock offset.
 * The harness encrypts and tags the plaintext with the shared secret, as
 * any key holder can, so the decision reaches the signature check and the
 * plaintext parser:
 *   - with flag 1, the harness signs with erin's seed (the genuine client):
 *     an accepted packet must carry a plaintext that re-encodes to exactly
 *     the bytes sent (the parser is strict), version 2, and the address
 *     and request the decision reports;
 *   - without it, the signature is the input's: a key holder without the
 *     seed must never be accepted.
 * A crash, a sanitizer report or a broken promise is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "crypto.h"
#include "key.h"
#include "replay.h"
#include "userkey.h"
#include "verify.h"
#include "wire_signed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct verifier *verifier;
static struct replay_cache *replay;
static struct user_keys erin;
static uint8_t seed[SIGN_SEED_LEN];
static struct spa_addr server;

static void
fuzz_init(void)
{
	static const char *const requests[] = { "ssh", "tcp/22" };
	struct verifier_user u = { .name = "erin", .requests = requests,
	    .nrequests = 2, .has_public = 1 };
	struct verifier_options opt = { .window = 60, .native = 1,
	    .signed_fmt = 1 };
	/* tests/vectors/signed.txt, signed-v4-ssh */
	static const char hexseed[] =
	    "1ef2582f0d9a6157a2b062d0da4fea1c0d723433404593e6dc3c6a212bcf82ed";

	if (key_decode("RgSmeolA53k0vigF4OiTK8E+81MwqS4G8QiCmnXnkA4=",
	    u.secret, NULL) != 0 || user_keys_derive(u.secret, &erin) != 0)
		abort();
	for (size_t i = 0; i < SIGN_SEED_LEN; i++) {
		unsigned v;

		if (sscanf(hexseed + 2 * i, "%2x", &v) != 1)
			abort();
		seed[i] = (uint8_t)v;
	}
	if (sign_public_of(seed, u.public_key) != 0 ||
	    verifier_new(&u, 1, &opt, &verifier) != 0 ||
	    replay_new(&replay) != 0 || addr_parse("198.51.100.2", &server) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t plain[NATIVE_PLAIN_LEN], pkt[SIGNED_LEN], again[NATIVE_PLAIN_LEN];
	uint8_t msg[SIGNED_MESSAGE_LEN], nonce[NATIVE_NONCE_LEN] = { 7 };
	struct spa_packet p = { .payload = pkt, .len = sizeof(pkt),
	    .sport = 40000, .dport = 5001 };
	struct native_request req;
	struct spa_decision d;
	uint64_t t = 0;
	int64_t now;
	int genuine;

	if (verifier == NULL)
		fuzz_init();
	if (size < 1 + NATIVE_PLAIN_LEN)
		return 0;
	genuine = data[0] & 1;
	memcpy(plain, data + 1, NATIVE_PLAIN_LEN);
	for (int i = 1; i <= 8; i++)
		t = t << 8 | plain[i];
	/* The clock: the knock's own time, give or take, when it is one a
	 * server's clock can show (the clock is not the sender's to pick). */
	now = t < (uint64_t)1 << 40 ? (int64_t)t : 1764237000;
	if (size >= 1 + NATIVE_PLAIN_LEN + SIGN_LEN + 2)
		now += (int8_t)data[1 + NATIVE_PLAIN_LEN + SIGN_LEN];
	/* The source the allowed address names (family byte 4: mapped),
	 * unless flag 2 asks for another. */
	if (data[0] & 2)
		addr_parse("203.0.113.9", &p.src);
	else if (plain[9] == 4)
		addr_from_v4(&p.src, plain + 10 + 12);
	else
		addr_from_v6(&p.src, plain + 10);
	p.dst = server;

	native_locator(&erin.loc, t / NATIVE_EPOCH_SECONDS, pkt);
	memcpy(pkt + NATIVE_OFF_NONCE, nonce, sizeof(nonce));
	if (cipher_ctr(&erin.enc, nonce, plain, sizeof(plain),
	    pkt + NATIVE_OFF_CIPHER) != 0)
		abort();
	native_tag(&erin.mac, pkt, &server, p.dport, pkt + NATIVE_OFF_TAG);
	if (genuine) {
		signed_message(pkt, &server, p.dport, msg);
		if (sign_make(seed, msg, sizeof(msg), pkt + NATIVE_LEN) != 0)
			abort();
	} else if (size >= 1 + NATIVE_PLAIN_LEN + SIGN_LEN) {
		memcpy(pkt + NATIVE_LEN, data + 1 + NATIVE_PLAIN_LEN, SIGN_LEN);
	} else {
		memset(pkt + NATIVE_LEN, 0, SIGN_LEN);
	}

	verifier_decide(verifier, replay, &p, now, &d);
	if (d.verdict != VERDICT_ACCEPTED)
		return 0;
	if (!genuine)
		abort();        /* forged without the seed */
	if (native_plaintext_decode(plain, &req) != 0 ||
	    req.version != NATIVE_SIGNED_VERSION ||
	    native_plaintext_encode(&req, again) != 0 ||
	    memcmp(again, plain, sizeof(plain)) != 0 ||
	    strcmp(req.request, d.request) != 0 ||
	    !addr_equal(&req.allow, &d.allow) || d.user != 0)
		abort();
	/* The same knock again is a replay; then forget it. */
	verifier_decide(verifier, replay, &p, now, &d);
	if (d.verdict != VERDICT_REPLAY)
		abort();
	replay_free(replay);
	if (replay_new(&replay) != 0)
		abort();
	return 0;
}
