#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "logcap.h"

static int logsock[2] = { -1, -1 };

int
logcap_start(void)
{
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, logsock) != 0)
		return -1;
	log_init("spa-test", 1, 0);
	log_to_socket(logsock[0]);
	return 0;
}

const char *
logcap_read(void)
{
	static char text[16384];
	char buf[LOG_LINE_MAX + 1];
	size_t at = 0;
	ssize_t n;

	text[0] = '\0';
	while ((n = recv(logsock[1], buf, sizeof(buf) - 1, MSG_DONTWAIT)) > 0 &&
	    at < sizeof(text)) {
		buf[n] = '\0';
		at += (size_t)snprintf(text + at, sizeof(text) - at, "%s\n",
		    buf + 1);
	}
	return text;
}

void
logcap_stop(void)
{
	log_to_socket(-1);
	close(logsock[0]);
	close(logsock[1]);
	logsock[0] = logsock[1] = -1;
}
