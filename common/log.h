/*
 * One logging module (doc/style.md item 15): syslog (journald takes it
 * too), or stderr with -f; one line per event; never key material.  Per-packet events
 * go through log_ratelimited so a flood cannot flood the log.
 */
#ifndef SPA_LOG_H
#define SPA_LOG_H

#include <stdint.h>

#define LOG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* tag names the process; to_stderr for -f, checks and offline runs;
 * verbose enables log_debug.  Without to_stderr, lines go to the syslog
 * socket; when it cannot be reached (now, or for a later line, after one
 * reconnection) they go to stderr, with one line saying so at start, so
 * nothing is lost silently.  When stderr is a terminal, warnings and fatal
 * errors go to it as well. */
void log_init(const char *tag, int to_stderr, int verbose);
/* From now on, every line goes to the datagram socket fd instead (the
 * capture child's lines, which the parent logs: doc/security.md): one
 * datagram a line, the syslog priority as one digit then the text, at
 * most LOG_LINE_MAX bytes of it (a longer line is cut); a line the socket
 * has no room for is dropped. */
#define LOG_LINE_MAX 1024
void log_to_socket(int fd);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Logs and exits with status: for start-up errors and broken invariants. */
void fatal(int status, const char *fmt, ...) LOG_PRINTF(2, 3)
    __attribute__((noreturn));

/* A budget of lines per interval (OpenSSH log_ratelimit): returns 1 when a
 * line may be written at now, and counts what it suppressed. */
struct log_limit {
	int64_t window_start;
	unsigned interval;      /* seconds */
	unsigned burst;         /* lines per interval */
	unsigned used;
	unsigned long suppressed;
};
int log_ratelimit(struct log_limit *l, int64_t now);

#endif
