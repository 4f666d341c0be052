/* The failing allocator of tests/unit/nomem.h (ld --wrap). */
#include "nomem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_reallocarray(void *p, size_t n, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void *__wrap_reallocarray(void *p, size_t n, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static int nomem_armed;
static pid_t nomem_pid;                 /* the process that armed it */
static unsigned long nomem_left;        /* allocations still to succeed */
static int nomem_failed;

void
nomem_fail_after(unsigned long n)
{
	nomem_armed = 1;
	nomem_pid = getpid();
	nomem_left = n;
	nomem_failed = 0;
}

int
nomem_off(void)
{
	int failed = nomem_failed;

	nomem_armed = 0;
	nomem_failed = 0;
	return failed;
}

/* 1: this allocation fails. */
static int
nomem_now(void)
{
	/* A child forked meanwhile (a command being started; in coverage
	 * builds libgcov allocates there) is not the call under test. */
	if (!nomem_armed || getpid() != nomem_pid)
		return 0;
	if (nomem_left > 0) {
		nomem_left--;
		return 0;
	}
	nomem_armed = 0;
	nomem_failed = 1;
	errno = ENOMEM;
	return 1;
}

void *
__wrap_malloc(size_t size)
{
	return nomem_now() ? NULL : __real_malloc(size);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return nomem_now() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t size)
{
	return nomem_now() ? NULL : __real_realloc(p, size);
}

void *
__wrap_reallocarray(void *p, size_t n, size_t size)
{
	return nomem_now() ? NULL : __real_reallocarray(p, n, size);
}

char *
__wrap_strdup(const char *s)
{
	return nomem_now() ? NULL : __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
	return nomem_now() ? NULL : __real_strndup(s, n);
}
