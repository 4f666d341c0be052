#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cov.h"
#include "status.h"
#include "statuscli.h"
#include "statusrig.h"
#include "testfile.h"

char statusrig_sock[96];

int
statusrig_setup(void **state)
{
	if (testfile_dir_setup(state) != 0)
		return -1;
	snprintf(statusrig_sock, sizeof(statusrig_sock), "%s/%s", testfile_dir,
	    STATUS_SOCKET_NAME);
	return 0;
}

struct conf *
statusrig_conf(const char *state_dir)
{
	char text[1024], err[CONF_ERR_MAX];
	struct conf *c;

	snprintf(text, sizeof(text), "[sniffer]\nport = 5001\nstate = %s\n"
	    "[user alice]\nkey = PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0=\n"
	    "allow = ssh\n[action ssh]\nopen = tcp/22\n", state_dir);
	if (conf_load_string("status.conf", text, &c, err) != 0)
		fail_msg("%s", err);
	return c;
}

int
statusrig_bound(const char *path, int listen_too)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listen_too)
		assert_int_equal(listen(fd, 4), 0);
	return fd;
}

pid_t
statusrig_serve_once(const char *path, const char *report)
{
	int fd = statusrig_bound(path, 1);
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int c = accept(fd, NULL, NULL);
		size_t at = 0, len = strlen(report);
		ssize_t n;

		while (c >= 0 && at < len &&
		    (n = write(c, report + at, len - at)) > 0)
			at += (size_t)n;
		cov_dump();
		_exit(0);
	}
	close(fd);
	return pid;
}

void
statusrig_reap(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
}

void
statusrig_query_into(const struct conf *c, int json, int *rc, char *text,
    size_t len, char *err, size_t errlen)
{
	char errpath[] = "/tmp/spa-statuscli-err-XXXXXX";
	int efd = mkstemp(errpath), saved = dup(2);
	FILE *out = fmemopen(text, len, "w");
	ssize_t n;

	assert_true(efd >= 0);
	assert_non_null(out);
	fflush(stderr);
	dup2(efd, 2);
	*rc = statuscli_run(c, json, out);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(out);
	n = pread(efd, err, errlen - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(efd);
	unlink(errpath);
}

char *
statusrig_query(const struct conf *c, int json, int *rc, char *err,
    size_t errlen)
{
	static char text[262144];

	statusrig_query_into(c, json, rc, text, sizeof(text), err, errlen);
	return text;
}
