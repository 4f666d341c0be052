/*
 * libFuzzer harness for frame_decode (doc/style.md item 19).  The first input
 * byte picks the link type, the rest is the captured frame.  Beyond the
 * sanitizers, it checks the decoder's contract: a decoded payload lies
 * inside the capture and both addresses have a family.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int fuzz_linktypes[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, 101,
	DLT_IPV4, DLT_IPV6, DLT_NULL, DLT_LOOP,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spa_packet pkt;
	size_t n = sizeof(fuzz_linktypes) / sizeof(fuzz_linktypes[0]);
	volatile uint8_t sink = 0;
	const uint8_t *frame;
	int linktype;

	if (size == 0)
		return 0;
	linktype = fuzz_linktypes[data[0] % n];
	frame = data + 1;
	if (frame_decode(linktype, frame, size - 1, &pkt) != 0)
		return 0;
	if (pkt.payload < frame || pkt.len > size - 1 ||
	    (size_t)(pkt.payload - frame) > size - 1 - pkt.len)
		abort();
	if ((pkt.src.family != 4 && pkt.src.family != 6) ||
	    pkt.src.family != pkt.dst.family)
		abort();
	for (size_t i = 0; i < pkt.len; i++)
		sink ^= pkt.payload[i];        /* ASan checks every byte */
	(void)sink;
	return 0;
}
