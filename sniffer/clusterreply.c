#include "clusterreply.h"

#include <string.h>

#include "err.h"

#define CLUSTERREPLY_FIELDS_MAX 64      /* field-value pairs of an entry */
#define CLUSTERREPLY_ENTRIES_MAX 4096

static int
clusterreply_is(const redisReply *r, int type)
{
	return r != NULL && r->type == type &&
	    (type != REDIS_REPLY_STRING || r->str != NULL || r->len == 0) &&
	    (type != REDIS_REPLY_ARRAY || r->element != NULL ||
	    r->elements == 0);
}

static int
clusterreply_id_ok(const redisReply *id)
{
	size_t dash;

	if (!clusterreply_is(id, REDIS_REPLY_STRING) || id->len == 0 ||
	    id->len >= CLUSTERREPLY_ID_MAX || memchr(id->str, '\0', id->len))
		return 0;
	dash = strspn(id->str, "0123456789");
	return dash > 0 && dash < id->len && id->str[dash] == '-' &&
	    strspn(id->str + dash + 1, "0123456789") == id->len - dash - 1 &&
	    id->len - dash - 1 > 0;
}

/* An entry: [id, [field, value, ...]] or [id, nil] (deleted since). */
static int
clusterreply_entry_ok(const redisReply *e)
{
	const redisReply *f;

	if (!clusterreply_is(e, REDIS_REPLY_ARRAY) || e->elements != 2 ||
	    !clusterreply_id_ok(e->element[0]))
		return 0;
	f = e->element[1];
	if (clusterreply_is(f, REDIS_REPLY_NIL))
		return 1;
	if (!clusterreply_is(f, REDIS_REPLY_ARRAY) || f->elements % 2 != 0 ||
	    f->elements > 2 * CLUSTERREPLY_FIELDS_MAX)
		return 0;
	for (size_t i = 0; i < f->elements; i++)
		if (!clusterreply_is(f->element[i], REDIS_REPLY_STRING))
			return 0;
	return 1;
}

/* The entries' array of the one stream, or NULL when r has none. */
static const redisReply *
clusterreply_stream(const redisReply *r)
{
	const redisReply *s;

	if (!clusterreply_is(r, REDIS_REPLY_ARRAY) || r->elements != 1)
		return NULL;
	s = r->element[0];
	if (!clusterreply_is(s, REDIS_REPLY_ARRAY) || s->elements != 2 ||
	    !clusterreply_is(s->element[0], REDIS_REPLY_STRING) ||
	    !clusterreply_is(s->element[1], REDIS_REPLY_ARRAY) ||
	    s->element[1]->elements > CLUSTERREPLY_ENTRIES_MAX)
		return NULL;
	return s->element[1];
}

int
clusterreply_entries(const redisReply *r, clusterreply_entry_fn *fn,
    void *ctx)
{
	const redisReply *list;

	if (clusterreply_is(r, REDIS_REPLY_NIL))
		return 0;
	if ((list = clusterreply_stream(r)) == NULL)
		return SPA_ERR_INVALID;
	for (size_t i = 0; i < list->elements; i++)
		if (!clusterreply_entry_ok(list->element[i]))
			return SPA_ERR_INVALID;
	for (size_t i = 0; i < list->elements; i++) {
		const redisReply *e = list->element[i], *f = e->element[1];
		const unsigned char *msg = NULL;
		size_t len = 0;

		for (size_t j = 0; f->type == REDIS_REPLY_ARRAY &&
		    j < f->elements; j += 2)
			if (f->element[j]->len == 1 &&
			    f->element[j]->str[0] == 'm') {
				msg = (const unsigned char *)f->element[j + 1]->str;
				len = f->element[j + 1]->len;
			}
		fn(ctx, e->element[0]->str, msg, len);
	}
	return (int)list->elements;
}

static redisReplyObjectFunctions clusterreply_fns;
static void *(*clusterreply_array)(const redisReadTask *, int);

static void *
clusterreply_create_array(const redisReadTask *t, int elements)
{
	if (elements < 0 || elements > CLUSTERREPLY_ELEMENTS_MAX)
		return NULL;    /* hiredis: an error, the reply is dropped */
	return clusterreply_array(t, elements);
}

void
clusterreply_bound(redisReader *r)
{
	if (r->fn == &clusterreply_fns || r->fn == NULL)
		return;
	if (clusterreply_array == NULL) {
		clusterreply_fns = *r->fn;
		clusterreply_array = r->fn->createArray;
		clusterreply_fns.createArray = clusterreply_create_array;
	}
	r->fn = &clusterreply_fns;
}

int
clusterreply_is_error(const redisReply *r, const char *word)
{
	size_t n = strlen(word);

	return r != NULL && r->type == REDIS_REPLY_ERROR && r->str != NULL &&
	    r->len >= n && strncmp(r->str, word, n) == 0;
}
