#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "errcap.h"

static int saved_err = -1;

void
errcap_to(const char *dir, const char *name)
{
	char path[192];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fflush(stderr);
	saved_err = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved_err >= 0);
	dup2(fd, 2);
	close(fd);
}

const char *
errcap_back(const char *dir, const char *name)
{
	static char text[8192];
	char path[192];
	FILE *fp;
	size_t n;

	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	saved_err = -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	return text;
}
