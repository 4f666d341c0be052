/*
 * Root dropped for good (privdrop.h), after OpenSSH: the privilege
 * separation child's chroot into an empty directory (sshd.c
 * privsep_preauth_child) and permanently_set_uid() checking that the old
 * ids cannot be regained (uidswap.c).  Capabilities are read with the raw
 * capget system call: one struct from <linux/capability.h>, no libcap.
 */
/* _GNU_SOURCE, in this file only: setresuid, setresgid, getresuid and
 * getresgid. */
#define _GNU_SOURCE
#include "privdrop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"

#define CAP_LAST_CAP_PATH "/proc/sys/kernel/cap_last_cap"
#define CAP_COUNT_MAX 64        /* the kernel's capability sets are 64 bits */
#define ROOT_MODE 0755

static void msg_vset(char *err, size_t errlen, size_t at, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));
static void msg_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_errno(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
msg_vset(char *err, size_t errlen, size_t at, const char *fmt, va_list ap)
{
	if (err == NULL || at >= errlen)
		return;
	vsnprintf(err + at, errlen - at, fmt, ap);
}

/* Replaces err with the message. */
static void
msg_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	msg_vset(err, errlen, 0, fmt, ap);
	va_end(ap);
}

/* "WHAT: strerror(errno)" in err; returns SPA_ERR_PRIVILEGE. */
static int
fail_errno(char *err, size_t errlen, const char *fmt, ...)
{
	const char *why = strerror(errno);
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	msg_set(err, errlen, "%s: %s", what, why);
	return SPA_ERR_PRIVILEGE;
}

/* ---- The target user. ---- */

int
privdrop_lookup(struct privdrop_target *t, char *err, size_t errlen)
{
	static const char *const names[] = {
		PRIVDROP_USER, PRIVDROP_FALLBACK_USER
	};
	const char *name = NULL;
	struct passwd *pw = NULL;
	int first_errno = 0;

	/* A lookup that fails (NSS error) counts as no such user: the
	 * fallback is as unprivileged, and the error is kept for the
	 * message when neither is found. */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		errno = 0;
		if ((pw = getpwnam(names[i])) != NULL) {
			name = names[i];
			break;
		}
		if (first_errno == 0)
			first_errno = errno;
	}
	if (pw == NULL) {
		msg_set(err, errlen, "no user %s nor %s%s%s: create one "
		    "(useradd --system --no-create-home --shell "
		    "/usr/sbin/nologin %s)", PRIVDROP_USER,
		    PRIVDROP_FALLBACK_USER, first_errno != 0 ? ": " : "",
		    first_errno != 0 ? strerror(first_errno) : "",
		    PRIVDROP_USER);
		return SPA_ERR_PRIVILEGE;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		msg_set(err, errlen, "user %s has uid %u and gid %u: the "
		    "capture child must run as neither root nor group 0",
		    name, (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
		return SPA_ERR_PRIVILEGE;
	}
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
	snprintf(t->user, sizeof(t->user), "%s", name);
	return 0;
}

/* ---- The chroot directory. ---- */

/* Creates path when missing, mode ROOT_MODE despite the umask. */
static int
make_dir(const char *path, char *err, size_t errlen)
{
	int fd, rc;

	if (mkdir(path, ROOT_MODE) != 0)
		return errno == EEXIST ? 0 :
		    fail_errno(err, errlen, "mkdir %s", path);
	/* Through a descriptor: never chmod what a symlink points to. */
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return fail_errno(err, errlen, "open %s", path);
	rc = fchmod(fd, ROOT_MODE);
	close(fd);
	return rc == 0 ? 0 : fail_errno(err, errlen, "chmod %s", path);
}

/* dir and each missing parent. */
static int
make_dirs(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(path)) {
		msg_set(err, errlen, "chroot directory %.64s...: path too "
		    "long", dir);
		return SPA_ERR_PRIVILEGE;
	}
	memcpy(path, dir, len + 1);
	for (size_t i = 1; i < len; i++) {
		if (path[i] != '/' || path[i - 1] == '/')
			continue;
		path[i] = '\0';
		if (make_dir(path, err, errlen) != 0)
			return SPA_ERR_PRIVILEGE;
		path[i] = '/';
	}
	return make_dir(path, err, errlen);
}

/* The problems found with the chroot directory, listed in err after
 * "chroot directory DIR: ", separated by "; ". */
struct problems {
	char *err;
	size_t errlen;
	const char *dir;
	int n;
};

static void problem(struct problems *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
problem(struct problems *p, const char *fmt, ...)
{
	size_t at;
	va_list ap;

	if (p->n++ == 0)
		msg_set(p->err, p->errlen, "chroot directory %s: ", p->dir);
	else if (p->err != NULL && p->errlen > 0 &&
	    (at = strlen(p->err)) + 2 < p->errlen)
		memcpy(p->err + at, "; ", 3);
	if (p->err == NULL || p->errlen == 0)
		return;
	at = strlen(p->err);
	va_start(ap, fmt);
	msg_vset(p->err, p->errlen, at, fmt, ap);
	va_end(ap);
}

/* A problem when the open directory fd (taken over) holds anything but
 * . and .. */
static int
check_empty(int fd, struct problems *p)
{
	struct dirent *de;
	DIR *d;

	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return fail_errno(p->err, p->errlen, "opendir %s", p->dir);
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		problem(p, "not empty, it holds \"%.64s\" (it must stay "
		    "empty: remove what is in it)", de->d_name);
		break;
	}
	if (de == NULL && errno != 0) {
		closedir(d);
		return fail_errno(p->err, p->errlen, "readdir %s", p->dir);
	}
	closedir(d);
	return 0;
}

/* Lists every problem with the directory in p.  SPA_ERR_PRIVILEGE when it
 * could not be looked at (err says why). */
static int
check_dir(struct problems *p)
{
	const char *dir = p->dir;
	struct stat lst, st;
	int fd;

	if (lstat(dir, &lst) != 0)
		return fail_errno(p->err, p->errlen, "chroot directory %s",
		    dir);
	if (S_ISLNK(lst.st_mode)) {
		problem(p, "is a symbolic link (it must be a real directory: "
		    "remove the link and it is created)");
		return 0;
	}
	if (!S_ISDIR(lst.st_mode)) {
		problem(p, "is not a directory (remove it and it is "
		    "created)");
		return 0;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return fail_errno(p->err, p->errlen, "open %s", dir);
	/* Checked on the descriptor: what lstat saw may have moved. */
	if (fstat(fd, &st) != 0 || st.st_dev != lst.st_dev ||
	    st.st_ino != lst.st_ino) {
		close(fd);
		msg_set(p->err, p->errlen, "chroot directory %s changed "
		    "while it was checked", dir);
		return SPA_ERR_PRIVILEGE;
	}
	if (st.st_uid != 0)
		problem(p, "owned by uid %u, not root (chown root %s)",
		    (unsigned)st.st_uid, dir);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		problem(p, "mode %04o is writable by group or others "
		    "(chmod go-w %s)", (unsigned)(st.st_mode & 07777), dir);
	return check_empty(fd, p);
}

int
privdrop_prepare_root(const char *dir, char *err, size_t errlen)
{
	struct problems p = { err, errlen, dir, 0 };

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (dir == NULL || dir[0] != '/') {
		msg_set(err, errlen, "chroot directory %s: not an absolute "
		    "path", dir != NULL ? dir : "(none)");
		return SPA_ERR_PRIVILEGE;
	}
	if (make_dirs(dir, err, errlen) != 0 || check_dir(&p) != 0)
		return SPA_ERR_PRIVILEGE;
	return p.n == 0 ? 0 : SPA_ERR_PRIVILEGE;
}

/* ---- The drop, in the child. ---- */

/* The highest capability number the kernel knows, or -1 when /proc does
 * not say (read before the chroot hides it). */
static int
cap_last_known(void)
{
	char buf[16];
	ssize_t n;
	long v;
	char *end;
	int fd;

	if ((fd = open(CAP_LAST_CAP_PATH, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (end == buf || (*end != '\n' && *end != '\0') || v < 0 ||
	    v >= CAP_COUNT_MAX)
		return -1;
	return (int)v;
}

/* Empties the bounding set: every capability up to last, or, when last
 * is unknown (-1), up to the first the kernel calls invalid.  0 or
 * SPA_ERR_PRIVILEGE. */
static int
drop_bounding_set(int last, char *err, size_t errlen)
{
	int end = last >= 0 ? last + 1 : CAP_COUNT_MAX;

	for (int cap = 0; cap < end; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (last < 0 && errno == EINVAL && cap > 0)
			break;          /* past the kernel's last */
		return fail_errno(err, errlen, "PR_CAPBSET_DROP %d", cap);
	}
	return 0;
}

/* Effective, permitted and bounding capability sets all empty? */
static int
prove_no_caps(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0)
		return fail_errno(err, errlen, "capget");
	for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective != 0 || data[i].permitted != 0) {
			msg_set(err, errlen, "capabilities left after the "
			    "drop: effective %08x, permitted %08x (word %zu)",
			    data[i].effective, data[i].permitted, i);
			return SPA_ERR_PRIVILEGE;
		}
	/* The whole bounding set, up to what the kernel calls invalid: not
	 * trusting how far the drop went. */
	for (int cap = 0; cap < CAP_COUNT_MAX; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (in < 0 && errno == EINVAL && cap > 0)
			break;
		if (in != 0) {
			msg_set(err, errlen, "capability %d still in the "
			    "bounding set after the drop", cap);
			return SPA_ERR_PRIVILEGE;
		}
	}
	return 0;
}

/* The ids are the target's and none of root's can be taken back. */
static int
prove_ids(const struct privdrop_target *t, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return fail_errno(err, errlen, "getresuid/getresgid");
	if (ru != t->uid || eu != t->uid || su != t->uid ||
	    rg != t->gid || eg != t->gid || sg != t->gid) {
		msg_set(err, errlen, "after the drop: uids %u %u %u, gids "
		    "%u %u %u, not %u and %u", (unsigned)ru, (unsigned)eu,
		    (unsigned)su, (unsigned)rg, (unsigned)eg, (unsigned)sg,
		    (unsigned)t->uid, (unsigned)t->gid);
		return SPA_ERR_PRIVILEGE;
	}
	if (getgroups(0, NULL) != 0) {
		msg_set(err, errlen, "supplementary groups left after the "
		    "drop");
		return SPA_ERR_PRIVILEGE;
	}
	/* Each call below that succeeds has made us root (again): the
	 * caller must _exit on a failure. */
	if (setuid(0) == 0 || setgid(0) == 0 || setresuid(-1, 0, -1) == 0 ||
	    setegid(0) == 0) {
		msg_set(err, errlen, "root ids could be regained after the "
		    "drop");
		return SPA_ERR_PRIVILEGE;
	}
	return 0;
}

/* no_new_privs is on, and "/" is a root-owned directory no one else can
 * write to (still what privdrop_prepare_root checked). */
static int
prove_flags_and_root(char *err, size_t errlen)
{
	struct stat st;

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		msg_set(err, errlen, "no_new_privs is not set after the "
		    "drop");
		return SPA_ERR_PRIVILEGE;
	}
	if (stat("/", &st) != 0)
		return fail_errno(err, errlen, "stat / in the chroot");
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		msg_set(err, errlen, "the chroot's / is not a root-owned "
		    "directory closed to others (uid %u, mode %04o)",
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return SPA_ERR_PRIVILEGE;
	}
	return 0;
}

int
privdrop_drop(const struct privdrop_target *t, const char *dir,
    char *err, size_t errlen)
{
	int last;

	if (t->uid == 0 || t->gid == 0) {
		msg_set(err, errlen, "refusing to drop to uid %u gid %u: "
		    "root's ids are no drop", (unsigned)t->uid, (unsigned)t->gid);
		return SPA_ERR_PRIVILEGE;
	}
	last = cap_last_known();        /* /proc is gone after chroot */
	if (chroot(dir) != 0)
		return fail_errno(err, errlen, "chroot %s", dir);
	if (chdir("/") != 0)
		return fail_errno(err, errlen, "chdir / in chroot %s", dir);
	/* Before setresuid: dropping from the bounding set needs
	 * CAP_SETPCAP, which the uid change takes away. */
	if (drop_bounding_set(last, err, errlen) != 0)
		return SPA_ERR_PRIVILEGE;
	if (setgroups(0, NULL) != 0)
		return fail_errno(err, errlen, "setgroups(0)");
	if (setresgid(t->gid, t->gid, t->gid) != 0)
		return fail_errno(err, errlen, "setresgid(%u)",
		    (unsigned)t->gid);
	if (setresuid(t->uid, t->uid, t->uid) != 0)
		return fail_errno(err, errlen, "setresuid(%u)",
		    (unsigned)t->uid);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return fail_errno(err, errlen, "PR_SET_NO_NEW_PRIVS");
	/* EINVAL: a kernel before 4.3, which has no ambient set. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
	    errno != EINVAL)
		return fail_errno(err, errlen, "PR_CAP_AMBIENT_CLEAR_ALL");
	if (prove_ids(t, err, errlen) != 0 ||
	    prove_no_caps(err, errlen) != 0 ||
	    prove_flags_and_root(err, errlen) != 0)
		return SPA_ERR_PRIVILEGE;
	return 0;
}
