/*
 * struct spa_addr and a port to and from the socket API's sockaddr_in and
 * sockaddr_in6: one place for the conversion that sockets, getaddrinfo and
 * getifaddrs each need.
 */
#ifndef SPA_SOCKADDR_H
#define SPA_SOCKADDR_H

#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"

/* a:port into *ss (AF_INET for family 4, else AF_INET6); returns the
 * length to pass with it. */
socklen_t sockaddr_from_addr(const struct spa_addr *a, uint16_t port,
    struct sockaddr_storage *ss);

/* The len bytes at sa as *out, and its port into *port unless NULL.
 * Returns 0, or SPA_ERR_ADDRESS when sa is NULL, neither AF_INET nor
 * AF_INET6, or shorter than its family's structure. */
int sockaddr_to_addr(const struct sockaddr *sa, socklen_t len,
    struct spa_addr *out, uint16_t *port);

#endif
