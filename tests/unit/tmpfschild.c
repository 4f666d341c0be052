#define _GNU_SOURCE                     /* unshare(2) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tmpfschild.h"

void
tmpfschild_need_root(void)
{
	if (geteuid() != 0) {
		print_message("needs root (a small tmpfs in a mount namespace)\n");
		skip();
	}
}

void
tmpfschild_mount(const char *dir, const char *opts)
{
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("tmpfs", dir, "tmpfs", 0, opts) != 0)
		_exit(77);
}

void
tmpfschild_run(const char *dir, void (*child)(const char *dir),
    int rmdir_after)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child(dir);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (rmdir_after)
		rmdir(dir);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		print_message("no mount namespace here\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}
