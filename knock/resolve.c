#include "resolve.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>

#include "err.h"
#include "sockaddr.h"

int
resolve_is_name(const char *text)
{
	size_t i, n = strlen(text);
	int letter = 0;

	if (n == 0 || n > RESOLVE_NAME_MAX || text[0] == '-' || text[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char ch = text[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
			letter = 1;
		else if (!(ch >= '0' && ch <= '9') && ch != '-' && ch != '.' &&
		    ch != '_')
			return 0;
	}
	/* inet_aton's old forms (0x7f000001, 0x7f.1) have letters too: they
	 * are addresses written the wrong way, never names to look up. */
	if (letter && inet_aton(text, &(struct in_addr){ 0 }) != 0)
		return 0;
	return letter;
}

int
resolve_host(const char *name, int family, struct spa_addr *out, int *gai)
{
	struct addrinfo hints, *res = NULL, *ai;
	int rc = SPA_ERR_ADDRESS;

	*gai = 0;
	if (addr_parse(name, out) == 0)
		return family == 0 || family == out->family ? 0 : SPA_ERR_INVALID;
	if (!resolve_is_name(name))
		return SPA_ERR_ADDRESS;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 :
	    AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;         /* one answer per address */
	if ((*gai = getaddrinfo(name, NULL, &hints, &res)) != 0)
		return SPA_ERR_ADDRESS;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (sockaddr_to_addr(ai->ai_addr, ai->ai_addrlen, out,
		    NULL) == 0) {
			rc = 0;
			break;
		}
	if (rc != 0)
		*gai = EAI_NONAME;
	freeaddrinfo(res);
	return rc;
}
