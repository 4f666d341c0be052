/*
 * The grant record (sniffer/grantrec.h) the state and the cluster hand to
 * the engine: grantrec_valid refuses every field out of its form, one
 * case a line, a record the engine may act on is kept; grantrec_same
 * tells two grants apart by each part of the key; the texts name udp and
 * tcp pairs and a forward's inner host.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "addr.h"
#include "grantrec.h"
#include "staterig.h"

/* Alice's ssh from 2001:db8::7 (staterig) with two further pairs. */
static struct grantrec
sample(void)
{
	struct grantrec r = staterig_sample_grant();

	r.more[0] = (struct grant_port){ IPPROTO_UDP, 53 };
	r.more[1] = (struct grant_port){ IPPROTO_TCP, 443 };
	r.nmore = 2;
	return r;
}

/* A forward of one pair: 2001:db8::7 -> [2001:db8::80]:8022. */
static struct grantrec
forward6(void)
{
	struct grantrec r = staterig_sample_grant();

	assert_int_equal(addr_parse("2001:db8::80", &r.inner), 0);
	r.inner_port = 8022;
	return r;
}

/* The same from 192.0.2.7 to 192.0.2.80:8022. */
static struct grantrec
forward4(void)
{
	struct grantrec r = staterig_sample_grant();

	assert_int_equal(addr_parse("192.0.2.7", &r.addr), 0);
	assert_int_equal(addr_parse("192.0.2.80", &r.inner), 0);
	r.inner_port = 8022;
	return r;
}

static void m_none(struct grantrec *r) { (void)r; }
static void m_no_names(struct grantrec *r)
{ r->user[0] = r->action[0] = r->backend[0] = '\0'; }
static void m_udp(struct grantrec *r) { r->proto = IPPROTO_UDP; }
static void m_user_dash(struct grantrec *r) { strcpy(r->user, "-alice"); }
static void m_user_dot(struct grantrec *r) { strcpy(r->user, ".alice"); }
static void m_user_space(struct grantrec *r) { strcpy(r->user, "al ice"); }
static void m_user_long(struct grantrec *r)     /* no NUL in its 33 bytes */
{ memset(r->user, 'a', sizeof(r->user)); }
static void m_action_bad(struct grantrec *r) { strcpy(r->action, "a b"); }
static void m_action_long(struct grantrec *r)
{ memset(r->action, 'a', sizeof(r->action)); }
static void m_backend_bad(struct grantrec *r) { strcpy(r->backend, "../x"); }
static void m_backend_long(struct grantrec *r)
{ memset(r->backend, 'a', sizeof(r->backend)); }
static void m_family(struct grantrec *r) { r->addr.family = 5; }
static void m_v4_unmapped(struct grantrec *r) { r->addr.family = 4; }
static void m_v6_mapped(struct grantrec *r)
{ assert_int_equal(addr_parse("192.0.2.7", &r->addr), 0); r->addr.family = 6; }
static void m_proto(struct grantrec *r) { r->proto = IPPROTO_ICMP; }
static void m_port(struct grantrec *r) { r->port = 0; }
static void m_phase(struct grantrec *r) { r->phase = GRANT_NPHASES; }
static void m_nmore(struct grantrec *r) { r->nmore = GRANTREC_PAIRS_MAX; }
static void m_more_proto(struct grantrec *r) { r->more[1].proto = 1; }
static void m_more_port(struct grantrec *r) { r->more[0].port = 0; }
static void m_more_twice(struct grantrec *r)
{ r->more[1] = (struct grant_port){ IPPROTO_TCP, 22 }; }
static void m_inner_port_only(struct grantrec *r) { r->inner_port = 22; }
static void m_inner_bytes_only(struct grantrec *r) { r->inner.bytes[3] = 1; }

/* On forward6 / forward4. */
static void m_fwd_family(struct grantrec *r) { r->inner.family = 4; }
static void m_fwd_no_port(struct grantrec *r) { r->inner_port = 0; }
static void m_fwd_pairs(struct grantrec *r)
{ r->more[0] = (struct grant_port){ IPPROTO_UDP, 53 }; r->nmore = 1; }
static void m_fwd_loopback(struct grantrec *r)
{ assert_int_equal(addr_parse("::1", &r->inner), 0); }
static void m_fwd_v6_mapped(struct grantrec *r)
{ assert_int_equal(addr_parse("192.0.2.80", &r->inner), 0);
  r->inner.family = 6; r->addr.family = 6;
  assert_int_equal(addr_parse("2001:db8::7", &r->addr), 0); }
static void m_fwd_v4_unmapped(struct grantrec *r)
{ assert_int_equal(addr_parse("2001:db8::80", &r->inner), 0);
  r->inner.family = 4; }

static const struct {
	const char *what;
	struct grantrec (*base)(void);
	void (*change)(struct grantrec *);
	int valid;
} valid_cases[] = {
	{ "three pairs", sample, m_none, 1 },
	{ "no user, action, backend", sample, m_no_names, 1 },
	{ "udp first pair", sample, m_udp, 1 },
	{ "user starts with -", sample, m_user_dash, 0 },
	{ "user starts with .", sample, m_user_dot, 0 },
	{ "user with a space", sample, m_user_space, 0 },
	{ "user of 33 bytes", sample, m_user_long, 0 },
	{ "action not a request", sample, m_action_bad, 0 },
	{ "action of 33 bytes", sample, m_action_long, 0 },
	{ "backend not a name", sample, m_backend_bad, 0 },
	{ "backend of 33 bytes", sample, m_backend_long, 0 },
	{ "family 5", sample, m_family, 0 },
	{ "family 4, not mapped", sample, m_v4_unmapped, 0 },
	{ "family 6, mapped", sample, m_v6_mapped, 0 },
	{ "proto icmp", sample, m_proto, 0 },
	{ "port 0", sample, m_port, 0 },
	{ "phase past the last", sample, m_phase, 0 },
	{ "8 further pairs", sample, m_nmore, 0 },
	{ "further pair proto 1", sample, m_more_proto, 0 },
	{ "further pair port 0", sample, m_more_port, 0 },
	{ "further pair twice", sample, m_more_twice, 0 },
	{ "inner port, no inner host", sample, m_inner_port_only, 0 },
	{ "inner bytes, no family", sample, m_inner_bytes_only, 0 },
	{ "forward v6", forward6, m_none, 1 },
	{ "forward v4", forward4, m_none, 1 },
	{ "forward to the other family", forward6, m_fwd_family, 0 },
	{ "forward without a port", forward6, m_fwd_no_port, 0 },
	{ "forward of two pairs", forward6, m_fwd_pairs, 0 },
	{ "forward to loopback", forward6, m_fwd_loopback, 0 },
	{ "forward v6 to a mapped address", forward6, m_fwd_v6_mapped, 0 },
	{ "forward v4 to an unmapped address", forward4, m_fwd_v4_unmapped,
	  0 },
};

static void
test_grantrec_valid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]);
	    i++) {
		struct grantrec r = valid_cases[i].base();

		valid_cases[i].change(&r);
		if (grantrec_valid(&r) != valid_cases[i].valid)
			fail_msg("%s: valid %d, want %d", valid_cases[i].what,
			    grantrec_valid(&r), valid_cases[i].valid);
	}
}

static void s_proto(struct grantrec *r) { r->proto = IPPROTO_UDP; }
static void s_port(struct grantrec *r) { r->port = 23; }
static void s_nmore(struct grantrec *r) { r->nmore = 1; }
static void s_addr(struct grantrec *r) { r->addr.bytes[15] ^= 1; }
static void s_inner(struct grantrec *r) { r->inner.family = 6; }
static void s_inner_port(struct grantrec *r) { r->inner_port = 1; }
static void s_more_proto(struct grantrec *r) { r->more[1].proto = 17; }
static void s_more_port(struct grantrec *r) { r->more[1].port = 444; }
static void s_names(struct grantrec *r)         /* not part of the key */
{ strcpy(r->user, "bob"); r->expiry = 7; r->phase = GRANT_CLOSING; }

static void
test_grantrec_same(void **state)
{
	static const struct {
		const char *what;
		void (*change)(struct grantrec *);
		int same;
	} cases[] = {
		{ "itself", m_none, 1 },
		{ "other user, expiry, phase", s_names, 1 },
		{ "proto", s_proto, 0 },
		{ "port", s_port, 0 },
		{ "number of pairs", s_nmore, 0 },
		{ "address", s_addr, 0 },
		{ "inner host", s_inner, 0 },
		{ "inner port", s_inner_port, 0 },
		{ "a further pair's proto", s_more_proto, 0 },
		{ "a further pair's port", s_more_port, 0 },
	};
	struct grantrec a = sample(), c;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct grantrec b = sample();

		cases[i].change(&b);
		if (grantrec_same(&a, &b) != cases[i].same ||
		    grantrec_same(&b, &a) != cases[i].same)
			fail_msg("%s: same %d, want %d", cases[i].what,
			    grantrec_same(&a, &b), cases[i].same);
	}
	/* a count past the array: the pairs the array holds are compared */
	a.nmore = GRANTREC_PAIRS_MAX;
	c = a;
	assert_int_equal(grantrec_same(&a, &c), 1);
	c.more[GRANTREC_PAIRS_MAX - 2].port = 9;
	assert_int_equal(grantrec_same(&a, &c), 0);
}

static void
test_grantrec_texts(void **state)
{
	char buf[GRANTREC_TEXT_MAX];
	struct grantrec r = sample();
	(void)state;

	assert_string_equal(grantrec_text(&r, buf),
	    "2001:db8::7 tcp/22 udp/53 tcp/443");
	assert_string_equal(grantrec_more_text(&r, buf), "udp/53,tcp/443");
	assert_string_equal(grantrec_inner_text(&r, buf), "");
	assert_string_equal(grantrec_proto_name(&r), "tcp");
	/* pair 0 and any past the last are the first pair */
	assert_int_equal(grantrec_pair(&r, 0).port, 22);
	assert_int_equal(grantrec_pair(&r, 2).port, 443);
	assert_int_equal(grantrec_pair(&r, 3).port, 22);
	/* a count past the array is read no further than the array */
	r.nmore = GRANTREC_PAIRS_MAX + 1;
	for (unsigned i = 2; i < GRANTREC_PAIRS_MAX - 1; i++)
		r.more[i] = (struct grant_port){ IPPROTO_UDP, (uint16_t)i };
	assert_string_equal(grantrec_more_text(&r, buf),
	    "udp/53,tcp/443,udp/2,udp/3,udp/4,udp/5,udp/6");

	r = forward6();
	r.proto = IPPROTO_UDP;
	assert_string_equal(grantrec_proto_name(&r), "udp");
	assert_string_equal(grantrec_text(&r, buf),
	    "2001:db8::7 udp/22 -> [2001:db8::80]:8022");
	assert_string_equal(grantrec_inner_text(&r, buf), "[2001:db8::80]:8022");
	r = forward4();
	assert_string_equal(grantrec_text(&r, buf),
	    "192.0.2.7 tcp/22 -> 192.0.2.80:8022");
	assert_string_equal(grantrec_inner_text(&r, buf), "192.0.2.80:8022");

	assert_string_equal(grant_phase_name(GRANT_CLOSE_FAILED),
	    "close-failed");
	assert_string_equal(grant_phase_name(GRANT_NPHASES), "?");
	assert_string_equal(grant_phase_name((enum grant_phase)-1), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grantrec_valid),
		cmocka_unit_test(test_grantrec_same),
		cmocka_unit_test(test_grantrec_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
