#include "sockaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "err.h"

socklen_t
sockaddr_from_addr(const struct spa_addr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(ss, 0, sizeof(*ss));
	if (a->family == 4) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		memcpy(&sin.sin_addr, a->bytes + 12, 4);
		memcpy(ss, &sin, sizeof(sin));
		return sizeof(sin);
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	memcpy(&sin6.sin6_addr, a->bytes, 16);
	memcpy(ss, &sin6, sizeof(sin6));
	return sizeof(sin6);
}

/* Copied out rather than cast: sa need not be aligned for either type. */
int
sockaddr_to_addr(const struct sockaddr *sa, socklen_t len,
    struct spa_addr *out, uint16_t *port)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (sa == NULL)
		return SPA_ERR_ADDRESS;
	if (sa->sa_family == AF_INET && len >= sizeof(sin)) {
		memcpy(&sin, sa, sizeof(sin));
		addr_from_v4(out, (const uint8_t *)&sin.sin_addr);
		if (port != NULL)
			*port = ntohs(sin.sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(sin6)) {
		memcpy(&sin6, sa, sizeof(sin6));
		addr_from_v6(out, sin6.sin6_addr.s6_addr);
		if (port != NULL)
			*port = ntohs(sin6.sin6_port);
		return 0;
	}
	return SPA_ERR_ADDRESS;
}
