/*
 * The knock payload for fixed inputs (doc/protocol.md "Native format",
 * "Signed format" and "Classic format").  This is the seam the unit tests
 * use: every value that varies per run (time, nonce, source port) is an
 * input here, and the CLI draws them (knock.c) before calling in.
 */
#ifndef KNOCK_PAYLOAD_H
#define KNOCK_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "crypto.h"
#include "wire_classic.h"
#include "wire_native.h"
#include "wire_signed.h"

enum payload_format {
	PAYLOAD_NATIVE,
	PAYLOAD_CLASSIC,
	PAYLOAD_SIGNED,         /* native, version 2, and a signature */
};

#define PAYLOAD_MAX SIGNED_LEN

struct payload_input {
	enum payload_format format;
	const uint8_t *secret;          /* SPA_SECRET_LEN bytes, not copied */
	const uint8_t *seed;            /* signed: SIGN_SEED_LEN bytes, not
	                                 * copied */
	struct spa_addr src, dst;       /* the IP header's addresses */
	uint16_t sport, dport;          /* the TCP header's ports */
	struct spa_addr allow;          /* native and signed */
	const char *request;
	int64_t time;                   /* Unix seconds */
	uint8_t nonce[NATIVE_NONCE_LEN];        /* native and signed */
};

/* Writes the payload to out and its length to *len.  Returns 0,
 * SPA_ERR_REQUEST for a bad request, SPA_ERR_INVALID for a negative time,
 * or a crypto error.  Derived keys are wiped before returning. */
int payload_build(const struct payload_input *in, uint8_t out[PAYLOAD_MAX],
    size_t *len);
/* The tag inside a payload built by payload_build (for -v output); a
 * signed payload's is its native tag. */
const uint8_t *payload_tag(enum payload_format format,
    const uint8_t payload[PAYLOAD_MAX]);
/* "native", "signed" or "classic". */
const char *payload_format_name(enum payload_format format);

#endif
