/*
 * The capture child's seccomp filter (libseccomp): once it is in, the
 * child can read frames, poll, compute, allocate, and talk to its parent,
 * and nothing else.  Any other system call kills the whole process with
 * SIGSYS, which the parent sees as the child's end (so a compromised
 * decoder is stopped, not merely refused).
 *
 * What the child still does once inside, and so all it is allowed: read
 * frames from libpcap's TPACKET_V3 ring in non-blocking mode (the ring is
 * mapped before); poll its descriptors; HMAC, HKDF and AES-CTR with
 * OpenSSL already initialised; fixed-size messages on the channel; log
 * lines on the log socket; malloc.  Everything that opens a file must
 * happen before: OpenSSL's configuration and providers, the time zone
 * (tzset() before any localtime()), syslog (the child logs through the
 * log socket instead), NSS.
 *
 * Writing is allowed on three descriptors only, one rule per descriptor
 * on the first argument of write, writev, sendto and sendmsg:
 *   channel  the SOCK_SEQPACKET to the parent: the child's decisions;
 *   log      the SOCK_DGRAM to the parent: the child's log lines;
 *   2        stderr, for what libraries print on their own (libpcap's
 *            warnings, a fatal error before the log socket is used);
 *            only when it is open and is not the capture socket.
 * The capture descriptor gets no rule: the child must never send a frame
 * on the packet socket.  sandbox_enter refuses to start when a writable
 * descriptor is the capture one, or is itself a packet or raw socket, or
 * a socket whose domain and type getsockopt cannot tell.
 */
#ifndef SPA_SANDBOX_H
#define SPA_SANDBOX_H

#include <stddef.h>

struct sandbox_fds {
	int capture;    /* the packet socket (pcap_get_selectable_fd): read
	                 * only, never written; -1: none */
	int channel;    /* AF_UNIX SOCK_SEQPACKET to the parent: send and
	                 * receive; -1: none */
	int log;        /* AF_UNIX SOCK_DGRAM to the parent: send only; -1:
	                 * none */
};

/*
 * Installs the filter for this process (every thread: TSYNC), for good.
 * Call it after privdrop_drop and after PR_SET_PDEATHSIG; it sets
 * PR_SET_NO_NEW_PRIVS itself when it is not set yet.  Default action:
 * kill the process (SCMP_ACT_KILL_PROCESS); a system call of another
 * architecture (i386 or x32 on x86-64) is killed too.  Returns 0, or
 * SPA_ERR_PRIVILEGE with a message in err (a descriptor that may not be
 * written, libseccomp or the kernel refusing); after that the process is
 * unconfined and must _exit.
 */
int sandbox_enter(const struct sandbox_fds *f, char *err, size_t errlen);

#endif
