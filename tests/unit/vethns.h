/*
 * A network namespace of the calling process's own (as root) with a veth
 * pair v0-v1: the code under test captures on v0, the test sends on v1.
 */
#ifndef SPA_TEST_VETHNS_H
#define SPA_TEST_VETHNS_H

#include <stddef.h>
#include <stdint.h>

/* Enters a new network namespace and makes v0-v1 there, both up: 0, 77
 * when this host cannot (not root, no namespace, no veth), or 2 when a
 * link does not come up. */
int vethns_new(void);

/* Runs `ip ARGS...` (NULL-terminated, at most 10): 0 when it exits 0,
 * else -1. */
int vethns_ip(const char *arg, ...);

/* Sends an IPv4 packet (frame, len bytes) out of v1, to the broadcast
 * link address: it arrives on v0.  0, or -1. */
int vethns_send(const uint8_t *frame, size_t len);

#endif
