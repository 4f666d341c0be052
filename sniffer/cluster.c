#include "cluster.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "clusterreply.h"
#include "err.h"
#include "hex.h"
#include "log.h"
#include "spawn.h"

#define CLUSTER_RETRY_MS 1000           /* between connection attempts */
#define CLUSTER_BLOCK_MS 5000           /* a read waits this long in Redis */
#define CLUSTER_READ_COUNT "64"         /* entries per read */
#define CLUSTER_STREAM_MAXLEN "10000"   /* entries kept, about */
#define CLUSTER_KEY_MAX (CONF_CLUSTER_PREFIX_MAX + 8 + 2 * SPA_MAC_LEN + 1)
#define CLUSTER_ACK_MAX 64
#define CLUSTER_PENDING_MAX (1 << 20)   /* bytes of a reply not yet whole */

struct cluster {
	char *host, *socket, *password;
	uint16_t port;
	unsigned timeout_ms;
	bool down_local;
	char node[CONF_CLUSTER_NODE_MAX + 1];
	char prefix[CONF_CLUSTER_PREFIX_MAX + 1];
	char stream[CONF_CLUSTER_PREFIX_MAX + 8];
	struct mac_key mk;
	struct cluster_hooks hooks;
	redisContext *cmd, *sub, *pub;  /* all three or none */
	int64_t read_sent_ms;           /* the read out on sub */
	unsigned acks_out;              /* XACKs on sub before that read */
	unsigned pubs_out;              /* XADDs on pub not yet answered */
	int64_t pub_sent_ms;            /* the oldest of them */
	int64_t retry_ms;               /* down: next attempt */
	struct cluster_counts counts;
	struct log_limit limit;         /* dropped messages */
	bool said_down;                 /* "unreachable" logged, not since
	                                 * connected */
	int64_t now;                    /* of the tick handling entries */
	char acks[CLUSTER_ACK_MAX][CLUSTERREPLY_ID_MAX];
	size_t nacks;
};

static int
cluster_strdup(char **dst, const char *s)
{
	*dst = NULL;
	return s == NULL || (*dst = strdup(s)) != NULL ? 0 : -1;
}

int
cluster_new(const struct conf_cluster *cc, const struct cluster_hooks *hooks,
    struct cluster **out)
{
	struct cluster *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL)
		return SPA_ERR_NOMEM;
	if (cluster_strdup(&c->host, cc->host) != 0 ||
	    cluster_strdup(&c->socket, cc->socket) != 0 ||
	    cluster_strdup(&c->password, cc->password) != 0) {
		cluster_free(c);
		return SPA_ERR_NOMEM;
	}
	c->port = cc->port;
	c->timeout_ms = cc->timeout_ms;
	c->down_local = cc->down_local;
	snprintf(c->node, sizeof(c->node), "%s", cc->node);
	snprintf(c->prefix, sizeof(c->prefix), "%s", cc->prefix);
	snprintf(c->stream, sizeof(c->stream), "%sgrants", cc->prefix);
	clustermsg_key(cc->key, &c->mk);
	c->hooks = *hooks;
	c->limit = (struct log_limit){ .interval = 60, .burst = 10 };
	c->retry_ms = -1;
	*out = c;
	return 0;
}

static void
cluster_close(struct cluster *c)
{
	if (c->cmd != NULL)
		redisFree(c->cmd);
	if (c->sub != NULL)
		redisFree(c->sub);
	if (c->pub != NULL)
		redisFree(c->pub);
	c->cmd = c->sub = c->pub = NULL;
	c->acks_out = c->pubs_out = 0;
	c->counts.up = false;
}

void
cluster_free(struct cluster *c)
{
	if (c == NULL)
		return;
	cluster_close(c);
	mac_key_wipe(&c->mk);
	if (c->password != NULL)
		crypto_wipe(c->password, strlen(c->password));
	free(c->password);
	free(c->host);
	free(c->socket);
	free(c);
}

/* Where Redis is, for messages. */
static const char *
cluster_where(const struct cluster *c, char *buf, size_t len)
{
	if (c->socket != NULL)
		snprintf(buf, len, "%s", c->socket);
	else
		snprintf(buf, len, strchr(c->host, ':') ? "[%s]:%u" : "%s:%u",
		    c->host, (unsigned)c->port);
	return buf;
}

/* Lost: every connection goes; tried again in CLUSTER_RETRY_MS. */
static void
cluster_down(struct cluster *c, const char *why)
{
	char where[160];

	if (c->counts.up) {
		log_warn("cluster: Redis %s lost (%s): %s until it is back",
		    cluster_where(c, where, sizeof(where)), why,
		    c->down_local ? "knocks are checked against this node's "
		    "replay cache alone" : "knocks are refused");
		c->said_down = true;
	}
	cluster_close(c);
	c->retry_ms = spawn_now_ms() + CLUSTER_RETRY_MS;
}

/* A command on cmd, by argv (binary safe); the reply, or NULL (the
 * connection is then down, why logged). */
static redisReply *
cluster_command(struct cluster *c, int argc, const char **argv,
    const size_t *lens)
{
	redisReply *r;

	if (c->cmd == NULL)
		return NULL;
	r = redisCommandArgv(c->cmd, argc, argv, lens);
	if (r == NULL)
		cluster_down(c, c->cmd->errstr[0] ? c->cmd->errstr :
		    "no reply");
	return r;
}

static redisContext *
cluster_dial(const struct cluster *c, char *why, size_t len)
{
	struct timeval tv = { .tv_sec = c->timeout_ms / 1000,
	    .tv_usec = (c->timeout_ms % 1000) * 1000 };
	redisContext *ctx = c->socket != NULL ?
	    redisConnectUnixWithTimeout(c->socket, tv) :
	    redisConnectWithTimeout(c->host, c->port, tv);

	if (ctx == NULL || ctx->err) {
		snprintf(why, len, "%s", ctx ? ctx->errstr : "out of memory");
		if (ctx != NULL)
			redisFree(ctx);
		return NULL;
	}
	clusterreply_bound(ctx->reader);
	/* Keep-alive is TCP's: hiredis sets TCP_KEEPIDLE, which a UNIX
	 * socket refuses. */
	if (redisSetTimeout(ctx, tv) != REDIS_OK ||
	    (c->socket == NULL && redisEnableKeepAlive(ctx) != REDIS_OK)) {
		snprintf(why, len, "cannot set its socket's options");
		redisFree(ctx);
		return NULL;
	}
	if (c->password != NULL) {
		const char *argv[] = { "AUTH", c->password };
		size_t lens[] = { 4, strlen(c->password) };
		redisReply *r = redisCommandArgv(ctx, 2, argv, lens);
		int ok = r != NULL && r->type == REDIS_REPLY_STATUS;

		snprintf(why, len, "AUTH: %s", r == NULL ? ctx->errstr :
		    r->type == REDIS_REPLY_ERROR && r->str ? r->str :
		    "an unexpected reply");
		freeReplyObject(r);
		if (!ok) {
			redisFree(ctx);
			return NULL;
		}
	}
	return ctx;
}

static void cluster_ack(struct cluster *c);

/* clusterreply_entry_fn: one entry of the stream. */
static void
cluster_entry(void *ctx, const char *id, const unsigned char *msg,
    size_t len)
{
	struct cluster *c = ctx;
	struct clustermsg m;
	int rc = SPA_ERR_INVALID;

	if (c->nacks == CLUSTER_ACK_MAX)
		cluster_ack(c);         /* a long pending list: in batches */
	snprintf(c->acks[c->nacks++], CLUSTERREPLY_ID_MAX, "%s", id);
	if (msg != NULL)
		rc = clustermsg_decode(&c->mk, msg, len, &m);
	if (rc != 0) {
		c->counts.dropped++;
		if (log_ratelimit(&c->limit, c->now))
			log_warn("cluster: dropped stream entry %s: %s", id,
			    msg == NULL ? "no message in it" : err_str(rc));
		return;
	}
	if (strcmp(m.node, c->node) == 0 || m.expiry <= c->now)
		return;         /* ours, or over */
	c->hooks.grant(c->hooks.ctx, &m, c->now);
}

/* The entries handled so far, acknowledged on sub ahead of its next read
 * (pipelined: nobody waits for the answer, which cluster_read skips). */
static void
cluster_ack(struct cluster *c)
{
	const char *argv[3 + CLUSTER_ACK_MAX];
	size_t lens[3 + CLUSTER_ACK_MAX];
	int n = 0;

	if (c->nacks == 0 || c->sub == NULL)
		return;
	argv[n++] = "XACK";
	argv[n++] = c->stream;
	argv[n++] = c->node;
	for (size_t i = 0; i < c->nacks; i++)
		argv[n++] = c->acks[i];
	for (int i = 0; i < n; i++)
		lens[i] = strlen(argv[i]);
	c->nacks = 0;
	if (redisAppendCommandArgv(c->sub, n, argv, lens) == REDIS_OK)
		c->acks_out++;
	else
		cluster_down(c, "out of memory");
}

/* A reply to XREADGROUP: its entries handled and acknowledged.  0, or
 * SPA_ERR_INVALID when its shape is wrong (logged; the connection is dropped: a Redis
 * that answers that way is not one to trust). */
static int
cluster_entries(struct cluster *c, const redisReply *r, int64_t now)
{
	c->now = now;
	c->nacks = 0;
	if (clusterreply_entries(r, cluster_entry, c) < 0) {
		c->counts.dropped++;
		cluster_down(c, "a reply to XREADGROUP of the wrong shape");
		return SPA_ERR_INVALID;
	}
	cluster_ack(c);
	return 0;
}

/* The consumer group of this node (made from the stream's start, so a new
 * node reads the grants still open), then what it was handed before and
 * never acknowledged.  0, or (down, logged) SPA_ERR_SYSTEM when Redis did
 * not answer or the acknowledgement could not be sent, SPA_ERR_REFUSED
 * when it refused, SPA_ERR_INVALID. */
static int
cluster_group(struct cluster *c, int64_t now)
{
	const char *create[] = { "XGROUP", "CREATE", c->stream, c->node, "0",
	    "MKSTREAM" };
	const char *pending[] = { "XREADGROUP", "GROUP", c->node, c->node,
	    "COUNT", "1000", "STREAMS", c->stream, "0" };
	size_t lens[9];
	redisReply *r;
	int rc;

	for (size_t i = 0; i < 6; i++)
		lens[i] = strlen(create[i]);
	if ((r = cluster_command(c, 6, create, lens)) == NULL)
		return SPA_ERR_SYSTEM;
	rc = r->type == REDIS_REPLY_STATUS ||
	    clusterreply_is_error(r, "BUSYGROUP") ? 0 : SPA_ERR_REFUSED;
	freeReplyObject(r);
	if (rc != 0) {
		cluster_down(c, "XGROUP CREATE failed");
		return rc;
	}
	for (size_t i = 0; i < 9; i++)
		lens[i] = strlen(pending[i]);
	if ((r = cluster_command(c, 9, pending, lens)) == NULL)
		return SPA_ERR_SYSTEM;
	rc = cluster_entries(c, r, now);
	freeReplyObject(r);
	/* Down when the acknowledgement could not be sent. */
	return rc == 0 && c->sub == NULL ? SPA_ERR_SYSTEM : rc;
}

/* The next read, sent on sub and not waited for.  0, or SPA_ERR_SYSTEM
 * (down, logged). */
static int
cluster_read_send(struct cluster *c)
{
	const char *argv[] = { "XREADGROUP", "GROUP", c->node, c->node,
	    "COUNT", CLUSTER_READ_COUNT, "BLOCK", "5000", "STREAMS", c->stream,
	    ">" };
	size_t lens[11];
	int done = 0;

	_Static_assert(CLUSTER_BLOCK_MS == 5000, "BLOCK's argument");
	for (size_t i = 0; i < 11; i++)
		lens[i] = strlen(argv[i]);
	if (redisAppendCommandArgv(c->sub, 11, argv, lens) != REDIS_OK)
		goto fail;
	while (!done)
		if (redisBufferWrite(c->sub, &done) != REDIS_OK)
			goto fail;
	c->read_sent_ms = spawn_now_ms();
	return 0;
fail:
	cluster_down(c, c->sub->errstr[0] ? c->sub->errstr : "cannot send");
	return SPA_ERR_SYSTEM;
}

static void
cluster_connect(struct cluster *c, int64_t now)
{
	char why[256] = "", where[160];

	c->retry_ms = -1;
	if ((c->cmd = cluster_dial(c, why, sizeof(why))) == NULL ||
	    (c->sub = cluster_dial(c, why, sizeof(why))) == NULL ||
	    (c->pub = cluster_dial(c, why, sizeof(why))) == NULL) {
		if (!c->said_down)
			log_warn("cluster: Redis %s unreachable (%s): %s until "
			    "it answers; trying every %d ms",
			    cluster_where(c, where, sizeof(where)), why,
			    c->down_local ? "knocks are checked against this "
			    "node's replay cache alone" : "knocks are refused",
			    CLUSTER_RETRY_MS);
		c->said_down = true;
		cluster_down(c, why);
		return;
	}
	c->counts.up = true;
	c->said_down = false;
	if (cluster_group(c, now) != 0)
		return;
	log_info("cluster: node %s connected to Redis %s", c->node,
	    cluster_where(c, where, sizeof(where)));
	c->hooks.resync(c->hooks.ctx, now);
	if (c->cmd != NULL)     /* a publication of the resync failed */
		(void)cluster_read_send(c);
}

void
cluster_start(struct cluster *c, int64_t now)
{
	cluster_connect(c, now);
}

enum cluster_claim
cluster_claim(struct cluster *c, const uint8_t tag[SPA_MAC_LEN],
    int64_t ttl_ms)
{
	char key[CLUSTER_KEY_MAX], ttl[24];
	const char *argv[6];
	size_t lens[6];
	redisReply *r;
	enum cluster_claim out = CLUSTER_DOWN;
	int n = snprintf(key, sizeof(key), "%stag:", c->prefix);

	hex_encode(tag, SPA_MAC_LEN, key + n);
	snprintf(ttl, sizeof(ttl), "%lld", (long long)(ttl_ms < 1000 ? 1000 :
	    ttl_ms));
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = c->node;
	argv[3] = "NX";
	argv[4] = "PX";
	argv[5] = ttl;
	for (int i = 0; i < 6; i++)
		lens[i] = strlen(argv[i]);
	if ((r = cluster_command(c, 6, argv, lens)) == NULL)
		return CLUSTER_DOWN;
	if (r->type == REDIS_REPLY_STATUS && r->str != NULL &&
	    strcmp(r->str, "OK") == 0)
		out = CLUSTER_CLAIMED;
	else if (r->type == REDIS_REPLY_NIL)
		out = CLUSTER_TAKEN;
	else
		cluster_down(c, r->type == REDIS_REPLY_ERROR && r->str ?
		    r->str : "an unexpected reply to SET");
	freeReplyObject(r);
	if (out == CLUSTER_CLAIMED)
		c->counts.claimed++;
	else if (out == CLUSTER_TAKEN)
		c->counts.taken++;
	return out;
}

int
cluster_publish(struct cluster *c, const struct clustermsg *m, int64_t now)
{
	uint8_t buf[CLUSTERMSG_MAX];
	struct clustermsg out = *m;
	const char *argv[7] = { "XADD", c->stream, "MAXLEN", "~",
	    CLUSTER_STREAM_MAXLEN, "*", "m" };
	const char *all[8];
	size_t lens[8], len;
	int rc, done = 0;

	if (c->pub == NULL)
		return SPA_ERR_SYSTEM;
	snprintf(out.node, sizeof(out.node), "%s", c->node);
	out.time = now;
	if ((rc = crypto_random(out.nonce, sizeof(out.nonce))) != 0 ||
	    (rc = clustermsg_encode(&c->mk, &out, buf, sizeof(buf), &len)) != 0)
		return rc;
	for (int i = 0; i < 7; i++) {
		all[i] = argv[i];
		lens[i] = strlen(argv[i]);
	}
	all[7] = (const char *)buf;
	lens[7] = len;
	/* Sent, not waited for: the knock's own open runs meanwhile;
	 * cluster_tick reads the answer. */
	if (redisAppendCommandArgv(c->pub, 8, all, lens) != REDIS_OK)
		goto fail;
	while (!done)
		if (redisBufferWrite(c->pub, &done) != REDIS_OK)
			goto fail;
	if (c->pubs_out++ == 0)
		c->pub_sent_ms = spawn_now_ms();
	return 0;
fail:
	cluster_down(c, c->pub->errstr[0] ? c->pub->errstr : "cannot send");
	return SPA_ERR_SYSTEM;
}

/* The answers to XADD that came: each an entry ID, or the connection is
 * down. */
static void
cluster_pub_read(struct cluster *c)
{
	struct pollfd p = { .fd = c->pub->fd, .events = POLLIN };
	void *reply = NULL;
	int ok;

	if (c->pubs_out == 0)
		return;
	if (poll(&p, 1, 0) > 0 && redisBufferRead(c->pub) != REDIS_OK) {
		cluster_down(c, c->pub->errstr[0] ? c->pub->errstr :
		    "connection closed");
		return;
	}
	while (c->pubs_out > 0) {
		if (redisGetReplyFromReader(c->pub, &reply) != REDIS_OK) {
			cluster_down(c, "a reply that does not parse");
			return;
		}
		if (reply == NULL)
			break;
		ok = ((redisReply *)reply)->type == REDIS_REPLY_STRING;
		freeReplyObject(reply);
		if (!ok) {
			cluster_down(c, "XADD refused");
			return;
		}
		c->counts.published++;
		if (--c->pubs_out > 0)
			c->pub_sent_ms = spawn_now_ms();
	}
	if (c->pubs_out > 0 && spawn_now_ms() > c->pub_sent_ms +
	    c->timeout_ms)
		cluster_down(c, "no answer to XADD in time");
}

int
cluster_fd(const struct cluster *c)
{
	return c->sub != NULL ? c->sub->fd : -1;
}

int
cluster_timeout_ms(const struct cluster *c, int max_ms)
{
	int64_t now = spawn_now_ms(), at;

	if (c->sub != NULL)
		at = c->read_sent_ms + CLUSTER_BLOCK_MS + c->timeout_ms;
	else
		at = c->retry_ms;
	if (c->pubs_out > 0 && c->pub_sent_ms + c->timeout_ms < at)
		at = c->pub_sent_ms + c->timeout_ms;
	if (at < 0 || at - now >= max_ms)
		return max_ms;
	return at <= now ? 0 : (int)(at - now);
}

/* What came on sub, if anything. */
static void
cluster_read(struct cluster *c, int64_t now)
{
	struct pollfd p = { .fd = c->sub->fd, .events = POLLIN };
	void *reply = NULL;
	int rc;

	if (poll(&p, 1, 0) <= 0) {
		if (spawn_now_ms() > c->read_sent_ms + CLUSTER_BLOCK_MS +
		    c->timeout_ms)
			cluster_down(c, "no answer to a read in time");
		return;
	}
	if (redisBufferRead(c->sub) != REDIS_OK) {
		cluster_down(c, c->sub->errstr[0] ? c->sub->errstr :
		    "connection closed");
		return;
	}
	for (;;) {
		if (redisGetReplyFromReader(c->sub, &reply) != REDIS_OK) {
			cluster_down(c, "a reply that does not parse");
			return;
		}
		if (reply == NULL || c->acks_out == 0)
			break;
		/* An XACK's: an error only leaves the entries pending,
		 * handed again at the next connect. */
		c->acks_out--;
		freeReplyObject(reply);
	}
	if (reply == NULL) {
		/* More to come, but not without bound. */
		if (c->sub->reader->len - c->sub->reader->pos >
		    CLUSTER_PENDING_MAX)
			cluster_down(c, "a reply of more than 1 MiB");
		return;
	}
	if (clusterreply_is_error(reply, "NOGROUP")) {
		/* Redis lost its data (restarted without persistence):
		 * every node tells it again what is open. */
		freeReplyObject(reply);
		log_warn("cluster: Redis lost the grants' stream; "
		    "publishing the open grants again");
		if (cluster_group(c, now) == 0)
			c->hooks.resync(c->hooks.ctx, now);
	} else {
		rc = cluster_entries(c, reply, now);
		freeReplyObject(reply);
		if (rc != 0)
			return;
	}
	if (c->sub != NULL)
		(void)cluster_read_send(c);
}

void
cluster_tick(struct cluster *c, int64_t now)
{
	if (c->pub != NULL)
		cluster_pub_read(c);
	if (c->sub != NULL)
		cluster_read(c, now);
	else if (c->retry_ms >= 0 && spawn_now_ms() >= c->retry_ms)
		cluster_connect(c, now);
}

bool
cluster_down_local(const struct cluster *c)
{
	return c->down_local;
}

void
cluster_count_refused(struct cluster *c)
{
	if (c->down_local)
		c->counts.local++;
	else
		c->counts.refused++;
}

void
cluster_count_dropped(struct cluster *c)
{
	c->counts.dropped++;
}

void
cluster_count_applied(struct cluster *c)
{
	c->counts.applied++;
}

const struct cluster_counts *
cluster_counts(const struct cluster *c)
{
	return &c->counts;
}
