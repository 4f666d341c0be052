/*
 * close for tests/unit/sysfail.h: armed, it closes the descriptor all the
 * same (as Linux does when close reports EIO) and returns -1 with the
 * errno armed, so that a test sees the error path and leaks nothing.
 */
#include "sysfail.h"

#include <errno.h>
#include <unistd.h>

int __real_close(int fd);
int __wrap_close(int fd);

int
__wrap_close(int fd)
{
	int e;

	if (!sysfail_hit("close"))
		return __real_close(fd);
	e = errno;
	(void)__real_close(fd);
	errno = e;
	return -1;
}
