#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#ifndef _PATH_LOG
#define _PATH_LOG "/dev/log"
#endif

static int log_to_stderr = 1;
static int log_fd = -1;                 /* log_to_socket */
static int log_syslog_fd = -1;          /* connected to _PATH_LOG */
static int log_echo;                    /* warnings to stderr as well */
static int log_debug_on;
static const char *log_tag = "spa";

/* A datagram socket connected to the syslog socket (journald's too), or
 * -1 with errno set. */
static int
log_syslog_connect(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, saved;

	memcpy(sun.sun_path, _PATH_LOG, sizeof(_PATH_LOG));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

void
log_init(const char *tag, int to_stderr, int verbose)
{
	log_tag = tag;
	log_to_stderr = to_stderr;
	log_debug_on = verbose;
	if (log_syslog_fd >= 0)
		close(log_syslog_fd);
	log_syslog_fd = -1;
	if (to_stderr)
		return;
	/* Someone at a terminal sees why a start failed, not only syslog. */
	log_echo = isatty(STDERR_FILENO);
	if ((log_syslog_fd = log_syslog_connect()) < 0) {
		log_to_stderr = 1;
		fprintf(stderr, "%s: syslog unavailable (%s: %s): logging to "
		    "stderr\n", tag, _PATH_LOG, strerror(errno));
		fflush(stderr);
	}
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
log_vstderr(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", log_tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* One RFC 3164 line to the syslog socket, reconnecting once (syslogd or
 * journald restarted).  0, or -1: the caller writes to stderr instead. */
static int
log_vsyslog(int priority, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX + 128], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int head, n;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	head = snprintf(buf, sizeof(buf), "<%d>%s %s[%ld]: ",
	    LOG_DAEMON | (priority & 7), stamp, log_tag, (long)getpid());
	if (head < 0 || (size_t)head >= sizeof(buf))
		return -1;
	n = vsnprintf(buf + head, sizeof(buf) - (size_t)head, fmt, ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(buf) - (size_t)head)
		n = (int)(sizeof(buf) - (size_t)head) - 1;
	for (int tries = 0; tries < 2; tries++) {
		if (log_syslog_fd < 0 &&
		    (log_syslog_fd = log_syslog_connect()) < 0)
			return -1;
		if (send(log_syslog_fd, buf, (size_t)(head + n), MSG_NOSIGNAL) >= 0)
			return 0;
		close(log_syslog_fd);
		log_syslog_fd = -1;
	}
	return -1;
}

static void
log_vwrite(int priority, const char *fmt, va_list ap)
{
	va_list again;

	if (log_fd >= 0) {
		log_vsend(priority, fmt, ap);
		return;
	}
	if (log_to_stderr) {
		log_vstderr(fmt, ap);
		return;
	}
	va_copy(again, ap);
	/* A line syslog did not take goes to stderr: never lost silently. */
	if (log_vsyslog(priority, fmt, ap) != 0 ||
	    (log_echo && priority <= LOG_WARNING))
		log_vstderr(fmt, again);
	va_end(again);
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
