#include "grants.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

/* A plain array: grants are few (one per client and service) and every
 * operation here happens once per accepted knock or expiry, never per
 * packet. */
struct grants {
	struct grant *items;
	size_t n, cap;
};

int
grants_new(struct grants **out)
{
	*out = calloc(1, sizeof(**out));
	return *out == NULL ? SPA_ERR_NOMEM : 0;
}

void
grants_free(struct grants *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->n; i++) {
		grants_argv_free(g->items[i].close_argv);
		grants_argv_free(g->items[i].reopen);
	}
	free(g->items);
	free(g);
}

char **
grants_argv_dup(char *const *argv)
{
	size_t n = 0;
	char **copy;

	while (argv[n] != NULL)
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	for (size_t i = 0; copy != NULL && i < n; i++)
		if ((copy[i] = strdup(argv[i])) == NULL) {
			grants_argv_free(copy);
			return NULL;
		}
	return copy;
}

void
grants_argv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (size_t i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

struct grant *
grants_find(struct grants *g, const struct spa_addr *addr, uint8_t proto,
    uint16_t port)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->items[i].proto == proto && g->items[i].port == port &&
		    addr_equal(&g->items[i].addr, addr))
			return &g->items[i];
	return NULL;
}

int
grants_add(struct grants *g, const struct spa_addr *addr, uint8_t proto,
    uint16_t port, int64_t expiry, char *const *close_argv)
{
	struct grant *items = g->items;

	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;

		items = realloc(g->items, cap * sizeof(*items));
		if (items == NULL)
			return SPA_ERR_NOMEM;
		g->items = items;
		g->cap = cap;
	}
	items[g->n].close_argv = grants_argv_dup(close_argv);
	if (items[g->n].close_argv == NULL)
		return SPA_ERR_NOMEM;
	items[g->n].addr = *addr;
	items[g->n].proto = proto;
	items[g->n].port = port;
	items[g->n].expiry = expiry;
	items[g->n].pending = 0;
	items[g->n].closing = 0;
	items[g->n].reopen = NULL;
	g->n++;
	return 0;
}

static void
grants_remove(struct grants *g, size_t i, struct grant *out)
{
	*out = g->items[i];
	g->items[i] = g->items[--g->n];
}

struct grant *
grants_next_due(struct grants *g, int64_t now)
{
	struct grant *best = NULL;

	for (size_t i = 0; i < g->n; i++)
		if (!g->items[i].pending && g->items[i].expiry <= now &&
		    (best == NULL || g->items[i].expiry < best->expiry))
			best = &g->items[i];
	return best;
}

void
grants_drop(struct grants *g, struct grant *which)
{
	struct grant dead;

	grants_remove(g, (size_t)(which - g->items), &dead);
	grants_argv_free(dead.close_argv);
	grants_argv_free(dead.reopen);
}

int
grants_pop_any(struct grants *g, struct grant *out)
{
	if (g->n == 0)
		return 0;
	grants_remove(g, g->n - 1, out);
	return 1;
}

int64_t
grants_next_expiry(const struct grants *g, int64_t now)
{
	int64_t best = -1;

	for (size_t i = 0; i < g->n; i++) {
		int64_t left = g->items[i].expiry - now;

		if (g->items[i].pending)
			continue;
		if (left < 0)
			left = 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best;
}

size_t
grants_count(const struct grants *g)
{
	return g->n;
}

size_t
grants_pending(const struct grants *g)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n; i++)
		n += g->items[i].pending != 0;
	return n;
}
