#define _GNU_SOURCE                     /* unshare(2) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "childrun.h"
#include "kidrun.h"
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

struct tmpfschild_fn {
	void (*child)(const char *dir);
	const char *dir;
};

static int
tmpfschild_call(const void *arg)
{
	const struct tmpfschild_fn *c = arg;

	c->child(c->dir);       /* never returns */
	return 127;
}

void
tmpfschild_run(const char *dir, void (*child)(const char *dir),
    int rmdir_after)
{
	struct tmpfschild_fn c = { child, dir };
	int code = kidrun(tmpfschild_call, &c);

	if (rmdir_after)
		rmdir(dir);
	childrun_verdict(code, "no mount namespace here");
}
