#include "udp.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "sockaddr.h"

/* Binding to the wildcard address of dst's family fixes the port only;
 * connect then picks the source address by the route. */
static int
udp_bind_port(int fd, int family, uint16_t sport)
{
	struct sockaddr_storage ss;
	struct spa_addr any;
	socklen_t len;

	memset(&any, 0, sizeof(any));
	any.family = (uint8_t)family;
	len = sockaddr_from_addr(&any, sport, &ss);
	return bind(fd, (struct sockaddr *)&ss, len);
}

int
udp_open(const struct spa_addr *dst, uint16_t dport, uint16_t sport,
    struct spa_addr *src, uint16_t *bound)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_from_addr(dst, dport, &ss);
	int fd, saved;

	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return SPA_ERR_SYSTEM;
	if (sport != 0 && udp_bind_port(fd, dst->family, sport) != 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&ss, len) != 0)
		goto fail;
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		goto fail;
	if (sockaddr_to_addr((struct sockaddr *)&ss, len, src, bound) != 0) {
		errno = EAFNOSUPPORT;
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return SPA_ERR_SYSTEM;
}

int
udp_send(int fd, const uint8_t *payload, size_t len)
{
	ssize_t n = send(fd, payload, len, 0);

	if (n >= 0 && (size_t)n != len)
		errno = EMSGSIZE;
	return n >= 0 && (size_t)n == len ? 0 : SPA_ERR_SYSTEM;
}
