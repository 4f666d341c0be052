/*
 * stat and lstat as the project's objects call them: built with 64-bit
 * file offsets, they call stat64 and lstat64 (see `nm`), which
 * sysfail_calls.c's __wrap_stat and __wrap_lstat never see.  These are
 * armed by the names "stat" and "lstat", as those are.
 */
#define _GNU_SOURCE
#include "sysfail.h"

#include <sys/stat.h>

int __real_stat64(const char *p, struct stat64 *st);
int __wrap_stat64(const char *p, struct stat64 *st);
int __real_lstat64(const char *p, struct stat64 *st);
int __wrap_lstat64(const char *p, struct stat64 *st);

int
__wrap_stat64(const char *p, struct stat64 *st)
{
	return sysfail_hit("stat") ? -1 : __real_stat64(p, st);
}

int
__wrap_lstat64(const char *p, struct stat64 *st)
{
	return sysfail_hit("lstat") ? -1 : __real_lstat64(p, st);
}
