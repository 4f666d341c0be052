/*
 * libFuzzer harness for what a node of a cluster reads from Redis
 * (doc/cluster.md): the input is parsed as RESP by hiredis's own reader,
 * its shape checked by clusterreply_entries, and each entry's message
 * decoded by clustermsg_decode; the same bytes are also decoded as one
 * message.  A message that decodes must have a known good MAC (never, for
 * random bytes, unless the fuzzer made it with the key below) and fields
 * in range; a crash or a sanitizer report is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "clustermsg.h"
#include "clusterreply.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mac_key mk;
static int keyed;

static void
check(const struct clustermsg *m)
{
	if ((m->addr.family != 4 && m->addr.family != 6) ||
	    strlen(m->node) == 0 || strlen(m->user) == 0 ||
	    !request_valid(m->action, strlen(m->action)))
		abort();
}

static void
on_entry(void *ctx, const char *id, const unsigned char *msg, size_t len)
{
	struct clustermsg m;

	(void)ctx;
	if (strlen(id) >= CLUSTERREPLY_ID_MAX)
		abort();
	if (msg != NULL && clustermsg_decode(&mk, msg, len, &m) == 0)
		check(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	redisReader *r;
	void *reply = NULL;
	struct clustermsg m;

	if (!keyed) {
		uint8_t k[SPA_SECRET_LEN] = { 0 };

		clustermsg_key(k, &mk);
		keyed = 1;
	}
	if (clustermsg_decode(&mk, data, size, &m) == 0)
		check(&m);
	if ((r = redisReaderCreate()) == NULL)
		return 0;
	clusterreply_bound(r);
	if (redisReaderFeed(r, (const char *)data, size) == REDIS_OK &&
	    redisReaderGetReply(r, &reply) == REDIS_OK && reply != NULL) {
		(void)clusterreply_entries(reply, on_entry, NULL);
		(void)clusterreply_is_error(reply, "NOGROUP");
		freeReplyObject(reply);
	}
	redisReaderFree(r);
	return 0;
}
