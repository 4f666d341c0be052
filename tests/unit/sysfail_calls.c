/*
 * The system calls tests/unit/sysfail.h can fail: each wrapper fails as
 * armed, else makes the real call.  GNUmakefile wraps (ld --wrap) every
 * name defined here, by SYSFAIL_WRAP or as a __wrap_ function beginning
 * a line, in the tests test_sysfail_*.c.
 *
 * The project's objects are built with 64-bit file offsets (hiredis's
 * pkg-config flags give -D_FILE_OFFSET_BITS=64), so glibc's headers make
 * their open, fcntl, stat, lstat, fstat and readdir calls of open64,
 * fcntl64, stat64, lstat64, fstat64 and readdir64 (see `nm`): those are
 * the names wrapped here, each armed by its plain name
 * (sysfail_arm("stat", ...) fails the next stat64).
 */
#define _GNU_SOURCE                     /* the *64 declarations */
#include "sysfail.h"

#if !defined(_FILE_OFFSET_BITS) || _FILE_OFFSET_BITS != 64
#error "built without -D_FILE_OFFSET_BITS=64: the project would call open, stat... and not the *64 calls wrapped here, so nothing would fail"
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <grp.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* Identity, privileges, the chroot. */
SYSFAIL_WRAP(int, setresuid, (uid_t r, uid_t e, uid_t s), (r, e, s))
SYSFAIL_WRAP(int, setresgid, (gid_t r, gid_t e, gid_t s), (r, e, s))
SYSFAIL_WRAP(int, setgroups, (size_t n, const gid_t *l), (n, l))
SYSFAIL_WRAP(int, getresuid, (uid_t *r, uid_t *e, uid_t *s), (r, e, s))
SYSFAIL_WRAP(int, getresgid, (gid_t *r, gid_t *e, gid_t *s), (r, e, s))
SYSFAIL_WRAP(int, getgroups, (int n, gid_t *l), (n, l))
SYSFAIL_WRAP(int, chroot, (const char *p), (p))
SYSFAIL_WRAP(int, chdir, (const char *p), (p))
SYSFAIL_WRAP_PTR(struct passwd *, getpwnam, (const char *n), (n))

/* Files and directories. */
SYSFAIL_WRAP(int, mkdir, (const char *p, mode_t m), (p, m))
SYSFAIL_WRAP(int, fchmod, (int fd, mode_t m), (fd, m))
SYSFAIL_WRAP_PTR(DIR *, fdopendir, (int fd), (fd))
SYSFAIL_WRAP(ssize_t, read, (int fd, void *b, size_t n), (fd, b, n))
SYSFAIL_WRAP(int, dup2, (int a, int b), (a, b))
SYSFAIL_WRAP(int, pipe2, (int fds[2], int flags), (fds, flags))

/* Processes and signals. */
SYSFAIL_WRAP(pid_t, fork, (void), ())
SYSFAIL_WRAP(int, pidfd_open, (pid_t pid, unsigned int flags), (pid, flags))
SYSFAIL_WRAP(int, waitid, (idtype_t t, id_t id, siginfo_t *i, int o), (t, id, i, o))
SYSFAIL_WRAP(pid_t, waitpid, (pid_t p, int *st, int o), (p, st, o))
SYSFAIL_WRAP(int, kill, (pid_t p, int sig), (p, sig))
SYSFAIL_WRAP(int, sigprocmask, (int how, const sigset_t *s, sigset_t *o), (how, s, o))
SYSFAIL_WRAP(int, sigaction, (int sig, const struct sigaction *a, struct sigaction *o),
    (sig, a, o))
SYSFAIL_WRAP(int, clock_gettime, (clockid_t c, struct timespec *t), (c, t))

/* Sockets and waiting. */
SYSFAIL_WRAP(int, poll, (struct pollfd *f, nfds_t n, int t), (f, n, t))
SYSFAIL_WRAP(int, socket, (int d, int t, int p), (d, t, p))
SYSFAIL_WRAP(int, socketpair, (int d, int t, int p, int sv[2]), (d, t, p, sv))
SYSFAIL_WRAP(ssize_t, send, (int fd, const void *b, size_t n, int f), (fd, b, n, f))
SYSFAIL_WRAP(ssize_t, recv, (int fd, void *b, size_t n, int f), (fd, b, n, f))
SYSFAIL_WRAP(int, epoll_ctl, (int e, int op, int fd, struct epoll_event *ev), (e, op, fd, ev))

/* The large-file calls, armed by their plain names. */
int __real_stat64(const char *p, struct stat64 *st);
int __wrap_stat64(const char *p, struct stat64 *st);
int
__wrap_stat64(const char *p, struct stat64 *st)
{
	return sysfail_hit("stat") ? -1 : __real_stat64(p, st);
}

int __real_lstat64(const char *p, struct stat64 *st);
int __wrap_lstat64(const char *p, struct stat64 *st);
int
__wrap_lstat64(const char *p, struct stat64 *st)
{
	return sysfail_hit("lstat") ? -1 : __real_lstat64(p, st);
}

int __real_fstat64(int fd, struct stat64 *st);
int __wrap_fstat64(int fd, struct stat64 *st);
int
__wrap_fstat64(int fd, struct stat64 *st)
{
	return sysfail_hit("fstat") ? -1 : __real_fstat64(fd, st);
}

struct dirent64 *__real_readdir64(DIR *d);
struct dirent64 *__wrap_readdir64(DIR *d);
struct dirent64 *
__wrap_readdir64(DIR *d)
{
	return sysfail_hit("readdir") ? NULL : __real_readdir64(d);
}

/* The variadic ones: their optional arguments are passed on as the
 * callers in this project pass them. */
int __real_open64(const char *path, int flags, ...);
int __wrap_open64(const char *path, int flags, ...);
int
__wrap_open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (sysfail_hit("open"))
		return -1;
	return __real_open64(path, flags, mode);
}

/* prctl(2) takes four more unsigned longs whatever the option. */
int __real_prctl(int option, ...);
int __wrap_prctl(int option, ...);
int
__wrap_prctl(int option, ...)
{
	unsigned long a[4];
	va_list ap;

	va_start(ap, option);
	for (int i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (sysfail_hit("prctl"))
		return -1;
	return __real_prctl(option, a[0], a[1], a[2], a[3]);
}

/* Named "syscall:NR", so one number fails and not the others. */
long __real_syscall(long nr, ...);
long __wrap_syscall(long nr, ...);
long
__wrap_syscall(long nr, ...)
{
	long a[6];
	char name[32];
	va_list ap;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	snprintf(name, sizeof(name), "syscall:%ld", nr);
	if (sysfail_hit(name))
		return -1;
	return __real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
int
__wrap_ioctl(int fd, unsigned long req, ...)
{
	void *arg;
	va_list ap;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (sysfail_hit("ioctl"))
		return -1;
	return __real_ioctl(fd, req, arg);
}

int __real_fcntl64(int fd, int cmd, ...);
int __wrap_fcntl64(int fd, int cmd, ...);
int
__wrap_fcntl64(int fd, int cmd, ...)
{
	void *arg;
	va_list ap;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (sysfail_hit("fcntl"))
		return -1;
	return __real_fcntl64(fd, cmd, arg);
}

/* libseccomp reports failures as a negative errno, and seccomp_init as
 * NULL. */
scmp_filter_ctx __real_seccomp_init(uint32_t def_action);
scmp_filter_ctx __wrap_seccomp_init(uint32_t def_action);
scmp_filter_ctx
__wrap_seccomp_init(uint32_t def_action)
{
	return sysfail_hit("seccomp_init") ? NULL :
	    __real_seccomp_init(def_action);
}

int __real_seccomp_load(const scmp_filter_ctx ctx);
int __wrap_seccomp_load(const scmp_filter_ctx ctx);
int
__wrap_seccomp_load(const scmp_filter_ctx ctx)
{
	return sysfail_hit("seccomp_load") ? -errno : __real_seccomp_load(ctx);
}

int __real_seccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr a,
    uint32_t v);
int __wrap_seccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr a,
    uint32_t v);
int
__wrap_seccomp_attr_set(scmp_filter_ctx ctx, enum scmp_filter_attr a,
    uint32_t v)
{
	return sysfail_hit("seccomp_attr_set") ? -errno :
	    __real_seccomp_attr_set(ctx, a, v);
}

/* Its comparisons are passed on through seccomp_rule_add_array. */
int __wrap_seccomp_rule_add(scmp_filter_ctx ctx, uint32_t action,
    int syscall_nr, unsigned int arg_cnt, ...);
int
__wrap_seccomp_rule_add(scmp_filter_ctx ctx, uint32_t action,
    int syscall_nr, unsigned int arg_cnt, ...)
{
	struct scmp_arg_cmp cmp[6];
	va_list ap;

	if (arg_cnt > 6)
		return -EINVAL;
	va_start(ap, arg_cnt);
	for (unsigned i = 0; i < arg_cnt; i++)
		cmp[i] = va_arg(ap, struct scmp_arg_cmp);
	va_end(ap);
	if (sysfail_hit("seccomp_rule_add"))
		return -errno;
	return seccomp_rule_add_array(ctx, action, syscall_nr, arg_cnt, cmp);
}
