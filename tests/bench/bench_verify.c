/*
 * make bench: how fast the server decides, and how that depends on the
 * number of users.  Prints medians of several runs (this machine is shared
 * and noisy: compare ratios, not absolute numbers).  Nothing is asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "key.h"
#include "userkey.h"
#include "verify.h"
#include "wire_classic.h"
#include "wire_native.h"
#ifndef BENCH_NO_SIGNED         /* to build against a tree without it */
#include "wire_signed.h"
#endif

#define RUNS 7
#define NOW 1764237000
#define NPACKETS 20000

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct verifier_user *
make_users(size_t n)
{
	static const char *const requests[] = { "ssh" };
	struct verifier_user *u = calloc(n, sizeof(*u));

	for (size_t i = 0; i < n; i++) {
		char *name = malloc(24);

		snprintf(name, 24, "u%zu", i);
		u[i].name = name;
		crypto_random(u[i].secret, sizeof(u[i].secret));
		u[i].requests = requests;
		u[i].nrequests = 1;
		u[i].classic = 1;
	}
	return u;
}

/* Packets per second (median of RUNS runs), for count packets whose
 * payloads are npay consecutive buffers of p->len bytes from p->payload,
 * each decided once per run so none is a replay. */
static double
measure(struct verifier *v, struct spa_packet *p, size_t count,
    size_t npay, enum spa_verdict want)
{
	const uint8_t *first = p->payload;

	double rates[RUNS];

	for (int r = 0; r < RUNS; r++) {
		struct replay_cache *rc;
		struct spa_decision d;
		double t0;

		replay_new(&rc);
		t0 = now_s();
		for (size_t i = 0; i < count; i++) {
			p->payload = first + (i % npay) * p->len;
			verifier_decide(v, rc, p, NOW, &d);
			if (d.verdict != want) {
				fprintf(stderr, "bench: unexpected verdict %s\n",
				    verdict_word(d.verdict));
				exit(1);
			}
		}
		rates[r] = (double)count / (now_s() - t0);
		p->payload = first;
		replay_free(rc);
	}
	qsort(rates, RUNS, sizeof(rates[0]), cmp_double);
	return rates[RUNS / 2];
}

#ifndef BENCH_NO_SIGNED
/* Signed knocks of users[n], made a signing user here: one Ed25519
 * verification each, after the same look-up and HMAC as native. */
static double
bench_signed(struct verifier_user *users, size_t n,
    const struct verifier_options *opt, struct spa_packet *p,
    const struct native_request *req)
{
	static uint8_t pkts[2000][SIGNED_LEN];
	uint8_t seed[SIGN_SEED_LEN], nonce[16] = { 0 };
	struct user_keys k;
	struct verifier *v;
	double rate;

	crypto_random(seed, sizeof(seed));
	sign_public_of(seed, users[n].public_key);
	users[n].has_public = 1;
	user_keys_derive(users[n].secret, &k);
	for (size_t i = 0; i < 2000; i++) {
		memcpy(nonce, &i, sizeof(i));
		signed_encode(&k, seed, req, nonce, &p->dst, 5001, pkts[i]);
	}
	verifier_new(users, n + 1, opt, &v);
	p->payload = pkts[0];
	p->len = SIGNED_LEN;
	rate = measure(v, p, 2000, 2000, VERDICT_ACCEPTED);
	verifier_free(v);
	user_keys_clear(&k);
	return rate;
}
#endif

/* Decisions per second, and the verifier's set-up time, for one size. */
struct bench_rates {
	double setup, accept, unknown, badmac, classic, sign;
};

static struct bench_rates
bench_users(size_t nusers)
{
	struct verifier_options opt = { .window = 60, .native = 1, .classic = 1 };
	struct verifier_user *users = make_users(nusers + 1);
	struct native_request req = { .time = NOW };
	static uint8_t native[NPACKETS][NATIVE_LEN];
	uint8_t classic[CLASSIC_LEN], nonce[16] = { 0 };
	struct spa_packet p = { .sport = 40000, .dport = 5001 };
	struct user_keys k;
	struct verifier *v;
	double t0 = now_s(), build, acc, junk, badmac, cls, sig = 0;

	verifier_new(users, nusers, &opt, &v);
	build = now_s() - t0;
	addr_parse("198.51.100.1", &p.src);
	addr_parse("198.51.100.2", &p.dst);
	req.allow = p.src;
	strcpy(req.request, "ssh");
	/* The last user knocks: the worst case for any scan over users. */
	user_keys_derive(users[nusers - 1].secret, &k);
	for (size_t i = 0; i < NPACKETS; i++) {
		memcpy(nonce, &i, sizeof(i));
		native_encode(&k, &req, nonce, &p.dst, 5001, native[i]);
	}
	classic_encode(&k.classic, &p.dst, &p.src, 5001, 40000, "ssh", NOW,
	    classic);
	p.payload = native[0];
	p.len = NATIVE_LEN;
	acc = measure(v, &p, NPACKETS, NPACKETS, VERDICT_ACCEPTED);
	native[1][NATIVE_LEN - 1] ^= 1; /* a right locator, a wrong tag */
	p.payload = native[1];
	badmac = measure(v, &p, 200000, 1, VERDICT_BAD_MAC);
	native[0][0] ^= 1;      /* an unknown locator: the flood case */
	p.payload = native[0];
	junk = measure(v, &p, 200000, 1, VERDICT_UNKNOWN);
	p.payload = classic;
	p.len = CLASSIC_LEN;
	cls = measure(v, &p, 1, 1, VERDICT_ACCEPTED);
	verifier_free(v);
#ifndef BENCH_NO_SIGNED
	opt.signed_fmt = 1;
	sig = bench_signed(users, nusers, &opt, &p, &req);
#endif
	printf("%8zu users  setup %7.3f s  native accept %9.0f/s  unknown "
	    "%10.0f/s  bad-mac %9.0f/s  classic accept %8.0f/s  signed accept "
	    "%7.0f/s\n", nusers, build, acc, junk, badmac, cls, sig);
	fflush(stdout);
	user_keys_clear(&k);
	return (struct bench_rates){ build, acc, junk, badmac, cls, sig };
}

/* a / b, or 0 when b is 0 (a format left out of the build). */
static double
ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

int
main(void)
{
	static const size_t sizes[] = { 1, 100, 1000, 10000, 100000 };
	enum { NSIZES = sizeof(sizes) / sizeof(sizes[0]) };
	struct bench_rates r[NSIZES];

	printf("verifier_decide, medians of %d runs\n", RUNS);
	for (size_t i = 0; i < NSIZES; i++)
		r[i] = bench_users(sizes[i]);
	/* Cost per frame against 1 user's: how far each path grows with
	 * the users (1.00 flat; the classic format scans every user). */
	printf("per-frame cost relative to 1 user (rate at 1 user / rate at N "
	    "users)\n");
	for (size_t i = 0; i < NSIZES; i++)
		printf("%8zu users  cost x  native accept %5.2f  unknown %5.2f  "
		    "bad-mac %5.2f  classic accept %8.1f  signed accept %5.2f\n",
		    sizes[i], ratio(r[0].accept, r[i].accept),
		    ratio(r[0].unknown, r[i].unknown),
		    ratio(r[0].badmac, r[i].badmac),
		    ratio(r[0].classic, r[i].classic),
		    ratio(r[0].sign, r[i].sign));
	return 0;
}
