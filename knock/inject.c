#include "inject.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libnet.h>

/*
 * libnet_init reports a refused socket only as text, and its cleanup
 * clobbers errno; asking the kernel once for the same kind of socket tells
 * "not permitted" apart from every other failure.
 */
static int
inject_permitted(int family, char err[INJECT_ERR_MAX])
{
	int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_CLOEXEC,
	    IPPROTO_RAW);

	if (fd >= 0) {
		close(fd);
		return INJECT_OK;
	}
	snprintf(err, INJECT_ERR_MAX, "cannot open a raw socket (%s)", strerror(errno));
	if (errno == EPERM || errno == EACCES)
		return INJECT_NOT_PERMITTED;
	return INJECT_FAILED;
}

int
inject_send(int family, const uint8_t *frame, size_t len,
    char err[INJECT_ERR_MAX])
{
	char lerr[LIBNET_ERRBUF_SIZE] = "";
	libnet_t *l;
	int rc, n;

	if ((rc = inject_permitted(family, err)) != INJECT_OK)
		return rc;
	l = libnet_init(family == 4 ? LIBNET_RAW4 : LIBNET_RAW6, NULL, lerr);
	if (l == NULL) {
		snprintf(err, INJECT_ERR_MAX, "libnet_init: %s", lerr);
		return INJECT_FAILED;
	}
	if (family == 4)
		n = libnet_write_raw_ipv4(l, frame, (uint32_t)len);
	else
		n = libnet_write_raw_ipv6(l, frame, (uint32_t)len);
	rc = INJECT_OK;
	if (n < 0 || (size_t)n != len) {
		snprintf(err, INJECT_ERR_MAX, "%s", libnet_geterror(l));
		rc = INJECT_FAILED;
	}
	libnet_destroy(l);
	return rc;
}
