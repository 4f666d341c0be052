#include "notify.h"

#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

static char notify_last[128];

void
notify_ready(void)
{
	(void)sd_notify(0, "READY=1");
}

void
notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	/* Type=notify-reload wants the monotonic time with RELOADING=1. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	(void)sd_notify(0, msg);
}

void
notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}

void
notify_status(uint64_t grants_open, uint64_t accepted)
{
	char msg[sizeof(notify_last)];

	snprintf(msg, sizeof(msg), "STATUS=%llu grants open, %llu knocks "
	    "accepted", (unsigned long long)grants_open,
	    (unsigned long long)accepted);
	if (strcmp(msg, notify_last) == 0)
		return;
	if (sd_notify(0, msg) > 0)      /* 0: no NOTIFY_SOCKET */
		memcpy(notify_last, msg, sizeof(msg));
}
