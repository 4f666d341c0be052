#include "srcaddr.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "sockaddr.h"

int
srcaddr_lookup(const struct spa_addr *dst, uint16_t port, struct spa_addr *src)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sockaddr_from_addr(dst, port, &ss);
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
	return sockaddr_to_addr((struct sockaddr *)&ss, sslen, src, NULL);
close_fd:
	saved = errno;
	close(fd);
	errno = saved;
	return SPA_ERR_SYSTEM;
}
