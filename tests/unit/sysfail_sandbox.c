/*
 * The calls of sniffer/sandbox.c that tests/unit/sysfail_calls.c does not
 * wrap (tests/unit/sysfail.h).
 */
#include "sysfail.h"

#include <sys/socket.h>

SYSFAIL_WRAP(int, getsockopt, (int fd, int level, int name, void *v, socklen_t *len),
    (fd, level, name, v, len))
