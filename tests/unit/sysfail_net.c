/*
 * More system calls for tests/unit/sysfail.h: those of the interface's own
 * addresses (sniffer/ownaddr.c: its netlink socket's bind and recvfrom,
 * and getifaddrs, which fails with the errno armed).
 */
#include "sysfail.h"

#include <ifaddrs.h>
#include <sys/socket.h>
#include <sys/types.h>

SYSFAIL_WRAP(int, bind, (int fd, const struct sockaddr *a, socklen_t l), (fd, a, l))
SYSFAIL_WRAP(ssize_t, recvfrom, (int fd, void *b, size_t n, int f,
    struct sockaddr *a, socklen_t *l), (fd, b, n, f, a, l))
SYSFAIL_WRAP(int, getifaddrs, (struct ifaddrs **l), (l))
