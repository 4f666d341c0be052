/*
 * `-w FILE.pcap`: one frame in a pcap file with link type raw IP
 * (LINKTYPE_RAW), written with libpcap's dump API (the library loaded only
 * then, knock/pcapout.c says why).  Needs no privileges.
 */
#ifndef KNOCK_PCAPOUT_H
#define KNOCK_PCAPOUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#define PCAPOUT_ERR_MAX 512

/* Creates or replaces path holding the one frame, stamped ts.  Returns 0,
 * SPA_ERR_WRITE (libpcap's message in err) or SPA_ERR_UNAVAILABLE
 * (libpcap cannot be loaded: the loader's message in err). */
int pcapout_write(const char *path, const uint8_t *frame, size_t len,
    const struct timeval *ts, char err[PCAPOUT_ERR_MAX]);

#endif
