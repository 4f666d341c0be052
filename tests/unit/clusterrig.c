#include "clusterrig.h"

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

#include "err.h"
#include "logcap.h"
#include "testfile.h"

/* The log is the process's: caught once for every rig alive. */
static int clusterrig_alive;

static void
clusterrig_grant(void *ctx, const struct clustermsg *m, int64_t now)
{
	struct clusterrig *r = ctx;

	(void)now;
	r->grants++;
	r->last = *m;
}

static void
clusterrig_resync(void *ctx, int64_t now)
{
	struct clusterrig *r = ctx;

	r->resyncs++;
	if (r->resync_publish) {
		struct clustermsg m = clusterrig_msg("x", now + 60);

		r->resync_rc = cluster_publish(r->c, &m, now);
	}
}

void
clusterrig_init(struct clusterrig *r, const char *node, int fake)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/spa-clusterrig-XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->sock, sizeof(r->sock), "%s/redis.sock", r->dir);
	if (fake)
		r->fr = fakeredis_start(r->sock);
	r->cc.on = true;
	r->cc.socket = r->sock;
	r->cc.timeout_ms = 200;
	snprintf(r->cc.node, sizeof(r->cc.node), "%s", node);
	snprintf(r->cc.prefix, sizeof(r->cc.prefix), "spa:");
	memset(r->cc.key, 0x5a, sizeof(r->cc.key));
	clustermsg_key(r->cc.key, &r->mk);
	if (clusterrig_alive++ == 0)
		assert_int_equal(logcap_start(), 0);
}

void
clusterrig_start(struct clusterrig *r)
{
	const struct cluster_hooks h = { .grant = clusterrig_grant,
	    .resync = clusterrig_resync, .ctx = r };

	assert_int_equal(cluster_new(&r->cc, &h, &r->c), 0);
	cluster_start(r->c, time(NULL));
}

void
clusterrig_free(struct clusterrig *r)
{
	cluster_free(r->c);
	r->c = NULL;
	fakeredis_stop(r->fr);
	r->fr = NULL;
	mac_key_wipe(&r->mk);
	if (--clusterrig_alive == 0)
		logcap_stop();
	assert_int_equal(testfile_remove_tree(r->dir), 0);
}

const char *
clusterrig_log(struct clusterrig *r)
{
	size_t at = strlen(r->log);

	snprintf(r->log + at, sizeof(r->log) - at, "%s", logcap_read());
	return r->log;
}

void
clusterrig_logged(struct clusterrig *r, const char *want)
{
	if (strstr(clusterrig_log(r), want) == NULL)
		fail_msg("want \"%s\" in the log:\n%s", want, r->log);
}

/* One turn of the loop: up to 10 ms for the node's descriptor. */
static void
clusterrig_turn(struct clusterrig *r)
{
	struct pollfd p = { .fd = cluster_fd(r->c), .events = POLLIN };

	(void)poll(&p, 1, 10);
	cluster_tick(r->c, time(NULL));
}

void
clusterrig_turns(struct clusterrig *r, int n)
{
	for (int i = 0; i < n; i++)
		clusterrig_turn(r);
}

int
clusterrig_reads(struct clusterrig *r, unsigned n)
{
	for (int i = 0; i < 400; i++) {
		if (fakeredis_count(r->fr, "XREADGROUP>") >= n)
			return 0;
		if (cluster_fd(r->c) < 0)
			return -1;
		clusterrig_turn(r);
	}
	return -1;
}

int
clusterrig_until(struct clusterrig *r, const uint64_t *counter,
    uint64_t want)
{
	for (int i = 0; i < 200; i++) {
		if (*counter >= want)
			return 0;
		if (cluster_fd(r->c) < 0)
			return -1;
		clusterrig_turn(r);
	}
	return -1;
}

struct clustermsg
clusterrig_msg(const char *node, int64_t expiry)
{
	struct clustermsg m;

	memset(&m, 0, sizeof(m));
	m.time = time(NULL);
	memset(m.nonce, 0x3c, sizeof(m.nonce));
	snprintf(m.node, sizeof(m.node), "%s", node);
	snprintf(m.user, sizeof(m.user), "alice");
	snprintf(m.action, sizeof(m.action), "ssh");
	assert_int_equal(addr_parse("198.51.100.1", &m.addr), 0);
	m.expiry = expiry;
	return m;
}

static void
clusterrig_add(struct clusterrig_resp *o, const void *bytes, size_t len)
{
	assert_true(len <= sizeof(o->b) - o->len);
	memcpy(o->b + o->len, bytes, len);
	o->len += len;
}

static void
clusterrig_addf(struct clusterrig_resp *o, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	clusterrig_add(o, buf, (size_t)n);
}

void
clusterrig_entry(struct clusterrig_resp *o, const char *id,
    const uint8_t *msg, size_t len)
{
	clusterrig_addf(o, "*2\r\n$%zu\r\n%s\r\n*2\r\n", strlen(id), id);
	if (msg == NULL) {
		clusterrig_addf(o, "$1\r\nx\r\n$1\r\ny\r\n");
		return;
	}
	clusterrig_addf(o, "$1\r\nm\r\n$%zu\r\n", len);
	clusterrig_add(o, msg, len);
	clusterrig_add(o, "\r\n", 2);
}

void
clusterrig_entry_msg(struct clusterrig_resp *o, const char *id,
    const struct mac_key *mk, const struct clustermsg *m)
{
	uint8_t buf[CLUSTERMSG_MAX];
	size_t len;

	assert_int_equal(clustermsg_encode(mk, m, buf, sizeof(buf), &len), 0);
	clusterrig_entry(o, id, buf, len);
}

void
clusterrig_reply(struct clusterrig_resp *o,
    const struct clusterrig_resp *entries, unsigned n)
{
	o->len = 0;
	clusterrig_addf(o, "*1\r\n*2\r\n$10\r\nspa:grants\r\n*%u\r\n", n);
	clusterrig_add(o, entries->b, entries->len);
}
