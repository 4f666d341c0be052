/*
 * The unprivileged transport (doc/protocol.md "Transport"): the knock's
 * payload in one UDP datagram from an ordinary socket.  The kernel picks
 * the source address and port; the payload must bind the ones it picked, so
 * the socket is opened and connected before the payload is built.
 */
#ifndef KNOCK_UDP_H
#define KNOCK_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* IP and UDP header lengths, for the frame size -v reports. */
#define UDP_HDR_LEN 8
#define UDP_IP4_HDR_LEN 20
#define UDP_IP6_HDR_LEN 40

/*
 * A close-on-exec UDP socket connected to dst:dport, bound first to sport
 * when it is not 0.  *src and *bound get the source address and port the
 * kernel chose.  Returns the descriptor, or SPA_ERR_SYSTEM with errno set
 * (EADDRINUSE: sport taken; ENETUNREACH: no route).
 */
int udp_open(const struct spa_addr *dst, uint16_t dport, uint16_t sport,
    struct spa_addr *src, uint16_t *bound);

/* Sends len bytes as one datagram on fd.  Returns 0, or SPA_ERR_SYSTEM with
 * errno set (EMSGSIZE when they were not sent whole). */
int udp_send(int fd, const uint8_t *payload, size_t len);

#endif
