#include "filter.h"

#include <stdio.h>

#include "addr.h"
#include "err.h"

/* The selection without tags: TCP or UDP to the port, or an IPv6 packet
 * whose first next header is hop-by-hop (0), routing (43) or destination
 * options (60), where BPF cannot follow the chain to the port (the decoder
 * walks it, and the server checks the port); with dst, only to it. */
static int
filter_core(char *buf, size_t size, uint16_t port, const char *dst)
{
	if (dst == NULL)
		return snprintf(buf, size, "tcp dst port %u or udp dst port %u "
		    "or ip6[6] = 0 or ip6[6] = 43 or ip6[6] = 60",
		    (unsigned)port, (unsigned)port);
	return snprintf(buf, size, "(tcp dst port %u or udp dst port %u "
	    "or ip6[6] = 0 or ip6[6] = 43 or ip6[6] = 60) and dst host %s",
	    (unsigned)port, (unsigned)port, dst);
}

int
filter_build(char *buf, size_t size, uint16_t port, const struct spa_addr *dst,
    int vlan)
{
	char text[SPA_ADDRSTRLEN], core[FILTER_TEXT_MAX];
	int n;

	if (size > 0)
		buf[0] = '\0';
	if (port == 0)
		return SPA_ERR_INVALID;
	if (dst != NULL && dst->family != 4 && dst->family != 6)
		return SPA_ERR_ADDRESS;
	/* Both transports on the same port (doc/protocol.md "Transport"). */
	n = filter_core(core, sizeof(core), port,
	    dst != NULL ? addr_format(dst, text) : NULL);
	if (n < 0 || (size_t)n >= sizeof(core))
		return SPA_ERR_NOSPACE;
	/* BPF sees the tags of a recorded frame: the second half matches
	 * behind one tag, 802.1Q or 802.1ad, or behind two (QinQ), each
	 * "vlan" moving the offsets for what follows it (live Linux
	 * captures get the outer tag stripped and match the first). */
	if (!vlan)
		n = snprintf(buf, size, "%s", core);
	else
		n = snprintf(buf, size, "(%s) or (vlan and ((%s) or (vlan and "
		    "(%s))))", core, core, core);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return SPA_ERR_NOSPACE;
	}
	return 0;
}
