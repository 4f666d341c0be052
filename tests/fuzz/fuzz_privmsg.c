/*
 * libFuzzer harness for the privilege-separation channel (privmsg.h): any
 * record the parent or the child could read.  A record one decoder accepts
 * must have exactly its size, its type, and fields in range; a crash or a
 * sanitizer report is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "privmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct privmsg_grant g;
	struct privmsg_answer a;
	struct privmsg_addrs m;
	struct privmsg_counts c;

	if (privmsg_grant_decode(data, size, &g) == 0 &&
	    (size != sizeof(g) || g.type != PRIVMSG_GRANT ||
	    (g.family != 4 && g.family != 6)))
		abort();
	if (privmsg_answer_decode(data, size, &a) == 0 &&
	    (size != sizeof(a) || a.type != PRIVMSG_ANSWER || a.result > PRIVMSG_UNAVAILABLE))
		abort();
	if (privmsg_addrs_decode(data, size, &m) == 0 &&
	    (size != sizeof(m) || m.type != PRIVMSG_ADDRS ||
	    m.count > PRIVMSG_ADDRS_CHUNK || m.more > 1))
		abort();
	if (privmsg_counts_decode(data, size, &c) == 0 &&
	    (size != sizeof(c) || c.type != PRIVMSG_COUNTS ||
	    c.nverdicts > PRIVMSG_VERDICTS))
		abort();
	return 0;
}
