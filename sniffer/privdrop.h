/*
 * Dropping root for good in the capture child, and proving it
 * (doc/style.md item 7): the root parent opens the capture, forks, and
 * the child chroots into an empty root-owned directory, gives up every
 * capability, its groups, gid and uid, then checks that none of them can
 * come back before it reads a single frame.
 *
 * The order at start-up, in the parent as root:
 *
 *	privdrop_lookup(&t, ...);               (before any chroot: NSS)
 *	privdrop_prepare_root(dir, ...);
 *	open the capture, the channel and log sockets;
 *	fork; in the child:
 *		close every descriptor it does not need (a directory fd
 *		    left open is a way out of the chroot);
 *		privdrop_drop(&t, dir, ...)  or _exit;
 *		prctl(PR_SET_PDEATHSIG, SIGKILL), then getppid() != parent's
 *		    pid  or _exit (see below);
 *		sandbox_enter(...)  or _exit (sandbox.h).
 *
 * PR_SET_PDEATHSIG is cleared by any change of the effective or fs uid or
 * gid, so setting it before privdrop_drop would silently undo it: the
 * caller sets it after, and then checks getppid(), since the parent may
 * have died before the signal was armed.
 */
#ifndef SPA_PRIVDROP_H
#define SPA_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

#define PRIVDROP_USER "_spa"            /* preferred */
#define PRIVDROP_FALLBACK_USER "nobody"

struct privdrop_target {
	uid_t uid;
	gid_t gid;
	char user[33];          /* name found, for logs */
};

/* The unprivileged user the capture child runs as: "_spa" when it exists,
 * else "nobody" (its primary group from the password entry).  Returns 0
 * with *t filled, or SPA_ERR_PRIVILEGE with a message in err: neither
 * exists, or the one
 * found has uid 0 or gid 0 (then "nobody" is not tried: a _spa entry that
 * is root is a mistake to fix, not to work around). */
int privdrop_lookup(struct privdrop_target *t, char *err, size_t errlen);

/*
 * The empty directory the child chroots into, an absolute path: created
 * when missing (mode 0755 whatever the umask, owner the caller: root; the
 * missing parents too, mode 0755), then checked: a real directory (lstat,
 * not a symbolic link), owned by root, not writable by group or others,
 * and empty (only . and ..).  Returns 0, or SPA_ERR_PRIVILEGE with a
 * message in err that names every problem found and what to fix.  Run as root; as another
 * user the directory may be created but fails the owner check.
 */
int privdrop_prepare_root(const char *dir, char *err, size_t errlen);

/*
 * In the child, as root, once: chroot(dir) and chdir("/"); empties the
 * capability bounding set; setgroups(0, NULL); setresgid(gid x3);
 * setresuid(uid x3); PR_SET_NO_NEW_PRIVS; clears the ambient set.  Then
 * proves the drop: real, effective and saved uid and gid are the
 * target's, no supplementary groups, setuid(0), setgid(0), seteuid(0) and
 * setegid(0) all fail, the effective and permitted capability sets and
 * the bounding set are empty, no_new_privs is set, and "/" is still a
 * root-owned directory not writable by others.
 *
 * Returns 0, or SPA_ERR_PRIVILEGE with a message naming the step that
 * failed; after that the process is half-dropped and must _exit, never go
 * on.  t must not be uid 0 or gid 0 (refused before anything is changed).  Clears PR_SET_PDEATHSIG
 * (the credentials change): the caller sets it afterwards.  The process
 * must be single-threaded (setresuid in glibc changes every thread, but
 * the proof only looks at this one).
 */
int privdrop_drop(const struct privdrop_target *t, const char *dir,
    char *err, size_t errlen);

#endif
