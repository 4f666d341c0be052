/*
 * The sniffer's pipeline on whole frames: doc/protocol.md native step 3, a
 * frame is decided only when its destination is the server's own.  A knock
 * made for another server that shares the key (valid MAC for that server's
 * address) is not-spa when the host's addresses (ownaddr on lo) lack that
 * address, accepted when every destination counts (offline, own NULL);
 * `address` and `public_address` count as the server's own; a frame to
 * another destination never reaches the lockout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "frame.h"
#include "key.h"
#include "ownaddr.h"
#include "payload.h"
#include "replay.h"
#include "segment.h"
#include "server.h"

#define ALICE_KEY "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="
#define CLIENT "198.51.100.1"
#define FOREIGN "192.0.2.99"    /* another server, not on this host */
#define NOW 1764237005

struct frame {
	uint8_t bytes[SEGMENT_MAX];
	size_t len;
};

/* A native knock from CLIENT for request ssh, its MAC bound to mac_dst,
 * in an IP datagram to ip_dst (they differ behind NAT).  tamper: a wrong
 * tag. */
static void
knock_frame(const char *mac_dst, const char *ip_dst, int tamper,
    struct frame *f)
{
	uint8_t secret[SPA_SECRET_LEN], payload[PAYLOAD_MAX];
	char err[SEGMENT_ERR_MAX];
	struct payload_input in = {
		.format = PAYLOAD_NATIVE, .secret = secret, .sport = 40000,
		.dport = 5001, .request = "ssh", .time = NOW,
	};
	struct segment_input seg = { .sport = 40000, .dport = 5001,
	    .seq = 1, .ip_id = 1, .flags = 0x02 };
	size_t len;

	assert_int_equal(key_decode(ALICE_KEY, secret, NULL), 0);
	assert_int_equal(addr_parse(CLIENT, &in.src), 0);
	assert_int_equal(addr_parse(mac_dst, &in.dst), 0);
	in.allow = in.src;
	memset(in.nonce, 0x5a, sizeof(in.nonce));
	assert_int_equal(payload_build(&in, payload, &len), 0);
	if (tamper)
		payload[len - 1] ^= 1;
	seg.src = in.src;
	assert_int_equal(addr_parse(ip_dst, &seg.dst), 0);
	assert_int_equal(segment_build(&seg, payload, len, f->bytes, &f->len,
	    err), 0);
}

/* Loads a configuration: alice may ssh, plus the [sniffer] lines extra. */
static struct conf *
conf_with(const char *extra)
{
	char text[1024], err[CONF_ERR_MAX];
	struct conf *c;

	snprintf(text, sizeof(text), "[sniffer]\nwindow = 60\nstate =\n%s\n"
	    "[user alice]\nkey = " ALICE_KEY "\nallow = ssh\n"
	    "[action ssh]\nopen = tcp/22\n", extra);
	if (conf_load_string("test.conf", text, &c, err) != 0)
		fail_msg("%s", err);
	return c;
}

/* The verdict of one frame for a new server (with its own replay cache). */
static enum spa_verdict
decide_once(const struct conf *c, const struct ownaddr *own,
    const struct frame *f, struct server_frame *out)
{
	char err[512];
	struct replay_cache *rc;
	struct server *s;

	assert_int_equal(replay_new(&rc), 0);
	if (server_new(c, rc, own, &s, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	server_decide(s, DLT_RAW, f->bytes, f->len, NOW, out);
	assert_true(out->decoded);
	assert_int_equal(server_count(s, out->decision.verdict), 1);
	server_free(s);
	replay_free(rc);
	return out->decision.verdict;
}

static void
test_foreign_destination(void **state)
{
	struct conf *c = conf_with("");
	struct server_frame out;
	struct ownaddr *lo;
	struct frame f;
	(void)state;

	assert_int_equal(ownaddr_new("lo", &lo), 0);
	knock_frame(FOREIGN, FOREIGN, 0, &f);
	/* Live, no address configured: not this host's, never decided. */
	assert_int_equal(decide_once(c, lo, &f, &out), VERDICT_NOT_SPA);
	assert_true(out.foreign);
	assert_int_equal(out.decision.user, -1);
	assert_null(out.action);
	/* Offline without address: every destination counts. */
	assert_int_equal(decide_once(c, NULL, &f, &out), VERDICT_ACCEPTED);
	assert_false(out.foreign);
	/* The same knock made for this host's own address is accepted. */
	knock_frame("127.0.0.1", "127.0.0.1", 0, &f);
	assert_int_equal(decide_once(c, lo, &f, &out), VERDICT_ACCEPTED);
	assert_non_null(out.action);
	ownaddr_free(lo);
	conf_free(c);
}

/* A configured address is the server's own, and the only one, own or not. */
static void
test_configured_address(void **state)
{
	struct conf *c = conf_with("address = " FOREIGN);
	struct server_frame out;
	struct ownaddr *lo;
	struct frame f;
	(void)state;

	assert_int_equal(ownaddr_new("lo", &lo), 0);
	knock_frame(FOREIGN, FOREIGN, 0, &f);
	assert_int_equal(decide_once(c, lo, &f, &out), VERDICT_ACCEPTED);
	knock_frame("127.0.0.1", "127.0.0.1", 0, &f);
	assert_int_equal(decide_once(c, lo, &f, &out), VERDICT_NOT_SPA);
	assert_int_equal(decide_once(c, NULL, &f, &out), VERDICT_NOT_SPA);
	assert_true(out.foreign);
	ownaddr_free(lo);
	conf_free(c);
}

/* Behind NAT: the knock is made for the public address, the frame arrives
 * DNAT'd to an address of the host (accepted), and a frame to the public
 * address itself is the server's too. */
static void
test_public_address(void **state)
{
	struct conf *c = conf_with("public_address = 203.0.113.5");
	struct server_frame out;
	struct ownaddr *lo;
	struct frame f;
	(void)state;

	assert_int_equal(ownaddr_new("lo", &lo), 0);
	knock_frame("203.0.113.5", "127.0.0.1", 0, &f);
	assert_int_equal(decide_once(c, lo, &f, &out), VERDICT_ACCEPTED);
	knock_frame("203.0.113.5", "203.0.113.5", 0, &f);
	assert_int_equal(decide_once(c, lo, &f, &out), VERDICT_ACCEPTED);
	/* Made for the public address, but sent to another host. */
	knock_frame("203.0.113.5", FOREIGN, 0, &f);
	assert_int_equal(decide_once(c, lo, &f, &out), VERDICT_NOT_SPA);
	ownaddr_free(lo);
	conf_free(c);
}

/* lockout = 1/60: one bad-mac locks a source out; frames to another host
 * do not count, so its own knock after them is still accepted. */
static void
test_foreign_not_counted_for_lockout(void **state)
{
	struct conf *c = conf_with("lockout = 1/60");
	struct server_frame out;
	struct replay_cache *rc;
	struct ownaddr *lo;
	struct server *s;
	struct frame f;
	char err[512];
	(void)state;

	assert_int_equal(ownaddr_new("lo", &lo), 0);
	assert_int_equal(replay_new(&rc), 0);
	assert_int_equal(server_new(c, rc, lo, &s, err, sizeof(err)), 0);
	knock_frame(FOREIGN, FOREIGN, 1, &f);
	for (int i = 0; i < 3; i++) {
		server_decide(s, DLT_RAW, f.bytes, f.len, NOW, &out);
		assert_int_equal(out.decision.verdict, VERDICT_NOT_SPA);
		assert_false(out.locked_now);
	}
	knock_frame("127.0.0.1", "127.0.0.1", 0, &f);
	server_decide(s, DLT_RAW, f.bytes, f.len, NOW, &out);
	assert_int_equal(out.decision.verdict, VERDICT_ACCEPTED);
	assert_int_equal(server_count(s, VERDICT_NOT_SPA), 3);
	assert_int_equal(server_count(s, VERDICT_BAD_MAC), 0);
	/* recounting: one accepted found a replay; none of a verdict with
	 * none counted, nor of what is no verdict */
	server_recount(s, VERDICT_ACCEPTED, VERDICT_REPLAY);
	assert_int_equal(server_count(s, VERDICT_ACCEPTED), 0);
	assert_int_equal(server_count(s, VERDICT_REPLAY), 1);
	server_recount(s, VERDICT_ACCEPTED, VERDICT_REPLAY);
	assert_int_equal(server_count(s, VERDICT_REPLAY), 1);
	server_recount(s, (enum spa_verdict)VERDICT_COUNT, VERDICT_REPLAY);
	server_recount(s, VERDICT_NOT_SPA, (enum spa_verdict)VERDICT_COUNT);
	assert_int_equal(server_count(s, VERDICT_REPLAY), 1);
	assert_int_equal(server_count(s, VERDICT_NOT_SPA), 3);
	assert_int_equal(server_count(s, (enum spa_verdict)VERDICT_COUNT), 0);
	server_free(s);
	replay_free(rc);
	ownaddr_free(lo);
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_foreign_destination),
		cmocka_unit_test(test_configured_address),
		cmocka_unit_test(test_public_address),
		cmocka_unit_test(test_foreign_not_counted_for_lockout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
