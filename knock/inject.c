#include "inject.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"

/* Where the destination address lies in our own headers (RFC 791, RFC 8200). */
#define INJECT_IP4_HLEN 20
#define INJECT_IP4_DST 16
#define INJECT_IP6_HLEN 40
#define INJECT_IP6_DST 24

/*
 * The socket address to route by: the header's own destination, so that
 * the route and the bytes cannot disagree.  sin_port stays 0: on a raw
 * socket it would name a protocol (raw(7)), and IPPROTO_RAW sends any.
 * Returns 0, or SPA_ERR_TRUNCATED when frame is too short to hold its
 * header.
 */
static int
inject_dest(int family, const uint8_t *frame, size_t len,
    struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == 4) {
		if (len < INJECT_IP4_HLEN)
			return SPA_ERR_TRUNCATED;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, frame + INJECT_IP4_DST, 4);
		*sslen = sizeof(*sin);
		return 0;
	}
	if (len < INJECT_IP6_HLEN)
		return SPA_ERR_TRUNCATED;
	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, frame + INJECT_IP6_DST, 16);
	*sslen = sizeof(*sin6);
	return 0;
}

/*
 * IPPROTO_RAW implies IP_HDRINCL on IPv4 (raw(7)); on IPv6 Linux sets the
 * same header-included mode for IPPROTO_RAW when it creates the socket
 * (inet6_create), so the frame's IPv6 header is sent as it is.  The kernel
 * fills in IPv4's checksum and total length, which segment_build already
 * got right, so the datagram leaves unchanged.  No SO_SNDBUF probing as
 * libnet_init does: one frame of at most SEGMENT_MAX bytes fits any
 * buffer.  SO_BROADCAST keeps what libnet allowed: a broadcast DST.
 * Returns the close-on-exec descriptor, or SPA_ERR_PERMISSION or
 * SPA_ERR_NETWORK with err set.
 */
static int
inject_socket(int family, char err[INJECT_ERR_MAX])
{
	int fd, one = 1;

	fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_CLOEXEC,
	    IPPROTO_RAW);
	if (fd < 0) {
		snprintf(err, INJECT_ERR_MAX, "cannot open a raw socket (%s)",
		    strerror(errno));
		return errno == EPERM || errno == EACCES ?
		    SPA_ERR_PERMISSION : SPA_ERR_NETWORK;
	}
	if (family == 4 && setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one,
	    sizeof(one)) != 0) {
		snprintf(err, INJECT_ERR_MAX, "setsockopt SO_BROADCAST: %s",
		    strerror(errno));
		close(fd);
		return SPA_ERR_NETWORK;
	}
	return fd;
}

int
inject_send(int family, const uint8_t *frame, size_t len,
    char err[INJECT_ERR_MAX])
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	ssize_t n;
	int fd, rc = 0;

	if ((family != 4 && family != 6) ||
	    inject_dest(family, frame, len, &ss, &sslen) != 0) {
		snprintf(err, INJECT_ERR_MAX, "not an IPv%d datagram (%zu bytes)",
		    family, len);
		return SPA_ERR_NETWORK;
	}
	if ((fd = inject_socket(family, err)) < 0)
		return fd;
	n = sendto(fd, frame, len, 0, (const struct sockaddr *)&ss, sslen);
	if (n < 0)
		snprintf(err, INJECT_ERR_MAX, "sendto: %s", strerror(errno));
	else if ((size_t)n != len)
		snprintf(err, INJECT_ERR_MAX, "sendto: %zd of %zu bytes sent", n,
		    len);
	if (n < 0 || (size_t)n != len)
		rc = SPA_ERR_NETWORK;
	close(fd);
	return rc;
}
