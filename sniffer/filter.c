#include "filter.h"

#include <stdio.h>

#include "addr.h"
#include "err.h"

int
filter_build(char *buf, size_t size, uint16_t port, const struct spa_addr *dst)
{
	char text[SPA_ADDRSTRLEN];
	int n;

	if (size > 0)
		buf[0] = '\0';
	if (port == 0)
		return SPA_ERR_INVALID;
	if (dst != NULL && dst->family != 4 && dst->family != 6)
		return SPA_ERR_ADDRESS;
	if (dst == NULL)
		n = snprintf(buf, size, "tcp dst port %u", (unsigned)port);
	else
		n = snprintf(buf, size, "tcp dst port %u and dst host %s",
		    (unsigned)port, addr_format(dst, text));
	if (n < 0 || (size_t)n >= size) {
		if (size > 0)
			buf[0] = '\0';
		return SPA_ERR_NOSPACE;
	}
	return 0;
}
