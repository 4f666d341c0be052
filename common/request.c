#include "request.h"

int
request_valid(const char *text, size_t len)
{
	if (len < 1 || len > SPA_REQUEST_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x21 || (unsigned char)text[i] > 0x7e)
			return 0;
	return 1;
}
