/*
 * A real redis-server for the tests of sniffer/cluster.c, started by the
 * test with a configuration of its own (a UNIX socket in the test's
 * directory, no TCP port, no persistence, not daemonized) and killed by
 * it: never the system's service.
 */
#ifndef SPA_TEST_REDISSERVER_H
#define SPA_TEST_REDISSERVER_H

#include <sys/types.h>

/* 1 when redis-server can be run here. */
int redisserver_available(void);
/* Starts redis-server in dir (its socket dir/redis.sock), with the
 * configuration lines extra appended (NULL: none), and waits until it
 * answers PING; its pid.  Fails the running cmocka test on failure. */
pid_t redisserver_start(const char *dir, const char *extra);
/* SIGKILL, then waits for it. */
void redisserver_kill(pid_t pid);

#endif
