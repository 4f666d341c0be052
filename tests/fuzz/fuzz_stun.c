/*
 * libFuzzer harness for stun_parse, knock -R's reader of STUN answers
 * (doc/style.md item 19).  The transaction id is the input's own (bytes 8
 * to 19), so the fuzzer gets past the header to the attributes; a second
 * call with another id must say SPA_ERR_MISMATCH or refuse the header.
 * Beyond the sanitizers, it checks stun_parse's contract: an address of
 * family 4 or 6 on success, an error code of 300..699 with a printable,
 * terminated reason on SPA_ERR_REFUSED, and no other return values.
 * Corpus: tests/fuzz/corpus/fuzz_stun/, grown from tests/fuzz/seed's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int rc, const struct stun_answer *a)
{
	size_t n;

	switch (rc) {
	case 0:
		if ((a->mapped.family != 4 && a->mapped.family != 6) ||
		    (a->from_xor != 0 && a->from_xor != 1))
			abort();
		break;
	case SPA_ERR_REFUSED:
		if (a->error_code < 300 || a->error_code > 699)
			abort();
		n = strnlen(a->reason, sizeof(a->reason));
		if (n == sizeof(a->reason))
			abort();
		for (size_t i = 0; i < n; i++)
			if (a->reason[i] < 0x20 || a->reason[i] > 0x7e)
				abort();
		break;
	case SPA_ERR_ADDRESS:
	case SPA_ERR_MISMATCH:
	case SPA_ERR_TRUNCATED:
	case SPA_ERR_INVALID:
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t txid[STUN_TXID_LEN] = { 0 };
	struct stun_answer a;
	int rc;

	if (size >= STUN_HEADER_LEN)
		memcpy(txid, data + 8, STUN_TXID_LEN);
	rc = stun_parse(data, size, txid, &a);
	check(rc, &a);
	txid[0] ^= 0x01;
	rc = stun_parse(data, size, txid, &a);
	check(rc, &a);
	if (rc != SPA_ERR_MISMATCH && rc != SPA_ERR_TRUNCATED)
		abort();
	return 0;
}
