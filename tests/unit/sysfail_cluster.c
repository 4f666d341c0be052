/*
 * The calls of sniffer/cluster.c into hiredis that tests/unit/sysfail.h
 * can fail (test_sysfail_cluster.c), as hiredis fails them when it has no
 * memory or a socket call fails, with the context's errstr left empty:
 * the connects return NULL, redisCommandArgv NULL, the others REDIS_ERR.
 * crypto_random, armed, returns SPA_ERR_CRYPTO.  spawn_now_ms runs
 * sysfail_clock_ahead_ms ahead (sysfail_cluster.h).
 */
#include "sysfail.h"
#include "sysfail_cluster.h"

#include <stddef.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "crypto.h"
#include "err.h"
#include "spawn.h"

SYSFAIL_WRAP_PTR(redisContext *, redisConnectUnixWithTimeout, (const char *p, const struct timeval tv), (p, tv))
SYSFAIL_WRAP_PTR(redisContext *, redisConnectWithTimeout, (const char *h, int port, const struct timeval tv), (h, port, tv))
SYSFAIL_WRAP(int, redisSetTimeout, (redisContext *c, const struct timeval tv), (c, tv))
SYSFAIL_WRAP(int, redisEnableKeepAlive, (redisContext *c), (c))
SYSFAIL_WRAP(int, redisBufferRead, (redisContext *c), (c))
SYSFAIL_WRAP(int, redisBufferWrite, (redisContext *c, int *done), (c, done))
SYSFAIL_WRAP(int, redisAppendCommandArgv, (redisContext *c, int n, const char **v, const size_t *l), (c, n, v, l))
SYSFAIL_WRAP_PTR(void *, redisCommandArgv, (redisContext *c, int n, const char **v, const size_t *l), (c, n, v, l))

int __real_crypto_random(void *buf, size_t len);
int __wrap_crypto_random(void *buf, size_t len);
int
__wrap_crypto_random(void *buf, size_t len)
{
	return sysfail_hit("crypto_random") ? SPA_ERR_CRYPTO :
	    __real_crypto_random(buf, len);
}

int64_t sysfail_clock_ahead_ms;

int64_t __real_spawn_now_ms(void);
int64_t __wrap_spawn_now_ms(void);
int64_t
__wrap_spawn_now_ms(void)
{
	return __real_spawn_now_ms() + sysfail_clock_ahead_ms;
}
