#define _GNU_SOURCE                     /* program_invocation_short_name */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testfile.h"

void
testfile_write(const char *dir, const char *name, const char *text,
    mode_t mode)
{
	char path[4096];
	FILE *f;

	if (dir != NULL)
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	else
		snprintf(path, sizeof(path), "%s", name);
	unlink(path);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static int
testfile_remove_one(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Depth first, links not followed: rm -rf without a shell. */
int
testfile_remove_tree(const char *dir)
{
	if (nftw(dir, testfile_remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0)
		return 0;
	return errno == ENOENT ? 0 : -1;
}

char testfile_dir[64];            /* /tmp/spa-PROGRAM-XXXXXX */

int
testfile_dir_setup(void **state)
{
	(void)state;
	snprintf(testfile_dir, sizeof(testfile_dir), "/tmp/spa-%s-XXXXXX",
	    program_invocation_short_name);
	return mkdtemp(testfile_dir) == NULL ? -1 : 0;
}

int
testfile_dir_teardown(void **state)
{
	(void)state;
	return testfile_remove_tree(testfile_dir);
}

const char *
testfile_at(const char *name)
{
	static char path[4][sizeof(testfile_dir) + 128];
	static unsigned next;
	char *p = path[next++ % 4];

	snprintf(p, sizeof(path[0]), "%s/%s", testfile_dir, name);
	return p;
}
