/*
 * systemd's readiness protocol (sd_notify(3)), for a unit of Type=notify
 * or notify-reload: READY=1 once frames are decided (the capture child
 * said it is confined, or, in one process, the capture is open),
 * RELOADING=1 then READY=1 around a SIGHUP, STOPPING=1 at the end, and a
 * STATUS= line with the counts.  Without NOTIFY_SOCKET every call does
 * nothing.
 */
#ifndef SPA_NOTIFY_H
#define SPA_NOTIFY_H

#include <stdint.h>

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);
/* STATUS=..., sent only when it differs from the last one sent. */
void notify_status(uint64_t grants_open, uint64_t accepted);

#endif
