#include "grantrec.h"

#include <netinet/in.h>
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

int
grantrec_valid(const struct grantrec *r)
{
	size_t alen = strnlen(r->action, SPA_REQUEST_MAX + 1);
	size_t blen = strnlen(r->backend, GRANTREC_BACKEND_MAX + 1);

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
	return a->proto == b->proto && a->port == b->port &&
	    addr_equal(&a->addr, &b->addr);
}
