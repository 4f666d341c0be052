/*
 * More system calls for tests/unit/sysfail.h, those of sniffer/spawn.c
 * (test_sysfail_spawn.c).  setuid and seteuid are the other way round:
 * armed, they "succeed" without doing anything, as on a kernel that lets
 * root come back after a drop, which spawn must refuse.
 *
 * open and fcntl: glibc's headers make the project's calls of them calls
 * of open64 and fcntl64 (see `nm`), which sysfail_calls.c's __wrap_open
 * and __wrap_fcntl never see; these wrappers answer to the same names,
 * so sysfail_arm("open", ...) and sysfail_arm("fcntl", ...) fail them.
 */
#define _GNU_SOURCE
#include "sysfail.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

SYSFAIL_WRAP(int, close_range, (unsigned int lo, unsigned int hi, int f), (lo, hi, f))
SYSFAIL_WRAP(int, setpgid, (pid_t p, pid_t g), (p, g))
SYSFAIL_WRAP(int, epoll_create1, (int f), (f))
SYSFAIL_WRAP(int, eventfd, (unsigned int v, int f), (v, f))

int __real_setuid(uid_t u);
int __wrap_setuid(uid_t u);
int
__wrap_setuid(uid_t u)
{
	return sysfail_hit("setuid") ? 0 : __real_setuid(u);
}

int __real_seteuid(uid_t u);
int __wrap_seteuid(uid_t u);
int
__wrap_seteuid(uid_t u)
{
	return sysfail_hit("seteuid") ? 0 : __real_seteuid(u);
}

int __real_open64(const char *path, int flags, ...);
int __wrap_open64(const char *path, int flags, ...);
int
__wrap_open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (sysfail_hit("open"))
		return -1;
	return __real_open64(path, flags, mode);
}

int __real_fcntl64(int fd, int cmd, ...);
int __wrap_fcntl64(int fd, int cmd, ...);
int
__wrap_fcntl64(int fd, int cmd, ...)
{
	void *arg;
	va_list ap;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (sysfail_hit("fcntl"))
		return -1;
	return __real_fcntl64(fd, cmd, arg);
}
