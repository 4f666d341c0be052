#include "redisserver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "testfile.h"

#define REDISSERVER_BIN "/usr/bin/redis-server"

int
redisserver_available(void)
{
	return access(REDISSERVER_BIN, X_OK) == 0;
}

/* 1 when a PING on sock is answered (an error too: NOAUTH). */
static int
redisserver_pings(const char *sock)
{
	struct timeval tv = { .tv_sec = 1 };
	redisContext *c = redisConnectUnixWithTimeout(sock, tv);
	redisReply *r;
	int ok = 0;

	if (c == NULL)
		return 0;
	if (!c->err && (r = redisCommand(c, "PING")) != NULL) {
		ok = r->type == REDIS_REPLY_STATUS ||
		    r->type == REDIS_REPLY_ERROR;
		freeReplyObject(r);
	}
	redisFree(c);
	return ok;
}

pid_t
redisserver_start(const char *dir, const char *extra)
{
	char conf[4096], path[512], sock[512];
	pid_t pid;

	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	snprintf(conf, sizeof(conf), "port 0\nunixsocket %s\n"
	    "unixsocketperm 700\ndaemonize no\nsave \"\"\nappendonly no\n"
	    "dir %s\nlogfile %s/redis.log\n%s", sock, dir, dir,
	    extra != NULL ? extra : "");
	testfile_write(dir, "redis.conf", conf, 0600);
	snprintf(path, sizeof(path), "%s/redis.conf", dir);
	fflush(NULL);
	if ((pid = fork()) < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(REDISSERVER_BIN, "redis-server", path, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		struct timespec ts = { .tv_nsec = 10 * 1000000L };

		if (redisserver_pings(sock))
			return pid;
		nanosleep(&ts, NULL);
	}
	redisserver_kill(pid);
	fail_msg("redis-server did not answer on %s", sock);
	return -1;
}

void
redisserver_kill(pid_t pid)
{
	kill(pid, SIGCONT);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
