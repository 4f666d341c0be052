#include "kidrun.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cov.h"

void
kidrun_exit(int code)
{
	cov_dump();
	for (;;)
		syscall(SYS_exit_group, code);
}

int
kidrun_ending(int (*fn)(const void *arg), const void *arg,
    void (*end)(int code))
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		end(fn(arg));
		kidrun_exit(127);       /* end returned */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	    128 + WTERMSIG(status);
}

int
kidrun(int (*fn)(const void *arg), const void *arg)
{
	return kidrun_ending(fn, arg, kidrun_exit);
}
