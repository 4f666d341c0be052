/*
 * libFuzzer harness for the decision function: any payload, any ports,
 * against two users, at a time taken from the input.  Every verdict is
 * fine; a crash, a sanitizer report or an accepted forgery is not.
 */
#include <stdint.h>
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
	struct verifier_user users[2] = {
		{ .name = "alice", .requests = requests, .nrequests = 2,
		  .classic = 1 },
		{ .name = "bob", .requests = requests + 2, .nrequests = 1,
		  .nat = 1, .classic = 1 },
	};
	struct verifier_options opt = { .window = 60, .native = 1,
	    .classic = 1 };

	key_decode("PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=",
	    users[0].secret, NULL);
	key_decode("Z5OLITqourkxo91uCSxGkb/RohkNQf+wTuroT5IeBUU=",
	    users[1].secret, NULL);
	if (verifier_new(users, 2, &opt, &verifier) != 0 ||
	    replay_new(&replay) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
