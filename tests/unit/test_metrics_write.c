/*
 * metrics_write (sniffer/metrics.h) when the file cannot be written: a
 * full disk (a 16 KiB tmpfs in a child's mount namespace, as root; never
 * the host's disk) gives an error, leaves the last complete file as it
 * was and no temporary behind, and the next write after room is made
 * works; a path too long, a missing directory, a temporary name taken by
 * a directory, and a directory where the file should be are errors too.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "metrics.h"
#include "testfile.h"
#include "tmpfschild.h"

static void
full_disk_child(const char *dir)
{
	struct metrics m = { .opened = 3 };
	char path[256], tmp[270], filler[256], buf[64];
	static char block[512];
	struct stat sb;
	off_t before;
	int fd;

	tmpfschild_mount(dir, "size=16k,mode=0755");
	snprintf(path, sizeof(path), "%s/spa.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	CHECK(metrics_write(&m, path) == 0, 10);
	CHECK(stat(path, &sb) == 0, 11);
	before = sb.st_size;
	/* Fill what is left. */
	fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0, 12);
	memset(block, 'x', sizeof(block));
	while (write(fd, block, sizeof(block)) > 0)
		;
	close(fd);
	m.opened = 4;
	errno = 0;
	CHECK(metrics_write(&m, path) == SPA_ERR_SYSTEM, 13);
	CHECK(errno == ENOSPC || errno == EIO, 14);
	CHECK(access(tmp, F_OK) != 0, 15);      /* no temporary left */
	CHECK(stat(path, &sb) == 0 && sb.st_size == before, 16);
	/* the old file, complete: it still says 3 */
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0, 17);
	{
		char *text = malloc((size_t)before + 1);
		ssize_t n = read(fd, text, (size_t)before);

		CHECK(n == before, 18);
		text[n] = '\0';
		snprintf(buf, sizeof(buf), "opened_total 3\n");
		CHECK(strstr(text, buf) != NULL, 19);
		free(text);
	}
	close(fd);
	CHECK(unlink(filler) == 0, 20);
	CHECK(metrics_write(&m, path) == 0, 21);
	tmpfschild_exit(0);
}

static void
test_metrics_full_disk(void **state)
{
	char dir[] = "/tmp/spa-metricsfull-XXXXXX";
	(void)state;
	tmpfschild_need_root();
	assert_non_null(mkdtemp(dir));
	tmpfschild_run(dir, full_disk_child, 1);
}

static void
test_metrics_bad_paths(void **state)
{
	char dir[] = "/tmp/spa-metricspath-XXXXXX", path[PATH_MAX + 16];
	struct metrics m = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[PATH_MAX - 2] = '\0';      /* its ".tmp" does not fit */
	errno = 0;
	assert_int_equal(metrics_write(&m, path), SPA_ERR_SYSTEM);
	assert_int_equal(errno, ENAMETOOLONG);

	snprintf(path, sizeof(path), "%s/no/such.prom", dir);
	assert_int_equal(metrics_write(&m, path), SPA_ERR_SYSTEM);
	assert_int_equal(errno, ENOENT);

	/* the temporary's name is a directory with something in it */
	snprintf(path, sizeof(path), "%s/t.prom.tmp", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	testfile_write(path, "x", "x", 0600);
	snprintf(path, sizeof(path), "%s/t.prom", dir);
	assert_int_equal(metrics_write(&m, path), SPA_ERR_SYSTEM);

	/* a directory where the file goes: the rename fails, nothing left */
	snprintf(path, sizeof(path), "%s/d.prom", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	testfile_write(path, "x", "x", 0600);
	assert_int_equal(metrics_write(&m, path), SPA_ERR_SYSTEM);
	snprintf(path, sizeof(path), "%s/d.prom.tmp", dir);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(testfile_remove_tree(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metrics_full_disk),
		cmocka_unit_test(test_metrics_bad_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
