/* Process hardening both programs apply first thing. */
#ifndef SPA_HARDEN_H
#define SPA_HARDEN_H

/* No core dumps and no ptrace attach by other processes of the same user:
 * keys in memory must not end up in a core file (doc/style.md item 4).
 * Returns 0, or SPA_ERR_SYSTEM when the kernel refused (errno set); the
 * caller may go on. */
int harden_process(void);

#endif
