/*
 * The large-file names of two calls tests/unit/sysfail_calls.c wraps.
 * The project's objects are built with 64-bit file offsets, so they call
 * fstat64 and readdir64, never fstat and readdir (sysfail_stat.c and
 * sysfail_spawn.c do the same for stat, lstat, open and fcntl).  Each
 * counts under the plain name: sysfail_arm("fstat", ...) fails the next
 * fstat64.
 */
#define _GNU_SOURCE                     /* the *64 declarations */
#include "sysfail.h"

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>

int __real_fstat64(int fd, struct stat64 *st);
int __wrap_fstat64(int fd, struct stat64 *st);
int
__wrap_fstat64(int fd, struct stat64 *st)
{
	return sysfail_hit("fstat") ? -1 : __real_fstat64(fd, st);
}

struct dirent64 *__real_readdir64(DIR *d);
struct dirent64 *__wrap_readdir64(DIR *d);
struct dirent64 *
__wrap_readdir64(DIR *d)
{
	return sysfail_hit("readdir") ? NULL : __real_readdir64(d);
}
