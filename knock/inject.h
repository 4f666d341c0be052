/*
 * Raw injection of a frame built by segment_build, through one raw socket
 * of our own (IPPROTO_RAW: the kernel takes the whole datagram, IP header
 * included, for IPv4 and for IPv6 alike).  The bytes go out as given, so
 * they are those that `-w` would have written.
 */
#ifndef KNOCK_INJECT_H
#define KNOCK_INJECT_H

#include <stddef.h>
#include <stdint.h>

#define INJECT_ERR_MAX 512

/* Sends the IPv4 (family 4) or IPv6 (6) datagram frame, whole header
 * included, to the destination its header names.  Opens one close-on-exec
 * socket and closes it before returning.  Returns 0, SPA_ERR_PERMISSION
 * (no root, no CAP_NET_RAW) or SPA_ERR_NETWORK (the network refused it,
 * or the frame is not a datagram of that family), with a message in err
 * unless 0. */
int inject_send(int family, const uint8_t *frame, size_t len,
    char err[INJECT_ERR_MAX]);

#endif
