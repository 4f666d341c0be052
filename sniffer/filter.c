#include "filter.h"

#include <stdio.h>

#include "addr.h"
#include "err.h"

int
filter_build(char *buf, size_t size, uint16_t port, const struct spa_addr *dst,
    int vlan)
{
	char text[SPA_ADDRSTRLEN];
	int n;

	if (size > 0)
		buf[0] = '\0';
	if (port == 0)
		return SPA_ERR_INVALID;
	if (dst != NULL && dst->family != 4 && dst->family != 6)
		return SPA_ERR_ADDRESS;
	/* Both transports on the same port (doc/protocol.md "Transport"). */
	if (!vlan && dst == NULL)
		n = snprintf(buf, size, "tcp dst port %u or udp dst port %u",
		    (unsigned)port, (unsigned)port);
	else if (!vlan)
		n = snprintf(buf, size, "(tcp dst port %u or udp dst port %u) "
		    "and dst host %s", (unsigned)port, (unsigned)port,
		    addr_format(dst, text));
	/* BPF sees an 802.1Q tag in a recorded frame: the second half
	 * matches the same segment behind one (live Linux captures get the
	 * tag stripped and match the first). */
	else if (dst == NULL)
		n = snprintf(buf, size, "(tcp dst port %u or udp dst port %u) or "
		    "(vlan and (tcp dst port %u or udp dst port %u))", (unsigned)port,
		    (unsigned)port, (unsigned)port, (unsigned)port);
	else
		n = snprintf(buf, size, "((tcp dst port %u or udp dst port %u) and "
		    "dst host %s) or (vlan and (tcp dst port %u or udp dst port %u) "
		    "and dst host %s)", (unsigned)port, (unsigned)port,
		    addr_format(dst, text), (unsigned)port, (unsigned)port, text);
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return SPA_ERR_NOSPACE;
	}
	return 0;
}
