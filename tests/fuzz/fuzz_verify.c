/*
 * libFuzzer harness for the decision function: any payload, any ports,
 * against three users (erin signs), at a time taken from the input.  Every
 * verdict is fine; a crash, a sanitizer report or an accepted forgery is
 * not.  A second mode takes a genuine signed knock of erin's
 * (tests/vectors/signed.txt, "signed accept") and flips the signature's
 * bits the input says: any change must give forged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "key.h"
#include "verify.h"

static struct verifier *verifier;
static struct replay_cache *replay;

static void
fuzz_init(void)
{
	static const char *const requests[] = { "ssh", "tcp/22", "backup:full" };
	struct verifier_user users[3] = {
		{ .name = "alice", .requests = requests, .nrequests = 2,
		  .classic = 1 },
		{ .name = "bob", .requests = requests + 2, .nrequests = 1,
		  .nat = 1, .classic = 1 },
		{ .name = "erin", .requests = requests, .nrequests = 1,
		  .has_public = 1 },
	};
	struct verifier_options opt = { .window = 60, .native = 1,
	    .signed_fmt = 1, .classic = 1 };

	key_decode("PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=",
	    users[0].secret, NULL);
	key_decode("Z5OLITqourkxo91uCSxGkb/RohkNQf+wTuroT5IeBUU=",
	    users[1].secret, NULL);
	key_decode("RgSmeolA53k0vigF4OiTK8E+81MwqS4G8QiCmnXnkA4=",
	    users[2].secret, NULL);
	key_decode("P9s/UbGMmbj6FJA8WaQl+l66rJuMBKX4UT9xMMeY+io=",
	    users[2].public_key, NULL);
	if (verifier_new(users, 3, &opt, &verifier) != 0 ||
	    replay_new(&replay) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char erin_knock[] =
    "4944d526c70a36ef3370205c94a66bdf5c73ad84014de0e0e61551630ac5089f86ce42"
    "12cab9edfe46bdf9d1769dff465624d98958544f2db6aa3116fc31a2a891adb75d7d7b"
    "dec7504461dcf69c6d3c1f67c2b8b01b2d3e65a83215ca66bcbab39cebeccd0f63a814"
    "1a4dd914f6736452ffe723f8c4997b1cc6e4c0c19ff21bbf4e648f73f3df24b5f04a0f"
    "fa59ebec7bf79dc8ca10eb578ae465a24937b7e1f690814cd6bb28aa8c2f7ab7df9c54"
    "f5710808";

/* erin's genuine knock with its signature changed by data: forged. */
static void
fuzz_signature(const uint8_t *data, size_t size)
{
	uint8_t pkt[179], flips = 0;
	struct spa_packet p = { .payload = pkt, .len = sizeof(pkt),
	    .sport = 40000, .dport = 5001 };
	struct spa_decision d;

	for (size_t i = 0; i < sizeof(pkt); i++) {
		unsigned v;

		sscanf(erin_knock + 2 * i, "%2x", &v);
		pkt[i] = (uint8_t)v;
	}
	for (size_t i = 0; i < size && i < 64; i++) {
		pkt[115 + i] ^= data[i];
		flips |= data[i];
	}
	if (flips == 0)
		return;
	addr_parse("198.51.100.1", &p.src);
	addr_parse("198.51.100.2", &p.dst);
	verifier_decide(verifier, replay, &p, 1764237005, &d);
	if (d.verdict != VERDICT_FORGED)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spa_packet pkt = { 0 };
	struct spa_decision d;
	int64_t now = 1764237000;

	if (verifier == NULL)
		fuzz_init();
	if (size < 4)
		return 0;
	if ((data[2] & 6) == 6) {       /* a quarter of the inputs: it is slow */
		fuzz_signature(data + 4, size - 4);
		return 0;
	}
	now += (int64_t)(data[0] | data[1] << 8) - 32768;
	addr_parse(data[2] & 1 ? "2001:db8::1" : "198.51.100.1", &pkt.src);
	addr_parse(data[2] & 1 ? "2001:db8::2" : "198.51.100.2", &pkt.dst);
	pkt.sport = (uint16_t)(1024 + data[3]);
	pkt.dport = 5001;
	pkt.payload = data + 4;
	pkt.len = size - 4;
	verifier_decide(verifier, replay, &pkt, now, &d);
	if (d.verdict == VERDICT_ACCEPTED)
		abort();        /* nobody but a key holder can get here */
	return 0;
}
