/*
 * A cluster node's link to Redis (sniffer/cluster.c, doc/cluster.md
 * "Faults"), against a fake Redis that answers what each case chooses
 * (tests/unit/fakeredis.h: errors, wrong types, bytes that do not parse,
 * a connection closed mid-exchange, no answer) and against a real
 * redis-server the test starts on a UNIX socket and stops, kills or
 * restarts.  Each case asserts the claim's verdict, the counters, the
 * lines logged, and that a node which lost Redis is down (no descriptor,
 * every claim CLUSTER_DOWN: the caller refuses, or decides alone when
 * on_redis_down = local).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "cluster.h"
#include "clusterrig.h"
#include "err.h"
#include "fakeredis.h"
#include "redisserver.h"

static const uint8_t tag[SPA_MAC_LEN] = { 1, 2, 3 };

static const struct cluster_counts *
counts(const struct clusterrig *r)
{
	return cluster_counts(r->c);
}

/* Connected to the fake Redis, its blocking read out. */
static void
connected(struct clusterrig *r, const char *node)
{
	char want[256];

	clusterrig_init(r, node, 1);
	clusterrig_start(r);
	snprintf(want, sizeof(want), "cluster: node %s connected to Redis %s",
	    node, r->sock);
	clusterrig_logged(r, want);
	assert_true(counts(r)->up);
	assert_int_equal(r->resyncs, 1);
	assert_true(cluster_fd(r->c) >= 0);
	assert_int_equal(fakeredis_wait(r->fr, "XREADGROUP>", 1, 2000), 0);
}

/* Down: no descriptor, claims refused without a command. */
static void
is_down(struct clusterrig *r)
{
	unsigned sets = fakeredis_count(r->fr, "SET");

	assert_false(counts(r)->up);
	assert_int_equal(cluster_fd(r->c), -1);
	assert_int_equal(cluster_claim(r->c, tag, 5000), CLUSTER_DOWN);
	assert_int_equal(fakeredis_count(r->fr, "SET"), sets);
	assert_int_equal(cluster_publish(r->c, &(struct clustermsg){ 0 },
	    time(NULL)), SPA_ERR_SYSTEM);
}

/* ---- the claim ---- */

static void
test_claim(void **state)
{
	struct clusterrig r;
	char arg[64];
	size_t len;

	(void)state;
	connected(&r, "gw-1");
	/* SET spa:tag:<hex> gw-1 NX PX <ttl>: at least 1000 ms. */
	assert_int_equal(cluster_claim(r.c, tag, 10), CLUSTER_CLAIMED);
	assert_int_equal(fakeredis_last(r.fr, "SET", arg, sizeof(arg), &len), 6);
	assert_memory_equal(arg, "1000", len);
	assert_int_equal(len, 4);
	assert_int_equal(cluster_claim(r.c, tag, 86400000), CLUSTER_CLAIMED);
	fakeredis_last(r.fr, "SET", arg, sizeof(arg), &len);
	assert_int_equal(len, 8);
	assert_memory_equal(arg, "86400000", 8);
	assert_int_equal(counts(&r)->claimed, 2);
	/* nil: another node has it. */
	fakeredis_rule(r.fr, "SET", FAKEREDIS_REPLY, "$-1\r\n");
	assert_int_equal(cluster_claim(r.c, tag, 5000), CLUSTER_TAKEN);
	assert_int_equal(counts(&r)->taken, 1);
	assert_true(counts(&r)->up);
	/* A status that is not OK: not a claim; Redis is not trusted. */
	fakeredis_rule(r.fr, "SET", FAKEREDIS_REPLY, "+QUEUED\r\n");
	assert_int_equal(cluster_claim(r.c, tag, 5000), CLUSTER_DOWN);
	clusterrig_logged(&r, "cluster: Redis ");
	clusterrig_logged(&r, " lost (an unexpected reply to SET): knocks are "
	    "refused until it is back");
	is_down(&r);
	assert_int_equal(counts(&r)->claimed, 2);
	assert_int_equal(counts(&r)->taken, 1);
	/* The caller counts its refusal; and what the grant engine did. */
	cluster_count_refused(r.c);
	cluster_count_dropped(r.c);
	cluster_count_applied(r.c);
	assert_int_equal(counts(&r)->refused, 1);
	assert_int_equal(counts(&r)->local, 0);
	assert_int_equal(counts(&r)->dropped, 1);
	assert_int_equal(counts(&r)->applied, 1);
	assert_false(cluster_down_local(r.c));
	clusterrig_free(&r);
}

/* Every other answer to SET: down (and with on_redis_down = local, the
 * log says the node decides alone). */
static void
test_claim_faults(void **state)
{
	static const struct {
		enum fakeredis_action action;
		const char *reply, *why;
	} t[] = {
		{ FAKEREDIS_REPLY, "-OOM command not allowed\r\n",
		    "lost (OOM command not allowed)" },
		{ FAKEREDIS_REPLY, ":1\r\n", "lost (an unexpected reply to SET)" },
		{ FAKEREDIS_CLOSE, NULL, "lost (Server closed the connection)" },
		/* The timeout: 200 ms here. */
		{ FAKEREDIS_SILENT, NULL, "lost (Resource temporarily "
		    "unavailable)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct clusterrig r;

		clusterrig_init(&r, "gw-1", 1);
		r.cc.down_local = true;
		clusterrig_start(&r);
		assert_true(counts(&r)->up);
		fakeredis_rule(r.fr, "SET", t[i].action, t[i].reply);
		assert_int_equal(cluster_claim(r.c, tag, 5000), CLUSTER_DOWN);
		clusterrig_logged(&r, t[i].why);
		clusterrig_logged(&r, ": knocks are checked against this "
		    "node's replay cache alone until it is back");
		is_down(&r);
		assert_int_equal(counts(&r)->claimed + counts(&r)->taken, 0);
		assert_true(cluster_down_local(r.c));
		cluster_count_refused(r.c);
		assert_int_equal(counts(&r)->local, 1);
		assert_int_equal(counts(&r)->refused, 0);
		clusterrig_free(&r);
	}
}

/* ---- connecting ---- */

/* Not there: unreachable, logged once, tried again in a second (not
 * before), by UNIX socket or TCP (an IPv6 address in brackets). */
static void
test_unreachable(void **state)
{
	static const struct {
		char *host;
		bool local;
		const char *want;
	} t[] = {
		{ NULL, false, " unreachable (No such file or directory): "
		    "knocks are refused until it answers; trying every 1000 ms" },
		{ NULL, true, " unreachable (No such file or directory): "
		    "knocks are checked against this node's replay cache alone "
		    "until it answers" },
		{ "::1", false, "Redis [::1]:1 unreachable (" },
		{ "127.0.0.1", false, "Redis 127.0.0.1:1 unreachable (" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct clusterrig r;
		int ms;

		clusterrig_init(&r, "gw-1", 0);
		r.cc.down_local = t[i].local;
		if (t[i].host != NULL) {
			r.cc.socket = NULL;
			r.cc.host = t[i].host;
			r.cc.port = 1;
		}
		clusterrig_start(&r);
		clusterrig_logged(&r, t[i].want);
		assert_int_equal(r.resyncs, 0);
		assert_false(counts(&r)->up);
		assert_int_equal(cluster_fd(r.c), -1);
		assert_int_equal(cluster_claim(r.c, tag, 5000), CLUSTER_DOWN);
		/* The next attempt in a second at most, not now. */
		ms = cluster_timeout_ms(r.c, 60000);
		assert_true(ms > 0 && ms <= 1000);
		assert_int_equal(cluster_timeout_ms(r.c, 10), 10);
		r.log[0] = '\0';
		cluster_tick(r.c, time(NULL));
		assert_string_equal(clusterrig_log(&r), "");
		clusterrig_free(&r);
	}
}

/* Not started yet: no descriptor, nothing to wait for. */
static void
test_not_started(void **state)
{
	struct clusterrig r;
	const struct cluster_hooks h = { 0 };

	(void)state;
	clusterrig_init(&r, "gw-1", 0);
	assert_int_equal(cluster_new(&r.cc, &h, &r.c), 0);
	assert_int_equal(cluster_fd(r.c), -1);
	assert_int_equal(cluster_timeout_ms(r.c, 700), 700);
	cluster_tick(r.c, time(NULL));
	assert_int_equal(cluster_fd(r.c), -1);
	assert_string_equal(clusterrig_log(&r), "");
	cluster_free(NULL);
	clusterrig_free(&r);
}

/* By TCP to the fake Redis on 127.0.0.1. */
static void
test_tcp(void **state)
{
	struct clusterrig r;
	char want[128];

	(void)state;
	clusterrig_init(&r, "gw-1", 0);
	r.fr = fakeredis_start(NULL);
	r.cc.socket = NULL;
	r.cc.host = (char *)"127.0.0.1";
	r.cc.port = (uint16_t)fakeredis_port(r.fr);
	clusterrig_start(&r);
	snprintf(want, sizeof(want), "connected to Redis 127.0.0.1:%u",
	    fakeredis_port(r.fr));
	clusterrig_logged(&r, want);
	assert_int_equal(cluster_claim(r.c, tag, 5000), CLUSTER_CLAIMED);
	clusterrig_free(&r);
}

/* AUTH on each of the three connections; any answer but +OK: that
 * connection, and the node, is not up.  The password is never logged. */
static void
test_auth(void **state)
{
	static const struct {
		unsigned ok;            /* AUTHs answered +OK first */
		enum fakeredis_action action;
		const char *reply, *want;
	} t[] = {
		{ 0, FAKEREDIS_REPLY, "-WRONGPASS invalid username-password "
		    "pair\r\n", "unreachable (AUTH: WRONGPASS invalid "
		    "username-password pair): knocks are refused" },
		{ 1, FAKEREDIS_REPLY, ":1\r\n", "unreachable (AUTH: an "
		    "unexpected reply)" },
		{ 2, FAKEREDIS_CLOSE, NULL, "unreachable (AUTH: Server closed "
		    "the connection)" },
	};
	struct clusterrig r;
	char arg[64];
	size_t len;

	(void)state;
	clusterrig_init(&r, "gw-1", 1);
	r.cc.password = (char *)"s3cret pass";
	clusterrig_start(&r);
	assert_true(counts(&r)->up);
	assert_int_equal(fakeredis_count(r.fr, "AUTH"), 3);
	assert_int_equal(fakeredis_last(r.fr, "AUTH", arg, sizeof(arg), &len),
	    2);
	assert_int_equal(len, 11);
	assert_memory_equal(arg, "s3cret pass", 11);
	assert_int_equal(cluster_claim(r.c, tag, 5000), CLUSTER_CLAIMED);
	assert_null(strstr(clusterrig_log(&r), "s3cret"));
	clusterrig_free(&r);

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		clusterrig_init(&r, "gw-1", 1);
		r.cc.password = (char *)"s3cret pass";
		for (unsigned j = 0; j < t[i].ok; j++)
			fakeredis_rule(r.fr, "AUTH", FAKEREDIS_REPLY, "+OK\r\n");
		fakeredis_rule(r.fr, "AUTH", t[i].action, t[i].reply);
		clusterrig_start(&r);
		clusterrig_logged(&r, t[i].want);
		assert_null(strstr(r.log, "s3cret"));
		assert_null(strstr(r.log, "connected"));
		assert_int_equal(fakeredis_count(r.fr, "AUTH"), t[i].ok + 1);
		assert_int_equal(fakeredis_count(r.fr, "XGROUP"), 0);
		assert_int_equal(r.resyncs, 0);
		is_down(&r);
		clusterrig_free(&r);
	}
}

/* The consumer group: made, or there already (BUSYGROUP); anything else,
 * or no answer to it or to the read of the pending list: down, never
 * "connected", no resync. */
static void
test_group(void **state)
{
	static const struct {
		const char *cmd;
		enum fakeredis_action action;
		const char *reply, *want;
		unsigned dropped;
	} t[] = {
		{ "XGROUP", FAKEREDIS_REPLY, "-WRONGTYPE Key is not a stream\r\n",
		    "lost (XGROUP CREATE failed)", 0 },
		{ "XGROUP", FAKEREDIS_REPLY, ":0\r\n",
		    "lost (XGROUP CREATE failed)", 0 },
		{ "XGROUP", FAKEREDIS_CLOSE, NULL,
		    "lost (Server closed the connection)", 0 },
		{ "XREADGROUP", FAKEREDIS_CLOSE, NULL,
		    "lost (Server closed the connection)", 0 },
		{ "XREADGROUP", FAKEREDIS_REPLY, ":1\r\n",
		    "lost (a reply to XREADGROUP of the wrong shape)", 1 },
	};
	struct clusterrig r;

	(void)state;
	clusterrig_init(&r, "gw-1", 1);
	fakeredis_rule(r.fr, "XGROUP", FAKEREDIS_REPLY,
	    "-BUSYGROUP Consumer Group name already exists\r\n");
	clusterrig_start(&r);
	clusterrig_logged(&r, "cluster: node gw-1 connected");
	assert_true(counts(&r)->up);
	assert_int_equal(r.resyncs, 1);
	clusterrig_free(&r);

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		clusterrig_init(&r, "gw-1", 1);
		fakeredis_rule(r.fr, t[i].cmd, t[i].action, t[i].reply);
		clusterrig_start(&r);
		clusterrig_logged(&r, t[i].want);
		assert_null(strstr(r.log, "connected"));
		assert_int_equal(r.resyncs, 0);
		assert_int_equal(counts(&r)->dropped, t[i].dropped);
		assert_int_equal(fakeredis_count(r.fr, "XREADGROUP>"), 0);
		is_down(&r);
		clusterrig_free(&r);
	}
}

/* ---- the stream ---- */

/* The pending list at connect, then a read of more entries than one
 * acknowledgement carries: another node's live grant goes to the hook;
 * ours, an expired one, one without a message and one of a bad MAC do
 * not (the last two dropped, counted, logged at most 10 times a minute);
 * every entry acknowledged. */
static void
test_entries(void **state)
{
	struct clusterrig r;
	struct clusterrig_resp e = { 0 }, reply;
	struct mac_key other;
	uint8_t k[32];
	struct clustermsg m;
	int64_t now = time(NULL);
	char id[32];
	size_t len;

	(void)state;
	clusterrig_init(&r, "gw-1", 1);
	m = clusterrig_msg("gw-2", now + 60);
	clusterrig_entry_msg(&e, "1-1", &r.mk, &m);
	m = clusterrig_msg("gw-1", now + 60);
	clusterrig_entry_msg(&e, "2-1", &r.mk, &m);
	m = clusterrig_msg("gw-2", now - 1);
	clusterrig_entry_msg(&e, "3-1", &r.mk, &m);
	clusterrig_entry(&e, "4-1", NULL, 0);
	memset(k, 0x77, sizeof(k));
	clustermsg_key(k, &other);
	m = clusterrig_msg("gw-2", now + 60);
	clusterrig_entry_msg(&e, "5-1", &other, &m);
	mac_key_wipe(&other);
	clusterrig_reply(&reply, &e, 5);
	fakeredis_rule_bytes(r.fr, "XREADGROUP", reply.b, reply.len);
	clusterrig_start(&r);
	assert_int_equal(r.grants, 1);
	assert_string_equal(r.last.node, "gw-2");
	assert_string_equal(r.last.user, "alice");
	assert_string_equal(r.last.action, "ssh");
	assert_int_equal(r.last.expiry, now + 60);
	assert_int_equal(counts(&r)->dropped, 2);
	clusterrig_logged(&r, "cluster: dropped stream entry 4-1: no message "
	    "in it");
	clusterrig_logged(&r, "cluster: dropped stream entry 5-1: ");
	assert_non_null(strstr(r.log, err_str(SPA_ERR_MAC)));
	/* XACK spa:grants gw-1 and the 5 IDs, ahead of the blocking read. */
	assert_int_equal(fakeredis_wait(r.fr, "XREADGROUP>", 1, 2000), 0);
	assert_int_equal(fakeredis_count(r.fr, "XACK"), 1);
	assert_int_equal(fakeredis_last(r.fr, "XACK", id, sizeof(id), &len),
	    8);
	assert_memory_equal(id, "5-1", 3);

	/* 70 entries without a message: acknowledged 64, then 6; 8 more
	 * lines logged (10 a minute). */
	e.len = 0;
	for (int i = 0; i < 70; i++) {
		snprintf(id, sizeof(id), "100-%d", i);
		clusterrig_entry(&e, id, NULL, 0);
	}
	clusterrig_reply(&reply, &e, 70);
	r.log[0] = '\0';
	assert_int_equal(fakeredis_push(r.fr, reply.b, reply.len), 0);
	assert_int_equal(clusterrig_reads(&r, 2), 0);
	assert_int_equal(counts(&r)->dropped, 72);
	assert_int_equal(fakeredis_count(r.fr, "XACK"), 3);
	assert_int_equal(fakeredis_last(r.fr, "XACK", id, sizeof(id), &len),
	    3 + 6);
	assert_memory_equal(id, "100-69", 6);
	{
		int lines = 0;

		for (const char *p = clusterrig_log(&r); (p = strstr(p, "dropped stream"))
		    != NULL; p++)
			lines++;
		assert_int_equal(lines, 8);
	}
	/* Nothing came (the BLOCK ran out): nothing acknowledged, the next
	 * read sent. */
	assert_int_equal(fakeredis_push(r.fr, "*-1\r\n", 5), 0);
	assert_int_equal(clusterrig_reads(&r, 3), 0);
	assert_int_equal(fakeredis_count(r.fr, "XACK"), 3);
	assert_true(counts(&r)->up);
	assert_int_equal(r.grants, 1);
	clusterrig_free(&r);
}

/* What may come on the blocking read instead of entries: down at once,
 * nothing handed on. */
static void
test_read_faults(void **state)
{
	static const struct {
		const char *push;       /* NULL: the connection dropped */
		int close;              /* closed once the push is sent */
		const char *want;
		unsigned dropped;
	} t[] = {
		{ "?what\r\n", 0, "lost (a reply that does not parse)", 0 },
		{ "*5000\r\n", 0, "lost (a reply that does not parse)", 0 },
		{ ":1\r\n", 0, "lost (a reply to XREADGROUP of the wrong "
		    "shape)", 1 },
		{ "-ERR busy\r\n", 0, "lost (a reply to XREADGROUP of the "
		    "wrong shape)", 1 },
		{ NULL, 0, "lost (Server closed the connection)", 0 },
		/* Nothing came, then closed: the next read cannot go. */
		{ "*-1\r\n", 1, "lost (Broken pipe)", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct clusterrig r;

		connected(&r, "gw-1");
		if (t[i].close)
			assert_int_equal(fakeredis_push_close(r.fr, t[i].push,
			    strlen(t[i].push)), 0);
		else if (t[i].push != NULL)
			assert_int_equal(fakeredis_push(r.fr, t[i].push,
			    strlen(t[i].push)), 0);
		else
			assert_int_equal(fakeredis_drop(r.fr), 0);
		assert_int_equal(clusterrig_reads(&r, 2), -1);
		clusterrig_logged(&r, t[i].want);
		assert_int_equal(counts(&r)->dropped, t[i].dropped);
		assert_int_equal(r.grants, 0);
		assert_int_equal(fakeredis_count(r.fr, "XREADGROUP>"), 1);
		is_down(&r);
		clusterrig_free(&r);
	}
}

/* A reply that would not end: refused past 1 MiB of it. */
static void
test_read_too_long(void **state)
{
	static char big[1200 * 1024];
	struct clusterrig r;
	int n;

	(void)state;
	connected(&r, "gw-1");
	n = snprintf(big, sizeof(big), "$%zu\r\n", sizeof(big));
	memset(big + n, 'x', sizeof(big) - (size_t)n);
	assert_int_equal(fakeredis_push(r.fr, big, sizeof(big)), 0);
	assert_int_equal(clusterrig_reads(&r, 2), -1);
	clusterrig_logged(&r, "lost (a reply of more than 1 MiB)");
	is_down(&r);
	clusterrig_free(&r);
}

/* NOGROUP: Redis lost the stream; the group is made again and every
 * grant published again (resync); if that fails, down. */
static void
test_nogroup(void **state)
{
	static const char nogroup[] = "-NOGROUP No such key 'spa:grants' or "
	    "consumer group 'gw-1'\r\n";
	struct clusterrig r;

	(void)state;
	connected(&r, "gw-1");
	assert_int_equal(fakeredis_push(r.fr, nogroup, strlen(nogroup)), 0);
	assert_int_equal(clusterrig_reads(&r, 2), 0);
	clusterrig_logged(&r, "cluster: Redis lost the grants' stream; "
	    "publishing the open grants again");
	assert_int_equal(fakeredis_count(r.fr, "XGROUP"), 2);
	assert_int_equal(fakeredis_count(r.fr, "XREADGROUP"), 2);
	assert_int_equal(r.resyncs, 2);
	assert_true(counts(&r)->up);

	fakeredis_rule(r.fr, "XGROUP", FAKEREDIS_REPLY, "-ERR no\r\n");
	assert_int_equal(fakeredis_push(r.fr, nogroup, strlen(nogroup)), 0);
	assert_int_equal(clusterrig_reads(&r, 3), -1);
	clusterrig_logged(&r, "lost (XGROUP CREATE failed)");
	assert_int_equal(r.resyncs, 2);
	is_down(&r);
	clusterrig_free(&r);
}

/* ---- publishing ---- */

static void
test_publish(void **state)
{
	struct clusterrig r;
	struct clustermsg m, out;
	uint8_t buf[CLUSTERMSG_MAX];
	int64_t now = time(NULL);
	size_t len;
	int ms;

	(void)state;
	connected(&r, "gw-1");
	m = clusterrig_msg("someone", now + 30);
	assert_int_equal(cluster_publish(r.c, &m, now), 0);
	/* Waiting for its answer: the loop wakes within the timeout. */
	ms = cluster_timeout_ms(r.c, 60000);
	assert_true(ms >= 0 && ms <= 200);
	assert_int_equal(clusterrig_until(&r, &counts(&r)->published, 1), 0);
	assert_true(cluster_timeout_ms(r.c, 60000) > 4000);
	/* XADD spa:grants MAXLEN ~ 10000 * m <message>: signed, ours. */
	assert_int_equal(fakeredis_last(r.fr, "XADD", buf, sizeof(buf), &len),
	    8);
	assert_int_equal(clustermsg_decode(&r.mk, buf, len, &out), 0);
	assert_string_equal(out.node, "gw-1");
	assert_int_equal(out.time, now);
	assert_string_equal(out.user, "alice");
	assert_string_equal(out.action, "ssh");
	assert_memory_equal(&out.addr, &m.addr, sizeof(m.addr));
	assert_int_equal(out.expiry, now + 30);
	/* Two out at once. */
	assert_int_equal(cluster_publish(r.c, &m, now), 0);
	assert_int_equal(cluster_publish(r.c, &m, now), 0);
	assert_int_equal(clusterrig_until(&r, &counts(&r)->published, 3), 0);
	/* A message that does not encode: nothing sent. */
	m.user[0] = '\0';
	assert_int_equal(cluster_publish(r.c, &m, now), SPA_ERR_INVALID);
	assert_int_equal(fakeredis_count(r.fr, "XADD"), 3);
	assert_true(counts(&r)->up);
	clusterrig_free(&r);
}

static void
test_publish_faults(void **state)
{
	static const struct {
		enum fakeredis_action action;
		const char *reply, *want;
	} t[] = {
		{ FAKEREDIS_REPLY, "-OOM command not allowed\r\n",
		    "lost (XADD refused)" },
		{ FAKEREDIS_REPLY, "?\r\n", "lost (a reply that does not parse)" },
		{ FAKEREDIS_CLOSE, NULL, "lost (Server closed the connection)" },
		{ FAKEREDIS_SILENT, NULL, "lost (no answer to XADD in time)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct clusterrig r;
		struct clustermsg m = clusterrig_msg("x", time(NULL) + 30);
		struct timespec ts = { .tv_nsec = 250 * 1000000L };

		connected(&r, "gw-1");
		fakeredis_rule(r.fr, "XADD", t[i].action, t[i].reply);
		assert_int_equal(cluster_publish(r.c, &m, time(NULL)), 0);
		assert_int_equal(fakeredis_wait(r.fr, "XADD", 1, 2000), 0);
		if (t[i].action == FAKEREDIS_SILENT) {
			/* Not yet due. */
			cluster_tick(r.c, time(NULL));
			assert_true(counts(&r)->up);
			/* 250 ms: past the 200 ms timeout, due now. */
			nanosleep(&ts, NULL);
			assert_int_equal(cluster_timeout_ms(r.c, 60000), 0);
		}
		assert_int_equal(clusterrig_until(&r, &counts(&r)->published,
		    1), -1);
		clusterrig_logged(&r, t[i].want);
		assert_int_equal(counts(&r)->published, 0);
		is_down(&r);
		clusterrig_free(&r);
	}
}

/* The publications' connection closed by Redis: the next one cannot go. */
static void
test_publish_closed(void **state)
{
	struct clusterrig r;
	struct clustermsg m = clusterrig_msg("x", time(NULL) + 30);
	struct timespec ts = { .tv_nsec = 50 * 1000000L };

	(void)state;
	connected(&r, "gw-1");
	fakeredis_rule(r.fr, "XADD", FAKEREDIS_CLOSE, NULL);
	assert_int_equal(cluster_publish(r.c, &m, time(NULL)), 0);
	assert_int_equal(fakeredis_wait(r.fr, "XADD", 1, 2000), 0);
	nanosleep(&ts, NULL);
	assert_int_equal(cluster_publish(r.c, &m, time(NULL)), SPA_ERR_SYSTEM);
	clusterrig_logged(&r, "lost (Broken pipe)");
	assert_int_equal(counts(&r)->published, 0);
	is_down(&r);
	clusterrig_free(&r);
}

/* ---- a real Redis ---- */

static int
real_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

#define NEED_REDIS()                                                    \
	do {                                                            \
		if (!redisserver_available()) {                         \
			printf("no /usr/bin/redis-server (make deps)\n"); \
			skip();                                         \
		}                                                       \
	} while (0)

/* Two nodes: one claim wins, the other is a replay; a grant published
 * by one reaches the other (not itself); Redis stopped (SIGSTOP): the
 * claim times out, down; killed and restarted: both nodes reconnect
 * within a second and resync. */
static void
test_real(void **state)
{
	struct clusterrig a, b;
	struct clustermsg m;
	pid_t pid;
	int64_t now = time(NULL);
	struct timespec ts = { .tv_nsec = 100 * 1000000L };

	(void)state;
	NEED_REDIS();
	clusterrig_init(&a, "a", 0);
	clusterrig_init(&b, "b", 0);
	b.cc.socket = a.sock;
	pid = redisserver_start(a.dir, NULL);
	clusterrig_start(&a);
	clusterrig_start(&b);
	/* One log for both: a's rig reads it. */
	clusterrig_logged(&a, "cluster: node a connected to Redis");
	clusterrig_logged(&a, "cluster: node b connected to Redis");
	assert_int_equal(cluster_claim(a.c, tag, 5000), CLUSTER_CLAIMED);
	assert_int_equal(cluster_claim(b.c, tag, 5000), CLUSTER_TAKEN);
	assert_int_equal(cluster_claim(a.c, tag, 5000), CLUSTER_TAKEN);

	m = clusterrig_msg("a", now + 60);
	assert_int_equal(cluster_publish(a.c, &m, now), 0);
	for (int i = 0; i < 100 && (b.grants == 0 || counts(&a)->published ==
	    0); i++) {
		(void)clusterrig_until(&a, &counts(&a)->published, 1);
		clusterrig_turns(&b, 1);
	}
	assert_int_equal(counts(&a)->published, 1);
	assert_int_equal(b.grants, 1);
	assert_string_equal(b.last.node, "a");
	assert_int_equal(b.last.expiry, now + 60);
	clusterrig_turns(&a, 20);
	assert_int_equal(a.grants, 0);

	/* Stopped: the claim waits its 200 ms, then down. */
	kill(pid, SIGSTOP);
	assert_int_equal(cluster_claim(a.c, tag, 5000), CLUSTER_DOWN);
	clusterrig_logged(&a, "lost (Resource temporarily unavailable): "
	    "knocks are refused until it is back");
	assert_false(counts(&a)->up);
	kill(pid, SIGCONT);

	/* Killed: b's claim finds the connection closed; both come back. */
	redisserver_kill(pid);
	assert_int_equal(cluster_claim(b.c, tag, 5000), CLUSTER_DOWN);
	clusterrig_logged(&a, "cluster: Redis ");
	assert_false(counts(&b)->up);
	pid = redisserver_start(a.dir, NULL);
	for (int i = 0; i < 30 && (!counts(&a)->up || !counts(&b)->up); i++) {
		nanosleep(&ts, NULL);
		cluster_tick(a.c, time(NULL));
		cluster_tick(b.c, time(NULL));
	}
	assert_true(counts(&a)->up);
	assert_true(counts(&b)->up);
	assert_int_equal(a.resyncs, 2);
	assert_int_equal(b.resyncs, 2);
	/* Empty: the tag is free again. */
	assert_int_equal(cluster_claim(b.c, tag, 5000), CLUSTER_CLAIMED);
	clusterrig_free(&b);
	clusterrig_free(&a);
	redisserver_kill(pid);
}

/* requirepass: the right password connects, another is refused. */
static void
test_real_password(void **state)
{
	struct clusterrig r;
	pid_t pid;

	(void)state;
	NEED_REDIS();
	clusterrig_init(&r, "gw-1", 0);
	pid = redisserver_start(r.dir, "requirepass s3cret\n");
	r.cc.password = (char *)"s3cret";
	clusterrig_start(&r);
	assert_true(counts(&r)->up);
	assert_int_equal(cluster_claim(r.c, tag, 5000), CLUSTER_CLAIMED);
	cluster_free(r.c);
	r.c = NULL;
	r.cc.password = (char *)"wrong";
	clusterrig_start(&r);
	clusterrig_logged(&r, "unreachable (AUTH: WRONGPASS");
	assert_false(counts(&r)->up);
	assert_null(strstr(r.log, "s3cret"));
	redisserver_kill(pid);
	clusterrig_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claim),
		cmocka_unit_test(test_claim_faults),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_not_started),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_read_faults),
		cmocka_unit_test(test_read_too_long),
		cmocka_unit_test(test_nogroup),
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_publish_faults),
		cmocka_unit_test(test_publish_closed),
		cmocka_unit_test(test_real),
		cmocka_unit_test(test_real_password),
	};

	return cmocka_run_group_tests(tests, real_setup, NULL);
}
