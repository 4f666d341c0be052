#include "srcaddr.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"

static socklen_t
srcaddr_sockaddr(const struct spa_addr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->family == 4) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->bytes + 12, 4);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, a->bytes, 16);
	return sizeof(*sin6);
}

static void
srcaddr_from_sockaddr(const struct sockaddr_storage *ss, struct spa_addr *out)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		addr_from_v4(out, (const uint8_t *)&sin->sin_addr);
	else
		addr_from_v6(out, sin6->sin6_addr.s6_addr);
}

int
srcaddr_lookup(const struct spa_addr *dst, uint16_t port, struct spa_addr *src)
{
	struct sockaddr_storage ss;
	socklen_t sslen = srcaddr_sockaddr(dst, port, &ss);
	int fd, saved;

	/* connect() on UDP only picks a route and a source; nothing leaves. */
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return SPA_ERR_SYSTEM;
	if (connect(fd, (struct sockaddr *)&ss, sslen) != 0)
		goto close_fd;
	sslen = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0)
		goto close_fd;
	close(fd);
	srcaddr_from_sockaddr(&ss, src);
	return 0;
close_fd:
	saved = errno;
	close(fd);
	errno = saved;
	return SPA_ERR_SYSTEM;
}
