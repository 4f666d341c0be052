/*
 * A native knock as an IP datagram, for the tests that feed a capture (a
 * pcap file, or a frame sent on a veth): from 198.51.100.1:40000 to
 * 198.51.100.2:5001, a TCP SYN carrying the knock for the request "ssh".
 */
#ifndef SPA_TEST_KNOCKFRAME_H
#define SPA_TEST_KNOCKFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "segment.h"

/* The knock of the user whose key is b64, at time t, its nonce starting
 * with nonce0, in out; returns its length (a failure fails the test). */
size_t knock_frame(const char *b64, uint64_t t, uint8_t nonce0,
    uint8_t out[SEGMENT_MAX]);

#endif
