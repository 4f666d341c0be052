/*
 * The warden (sniffer/warden.h) in a cluster, against a fake Redis
 * (tests/unit/fakeredis.h): another node's grants are checked against
 * this configuration, each refusal counted and logged with its reason;
 * those it may apply open through this node's own engine, with every
 * pair of the action, a forward to this node's inner host, never longer
 * than the action's timeout, not again when open as long already.  A
 * knock here is claimed cluster-wide (taken elsewhere: a replay; Redis
 * down with on_redis_down = refuse: refused) and published; when Redis
 * lost the stream, every grant open here is published again.  A reload
 * changing the [cluster] section says the running one stays.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clusterrig.h"
#include "cmdlog.h"
#include "conf.h"
#include "spawn.h"
#include "verify.h"
#include "wardenrig.h"

/* base64 of the 32 bytes 0x5a clusterrig signs with */
#define RIG_KEY "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo="

static struct clusterrig cr;
static struct rig r;
static int no_forwards;         /* up(): a backend without forward commands */

/* One turn of the daemon's loop: commands and Redis. */
static void
turn(void)
{
	struct pollfd p[2] = { { warden_fd(r.w), POLLIN, 0 },
	    { warden_cluster_fd(r.w), POLLIN, 0 } };
	int64_t now = (int64_t)time(NULL);

	(void)poll(p, p[1].fd >= 0 ? 2 : 1, warden_timeout_ms(r.w, now, 10));
	warden_tick(r.w, now);
}

/* Turns until the fake Redis has had n blocking reads: 0, or -1. */
static int
reads(unsigned n)
{
	for (int i = 0; i < 400; i++) {
		if (fakeredis_count(cr.fr, "XREADGROUP>") >= n)
			return 0;
		turn();
	}
	return -1;
}

/* Turns until *counter reaches want: 0, or -1. */
static int
until(const uint64_t *counter, uint64_t want)
{
	for (int i = 0; i < 400 && *counter < want; i++)
		turn();
	return *counter >= want ? 0 : -1;
}

/* Turns until the backend's log has n lines beginning with prefix. */
static void
wait_log(const char *prefix, int n)
{
	for (int i = 0; i < 400 && cmdlog_count(cr.dir, prefix) < n; i++)
		turn();
	assert_int_equal(cmdlog_count(cr.dir, prefix), n);
}

/* The configuration, with the [cluster] lines extra (node b, the rig's
 * key unless they say otherwise). */
static struct conf *
load(const char *extra)
{
	char text[2048], err[CONF_ERR_MAX];
	struct conf *c;

	snprintf(text, sizeof(text),
	    "[sniffer]\nwindow = 60\nstate = %s\nfirewall = fake\n"
	    "[cluster]\nredis = %s\ntimeout = 200\n%s%s%s"
	    "[user alice]\nkey = " WARDENRIG_ALICE_KEY "\n"
	    "allow = ssh web fwd runit\nexpires = 2999-12-31\n"
	    "[action ssh]\nopen = tcp/22\ntimeout = 30\n"
	    "[action web]\nopen = tcp/80 tcp/443\ntimeout = 30\n"
	    "[action fwd]\nforward = tcp/2222 192.0.2.10:22\ntimeout = 30\n"
	    "[action runit]\nrun = /bin/true\n"
	    "[action mail]\nopen = tcp/25\n", r.state, cr.sock,
	    strstr(extra, "node =") ? "" : "node = b\n",
	    strstr(extra, "key =") ? "" : "key = " RIG_KEY "\n", extra);
	if (conf_load_string("test.conf", text, &c, err) != 0)
		fail_msg("%s", err);
	return c;
}

static void
up(const char *extra)
{
	char fwerr[FIREWALL_ERR_MAX];

	memset(&r, 0, sizeof(r));
	snprintf(r.state, sizeof(r.state), "%s/state", cr.dir);
	r.c = load(extra);
	wardenrig_backend(cr.dir, no_forwards ? 0 : WARDENRIG_FORWARDS);
	if (firewall_load(cr.dir, "fake", &r.fw, fwerr) != 0)
		fail_msg("%s", fwerr);
	r.o.rules_dir = cr.dir;
	assert_int_equal(warden_start(r.c, r.fw, &r.o, (int64_t)time(NULL),
	    &r.w), 0);
	assert_non_null(warden_cluster_counts(r.w));
	assert_int_equal(reads(1), 0);
}

/* Another node's message m, signed, as the next entry read. */
static void
push(struct clustermsg *msgs, unsigned n)
{
	struct clusterrig_resp e = { 0 }, reply;
	char id[32];

	for (unsigned i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "7-%u", i);
		clusterrig_entry_msg(&e, id, &cr.mk, &msgs[i]);
	}
	clusterrig_reply(&reply, &e, n);
	assert_int_equal(fakeredis_push(cr.fr, reply.b, reply.len), 0);
}

static struct clustermsg
msg(const char *user, const char *action, const char *addr, int64_t expiry)
{
	struct clustermsg m = clusterrig_msg("a", expiry);

	snprintf(m.user, sizeof(m.user), "%s", user);
	snprintf(m.action, sizeof(m.action), "%s", action);
	assert_int_equal(addr_parse(addr, &m.addr), 0);
	return m;
}

struct listed {
	int n, web_pairs, fwd_inner_port;
	int64_t web_expiry;
};

static void
list_one(void *ctx, const struct grantrec *g, unsigned failed)
{
	struct listed *l = ctx;

	(void)failed;
	l->n++;
	if (strcmp(g->action, "web") == 0) {
		l->web_pairs = (int)grantrec_npairs(g);
		l->web_expiry = g->expiry;
	}
	if (strcmp(g->action, "fwd") == 0)
		l->fwd_inner_port = g->inner_port;
}

static void
test_other_nodes_grants(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct clustermsg m[] = {
		msg("mallory", "ssh", "198.51.100.1", now + 30),
		msg("alice", "nope", "198.51.100.1", now + 30),
		msg("alice", "mail", "198.51.100.1", now + 30),
		msg("alice", "runit", "198.51.100.1", now + 30),
		msg("alice", "fwd", "2001:db8::5", now + 30),
		/* far too long: cut to this node's timeout */
		msg("alice", "web", "198.51.100.2", now + 100000),
		msg("alice", "fwd", "198.51.100.3", now + 30),
		msg("alice", "ssh", "198.51.100.4", now + 30),
		/* open here already, as long: nothing more */
		msg("alice", "ssh", "198.51.100.4", now + 20),
		/* longer: the same grant, its expiry moved */
		msg("alice", "ssh", "198.51.100.4", now + 31),
		/* refusals past the log's 10 a minute: counted, not logged */
		msg("mallory", "ssh", "198.51.100.1", now + 30),
		msg("mallory", "ssh", "198.51.100.1", now + 30),
		msg("mallory", "ssh", "198.51.100.1", now + 30),
		msg("mallory", "ssh", "198.51.100.1", now + 30),
		msg("mallory", "ssh", "198.51.100.1", now + 30),
		msg("mallory", "ssh", "198.51.100.1", now + 30),
	};
	const struct cluster_counts *k;
	struct listed l = { 0 };
	const char *log;
	(void)state;

	up("");
	k = warden_cluster_counts(r.w);
	push(m, sizeof(m) / sizeof(m[0]));
	assert_int_equal(until(&k->dropped, 11), 0);
	assert_int_equal(until(&k->applied, 4), 0);
	wait_log("open", 3);                    /* ssh, web's two pairs */
	wait_log("fopen", 1);
	(void)reads(2);
	assert_int_equal(k->dropped, 11);
	assert_int_equal(k->applied, 4);
	log = clusterrig_log(&cr);
	{
		int lines = 0;

		for (const char *p = log; (p = strstr(p, "dropped a grant")) !=
		    NULL; p++)
			lines++;
		assert_int_equal(lines, 10);
	}
	if (strstr(log, "cluster: dropped a grant from node a: no such user "
	    "here (user mallory, action ssh)") == NULL ||
	    strstr(log, "a: no such action here (user alice, action nope)") ==
	    NULL || strstr(log, "a: the user may not ask for the action here "
	    "(user alice, action mail)") == NULL || strstr(log, "a: a run "
	    "action here (it runs on the accepting node only)") == NULL ||
	    strstr(log, "a: a forward to the other address family here") ==
	    NULL || strstr(log, "cluster: grant from node a: user=alice "
	    "request=web allow=198.51.100.2 until ") == NULL)
		fail_msg("log:\n%s", log);
	warden_each_grant(r.w, list_one, &l);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.web_pairs, 2);
	assert_true(l.web_expiry <= (int64_t)time(NULL) + 30 + 60);
	assert_true(l.web_expiry < now + 1000);
	assert_int_equal(l.fwd_inner_port, 22);
	assert_non_null(strstr(log, "user=alice request=ssh allow=198.51.100.4 "
	    "until "));
	/* the second ssh opened nothing more */
	assert_int_equal(cmdlog_count(cr.dir, "open 198.51.100.4 "), 1);
	assert_int_equal(cmdlog_count(cr.dir, "open"), 3);

	/* Redis lost the stream: the three open here are published again */
	{
		static const char nogroup[] = "-NOGROUP No such key "
		    "'spa:grants' or consumer group 'b'\r\n";
		unsigned xadd = fakeredis_count(cr.fr, "XADD");

		assert_int_equal(fakeredis_push(cr.fr, nogroup,
		    strlen(nogroup)), 0);
		assert_int_equal(reads(3), 0);
		for (int i = 0; i < 100 && fakeredis_count(cr.fr, "XADD") <
		    xadd + 3; i++)
			turn();
		assert_int_equal(fakeredis_count(cr.fr, "XADD"), xadd + 3);
	}
	rig_down(&r);
}

/* A knock here: claimed, then published; taken elsewhere: a replay;
 * Redis failing the claim: refused. */
static void
test_knocks_claimed(void **state)
{
	struct privmsg_grant g;
	const struct cluster_counts *k;
	unsigned xadd;
	(void)state;

	up("");
	k = warden_cluster_counts(r.w);
	xadd = fakeredis_count(cr.fr, "XADD");
	g = wardenrig_alice_ssh(&r, "198.51.100.20");
	assert_int_equal(warden_grant(r.w, &g, (int64_t)time(NULL)),
	    WARDEN_DONE);
	assert_int_equal(k->claimed, 1);
	for (int i = 0; i < 100 && fakeredis_count(cr.fr, "XADD") == xadd; i++)
		turn();
	assert_int_equal(fakeredis_count(cr.fr, "XADD"), xadd + 1);

	fakeredis_rule(cr.fr, "SET", FAKEREDIS_REPLY, "$-1\r\n");
	g = wardenrig_alice_ssh(&r, "198.51.100.21");
	assert_int_equal(warden_grant(r.w, &g, (int64_t)time(NULL)),
	    WARDEN_REPLAY);
	assert_int_equal(k->taken, 1);

	/* nothing opened for the one taken */
	wait_log("open", 1);

	/* an action of two pairs: one grant, both opened, published */
	xadd = fakeredis_count(cr.fr, "XADD");
	g = wardenrig_msg(&r, "alice", "web", "198.51.100.23",
	    (int64_t)time(NULL) + VERIFY_NATIVE_REPLAY_EXTRA + 30);
	assert_int_equal(warden_grant(r.w, &g, (int64_t)time(NULL)),
	    WARDEN_DONE);
	wait_log("open", 3);
	assert_int_equal(cmdlog_count(cr.dir, "open 198.51.100.23 tcp 443"),
	    1);
	assert_int_equal(warden_grant_count(r.w), 2);
	for (int i = 0; i < 100 && fakeredis_count(cr.fr, "XADD") == xadd; i++)
		turn();
	assert_int_equal(fakeredis_count(cr.fr, "XADD"), xadd + 1);

	/* Redis fails the claim: refused, nothing opened */
	fakeredis_rule(cr.fr, "SET", FAKEREDIS_REPLY, "-ERR no\r\n");
	g = wardenrig_alice_ssh(&r, "198.51.100.22");
	assert_int_equal(warden_grant(r.w, &g, (int64_t)time(NULL)),
	    WARDEN_UNAVAILABLE);
	assert_int_equal(k->refused, 1);
	assert_int_equal(cmdlog_count(cr.dir, "open 198.51.100.22 "), 0);
	rig_down(&r);
}

/* Another node's forward, this node's backend without forward commands:
 * checked, but nothing opens, nothing counted as applied. */
static void
test_grant_not_opened(void **state)
{
	int64_t now = (int64_t)time(NULL);
	struct clustermsg m[] = {
		msg("alice", "fwd", "198.51.100.60", now + 30),
		msg("alice", "ssh", "198.51.100.61", now + 30),
	};
	const struct cluster_counts *k;
	(void)state;

	no_forwards = 1;
	up("");
	no_forwards = 0;
	k = warden_cluster_counts(r.w);
	push(m, 2);
	assert_int_equal(until(&k->applied, 1), 0);
	wait_log("open", 1);
	(void)reads(2);
	assert_int_equal(k->applied, 1);
	assert_int_equal(k->dropped, 0);
	assert_int_equal(warden_grant_count(r.w), 1);
	assert_int_equal(cmdlog_count(cr.dir, "fopen"), 0);
	if (strstr(clusterrig_log(&cr), "open 198.51.100.60 tcp/2222 -> "
	    "192.0.2.10:22: cannot run its commands") == NULL)
		fail_msg("log:\n%s", cr.log);
	rig_down(&r);
}

/* A reload that changes any of the [cluster] section's settings says the
 * running one stays; one that changes none says nothing. */
static void
test_reload_cluster(void **state)
{
	static const char *const changes[] = {
		"node = c\n",
		"on_redis_down = local\n",
		"prefix = other:\n",
		"key = PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=\n",
	};
	struct conf *c2;
	(void)state;

	up("");
	cr.log[0] = '\0';
	c2 = load("");
	warden_reconfigure(r.w, c2, r.fw);
	assert_null(strstr(clusterrig_log(&cr), "reload: the [cluster]"));
	warden_reconfigure(r.w, r.c, r.fw);
	conf_free(c2);
	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		cr.log[0] = '\0';
		c2 = load(changes[i]);
		warden_reconfigure(r.w, c2, r.fw);
		if (strstr(clusterrig_log(&cr), "reload: the [cluster] section "
		    "is read at start only; the running one stays until a "
		    "restart") == NULL)
			fail_msg("%s: not said:\n%s", changes[i], cr.log);
		warden_reconfigure(r.w, r.c, r.fw);
		conf_free(c2);
	}
	rig_down(&r);
}

/* on_redis_down = local: a claim Redis fails is decided here. */
static void
test_down_local(void **state)
{
	struct privmsg_grant g;
	(void)state;

	up("on_redis_down = local\n");
	fakeredis_rule(cr.fr, "SET", FAKEREDIS_REPLY, "-ERR no\r\n");
	g = wardenrig_alice_ssh(&r, "198.51.100.30");
	assert_int_equal(warden_grant(r.w, &g, (int64_t)time(NULL)),
	    WARDEN_DONE);
	assert_int_equal(warden_cluster_counts(r.w)->local, 1);
	assert_int_equal(warden_cluster_counts(r.w)->refused, 0);
	wait_log("open", 1);
	rig_down(&r);
}

/* A dry run joins no cluster. */
static void
test_dry_run_alone(void **state)
{
	char text[1024], err[CONF_ERR_MAX], fwerr[FIREWALL_ERR_MAX];
	(void)state;

	memset(&r, 0, sizeof(r));
	snprintf(text, sizeof(text), "[sniffer]\nstate =\nfirewall = fake\n"
	    "[cluster]\nredis = %s\nnode = b\nkey = " RIG_KEY "\n"
	    "[user alice]\nkey = " WARDENRIG_ALICE_KEY "\nallow = ssh\n"
	    "[action ssh]\nopen = tcp/22\n", cr.sock);
	if (conf_load_string("test.conf", text, &r.c, err) != 0)
		fail_msg("%s", err);
	wardenrig_backend(cr.dir, 0);
	if (firewall_load(cr.dir, "fake", &r.fw, fwerr) != 0)
		fail_msg("%s", fwerr);
	r.o.rules_dir = cr.dir;
	r.o.dry_run = 1;
	assert_int_equal(warden_start(r.c, r.fw, &r.o, (int64_t)time(NULL),
	    &r.w), 0);
	assert_null(warden_cluster_counts(r.w));
	assert_int_equal(warden_cluster_fd(r.w), -1);
	assert_int_equal(fakeredis_count(cr.fr, "XGROUP"), 0);
	rig_down(&r);
}

static int
setup(void **state)
{
	(void)state;
	clusterrig_init(&cr, "b", 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	clusterrig_free(&cr);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_other_nodes_grants, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_knocks_claimed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_down_local, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_alone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reload_cluster, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_grant_not_opened, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
