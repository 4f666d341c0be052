/*
 * The decision function against tests/vectors/verdicts.txt: every frame
 * block through verifier_decide, blocks sharing `sequence` sharing one
 * replay cache, with the expected verdict, user, request and address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "key.h"
#include "userkey.h"
#include "vectors.h"
#include "verify.h"
#include "wire_classic.h"
#include "wire_native.h"

#define MAX_USERS 8
#define MAX_WORDS 8

struct fixture {
	struct vec_file f;
	struct verifier_user users[MAX_USERS];
	char *words[MAX_USERS][MAX_WORDS];
	size_t nusers;
};

static void
fixture_user(struct fixture *fx, const struct vec_block *b)
{
	struct verifier_user *u = &fx->users[fx->nusers];
	char *list = strdup(vec_need(b, "requests")), *save = NULL;
	size_t n = 0;

	assert_true(fx->nusers < MAX_USERS);
	u->name = vec_need(b, "user");
	assert_int_equal(key_decode(vec_need(b, "secret"), u->secret, NULL), 0);
	for (char *w = strtok_r(list, " ", &save); w && n < MAX_WORDS;
	    w = strtok_r(NULL, " ", &save))
		fx->words[fx->nusers][n++] = strdup(w);
	free(list);
	u->requests = (const char *const *)fx->words[fx->nusers];
	u->nrequests = n;
	u->nat = strcmp(vec_need(b, "nat"), "yes") == 0;
	u->classic = strcmp(vec_need(b, "classic"), "yes") == 0;
	if (vec_get(b, "public") != NULL) {
		assert_int_equal(key_decode(vec_need(b, "public"),
		    u->public_key, NULL), 0);
		u->has_public = true;
	}
	fx->nusers++;
}

/* The users of a vector file: its blocks that have `requests`. */
static struct fixture *
fixture_load(const char *file)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	vec_load(file, &fx->f);
	for (size_t i = 0; i < fx->f.nblocks; i++)
		if (vec_get(&fx->f.blocks[i], "requests") != NULL)
			fixture_user(fx, &fx->f.blocks[i]);
	assert_true(fx->nusers > 0);
	return fx;
}

static int
fixture_setup(void **state)
{
	*state = fixture_load("verdicts.txt");
	return 0;
}

static void
fixture_free(struct fixture *fx)
{
	for (size_t u = 0; u < MAX_USERS; u++)
		for (size_t w = 0; w < MAX_WORDS; w++)
			free(fx->words[u][w]);
	vec_free(&fx->f);
	free(fx);
}

static int
fixture_teardown(void **state)
{
	fixture_free(*state);
	return 0;
}

static struct verifier *
fixture_verifier(const struct fixture *fx)
{
	struct verifier_options opt = { .window = 60, .native = true,
	    .classic = true };
	struct verifier *v;

	assert_int_equal(verifier_new(fx->users, fx->nusers, &opt, &v), 0);
	return v;
}

static void
packet_of(const struct vec_block *b, struct spa_packet *p, uint8_t *buf,
    size_t cap)
{
	memset(p, 0, sizeof(*p));
	assert_int_equal(addr_parse(vec_need(b, "src"), &p->src), 0);
	assert_int_equal(addr_parse(vec_need(b, "dst"), &p->dst), 0);
	p->sport = (uint16_t)atoi(vec_need(b, "sport"));
	p->dport = (uint16_t)atoi(vec_need(b, "dport"));
	p->len = vec_hex(b, "payload", buf, cap, 0);
	p->payload = buf;
}

static void
expect_decision(const struct vec_block *b, const struct spa_decision *d)
{
	const char *name = vec_need(b, "name"), *want = vec_need(b, "verdict");
	char addr[SPA_ADDRSTRLEN];

	if (strcmp(verdict_word(d->verdict), want) != 0)
		fail_msg("%s: verdict %s, want %s", name,
		    verdict_word(d->verdict), want);
	if (d->verdict == VERDICT_STALE && vec_get(b, "skew") != NULL &&
	    d->skew != strtoll(vec_get(b, "skew"), NULL, 10))
		fail_msg("%s: skew %lld, want %s", name, (long long)d->skew,
		    vec_get(b, "skew"));
	if (d->verdict != VERDICT_ACCEPTED)
		return;
	assert_non_null(d->user_name);
	assert_string_equal(d->user_name, vec_need(b, "user"));
	assert_string_equal(d->request, vec_need(b, "request"));
	assert_string_equal(addr_format(&d->allow, addr), vec_need(b, "allow"));
}

/* Every verdict block of fx, in order, each sequence with a fresh
 * replay cache; returns how many frames were decided. */
static size_t
run_verdicts(const struct fixture *fx, const struct verifier_options *opt)
{
	struct verifier *v;
	struct replay_cache *rc = NULL;
	const char *seq = NULL;
	size_t frames = 0;

	assert_int_equal(verifier_new(fx->users, fx->nusers, opt, &v), 0);
	for (size_t i = 0; i < fx->f.nblocks; i++) {
		const struct vec_block *b = &fx->f.blocks[i];
		const char *s = vec_get(b, "sequence");
		uint8_t buf[512];
		struct spa_packet p;
		struct spa_decision d;

		if (vec_get(b, "verdict") == NULL)
			continue;
		/* A fresh server unless this block continues a sequence. */
		if (s == NULL || seq == NULL || strcmp(s, seq) != 0) {
			replay_free(rc);
			assert_int_equal(replay_new(&rc), 0);
		}
		seq = s;
		packet_of(b, &p, buf, sizeof(buf));
		verifier_decide(v, rc, &p, strtoll(vec_need(b, "now"), NULL, 10),
		    &d);
		expect_decision(b, &d);
		frames++;
	}
	replay_free(rc);
	verifier_free(v);
	return frames;
}

static void
test_verdict_vectors(void **state)
{
	struct verifier_options opt = { .window = 60, .native = true,
	    .classic = true };

	assert_true(run_verdicts(*state, &opt) >= 20);
}

/* The signed vectors, with the formats a default configuration accepts;
 * a forged knock names the user whose secret it used. */
static void
test_signed_vectors(void **state)
{
	struct fixture *fx = fixture_load("signed.txt");
	struct verifier_options opt = { .window = 60, .native = true,
	    .signed_fmt = true };
	struct replay_cache *rc;
	struct verifier *v;
	struct spa_decision d;
	struct spa_packet p;
	uint8_t buf[512];
	size_t forged = 0;
	(void)state;

	assert_true(run_verdicts(fx, &opt) >= 12);
	assert_int_equal(replay_new(&rc), 0);
	assert_int_equal(verifier_new(fx->users, fx->nusers, &opt, &v), 0);
	for (size_t i = 0; i < fx->f.nblocks; i++) {
		const struct vec_block *b = &fx->f.blocks[i];
		const char *want = vec_get(b, "verdict");

		if (want == NULL || strcmp(want, "forged") != 0)
			continue;
		packet_of(b, &p, buf, sizeof(buf));
		verifier_decide(v, rc, &p, strtoll(vec_need(b, "now"), NULL,
		    10), &d);
		assert_int_equal(d.verdict, VERDICT_FORGED);
		assert_non_null(d.user_name);
		assert_string_equal(d.user_name, "erin");
		forged++;
	}
	assert_int_equal(forged, 3);
	verifier_free(v);
	/* Without signed in formats a 179-byte payload is not SPA at all. */
	opt.signed_fmt = false;
	assert_int_equal(verifier_new(fx->users, fx->nusers, &opt, &v), 0);
	packet_of(&fx->f.blocks[fx->nusers + 3], &p, buf, sizeof(buf));
	assert_int_equal(p.len, 179);
	verifier_decide(v, rc, &p, strtoll(vec_need(&fx->f.blocks[
	    fx->nusers + 3], "now"), NULL, 10), &d);
	assert_int_equal(d.verdict, VERDICT_NOT_SPA);
	verifier_free(v);
	replay_free(rc);
	fixture_free(fx);
}

/* The first accepted native vector, re-sent to another server address:
 * bad-mac, unless that address is configured as public_address. */
static void
test_public_address(void **state)
{
	struct fixture *fx = *state;
	struct verifier_options opt = { .window = 60, .native = true };
	const struct vec_block *b = &fx->f.blocks[fx->nusers];
	struct spa_addr pub;
	struct replay_cache *rc;
	struct spa_decision d;
	struct spa_packet p;
	struct verifier *v;
	uint8_t buf[512];
	int64_t now = strtoll(vec_need(b, "now"), NULL, 10);

	assert_string_equal(vec_need(b, "verdict"), "accepted");
	packet_of(b, &p, buf, sizeof(buf));
	pub = p.dst;
	assert_int_equal(addr_parse("192.0.2.10", &p.dst), 0);
	assert_int_equal(replay_new(&rc), 0);
	assert_int_equal(verifier_new(fx->users, fx->nusers, &opt, &v), 0);
	verifier_decide(v, rc, &p, now, &d);
	assert_int_equal(d.verdict, VERDICT_BAD_MAC);
	verifier_free(v);
	opt.public_addrs = &pub;
	opt.npublic = 1;
	assert_int_equal(verifier_new(fx->users, fx->nusers, &opt, &v), 0);
	verifier_decide(v, rc, &p, now, &d);
	assert_int_equal(d.verdict, VERDICT_ACCEPTED);
	verifier_free(v);
	replay_free(rc);
}

/* A disabled format, or a user without classic, is not accepted. */
static void
test_formats_disabled(void **state)
{
	struct fixture *fx = *state;
	struct verifier_options native_only = { .window = 60, .native = true };
	struct verifier_options classic_only = { .window = 60, .classic = true };
	struct replay_cache *rc;
	struct spa_decision d;
	struct verifier *v;
	int checked = 0;

	assert_int_equal(replay_new(&rc), 0);
	for (size_t i = fx->nusers; i < fx->f.nblocks; i++) {
		const struct vec_block *b = &fx->f.blocks[i];
		int64_t now = strtoll(vec_need(b, "now"), NULL, 10);
		struct spa_packet p;
		uint8_t buf[512];

		if (strcmp(vec_need(b, "verdict"), "accepted") != 0)
			continue;
		packet_of(b, &p, buf, sizeof(buf));
		assert_int_equal(verifier_new(fx->users, fx->nusers,
		    p.len == NATIVE_LEN ? &classic_only : &native_only, &v), 0);
		verifier_decide(v, rc, &p, now, &d);
		assert_int_equal(d.verdict, VERDICT_NOT_SPA);
		verifier_free(v);
		checked++;
	}
	assert_true(checked >= 3);
	replay_free(rc);
}

/* A classic packet from the first user (alice: classic = yes, request
 * "ssh") at time t, 198.51.100.1:40000 -> 198.51.100.2:5001. */
static void
classic_packet_at(const struct fixture *fx, int64_t t, struct spa_packet *p,
    uint8_t buf[CLASSIC_LEN])
{
	struct user_keys k;

	memset(p, 0, sizeof(*p));
	assert_int_equal(addr_parse("198.51.100.1", &p->src), 0);
	assert_int_equal(addr_parse("198.51.100.2", &p->dst), 0);
	p->sport = 40000;
	p->dport = 5001;
	assert_true(fx->users[0].classic);
	assert_int_equal(user_keys_derive(fx->users[0].secret, &k), 0);
	assert_int_equal(classic_encode(&k.classic, &p->dst, &p->src, p->dport,
	    p->sport, "ssh", t, buf), 0);
	user_keys_clear(&k);
	p->payload = buf;
	p->len = CLASSIC_LEN;
}

/* doc/protocol.md "Classic format": ddHHMM repeats every month, so a classic
 * tag is kept 32 days.  The same frame presented one month later, at the
 * same day, hour and minute, is a replay: after a 30-day, a 31-day and a
 * 28-day month, each with its own replay cache. */
static void
test_classic_replay_a_month_later(void **state)
{
	struct fixture *fx = *state;
	/* 2025-11-09, 2025-12-09 and 2026-02-09, 11:26:30 UTC. */
	const struct { int64_t t0; int days; } months[] = {
		{ 1762687590, 30 }, { 1765279590, 31 }, { 1770636390, 28 },
	};
	struct verifier *v = fixture_verifier(fx);

	for (size_t i = 0; i < sizeof(months) / sizeof(months[0]); i++) {
		int64_t t0 = months[i].t0, t1 = t0 + months[i].days * 86400;
		char m0[7], m1[7];
		int64_t until;
		struct replay_cache *rc;
		struct spa_decision d;
		struct spa_packet p;
		uint8_t buf[CLASSIC_LEN];

		classic_minute(t0, m0);
		classic_minute(t1, m1);
		assert_string_equal(m0, m1);    /* the very same frame */
		assert_int_equal(replay_new(&rc), 0);
		classic_packet_at(fx, t0, &p, buf);
		verifier_decide(v, rc, &p, t0, &d);
		assert_int_equal(d.verdict, VERDICT_ACCEPTED);
		until = d.replay_until;
		verifier_decide(v, rc, &p, t1, &d);
		if (d.verdict != VERDICT_REPLAY)
			fail_msg("%s, %d days later: %s, want replay", m0,
			    months[i].days, verdict_word(d.verdict));
		assert_int_equal(until, t0 + 32 * 86400);
		replay_free(rc);
	}
	verifier_free(v);
}

/* A replay cache that cannot take the tag refuses the knock (step 9). */
static void
test_full_replay_cache_refuses(void **state)
{
	struct fixture *fx = *state;
	struct verifier *v = fixture_verifier(fx);
	const int64_t t0 = 1762687590;
	struct replay_cache *rc;
	struct spa_decision d;
	struct spa_packet p;
	uint8_t buf[CLASSIC_LEN];

	assert_int_equal(replay_new_capped(1, &rc), 0);
	classic_packet_at(fx, t0, &p, buf);
	verifier_decide(v, rc, &p, t0, &d);
	assert_int_equal(d.verdict, VERDICT_ACCEPTED);
	/* Another frame (one minute later: another tag), cache full. */
	classic_packet_at(fx, t0 + 60, &p, buf);
	verifier_decide(v, rc, &p, t0 + 60, &d);
	assert_int_not_equal(d.verdict, VERDICT_ACCEPTED);
	assert_int_equal(replay_count(rc), 1);
	replay_free(rc);
	verifier_free(v);
}

static long alloc_count;

#ifndef __SANITIZE_ADDRESS__
/*
 * Every heap allocation of the process, libc's and OpenSSL's alike, goes
 * through these while the test runs (glibc lets a program interpose them).
 * Under AddressSanitizer, which owns malloc, the test still runs but cannot
 * count.
 */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void free(void *p);

void *
malloc(size_t n)
{
	alloc_count++;
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	alloc_count++;
	return __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	alloc_count++;
	return __libc_realloc(p, n);
}

void
free(void *p)
{
	__libc_free(p);
}
#define ALLOCATIONS_COUNTED 1
#else
#define ALLOCATIONS_COUNTED 0
#endif

/* The per-packet path allocates nothing: every verdict but accepted (an
 * accepted tag is the one thing recorded), decided twice so that the
 * second pass runs with the locator table already built. */
static void
test_decide_allocates_nothing(void **state)
{
	struct fixture *fx = *state;
	struct verifier *v = fixture_verifier(fx);
	struct replay_cache *rc;
	long before;

	assert_int_equal(replay_new(&rc), 0);
	for (int pass = 0; pass < 2; pass++) {
		before = alloc_count;
		for (size_t i = fx->nusers; i < fx->f.nblocks; i++) {
			const struct vec_block *b = &fx->f.blocks[i];
			struct spa_packet p;
			struct spa_decision d;
			uint8_t buf[512];

			packet_of(b, &p, buf, sizeof(buf));
			if (strcmp(vec_need(b, "verdict"), "accepted") == 0)
				continue;
			verifier_decide(v, rc, &p,
			    strtoll(vec_need(b, "now"), NULL, 10), &d);
		}
		if (pass == 1 && ALLOCATIONS_COUNTED)
			assert_int_equal(alloc_count - before, 0);
	}
	replay_free(rc);
	verifier_free(v);
}

/* The first block named name. */
static const struct vec_block *
block_named(const struct fixture *fx, const char *name)
{
	for (size_t i = 0; i < fx->f.nblocks; i++) {
		const char *n = vec_get(&fx->f.blocks[i], "name");

		if (n != NULL && strcmp(n, name) == 0)
			return &fx->f.blocks[i];
	}
	fail_msg("no block %s", name);
	return NULL;
}

/* A knock from a clock off by more than the window but within the table's
 * extra reach is stale with its skew (time - now); further off, unknown.
 * Never accepted outside the window, at any offset. */
static void
test_stale_skew(void **state)
{
	const struct vec_block *b = block_named(*state, "accept");
	struct verifier *v = fixture_verifier(*state);
	int64_t sent = strtoll(vec_need(b, "now"), NULL, 10);
	struct replay_cache *rc;
	struct spa_decision d;
	struct spa_packet p;
	uint8_t buf[512];
	int64_t t = -1;
	int stale = 0;

	packet_of(b, &p, buf, sizeof(buf));
	/* The knock's own time, from an accepted decision's tag expiry. */
	assert_int_equal(replay_new(&rc), 0);
	verifier_decide(v, rc, &p, sent, &d);
	assert_int_equal(d.verdict, VERDICT_ACCEPTED);
	t = d.replay_until - 60 - VERIFY_NATIVE_REPLAY_EXTRA;
	replay_free(rc);
	for (int64_t off = -400; off <= 400; off++) {
		int64_t now = t + off;

		assert_int_equal(replay_new(&rc), 0);
		verifier_decide(v, rc, &p, now, &d);
		replay_free(rc);
		if (off >= -60 && off <= 60) {
			assert_int_equal(d.verdict, VERDICT_ACCEPTED);
			continue;
		}
		if (off > -120 && off < 120) {
			/* Within the extra reach, whatever the epoch. */
			assert_int_equal(d.verdict, VERDICT_STALE);
		} else if (off > 240 || off < -240) {
			assert_int_equal(d.verdict, VERDICT_UNKNOWN);
		}
		assert_int_not_equal(d.verdict, VERDICT_ACCEPTED);
		if (d.verdict == VERDICT_STALE) {
			assert_int_equal(d.skew, t - now);
			assert_non_null(d.user_name);
			stale++;
		} else {
			assert_int_equal(d.verdict, VERDICT_UNKNOWN);
		}
	}
	assert_true(stale >= 2 * 120);
	verifier_free(v);
}

/* Decides block b's frame at now with the users of fx, user u changed to
 * *with; returns the decision, whose user_name is gone with its verifier.
 * A knock not accepted leaves no tag in the replay cache. */
static struct spa_decision
decide_with(const struct fixture *fx, const struct vec_block *b, int u,
    const struct verifier_user *with, int64_t now)
{
	struct verifier_options opt = { .window = 60, .native = true,
	    .classic = true };
	struct verifier_user users[MAX_USERS];
	struct replay_cache *rc;
	struct spa_decision d;
	struct spa_packet p;
	struct verifier *v;
	uint8_t buf[512];

	memcpy(users, fx->users, sizeof(users));
	users[u] = *with;
	assert_int_equal(verifier_new(users, fx->nusers, &opt, &v), 0);
	assert_int_equal(replay_new(&rc), 0);
	packet_of(b, &p, buf, sizeof(buf));
	verifier_decide(v, rc, &p, now, &d);
	if (d.verdict != VERDICT_ACCEPTED)
		assert_int_equal(replay_count(rc), 0);
	replay_free(rc);
	verifier_free(v);
	return d;
}

/* Step 8: expires, from and an action's family deny, each with its
 * reason; a request the user lacks says request.  The end date is the
 * first second after the last day: accepted one second before. */
static void
test_deny_reasons(void **state)
{
	struct fixture *fx = *state;
	const struct vec_block *b = block_named(fx, "accept");
	int64_t now = strtoll(vec_need(b, "now"), NULL, 10);
	struct spa_decision d = decide_with(fx, b, 0, &fx->users[0], now);
	struct verifier_user u;
	struct spa_net nets[2];
	uint8_t fam[MAX_WORDS] = { 0 };
	int who = d.user;
	struct spa_packet p;
	uint8_t buf[512];

	assert_int_equal(d.verdict, VERDICT_ACCEPTED);
	assert_int_equal(d.reason, DENY_NONE);
	u = fx->users[who];
	u.expires = now + 1;
	assert_int_equal(decide_with(fx, b, who, &u, now).verdict,
	    VERDICT_ACCEPTED);
	u.expires = now;
	d = decide_with(fx, b, who, &u, now);
	assert_int_equal(d.verdict, VERDICT_DENIED);
	assert_int_equal(d.reason, DENY_EXPIRED);
	assert_string_equal(deny_reason_word(d.reason), "expired");
	assert_int_equal(d.user, who);

	u = fx->users[who];
	assert_int_equal(addr_net_parse("203.0.113.0/24", &nets[0]), 0);
	assert_int_equal(addr_net_parse("2001:db8::/32", &nets[1]), 0);
	u.from = nets;
	u.nfrom = 2;
	d = decide_with(fx, b, who, &u, now);
	assert_int_equal(d.verdict, VERDICT_DENIED);
	assert_int_equal(d.reason, DENY_FROM);
	/* The source's own /24 (or /64) lets it in. */
	packet_of(b, &p, buf, sizeof(buf));
	nets[1].addr = p.src;
	nets[1].prefix = p.src.family == 4 ? 24 : 64;
	if (p.src.family == 4)
		nets[1].addr.bytes[15] = 0;
	else
		memset(nets[1].addr.bytes + 8, 0, 8);
	assert_int_equal(addr_in_net(&p.src, &nets[1]), 1);
	assert_int_equal(addr_in_net(&p.src, &nets[0]), 0);
	d = decide_with(fx, b, who, &u, now);
	assert_int_equal(d.verdict, VERDICT_ACCEPTED);

	/* Every request of the user needs the other family. */
	u = fx->users[who];
	for (size_t i = 0; i < u.nrequests && i < MAX_WORDS; i++)
		fam[i] = d.allow.family == 4 ? 6 : 4;
	u.request_family = fam;
	d = decide_with(fx, b, who, &u, now);
	assert_int_equal(d.verdict, VERDICT_DENIED);
	assert_int_equal(d.reason, DENY_FAMILY);
	u.nrequests = 0;
	d = decide_with(fx, b, who, &u, now);
	assert_int_equal(d.reason, DENY_REQUEST);
	assert_string_equal(deny_reason_word(DENY_NONE), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_vectors),
		cmocka_unit_test(test_signed_vectors),
		cmocka_unit_test(test_public_address),
		cmocka_unit_test(test_formats_disabled),
		cmocka_unit_test(test_classic_replay_a_month_later),
		cmocka_unit_test(test_full_replay_cache_refuses),
		cmocka_unit_test(test_decide_allocates_nothing),
		cmocka_unit_test(test_stale_skew),
		cmocka_unit_test(test_deny_reasons),
	};

	return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
