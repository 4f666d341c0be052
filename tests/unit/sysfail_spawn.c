/*
 * More system calls for tests/unit/sysfail.h, those of sniffer/spawn.c
 * (test_sysfail_spawn.c).  setuid and seteuid are the other way round:
 * armed, they "succeed" without doing anything, as on a kernel that lets
 * root come back after a drop, which spawn must refuse.
 */
#define _GNU_SOURCE
#include "sysfail.h"

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
