/*
 * The classic format of the paper (doc/protocol.md "Classic format", 35 bytes):
 *   marker ff ff ff, tag = HMAC(S, M)
 * M = dst_ip || src_ip || dst_port || src_port || request || ddHHMM (UTC).
 */
#ifndef SPA_WIRE_CLASSIC_H
#define SPA_WIRE_CLASSIC_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "crypto.h"
#include "request.h"

#define CLASSIC_LEN 35
#define CLASSIC_MARKER_LEN 3
/* Longest M: two IPv6 texts, two ports, a request, ddHHMM. */
#define CLASSIC_HEADER_MAX (2 * SPA_ADDRSTRLEN + 10)
#define CLASSIC_MESSAGE_MAX (CLASSIC_HEADER_MAX + SPA_REQUEST_MAX + 6)

/* The packet-dependent start of M: dst_ip src_ip dst_port src_port.
 * Returns its length, written to out (no NUL needed by callers). */
size_t classic_header(const struct spa_addr *dst, const struct spa_addr *src,
    uint16_t dport, uint16_t sport, char out[CLASSIC_HEADER_MAX + 1]);
/* ddHHMM of the UTC minute containing unix_time; out gets 6 digits + NUL. */
void classic_minute(int64_t unix_time, char out[7]);
/* HMAC(S, header || request || ddHHMM). */
void classic_tag(const struct mac_key *secret_key, const char *header,
    size_t header_len, const char *request, const char minute[6],
    uint8_t out[SPA_MAC_LEN]);
/* 1 when the payload has the classic length and marker. */
int classic_looks_like(const uint8_t *payload, size_t len);
/* Builds the 35-byte packet; SPA_ERR_REQUEST for a bad request. */
int classic_encode(const struct mac_key *secret_key, const struct spa_addr *dst,
    const struct spa_addr *src, uint16_t dport, uint16_t sport,
    const char *request, int64_t unix_time, uint8_t out[CLASSIC_LEN]);

#endif
