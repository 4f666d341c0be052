/*
 * A cluster node's link to Redis (sniffer/cluster.c) when hiredis fails
 * (tests/unit/sysfail_cluster.c: no memory for a context or a command, a
 * socket option or a send refused, a read failing) and when time passes
 * (its clock moved ahead: a read that Redis never answers within its
 * BLOCK and the timeout, the next attempt to connect a second later),
 * against the fake Redis of tests/unit/fakeredis.h.  Each case asserts
 * the line logged, and that the node is down after it (no descriptor,
 * claims CLUSTER_DOWN, publications SPA_ERR_SYSTEM) or up when it should
 * be.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cluster.h"
#include "clusterrig.h"
#include "err.h"
#include "fakeredis.h"
#include "sysfail.h"
#include "sysfail_cluster.h"

static const uint8_t tag[SPA_MAC_LEN] = { 9, 8, 7 };

static const struct cluster_counts *
counts(const struct clusterrig *r)
{
	return cluster_counts(r->c);
}

static void
is_down(struct clusterrig *r)
{
	struct clustermsg m = clusterrig_msg("x", time(NULL) + 60);

	assert_false(counts(r)->up);
	assert_int_equal(cluster_fd(r->c), -1);
	assert_int_equal(cluster_claim(r->c, tag, 5000), CLUSTER_DOWN);
	assert_int_equal(cluster_publish(r->c, &m, time(NULL)),
	    SPA_ERR_SYSTEM);
}

static void
connected(struct clusterrig *r)
{
	clusterrig_init(r, "gw-1", 1);
	clusterrig_start(r);
	clusterrig_logged(r, "cluster: node gw-1 connected");
	assert_true(counts(r)->up);
	assert_int_equal(fakeredis_wait(r->fr, "XREADGROUP>", 1, 2000), 0);
}

static int
setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int
teardown_each(void **state)
{
	(void)state;
	sysfail_clear();
	sysfail_clock_ahead_ms = 0;
	return 0;
}

/* A connection that cannot be made or set up: unreachable, nothing sent
 * past it. */
static void
test_dial(void **state)
{
	static const struct {
		const char *call;
		unsigned skip;
		int tcp;
		const char *want;
	} t[] = {
		{ "redisConnectUnixWithTimeout", 0, 0, "unreachable (out of "
		    "memory): knocks are refused" },
		{ "redisConnectUnixWithTimeout", 2, 0, "unreachable (out of "
		    "memory)" },
		{ "redisSetTimeout", 1, 0, "unreachable (cannot set its "
		    "socket's options)" },
		{ "redisConnectWithTimeout", 0, 1, "unreachable (out of memory)" },
		{ "redisEnableKeepAlive", 0, 1, "unreachable (cannot set its "
		    "socket's options)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct clusterrig r;

		clusterrig_init(&r, "gw-1", !t[i].tcp);
		if (t[i].tcp) {
			r.fr = fakeredis_start(NULL);
			r.cc.socket = NULL;
			r.cc.host = (char *)"127.0.0.1";
			r.cc.port = (uint16_t)fakeredis_port(r.fr);
		}
		sysfail_arm(t[i].call, t[i].skip, ENOMEM);
		clusterrig_start(&r);
		assert_int_equal(sysfail_failed(t[i].call), 1);
		clusterrig_logged(&r, t[i].want);
		assert_null(strstr(r.log, "connected"));
		assert_int_equal(fakeredis_count(r.fr, "XGROUP"), 0);
		assert_int_equal(r.resyncs, 0);
		is_down(&r);
		sysfail_clear();
		clusterrig_free(&r);
	}
}

/* Unreachable is said once, however many attempts fail; an attempt is
 * made a second later, not before; once one succeeds the node is up. */
static void
test_retry(void **state)
{
	struct clusterrig r;
	const char *p;
	int lines = 0;

	(void)state;
	clusterrig_init(&r, "gw-1", 1);
	r.cc.password = (char *)"pw";
	fakeredis_rule(r.fr, "AUTH", FAKEREDIS_REPLY, "-ERR no\r\n");
	fakeredis_rule(r.fr, "AUTH", FAKEREDIS_REPLY, "-ERR no\r\n");
	clusterrig_start(&r);
	clusterrig_logged(&r, "unreachable (AUTH: ERR no)");
	assert_int_equal(fakeredis_count(r.fr, "AUTH"), 1);
	sysfail_clock_ahead_ms = 900;
	cluster_tick(r.c, time(NULL));
	assert_int_equal(fakeredis_count(r.fr, "AUTH"), 1);
	sysfail_clock_ahead_ms = 1001;
	assert_int_equal(cluster_timeout_ms(r.c, 60000), 0);
	cluster_tick(r.c, time(NULL));
	assert_int_equal(fakeredis_count(r.fr, "AUTH"), 2);
	for (p = clusterrig_log(&r); (p = strstr(p, "unreachable")) != NULL;
	    p++)
		lines++;
	assert_int_equal(lines, 1);
	assert_false(counts(&r)->up);
	sysfail_clock_ahead_ms = 2002;
	cluster_tick(r.c, time(NULL));
	assert_int_equal(fakeredis_count(r.fr, "AUTH"), 5);
	clusterrig_logged(&r, "cluster: node gw-1 connected");
	assert_true(counts(&r)->up);
	assert_int_equal(r.resyncs, 1);
	clusterrig_free(&r);
}

/* A blocking read unanswered past its BLOCK (5 s) and the timeout: down
 * (a publication out meanwhile does not hide it); then back at the next
 * attempt, without "unreachable". */
static void
test_read_time_out(void **state)
{
	struct clusterrig r;
	struct clustermsg m = clusterrig_msg("x", time(NULL) + 60);
	int ms;

	(void)state;
	connected(&r);
	ms = cluster_timeout_ms(r.c, 60000);
	assert_true(ms > 4000 && ms <= 5200);
	sysfail_clock_ahead_ms = 4000;
	cluster_tick(r.c, time(NULL));
	assert_true(counts(&r)->up);
	/* A publication now is due after the read: the read comes first. */
	sysfail_clock_ahead_ms = 5100;
	assert_int_equal(cluster_publish(r.c, &m, time(NULL)), 0);
	ms = cluster_timeout_ms(r.c, 60000);
	assert_true(ms >= 0 && ms <= 100);
	sysfail_clock_ahead_ms = 5300;
	assert_int_equal(cluster_timeout_ms(r.c, 60000), 0);
	cluster_tick(r.c, time(NULL));
	clusterrig_logged(&r, "lost (no answer to a read in time): knocks "
	    "are refused until it is back");
	is_down(&r);
	sysfail_clock_ahead_ms = 6400;
	cluster_tick(r.c, time(NULL));
	assert_true(counts(&r)->up);
	assert_int_equal(r.resyncs, 2);
	assert_null(strstr(clusterrig_log(&r), "unreachable"));
	clusterrig_free(&r);
}

/* No reply, and hiredis says nothing why. */
static void
test_claim_no_reply(void **state)
{
	struct clusterrig r;

	(void)state;
	connected(&r);
	sysfail_arm("redisCommandArgv", 0, ENOMEM);
	assert_int_equal(cluster_claim(r.c, tag, 5000), CLUSTER_DOWN);
	clusterrig_logged(&r, "lost (no reply)");
	assert_int_equal(fakeredis_count(r.fr, "SET"), 0);
	is_down(&r);
	clusterrig_free(&r);
}

/* The blocking read cannot be sent at connect, or after a reply. */
static void
test_read_send(void **state)
{
	static const char *const calls[] = { "redisAppendCommandArgv",
	    "redisBufferWrite" };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct clusterrig r;

		clusterrig_init(&r, "gw-1", 1);
		sysfail_arm(calls[i], 0, ENOMEM);
		clusterrig_start(&r);
		assert_int_equal(sysfail_failed(calls[i]), 1);
		clusterrig_logged(&r, "lost (cannot send)");
		assert_int_equal(fakeredis_count(r.fr, "XREADGROUP>"), 0);
		is_down(&r);
		sysfail_clear();
		clusterrig_free(&r);

		connected(&r);
		assert_int_equal(fakeredis_push(r.fr, "*-1\r\n", 5), 0);
		sysfail_arm(calls[i], 0, ENOMEM);
		assert_int_equal(clusterrig_reads(&r, 2), -1);
		clusterrig_logged(&r, "lost (cannot send)");
		is_down(&r);
		sysfail_clear();
		clusterrig_free(&r);
	}
}

/* The pending list's acknowledgement cannot be queued: down, never said
 * connected; with more entries than one acknowledgement carries, the
 * rest are handled (counted) and nothing is sent. */
static void
test_ack(void **state)
{
	static const unsigned n[] = { 1, 70 };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct clusterrig r;
		struct clusterrig_resp e = { 0 }, reply;
		char id[32];

		clusterrig_init(&r, "gw-1", 1);
		for (unsigned j = 0; j < n[i]; j++) {
			snprintf(id, sizeof(id), "7-%u", j);
			clusterrig_entry(&e, id, NULL, 0);
		}
		clusterrig_reply(&reply, &e, n[i]);
		fakeredis_rule_bytes(r.fr, "XREADGROUP", reply.b, reply.len);
		sysfail_arm("redisAppendCommandArgv", 0, ENOMEM);
		clusterrig_start(&r);
		clusterrig_logged(&r, "lost (out of memory)");
		assert_null(strstr(r.log, "connected"));
		assert_int_equal(r.resyncs, 0);
		assert_int_equal(counts(&r)->dropped, n[i]);
		assert_int_equal(fakeredis_count(r.fr, "XACK"), 0);
		assert_int_equal(fakeredis_count(r.fr, "XREADGROUP>"), 0);
		is_down(&r);
		sysfail_clear();
		clusterrig_free(&r);
	}
}

/* The resync's publication cannot be sent: down, no read sent. */
static void
test_resync_fails(void **state)
{
	struct clusterrig r;

	(void)state;
	clusterrig_init(&r, "gw-1", 1);
	r.resync_publish = 1;
	sysfail_arm("redisAppendCommandArgv", 0, ENOMEM);
	clusterrig_start(&r);
	assert_int_equal(r.resyncs, 1);
	assert_int_equal(r.resync_rc, SPA_ERR_SYSTEM);
	clusterrig_logged(&r, "lost (cannot send)");
	assert_int_equal(fakeredis_count(r.fr, "XREADGROUP>"), 0);
	is_down(&r);
	clusterrig_free(&r);
}

/* A publication that cannot be made (no random nonce: nothing sent,
 * still up) or sent (down). */
static void
test_publish(void **state)
{
	static const char *const calls[] = { "redisAppendCommandArgv",
	    "redisBufferWrite" };
	struct clusterrig r;
	struct clustermsg m = clusterrig_msg("x", time(NULL) + 60);

	(void)state;
	connected(&r);
	sysfail_arm("crypto_random", 0, EIO);
	assert_int_equal(cluster_publish(r.c, &m, time(NULL)), SPA_ERR_CRYPTO);
	assert_true(counts(&r)->up);
	assert_int_equal(cluster_publish(r.c, &m, time(NULL)), 0);
	assert_int_equal(clusterrig_until(&r, &counts(&r)->published, 1), 0);
	assert_int_equal(fakeredis_count(r.fr, "XADD"), 1);
	clusterrig_free(&r);

	for (size_t i = 0; i < 2; i++) {
		connected(&r);
		sysfail_arm(calls[i], 0, ENOMEM);
		assert_int_equal(cluster_publish(r.c, &m, time(NULL)),
		    SPA_ERR_SYSTEM);
		clusterrig_logged(&r, "lost (cannot send)");
		is_down(&r);
		sysfail_clear();
		clusterrig_free(&r);
	}
}

/* Reading what came fails, on either connection: down. */
static void
test_buffer_read(void **state)
{
	struct clusterrig r;
	struct clustermsg m = clusterrig_msg("x", time(NULL) + 60);
	struct pollfd p;

	(void)state;
	/* The publications' connection: its answer is there. */
	connected(&r);
	assert_int_equal(cluster_publish(r.c, &m, time(NULL)), 0);
	assert_int_equal(fakeredis_wait(r.fr, "XADD", 1, 2000), 0);
	nanosleep(&(struct timespec){ .tv_nsec = 50 * 1000000L }, NULL);
	sysfail_arm("redisBufferRead", 0, EIO);
	cluster_tick(r.c, time(NULL));
	assert_int_equal(sysfail_failed("redisBufferRead"), 1);
	clusterrig_logged(&r, "lost (connection closed)");
	assert_int_equal(counts(&r)->published, 0);
	is_down(&r);
	sysfail_clear();
	clusterrig_free(&r);

	/* The stream's. */
	connected(&r);
	assert_int_equal(fakeredis_push(r.fr, "*-1\r\n", 5), 0);
	p = (struct pollfd){ .fd = cluster_fd(r.c), .events = POLLIN };
	assert_int_equal(poll(&p, 1, 2000), 1);
	sysfail_arm("redisBufferRead", 0, EIO);
	cluster_tick(r.c, time(NULL));
	assert_int_equal(sysfail_failed("redisBufferRead"), 1);
	clusterrig_logged(&r, "lost (connection closed)");
	is_down(&r);
	sysfail_clear();
	clusterrig_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_dial, teardown_each),
		cmocka_unit_test_teardown(test_retry, teardown_each),
		cmocka_unit_test_teardown(test_read_time_out, teardown_each),
		cmocka_unit_test_teardown(test_claim_no_reply, teardown_each),
		cmocka_unit_test_teardown(test_read_send, teardown_each),
		cmocka_unit_test_teardown(test_ack, teardown_each),
		cmocka_unit_test_teardown(test_resync_fails, teardown_each),
		cmocka_unit_test_teardown(test_publish, teardown_each),
		cmocka_unit_test_teardown(test_buffer_read, teardown_each),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
