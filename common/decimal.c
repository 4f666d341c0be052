/* The decimal reader of common/decimal.h. */
#include "decimal.h"

#include "err.h"

int
decimal_parse(const char *text, unsigned long min, unsigned long max,
    unsigned long *out)
{
	unsigned long v = 0;

	if (*text == '\0')
		return SPA_ERR_INVALID;
	for (; *text != '\0'; text++) {
		unsigned long digit;

		if (*text < '0' || *text > '9')
			return SPA_ERR_INVALID;
		digit = (unsigned long)(*text - '0');
		/* v * 10 + digit > max, asked without overflowing */
		if (digit > max || v > (max - digit) / 10)
			return SPA_ERR_INVALID;
		v = v * 10 + digit;
	}
	if (v < min)
		return SPA_ERR_INVALID;
	*out = v;
	return 0;
}

int
decimal_port(const char *text, uint16_t *port)
{
	unsigned long v;
	int rc = decimal_parse(text, 1, 65535, &v);

	if (rc == 0)
		*port = (uint16_t)v;
	return rc;
}
