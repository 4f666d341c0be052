/* [cluster] (common/conf.c), the cluster's messages (sniffer/clustermsg.c),
 * the shape of Redis's replies (sniffer/clusterreply.c) and the check of
 * another node's grant against this configuration (warden.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "testfile.h"
#include "clustermsg.h"
#include "clusterreply.h"
#include "conf.h"
#include "crypto.h"
#include "err.h"
#include "warden.h"

#define KEY32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_OTHER "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="
#define USERS "[user alice]\nkey = " KEY_OTHER "\nallow = ssh run fwd\n" \
	"[action ssh]\nopen = tcp/22\n[action run]\nrun = /bin/true\n" \
	"[action web]\nopen = tcp/80\n" \
	"[action fwd]\nforward = tcp/2222 192.0.2.10:22\n"

static struct conf *
load(const char *text, char err[CONF_ERR_MAX])
{
	struct conf *c = NULL;

	err[0] = '\0';
	(void)conf_load_string("t.conf", text, &c, err);
	return c;
}

static void
test_conf_cluster_absent(void **state)
{
	char err[CONF_ERR_MAX];
	struct conf *c = load(USERS, err);

	(void)state;
	assert_non_null(c);
	assert_false(c->cluster.on);
	conf_free(c);
}

static void
test_conf_cluster_good(void **state)
{
	static const uint8_t key[32] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
	    27, 28, 29, 30, 31 };
	char err[CONF_ERR_MAX];
	struct conf *c;

	(void)state;
	c = load(USERS "[cluster]\nredis = 192.0.2.7:6379\nnode = gw-1\n"
	    "key = " KEY32 "\n", err);
	if (c == NULL)
		fail_msg("%s", err);
	assert_true(c->cluster.on);
	assert_string_equal(c->cluster.host, "192.0.2.7");
	assert_int_equal(c->cluster.port, 6379);
	assert_null(c->cluster.socket);
	assert_string_equal(c->cluster.node, "gw-1");
	assert_memory_equal(c->cluster.key, key, 32);
	assert_null(c->cluster.password);
	assert_int_equal(c->cluster.timeout_ms, CONF_CLUSTER_TIMEOUT_MS);
	assert_false(c->cluster.down_local);
	assert_string_equal(c->cluster.prefix, "spa:");
	conf_free(c);

	c = load(USERS "[cluster]\nredis = /run/redis/redis.sock\nnode = b\n"
	    "key = " KEY32 "\ntimeout = 50\non_redis_down = local\n"
	    "tls = no\nprefix = site1:\n", err);
	if (c == NULL)
		fail_msg("%s", err);
	assert_string_equal(c->cluster.socket, "/run/redis/redis.sock");
	assert_int_equal(c->cluster.port, 0);
	assert_int_equal(c->cluster.timeout_ms, 50);
	assert_true(c->cluster.down_local);
	assert_string_equal(c->cluster.prefix, "site1:");
	conf_free(c);

	c = load(USERS "[cluster]\nredis = [2001:db8::7]:6380\nnode = c\n"
	    "key = " KEY32 "\n", err);
	if (c == NULL)
		fail_msg("%s", err);
	assert_string_equal(c->cluster.host, "2001:db8::7");
	assert_int_equal(c->cluster.port, 6380);
	conf_free(c);
}

static void
test_conf_cluster_errors(void **state)
{
	static const struct { const char *text, *want; } t[] = {
		{ "[cluster]\nnode = a\nkey = " KEY32 "\n", "needs redis" },
		{ "[cluster]\nredis = 192.0.2.7:6379\nkey = " KEY32 "\n",
		    "needs node" },
		{ "[cluster]\nredis = 192.0.2.7:6379\nnode = a\n",
		    "needs key = or keyfile" },
		{ "[cluster]\nredis = 192.0.2.7\nnode = a\nkey = " KEY32 "\n",
		    "redis must be HOST:PORT" },
		{ "[cluster]\nredis = 192.0.2.7:0\nnode = a\nkey = " KEY32 "\n",
		    "redis must be HOST:PORT" },
		{ "[cluster]\nredis = a b:1\nnode = a\nkey = " KEY32 "\n",
		    "redis must be HOST:PORT" },
		{ "[cluster]\nredis = h:1\nnode = a b\nkey = " KEY32 "\n",
		    "node must be a name" },
		{ "[cluster]\nredis = h:1\nnode = a\nkey = AAAA\n",
		    "key must be 32 bytes" },
		{ "[cluster]\nredis = h:1\nnode = a\nkey = " KEY32 "\n"
		    "keyfile = k\n", "give key or keyfile, not both" },
		{ "[cluster]\nredis = h:1\nnode = a\nkey = " KEY32 "\n"
		    "tls = yes\n", "this build of sniffer has no TLS to Redis" },
		{ "[cluster]\nredis = h:1\nnode = a\nkey = " KEY32 "\n"
		    "timeout = 5\n", "timeout must be milliseconds" },
		{ "[cluster]\nredis = h:1\nnode = a\nkey = " KEY32 "\n"
		    "on_redis_down = maybe\n", "on_redis_down must be refuse "
		    "or local" },
		{ "[cluster]\nredis = h:1\nnode = a\nkey = " KEY32 "\n"
		    "prefix = a b\n", "prefix must be" },
		{ "[cluster]\nredis = h:1\nnode = a\nkey = " KEY32 "\n"
		    "[cluster]\n", "[cluster] appears twice" },
		{ "[cluster x]\n", "[cluster] takes no name" },
		{ "[cluster]\nredis = h:1\nnode = a\nkey = " KEY32 "\n"
		    "password_file = /nonexistent/pw\n", "cannot read password "
		    "file" },
	};
	char err[CONF_ERR_MAX], text[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct conf *c;

		snprintf(text, sizeof(text), "%s%s", USERS, t[i].text);
		if ((c = load(text, err)) != NULL)
			fail_msg("accepted:\n%s", text);
		if (strstr(err, t[i].want) == NULL)
			fail_msg("for:\n%s\ngot: %s\nwant: %s", text, err,
			    t[i].want);
		assert_null(strstr(err, KEY32));
	}
}

/* USERS and a [cluster] with the lines fmt makes after redis and node
 * (from line 15 on) is refused saying want. */
static void __attribute__((format(printf, 2, 3)))
conf_cluster_refused(const char *want, const char *fmt, ...)
{
	char text[1024], more[512], err[CONF_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(more, sizeof(more), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), USERS "[cluster]\nredis = h:1\n"
	    "node = a\n%s", more);
	if (load(text, err) != NULL)
		fail_msg("accepted:\n%s", text);
	if (strstr(err, want) == NULL)
		fail_msg("for:\n%s\ngot: %s\nwant: %s", text, err, want);
}

/* keyfile and password_file: read, and refused when others may read. */
static void
test_conf_cluster_files(void **state)
{
	char dir[] = "/tmp/spa-cluster-XXXXXX", text[1024], err[CONF_ERR_MAX];
	struct conf *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	testfile_write(dir, "ck", KEY32 "\n", 0600);
	testfile_write(dir, "pw", "s3cret pass\n", 0600);
	snprintf(text, sizeof(text), USERS "[cluster]\nredis = h:1\n"
	    "node = a\nkeyfile = %s/ck\npassword_file = %s/pw\n", dir, dir);
	if ((c = load(text, err)) == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->cluster.key[31], 31);
	assert_string_equal(c->cluster.password, "s3cret pass");
	conf_free(c);
	testfile_write(dir, "pw", "s3cret pass\n", 0640);
	assert_null(load(text, err));
	assert_non_null(strstr(err, "mode 0600"));
	assert_null(strstr(err, "s3cret"));
	testfile_write(dir, "pw", "s3cret pass\n", 0600);
	testfile_write(dir, "ck", KEY32 "\n", 0644);
	assert_null(load(text, err));
	assert_non_null(strstr(err, "chmod 600"));
	testfile_write(dir, "ck", KEY32 "\n", 0600);
	conf_cluster_refused("give key or keyfile, not both (keyfile is on "
	    "line 15)", "keyfile = %s/ck\nkey = " KEY32 "\n", dir);
	conf_cluster_refused("keyfile takes the path of a key file",
	    "keyfile =\n");
	conf_cluster_refused("password_file needs a path",
	    "key = " KEY32 "\npassword_file =\n");
	/* empty, or more than a password: one line of 1 to N bytes */
	testfile_write(dir, "pw", "", 0600);
	conf_cluster_refused("must hold one line of 1 to",
	    "key = " KEY32 "\npassword_file = %s/pw\n", dir);
	testfile_write(dir, "pw", "\nsecond\n", 0600);
	conf_cluster_refused("must hold one line of 1 to",
	    "key = " KEY32 "\npassword_file = %s/pw\n", dir);
	/* a directory is no password file */
	snprintf(text, sizeof(text), "%s/pwdir", dir);
	assert_int_equal(mkdir(text, 0700), 0);
	conf_cluster_refused("must be a regular file owned by root",
	    "key = " KEY32 "\npassword_file = %s/pwdir\n", dir);
	assert_int_equal(testfile_remove_tree(dir), 0);
}

/* ---- messages ---- */

static struct mac_key mk, mk_other;

static int
keys_setup(void **state)
{
	uint8_t k[32];

	(void)state;
	memset(k, 7, sizeof(k));
	clustermsg_key(k, &mk);
	k[0] ^= 1;
	clustermsg_key(k, &mk_other);
	return 0;
}

static struct clustermsg
good_msg(void)
{
	struct clustermsg m;

	memset(&m, 0, sizeof(m));
	m.time = 1796000000;
	memset(m.nonce, 0xab, sizeof(m.nonce));
	snprintf(m.node, sizeof(m.node), "gw-1");
	snprintf(m.user, sizeof(m.user), "alice");
	snprintf(m.action, sizeof(m.action), "ssh");
	assert_int_equal(addr_parse("198.51.100.1", &m.addr), 0);
	m.expiry = 1796000030;
	return m;
}

static void
test_msg_round_trip(void **state)
{
	struct clustermsg m = good_msg(), out;
	uint8_t buf[CLUSTERMSG_MAX];
	size_t len;

	(void)state;
	assert_int_equal(clustermsg_encode(&mk, &m, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 4 + 2 + 8 + 16 + 5 + 6 + 4 + 1 + 16 + 8 + 32);
	assert_int_equal(clustermsg_decode(&mk, buf, len, &out), 0);
	assert_memory_equal(&out, &m, sizeof(m));
	assert_int_equal(addr_parse("2001:db8::5", &m.addr), 0);
	memset(m.user, 'u', CLUSTERMSG_NAME_MAX);
	assert_int_equal(clustermsg_encode(&mk, &m, buf, sizeof(buf), &len), 0);
	assert_int_equal(clustermsg_decode(&mk, buf, len, &out), 0);
	assert_memory_equal(&out, &m, sizeof(m));
	/* Too small a buffer, at every size (each field and the MAC). */
	for (size_t cap = 0, full = len; cap < full; cap++) {
		assert_int_equal(clustermsg_encode(&mk, &m, buf, cap, &len),
		    SPA_ERR_NOSPACE);
		assert_int_equal(len, 0);
	}
}

static void
test_msg_encode_invalid(void **state)
{
	struct clustermsg m;
	uint8_t buf[CLUSTERMSG_MAX];
	size_t len;

	(void)state;
	m = good_msg();
	m.user[0] = '\0';
	assert_int_equal(clustermsg_encode(&mk, &m, buf, sizeof(buf), &len),
	    SPA_ERR_INVALID);
	m = good_msg();
	snprintf(m.node, sizeof(m.node), "a b");
	assert_int_equal(clustermsg_encode(&mk, &m, buf, sizeof(buf), &len),
	    SPA_ERR_INVALID);
	m = good_msg();
	m.addr.family = 6;      /* a mapped IPv4 address said to be IPv6 */
	assert_int_equal(clustermsg_encode(&mk, &m, buf, sizeof(buf), &len),
	    SPA_ERR_INVALID);
	/* Names: too long (no terminator in 33 bytes), starting with '-' or
	 * '.', another alphabet; an action that is not a request. */
	{
		static const struct { int field; const char *v; } t[] = {
			{ 0, "-gw" }, { 0, ".gw" }, { 1, "al ice" }, { 1, "al/ice" },
			{ 1, "-alice" }, { 2, "" }, { 2, "s h" },
		};

		m = good_msg();
		memset(m.node, 'n', sizeof(m.node));
		assert_int_equal(clustermsg_encode(&mk, &m, buf, sizeof(buf),
		    &len), SPA_ERR_INVALID);
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			char *f;

			m = good_msg();
			f = t[i].field == 0 ? m.node : t[i].field == 1 ? m.user :
			    m.action;
			snprintf(f, CLUSTERMSG_NAME_MAX + 1, "%s", t[i].v);
			if (clustermsg_encode(&mk, &m, buf, sizeof(buf), &len) !=
			    SPA_ERR_INVALID)
				fail_msg("encoded with \"%s\"", t[i].v);
			assert_int_equal(len, 0);
		}
	}
}

/* Every truncation and every extension: refused before any field. */
static void
test_msg_truncations(void **state)
{
	struct clustermsg m = good_msg(), out;
	uint8_t buf[CLUSTERMSG_MAX + 8];
	size_t len;

	(void)state;
	assert_int_equal(clustermsg_encode(&mk, &m, buf, sizeof(buf), &len), 0);
	for (size_t n = 0; n < len; n++) {
		int rc = clustermsg_decode(&mk, buf, n, &out);

		assert_true(rc == SPA_ERR_TRUNCATED || rc == SPA_ERR_MAC);
		assert_int_equal(out.expiry, 0);
	}
	memset(buf + len, 0, 8);
	for (size_t n = len + 1; n <= len + 8; n++)
		assert_int_not_equal(clustermsg_decode(&mk, buf, n, &out), 0);
	assert_int_equal(clustermsg_decode(&mk, buf, CLUSTERMSG_MAX + 1, &out),
	    SPA_ERR_TRUNCATED);
}

/* Any bit flipped, or another key: SPA_ERR_MAC. */
static void
test_msg_bad_mac(void **state)
{
	struct clustermsg m = good_msg(), out;
	uint8_t buf[CLUSTERMSG_MAX];
	size_t len;

	(void)state;
	assert_int_equal(clustermsg_encode(&mk, &m, buf, sizeof(buf), &len), 0);
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x01;
		assert_int_equal(clustermsg_decode(&mk, buf, len, &out),
		    SPA_ERR_MAC);
		buf[i] ^= 0x01;
	}
	assert_int_equal(clustermsg_decode(&mk_other, buf, len, &out),
	    SPA_ERR_MAC);
	assert_int_equal(clustermsg_decode(&mk, buf, len, &out), 0);
}

/* A message with a good MAC but fields out of range (a node holding the
 * key that is broken): SPA_ERR_INVALID. */
static void
test_msg_invalid_fields(void **state)
{
	struct clustermsg m = good_msg(), out;
	uint8_t buf[CLUSTERMSG_MAX];
	size_t len;
	struct mac_part part;
	/* Offsets in good_msg's encoding. */
	static const struct { size_t at; uint8_t v; } t[] = {
		{ 0, 'X' },             /* magic */
		{ 4, 2 },               /* version */
		{ 5, 2 },               /* kind */
		{ 30, 0 },              /* node's length 0 */
		{ 30, 33 },             /* node's length over 32 */
		{ 31, ' ' },            /* node: a blank */
		{ 31, '-' },            /* node: starts with '-' */
		{ 35, 'x' },            /* user's length over 32 */
		{ 42, 0x7f },           /* action: not printable */
		{ 45, 5 },              /* family */
		{ 45, 6 },              /* family 6 for a mapped address */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc;

		assert_int_equal(clustermsg_encode(&mk, &m, buf, sizeof(buf),
		    &len), 0);
		buf[t[i].at] = t[i].v;
		part = (struct mac_part){ buf, len - SPA_MAC_LEN };
		mac_compute(&mk, &part, 1, buf + len - SPA_MAC_LEN);
		rc = clustermsg_decode(&mk, buf, len, &out);
		if (rc != SPA_ERR_INVALID && rc != SPA_ERR_TRUNCATED)
			fail_msg("byte %zu = %u: %d", t[i].at, t[i].v, rc);
	}
}

/* Raw bytes, signed: a message whose MAC holds but whose layout is
 * wrong, as a node holding the key but broken could send. */
struct raw {
	uint8_t b[CLUSTERMSG_MAX + 64];
	size_t n;
};

static void
raw_add(struct raw *r, const void *p, size_t n)
{
	assert_true(r->n + n <= sizeof(r->b));
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

static void
raw_name(struct raw *r, uint8_t len, const char *s)
{
	raw_add(r, &len, 1);
	raw_add(r, s, strlen(s));
}

/* "SPAC" 1 1, time, nonce: the 30 bytes before the names. */
static void
raw_head(struct raw *r)
{
	static const uint8_t h[14] = { 'S', 'P', 'A', 'C', 1, 1, 0, 0, 0, 0,
	    0x6b, 0x0d, 0x5e, 0x00 };
	uint8_t nonce[CLUSTERMSG_NONCE_LEN];

	memset(nonce, 0xab, sizeof(nonce));
	r->n = 0;
	raw_add(r, h, sizeof(h));
	raw_add(r, nonce, sizeof(nonce));
}

/* The address (IPv4 198.51.100.1, mapped) and expiry. */
static void
raw_tail(struct raw *r)
{
	static const uint8_t t[25] = { 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff, 198, 51, 100, 1, 0, 0, 0, 0, 0x6b, 0x0d, 0x5e, 0x1e };

	raw_add(r, t, sizeof(t));
}

/* Its first keep bytes and their MAC, decoded. */
static int
raw_decode(const struct raw *r, size_t keep)
{
	uint8_t buf[sizeof(r->b) + SPA_MAC_LEN];
	struct mac_part part = { buf, keep };
	struct clustermsg out;
	int rc;

	memcpy(buf, r->b, keep);
	mac_compute(&mk, &part, 1, buf + keep);
	rc = clustermsg_decode(&mk, buf, keep + SPA_MAC_LEN, &out);
	if (rc != 0)
		assert_int_equal(out.expiry, 0);
	return rc;
}

/* Signed, and cut anywhere: every field that runs past the end is
 * SPA_ERR_TRUNCATED; a good layout decodes; a byte more is
 * SPA_ERR_INVALID; names of the wrong alphabet are SPA_ERR_INVALID. */
static void
test_msg_signed_layouts(void **state)
{
	struct raw r;
	size_t whole;
	uint8_t zero = 0;

	(void)state;
	raw_head(&r);
	raw_name(&r, 4, "gw-1");
	raw_name(&r, 5, "alice");
	raw_name(&r, 3, "ssh");
	raw_tail(&r);
	whole = r.n;
	assert_int_equal(raw_decode(&r, whole), 0);
	for (size_t keep = 0; keep < whole; keep++)
		if (raw_decode(&r, keep) != SPA_ERR_TRUNCATED)
			fail_msg("%zu of %zu bytes not truncated", keep, whole);
	raw_add(&r, &zero, 1);
	assert_int_equal(raw_decode(&r, whole + 1), SPA_ERR_INVALID);
	/* Too short for a MAC, or longer than any message. */
	assert_int_equal(clustermsg_decode(&mk, r.b, SPA_MAC_LEN - 1,
	    &(struct clustermsg){ 0 }), SPA_ERR_TRUNCATED);

	/* A name length past what is left. */
	raw_head(&r);
	raw_name(&r, 32, "gw-1");
	assert_int_equal(raw_decode(&r, r.n), SPA_ERR_TRUNCATED);
	/* Names with a zero byte, a '.' first, a length over 32. */
	{
		static const struct { uint8_t len; const char *node; } t[] = {
			{ 3, "g\001w" }, { 3, ".gw" }, { 33, "gw" }, { 0, "" },
		};

		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			raw_head(&r);
			raw_name(&r, t[i].len, t[i].node);
			if (t[i].len == 3 && t[i].node[1] == 1)
				r.b[r.n - 2] = 0;
			raw_name(&r, 5, "alice");
			raw_name(&r, 3, "ssh");
			raw_tail(&r);
			if (raw_decode(&r, r.n) != SPA_ERR_INVALID)
				fail_msg("node %zu accepted", i);
		}
	}
}

/* ---- Redis replies, parsed by hiredis from RESP text ---- */

struct seen {
	int n;
	char ids[4][CLUSTERREPLY_ID_MAX];
	size_t lens[4];
	int nulls;
};

static void
on_entry(void *ctx, const char *id, const unsigned char *msg, size_t len)
{
	struct seen *s = ctx;

	if (s->n < 4) {
		snprintf(s->ids[s->n], sizeof(s->ids[0]), "%s", id);
		s->lens[s->n] = len;
	}
	s->nulls += msg == NULL;
	s->n++;
}

static redisReply *
parse_n(const char *resp, size_t len)
{
	redisReader *r = redisReaderCreate();
	void *reply = NULL;

	assert_non_null(r);
	clusterreply_bound(r);
	assert_int_equal(redisReaderFeed(r, resp, len), REDIS_OK);
	assert_int_equal(redisReaderGetReply(r, &reply), REDIS_OK);
	redisReaderFree(r);
	assert_non_null(reply);
	return reply;
}

static redisReply *
parse(const char *resp)
{
	return parse_n(resp, strlen(resp));
}

static int
entries_n(const char *resp, size_t len, struct seen *s)
{
	redisReply *r = parse_n(resp, len);
	int rc;

	memset(s, 0, sizeof(*s));
	rc = clusterreply_entries(r, on_entry, s);
	freeReplyObject(r);
	return rc;
}

static int
entries(const char *resp, struct seen *s)
{
	return entries_n(resp, strlen(resp), s);
}

static void
test_reply_good(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(entries("$-1\r\n", &s), 0);
	assert_int_equal(entries("*-1\r\n", &s), 0);
	assert_int_equal(entries("*1\r\n*2\r\n$10\r\nspa:grants\r\n*2\r\n"
	    "*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nm\r\n$3\r\nabc\r\n"
	    "*2\r\n$5\r\n170-2\r\n*-1\r\n", &s), 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ids[0], "1-0");
	assert_int_equal(s.lens[0], 3);
	assert_string_equal(s.ids[1], "170-2");
	assert_int_equal(s.nulls, 1);
	/* Another field than m: acknowledged, no message. */
	assert_int_equal(entries("*1\r\n*2\r\n$1\r\ns\r\n*1\r\n"
	    "*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n", &s), 1);
	assert_int_equal(s.nulls, 1);
}

static void
test_reply_bad_shapes(void **state)
{
	static const char *const bad[] = {
		":1\r\n",
		"+OK\r\n",
		"-ERR no\r\n",
		"*0\r\n",
		"*2\r\n*0\r\n*0\r\n",
		"*1\r\n:1\r\n",
		"*1\r\n*1\r\n$1\r\ns\r\n",
		"*1\r\n*2\r\n:1\r\n*0\r\n",
		"*1\r\n*2\r\n$1\r\ns\r\n$1\r\nx\r\n",
		/* An entry that is not [id, fields]. */
		"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*1\r\n$3\r\n1-0\r\n",
		"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n:5\r\n",
		/* IDs that are not MS-SEQ. */
		"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$2\r\n1-\r\n*0\r\n",
		"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$2\r\n-1\r\n*0\r\n",
		"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1x0\r\n*0\r\n",
		"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n:1\r\n*0\r\n",
		/* Fields: an odd count, or not strings. */
		"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*1\r\n"
		    "$1\r\nm\r\n",
		"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n"
		    "$1\r\nm\r\n:1\r\n",
		/* Fields that are not an array (nor nil). */
		"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n$1\r\nm\r\n",
		/* The second entry bad: the first is not handed over. */
		"*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*0\r\n"
		    ":1\r\n",
	};
	struct seen s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (entries(bad[i], &s) != SPA_ERR_INVALID)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(s.n, 0);
	}
}

/* IDs: empty, 41 bytes, a zero byte, no dash, a sequence not decimal;
 * an entry of more than 64 fields.  A field of another name than m
 * before it does not hide m. */
static void
test_reply_ids_fields(void **state)
{
	static const char head[] = "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n";
	static const char *const ids[] = { "",
	    "1234567890123456789-123456789012345678901", "123", "1-2a", "12-" };
	char resp[4096];
	struct seen s;
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(resp, sizeof(resp), "%s$%zu\r\n%s\r\n*0\r\n", head,
		    strlen(ids[i]), ids[i]);
		if (entries(resp, &s) != SPA_ERR_INVALID)
			fail_msg("accepted the ID \"%s\"", ids[i]);
	}
	/* The longest ID allowed: 40 bytes. */
	snprintf(resp, sizeof(resp), "%s$40\r\n%s\r\n*0\r\n", head,
	    "123456789012345678-123456789012345678901");
	assert_int_equal(entries(resp, &s), 1);
	assert_int_equal(strlen(s.ids[0]), 40);
	/* "1-\0" and "1\0-1". */
	n = snprintf(resp, sizeof(resp), "%s$3\r\n1-0\r\n*0\r\n", head);
	resp[sizeof(head) - 1 + 4 + 2] = '\0';
	assert_int_equal(entries_n(resp, (size_t)n, &s), SPA_ERR_INVALID);
	resp[sizeof(head) - 1 + 4 + 2] = '0';
	resp[sizeof(head) - 1 + 4 + 1] = '\0';
	assert_int_equal(entries_n(resp, (size_t)n, &s), SPA_ERR_INVALID);
	/* 65 field-value pairs: refused; 64: taken. */
	for (int pairs = 65; pairs >= 64; pairs--) {
		n = snprintf(resp, sizeof(resp), "%s$3\r\n1-0\r\n*%d\r\n", head,
		    2 * pairs);
		for (int i = 0; i < 2 * pairs; i++)
			n += snprintf(resp + n, sizeof(resp) - (size_t)n,
			    "$2\r\nxy\r\n");
		assert_int_equal(entries(resp, &s), pairs == 65 ?
		    SPA_ERR_INVALID : 1);
	}
	assert_int_equal(s.nulls, 1);
	snprintf(resp, sizeof(resp), "%s$3\r\n1-0\r\n*4\r\n$2\r\nmm\r\n"
	    "$1\r\na\r\n$1\r\nm\r\n$4\r\nabcd\r\n", head);
	assert_int_equal(entries(resp, &s), 1);
	assert_int_equal(s.nulls, 0);
	assert_int_equal(s.lens[0], 4);
}

/* Reply objects hiredis does not make, but that the checks take: a
 * string without bytes, an array without its elements, more entries than
 * allowed; an error without text. */
static void
test_reply_objects(void **state)
{
	redisReply key = { .type = REDIS_REPLY_STRING, .str = NULL, .len = 1 };
	redisReply list = { .type = REDIS_REPLY_ARRAY, .elements = 0 };
	redisReply *pair[2] = { &key, &list };
	redisReply stream = { .type = REDIS_REPLY_ARRAY, .elements = 2,
	    .element = pair };
	redisReply *one[1] = { &stream };
	redisReply top = { .type = REDIS_REPLY_ARRAY, .elements = 1,
	    .element = one };
	redisReply err = { .type = REDIS_REPLY_ERROR, .str = NULL, .len = 7 };
	redisReply *many[CLUSTERREPLY_ELEMENTS_MAX + 1] = { 0 };
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	/* A key of 1 byte and no bytes: refused; of 0 bytes: taken. */
	assert_int_equal(clusterreply_entries(&top, on_entry, &s),
	    SPA_ERR_INVALID);
	key.len = 0;
	assert_int_equal(clusterreply_entries(&top, on_entry, &s), 0);
	/* Entries said to be 2 and not there. */
	list.elements = 2;
	assert_int_equal(clusterreply_entries(&top, on_entry, &s),
	    SPA_ERR_INVALID);
	/* 4097 entries. */
	list.element = many;
	list.elements = CLUSTERREPLY_ELEMENTS_MAX + 1;
	assert_int_equal(clusterreply_entries(&top, on_entry, &s),
	    SPA_ERR_INVALID);
	assert_int_equal(s.n, 0);

	assert_false(clusterreply_is_error(NULL, "NOGROUP"));
	assert_false(clusterreply_is_error(&err, "NOGROUP"));
	err.str = (char *)"NOGRO";
	err.len = 5;
	assert_false(clusterreply_is_error(&err, "NOGROUP"));
	err.str = (char *)"NOGROUP";
	err.len = 7;
	assert_true(clusterreply_is_error(&err, "NOGROUP"));
}

/* Array headers beyond the bound fail in hiredis, before any allocation
 * for their elements. */
static void
test_reply_bound(void **state)
{
	static const char *const big[] = { "*700000000\r\n", "*4097\r\n",
	    "*1\r\n*2147483647\r\n", "*-2\r\n" };
	void *reply = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		redisReader *r = redisReaderCreate();

		assert_non_null(r);
		clusterreply_bound(r);
		assert_int_equal(redisReaderFeed(r, big[i], strlen(big[i])),
		    REDIS_OK);
		assert_int_equal(redisReaderGetReply(r, &reply), REDIS_ERR);
		assert_null(reply);
		redisReaderFree(r);
	}
	/* Bound twice: still bound.  A reader without functions (it makes
	 * no replies) is left as it is. */
	{
		redisReader *r = redisReaderCreate();

		assert_non_null(r);
		clusterreply_bound(r);
		clusterreply_bound(r);
		assert_int_equal(redisReaderFeed(r, "*4097\r\n", 7), REDIS_OK);
		assert_int_equal(redisReaderGetReply(r, &reply), REDIS_ERR);
		redisReaderFree(r);
		r = redisReaderCreateWithFunctions(NULL);
		assert_non_null(r);
		clusterreply_bound(r);
		assert_null(r->fn);
		redisReaderFree(r);
	}
}

static void
test_reply_error(void **state)
{
	redisReply *r = parse("-NOGROUP No such key\r\n");

	(void)state;
	assert_true(clusterreply_is_error(r, "NOGROUP"));
	assert_false(clusterreply_is_error(r, "BUSYGROUP"));
	freeReplyObject(r);
	r = parse("+NOGROUP\r\n");
	assert_false(clusterreply_is_error(r, "NOGROUP"));
	freeReplyObject(r);
}

/* ---- another node's grant against this configuration ---- */

static void
test_refusal(void **state)
{
	char err[CONF_ERR_MAX];
	struct conf *c = load(USERS, err);
	struct clustermsg m = good_msg();
	const struct conf_action *a = NULL;

	(void)state;
	assert_non_null(c);
	assert_null(warden_cluster_refusal(c, &m, &a));
	assert_non_null(a);
	assert_string_equal(a->name, "ssh");
	snprintf(m.user, sizeof(m.user), "mallory");
	assert_string_equal(warden_cluster_refusal(c, &m, &a),
	    "no such user here");
	m = good_msg();
	snprintf(m.action, sizeof(m.action), "ftp");
	assert_string_equal(warden_cluster_refusal(c, &m, &a),
	    "no such action here");
	snprintf(m.action, sizeof(m.action), "web");
	assert_string_equal(warden_cluster_refusal(c, &m, &a),
	    "the user may not ask for the action here");
	snprintf(m.action, sizeof(m.action), "run");
	assert_string_equal(warden_cluster_refusal(c, &m, &a),
	    "a run action here (it runs on the accepting node only)");
	snprintf(m.action, sizeof(m.action), "fwd");
	assert_null(warden_cluster_refusal(c, &m, &a));
	assert_string_equal(a->name, "fwd");
	assert_int_equal(addr_parse("2001:db8::1", &m.addr), 0);
	assert_string_equal(warden_cluster_refusal(c, &m, &a),
	    "a forward to the other address family here");
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_cluster_absent),
		cmocka_unit_test(test_conf_cluster_good),
		cmocka_unit_test(test_conf_cluster_errors),
		cmocka_unit_test(test_conf_cluster_files),
		cmocka_unit_test(test_msg_round_trip),
		cmocka_unit_test(test_msg_encode_invalid),
		cmocka_unit_test(test_msg_truncations),
		cmocka_unit_test(test_msg_bad_mac),
		cmocka_unit_test(test_msg_invalid_fields),
		cmocka_unit_test(test_msg_signed_layouts),
		cmocka_unit_test(test_reply_good),
		cmocka_unit_test(test_reply_bad_shapes),
		cmocka_unit_test(test_reply_ids_fields),
		cmocka_unit_test(test_reply_objects),
		cmocka_unit_test(test_reply_bound),
		cmocka_unit_test(test_reply_error),
		cmocka_unit_test(test_refusal),
	};

	return cmocka_run_group_tests(tests, keys_setup, NULL);
}
