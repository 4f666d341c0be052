#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <syslog.h>

static int log_to_stderr = 1;
static int log_fd = -1;                 /* log_to_socket */
static int log_debug_on;
static const char *log_tag = "spa";

void
log_init(const char *tag, int to_stderr, int verbose)
{
	log_tag = tag;
	log_to_stderr = to_stderr;
	log_debug_on = verbose;
	if (!to_stderr)
		openlog(tag, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_to_socket(int fd)
{
	log_fd = fd;
}

/* One datagram: the priority as one digit, then the text. */
static void
log_vsend(int priority, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX + 1];
	int n;

	buf[0] = (char)('0' + (priority & 7));
	n = vsnprintf(buf + 1, sizeof(buf) - 1, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	/* A full socket drops the line rather than stall the capture. */
	(void)send(log_fd, buf, (size_t)n + 1, MSG_DONTWAIT);
}

static void
log_vwrite(int priority, const char *fmt, va_list ap)
{
	if (log_fd >= 0) {
		log_vsend(priority, fmt, ap);
	} else if (log_to_stderr) {
		fprintf(stderr, "%s: ", log_tag);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	} else {
		vsyslog(priority, fmt, ap);
	}
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(status);
}

int
log_ratelimit(struct log_limit *l, int64_t now)
{
	if (now - l->window_start >= (int64_t)l->interval) {
		l->window_start = now;
		l->used = 0;
	}
	if (l->used < l->burst) {
		l->used++;
		return 1;
	}
	l->suppressed++;
	return 0;
}
