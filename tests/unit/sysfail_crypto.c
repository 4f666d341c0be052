/*
 * OpenSSL's random bytes for tests/unit/sysfail.h: RAND_bytes armed by
 * that name returns 0 (no bytes) instead of running, as OpenSSL does
 * when its generator cannot be seeded.
 */
#include "sysfail.h"

int __real_RAND_bytes(unsigned char *buf, int num);
int __wrap_RAND_bytes(unsigned char *buf, int num);

int
__wrap_RAND_bytes(unsigned char *buf, int num)
{
	return sysfail_hit("RAND_bytes") ? 0 : __real_RAND_bytes(buf, num);
}
