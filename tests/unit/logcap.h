/*
 * Our own log lines (common/log.c), caught by a test: the log goes to one
 * end of a datagram socket pair, the test reads the other.
 */
#ifndef SPA_TEST_LOGCAP_H
#define SPA_TEST_LOGCAP_H

/* Starts logging as spa-test (log_init("spa-test", 1, 0)) to the pair.
 * 0 or -1. */
int logcap_start(void);

/* Our log lines since the last call, each ending in a newline, without
 * the priority byte; a static buffer, overwritten by the next call. */
const char *logcap_read(void);

/* Logs to stderr again and closes the pair. */
void logcap_stop(void);

#endif
