/*
 * sysfail_cluster.c's clock: what sniffer/cluster.c reads as
 * spawn_now_ms(), in the tests test_sysfail_*.c, is this many
 * milliseconds ahead of the real one (0 unless a test sets it), so a test
 * reaches the end of a 5 s read or the next attempt to connect, a second
 * later, without waiting for it.
 */
#ifndef SPA_TEST_SYSFAIL_CLUSTER_H
#define SPA_TEST_SYSFAIL_CLUSTER_H

#include <stdint.h>

extern int64_t sysfail_clock_ahead_ms;

#endif
