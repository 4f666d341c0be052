#include "grantrec.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "firewall.h"

static const char *const phase_names[GRANT_NPHASES] = {
	[GRANT_OPENING] = "opening",
	[GRANT_OPEN] = "open",
	[GRANT_CLOSING] = "closing",
	[GRANT_REOPENING] = "reopening",
	[GRANT_CLOSE_FAILED] = "close-failed",
};

const char *
grant_phase_name(enum grant_phase p)
{
	return (unsigned)p < GRANT_NPHASES ? phase_names[p] : "?";
}

const char *
grantrec_proto_name(const struct grantrec *r)
{
	return r->proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* The user names conf.c accepts: 1..32 of [A-Za-z0-9._-], not starting
 * with '.' or '-'; "" for a grant whose user is not known. */
static int
user_valid(const char *s)
{
	size_t n = strnlen(s, GRANTREC_USER_MAX + 1);

	if (n == 0)
		return 1;
	if (n > GRANTREC_USER_MAX || s[0] == '-' || s[0] == '.')
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n;
}

static int
port_valid(struct grant_port p)
{
	return (p.proto == IPPROTO_TCP || p.proto == IPPROTO_UDP) &&
	    p.port != 0;
}

/* Every further pair valid, none twice. */
static int
pairs_valid(const struct grantrec *r)
{
	if (r->nmore > GRANTREC_PAIRS_MAX - 1)
		return 0;
	for (unsigned i = 1; i < grantrec_npairs(r); i++) {
		struct grant_port p = grantrec_pair(r, i);

		if (!port_valid(p))
			return 0;
		for (unsigned j = 0; j < i; j++) {
			struct grant_port q = grantrec_pair(r, j);

			if (p.proto == q.proto && p.port == q.port)
				return 0;
		}
	}
	return 1;
}

unsigned
grantrec_npairs(const struct grantrec *r)
{
	return 1u + r->nmore;
}

struct grant_port
grantrec_pair(const struct grantrec *r, unsigned i)
{
	if (i == 0 || i > r->nmore)
		return (struct grant_port){ r->proto, r->port };
	return r->more[i - 1];
}

const char *
grantrec_more_text(const struct grantrec *r, char buf[GRANTREC_TEXT_MAX])
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < r->nmore && i < GRANTREC_PAIRS_MAX - 1; i++) {
		int n = snprintf(buf + used, GRANTREC_TEXT_MAX - used,
		    "%s%s/%u", i ? "," : "",
		    r->more[i].proto == IPPROTO_UDP ? "udp" : "tcp",
		    (unsigned)r->more[i].port);

		if (n < 0 || (size_t)n >= GRANTREC_TEXT_MAX - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

const char *
grantrec_inner_text(const struct grantrec *r, char buf[GRANTREC_TEXT_MAX])
{
	char addr[SPA_ADDRSTRLEN];

	buf[0] = '\0';
	if (r->inner.family != 0)
		snprintf(buf, GRANTREC_TEXT_MAX, r->inner.family == 6 ?
		    "[%s]:%u" : "%s:%u", addr_format(&r->inner, addr),
		    (unsigned)r->inner_port);
	return buf;
}

const char *
grantrec_text(const struct grantrec *r, char buf[GRANTREC_TEXT_MAX])
{
	char addr[SPA_ADDRSTRLEN];
	size_t used;
	int n;

	n = snprintf(buf, GRANTREC_TEXT_MAX, "%s", addr_format(&r->addr,
	    addr));
	used = n < 0 ? 0 : (size_t)n;
	for (unsigned i = 0; i < grantrec_npairs(r) &&
	    used < GRANTREC_TEXT_MAX; i++) {
		struct grant_port p = grantrec_pair(r, i);

		n = snprintf(buf + used, GRANTREC_TEXT_MAX - used, " %s/%u",
		    p.proto == IPPROTO_UDP ? "udp" : "tcp", (unsigned)p.port);
		used += n < 0 ? 0 : (size_t)n;
	}
	if (r->inner.family != 0 && used < GRANTREC_TEXT_MAX)
		snprintf(buf + used, GRANTREC_TEXT_MAX - used,
		    r->inner.family == 6 ?
		    " -> [%s]:%u" : " -> %s:%u", addr_format(&r->inner, addr),
		    (unsigned)r->inner_port);
	return buf;
}

/* No inner host at all, or one of addr's family, in its form, a host a
 * grant can mean, with a port, on a grant of one pair. */
static int
inner_valid(const struct grantrec *r)
{
	static const uint8_t zero[SPA_ADDR_LEN];

	if (r->inner.family == 0)
		return r->inner_port == 0 &&
		    memcmp(r->inner.bytes, zero, SPA_ADDR_LEN) == 0;
	return r->inner.family == r->addr.family && r->inner_port != 0 &&
	    r->nmore == 0 && addr_grantable(&r->inner) &&
	    (r->inner.family == 4) ==
	    (addr_bytes_are_mapped(r->inner.bytes) != 0);
}

int
grantrec_valid(const struct grantrec *r)
{
	size_t alen = strnlen(r->action, SPA_REQUEST_MAX + 1);
	size_t blen = strnlen(r->backend, GRANTREC_BACKEND_MAX + 1);

	if (!pairs_valid(r) || !inner_valid(r))
		return 0;
	if (r->addr.family == 4 && !addr_bytes_are_mapped(r->addr.bytes))
		return 0;
	if (r->addr.family == 6 && addr_bytes_are_mapped(r->addr.bytes))
		return 0;
	return (r->addr.family == 4 || r->addr.family == 6) &&
	    (r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP) &&
	    r->port != 0 && (unsigned)r->phase < GRANT_NPHASES &&
	    user_valid(r->user) &&
	    (alen == 0 || (alen <= SPA_REQUEST_MAX &&
	    request_valid(r->action, alen))) &&
	    (blen == 0 || (blen <= GRANTREC_BACKEND_MAX &&
	    firewall_name_valid(r->backend)));
}

int
grantrec_same(const struct grantrec *a, const struct grantrec *b)
{
	if (a->proto != b->proto || a->port != b->port ||
	    a->nmore != b->nmore ||
	    !addr_equal(&a->addr, &b->addr) ||
	    !addr_equal(&a->inner, &b->inner) || a->inner_port != b->inner_port)
		return 0;
	for (unsigned i = 0; i < a->nmore && i < GRANTREC_PAIRS_MAX - 1; i++)
		if (a->more[i].proto != b->more[i].proto ||
		    a->more[i].port != b->more[i].port)
			return 0;
	return 1;
}
