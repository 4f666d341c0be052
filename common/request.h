/* Requests (doc/protocol.md): 1..32 bytes of printable ASCII 0x21..0x7e. */
#ifndef SPA_REQUEST_H
#define SPA_REQUEST_H

#include <stddef.h>

#define SPA_REQUEST_MAX 32

/* 1 when the len bytes at text form a valid request. */
int request_valid(const char *text, size_t len);

#endif
