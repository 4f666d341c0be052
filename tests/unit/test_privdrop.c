/*
 * sniffer/privdrop.c: the chroot directory's checks on temporary trees
 * (any user), the user lookup, and, as root, a real drop in a child that
 * then looks at itself from inside and reports by its exit code (never a
 * cmocka assert: it is no longer the process cmocka runs in).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "privdrop.h"
#include "testfile.h"

#define STATUS_MAX 4096

static char tmpdir[64];

static int
setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_privdrop.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	(void)state;
	return testfile_remove_tree(tmpdir);
}

/* tmpdir/name, in a buffer the next call reuses. */
static const char *
in_tmp(const char *name)
{
	static char path[sizeof(tmpdir) + 128];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

/* As root the directory passes; as anyone else it is created but is not
 * root's, which is the one problem reported. */
static void
assert_passes_as_root(int rc, const char *err)
{
	if (geteuid() == 0) {
		if (rc != 0)
			print_message("%s\n", err);
		assert_int_equal(rc, 0);
		return;
	}
	assert_int_equal(rc, SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, ", not root (chown root "));
	assert_null(strchr(err, ';'));
}

/* Missing, parents too: created 0755 whatever the umask. */
static void
test_prepare_creates(void **state)
{
	char err[512], dir[256], mid[256];
	mode_t old;
	int rc;

	(void)state;
	snprintf(mid, sizeof(mid), "%s", in_tmp("var"));
	snprintf(dir, sizeof(dir), "%s", in_tmp("var/lib//empty/"));
	old = umask(077);
	rc = privdrop_prepare_root(dir, err, sizeof(err));
	umask(old);
	assert_passes_as_root(rc, err);
	assert_int_equal(mode_of(mid), 0755);
	assert_int_equal(mode_of(in_tmp("var/lib")), 0755);
	assert_int_equal(mode_of(in_tmp("var/lib/empty")), 0755);
	/* Again: it exists now, and is still fine. */
	rc = privdrop_prepare_root(dir, err, sizeof(err));
	assert_passes_as_root(rc, err);
}

static void
test_prepare_not_empty(void **state)
{
	char err[512];
	int fd;

	(void)state;
	assert_int_equal(mkdir(in_tmp("full"), 0755), 0);
	assert_true((fd = open(in_tmp("full/leftover"), O_CREAT | O_WRONLY,
	    0600)) >= 0);
	close(fd);
	assert_int_equal(privdrop_prepare_root(in_tmp("full"), err,
	    sizeof(err)), SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, in_tmp("full")));
	assert_non_null(strstr(err, "not empty, it holds \"leftover\""));
}

static void
test_prepare_writable(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(mkdir(in_tmp("open"), 0755), 0);
	assert_int_equal(chmod(in_tmp("open"), 0777), 0);
	assert_int_equal(privdrop_prepare_root(in_tmp("open"), err,
	    sizeof(err)), SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "mode 0777 is writable by group or "
	    "others (chmod go-w "));
	/* Group-writable alone is as bad; never "fixed" behind our back. */
	assert_int_equal(chmod(in_tmp("open"), 0775), 0);
	assert_int_equal(privdrop_prepare_root(in_tmp("open"), err,
	    sizeof(err)), SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "mode 0775 is writable"));
	assert_int_equal(mode_of(in_tmp("open")), 0775);
}

/* Every problem at once, so one round of fixes is enough. */
static void
test_prepare_lists_all(void **state)
{
	char err[512];
	int fd;

	(void)state;
	assert_int_equal(mkdir(in_tmp("both"), 0755), 0);
	assert_int_equal(chmod(in_tmp("both"), 0757), 0);
	assert_true((fd = open(in_tmp("both/x"), O_CREAT | O_WRONLY,
	    0600)) >= 0);
	close(fd);
	assert_int_equal(privdrop_prepare_root(in_tmp("both"), err,
	    sizeof(err)), SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "mode 0757 is writable"));
	assert_non_null(strstr(err, "; not empty, it holds \"x\""));
}

static void
test_prepare_symlink(void **state)
{
	char err[512], target[256];

	(void)state;
	assert_int_equal(mkdir(in_tmp("real"), 0755), 0);
	snprintf(target, sizeof(target), "%s", in_tmp("real"));
	assert_int_equal(symlink(target, in_tmp("link")), 0);
	assert_int_equal(privdrop_prepare_root(in_tmp("link"), err,
	    sizeof(err)), SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "is a symbolic link"));
	/* Also when it dangles: never created through the link. */
	snprintf(target, sizeof(target), "%s", in_tmp("nowhere"));
	assert_int_equal(symlink(target, in_tmp("dangling")), 0);
	assert_int_equal(privdrop_prepare_root(in_tmp("dangling"), err,
	    sizeof(err)), SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "is a symbolic link"));
	assert_int_equal(access(in_tmp("nowhere"), F_OK), -1);
}

static void
test_prepare_bad_paths(void **state)
{
	char err[512];
	int fd;

	(void)state;
	assert_true((fd = open(in_tmp("file"), O_CREAT | O_WRONLY,
	    0600)) >= 0);
	close(fd);
	assert_int_equal(privdrop_prepare_root(in_tmp("file"), err,
	    sizeof(err)), SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "is not a directory"));
	/* A parent that is a file. */
	assert_int_equal(privdrop_prepare_root(in_tmp("file/empty"), err,
	    sizeof(err)), SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "mkdir "));
	assert_int_equal(privdrop_prepare_root("var/empty", err,
	    sizeof(err)), SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "not an absolute path"));
}

static void
test_lookup(void **state)
{
	struct privdrop_target t;
	struct passwd *pw;
	char err[256];

	(void)state;
	if (getpwnam(PRIVDROP_USER) == NULL &&
	    getpwnam(PRIVDROP_FALLBACK_USER) == NULL) {
		assert_int_equal(privdrop_lookup(&t, err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
		assert_non_null(strstr(err, "no user"));
		return;
	}
	assert_int_equal(privdrop_lookup(&t, err, sizeof(err)), 0);
	assert_true(strcmp(t.user, PRIVDROP_USER) == 0 ||
	    (strcmp(t.user, PRIVDROP_FALLBACK_USER) == 0 &&
	    getpwnam(PRIVDROP_USER) == NULL));
	assert_non_null(pw = getpwnam(t.user));
	assert_int_equal(t.uid, pw->pw_uid);
	assert_int_equal(t.gid, pw->pw_gid);
	assert_int_not_equal(t.uid, 0);
	assert_int_not_equal(t.gid, 0);
}

/* Root as a target is refused before anything changes. */
static void
test_drop_refuses_root(void **state)
{
	struct privdrop_target t = { 0, 0, "root" };
	uid_t before = geteuid();
	char err[256];

	(void)state;
	assert_int_equal(privdrop_drop(&t, "/nonexistent", err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "root's ids are no drop"));
	assert_int_equal(geteuid(), before);
	t.uid = 65534;
	assert_int_equal(privdrop_drop(&t, "/nonexistent", err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
	assert_int_equal(geteuid(), before);
}

/* ---- A real drop, in a child. ---- */

/* Exit codes of the child. */
enum {
	KID_OK = 0,
	KID_SETUP = 2,
	KID_DROP = 3,           /* privdrop_drop failed */
	KID_DROP_PASSED = 4,    /* ... returned 0 when it should not */
	KID_MESSAGE = 5,        /* ... with a message not naming the step */
	KID_IDS = 10,
	KID_STATUS_READ,
	KID_CAPS,
	KID_NO_NEW_PRIVS,
	KID_GROUPS,
	KID_STATUS_IDS,
	KID_SETUID_WORKED,
	KID_CWD,
	KID_NOT_CHROOTED,
	KID_ROOT_NOT_EMPTY,
};

static void
kid_say(const char *what)
{
	if (write(2, what, strlen(what)) < 0)
		return;
}

/* The value after "\nNAME:\t" up to the end of its line, in buf. */
static int
status_field(const char *buf, const char *name, char *out, size_t len)
{
	char key[32];
	const char *p, *e;

	snprintf(key, sizeof(key), "\n%s:\t", name);
	if ((p = strstr(buf, key)) == NULL)
		return -1;
	p += strlen(key);
	if ((e = strchr(p, '\n')) == NULL || (size_t)(e - p) >= len)
		return -1;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return 0;
}

/* What /proc/self/status (fd, opened before the chroot hid /proc) says. */
static int
kid_check_status(int fd, const struct privdrop_target *t)
{
	static const char *const caps[] = {
		"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"
	};
	char buf[STATUS_MAX], v[128], want[128];
	ssize_t n;

	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return KID_STATUS_READ;
	buf[n] = '\0';
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (status_field(buf, caps[i], v, sizeof(v)) != 0 ||
		    strcmp(v, "0000000000000000") != 0)
			return KID_CAPS;
	if (status_field(buf, "NoNewPrivs", v, sizeof(v)) != 0 ||
	    strcmp(v, "1") != 0)
		return KID_NO_NEW_PRIVS;
	if (status_field(buf, "Groups", v, sizeof(v)) != 0 ||
	    strspn(v, " ") != strlen(v))
		return KID_GROUPS;
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", (unsigned)t->uid,
	    (unsigned)t->uid, (unsigned)t->uid, (unsigned)t->uid);
	if (status_field(buf, "Uid", v, sizeof(v)) != 0 ||
	    strcmp(v, want) != 0)
		return KID_STATUS_IDS;
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", (unsigned)t->gid,
	    (unsigned)t->gid, (unsigned)t->gid, (unsigned)t->gid);
	if (status_field(buf, "Gid", v, sizeof(v)) != 0 ||
	    strcmp(v, want) != 0)
		return KID_STATUS_IDS;
	return KID_OK;
}

/* Inside the chroot: "/" is the directory seen before, and it is empty. */
static int
kid_check_root(const struct stat *before)
{
	struct stat st;
	struct dirent *de;
	char cwd[16];
	DIR *d;
	int others = 0;

	if (getcwd(cwd, sizeof(cwd)) == NULL || strcmp(cwd, "/") != 0)
		return KID_CWD;
	if (stat("/", &st) != 0 || st.st_dev != before->st_dev ||
	    st.st_ino != before->st_ino || access("/proc", F_OK) == 0)
		return KID_NOT_CHROOTED;
	if ((d = opendir(".")) == NULL)
		return KID_ROOT_NOT_EMPTY;
	while ((de = readdir(d)) != NULL)
		others += strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0;
	closedir(d);
	return others == 0 ? KID_OK : KID_ROOT_NOT_EMPTY;
}

static int
kid_drop(const char *dir)
{
	struct privdrop_target t;
	struct stat before;
	char err[512];
	int fd, rc;

	if ((fd = open("/proc/self/status", O_RDONLY)) < 0 ||
	    stat(dir, &before) != 0 ||
	    privdrop_lookup(&t, err, sizeof(err)) != 0)
		return KID_SETUP;
	if (privdrop_drop(&t, dir, err, sizeof(err)) != 0) {
		kid_say(err);
		kid_say("\n");
		return KID_DROP;
	}
	if (getuid() == 0 || getuid() != t.uid || geteuid() != t.uid ||
	    getgid() != t.gid || getegid() != t.gid)
		return KID_IDS;
	if ((rc = kid_check_status(fd, &t)) != KID_OK)
		return rc;
	if (setuid(0) == 0 || errno != EPERM || seteuid(0) == 0 ||
	    setgid(0) == 0)
		return KID_SETUID_WORKED;
	return kid_check_root(&before);
}

/* As anyone: a chroot that cannot happen is reported by name. */
static int
kid_drop_fails(const char *dir)
{
	struct privdrop_target t;
	char err[512];

	if (privdrop_lookup(&t, err, sizeof(err)) != 0)
		return KID_SETUP;
	if (privdrop_drop(&t, dir, err, sizeof(err)) == 0)
		return KID_DROP_PASSED;
	if (strncmp(err, "chroot ", 7) != 0) {
		kid_say(err);
		kid_say("\n");
		return KID_MESSAGE;
	}
	return KID_OK;
}

static int
run_kid(int (*fn)(const char *), const char *dir)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(dir));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		print_message("child: %s %d\n", WIFEXITED(status) ? "exit" :
		    "signal", WIFEXITED(status) ? WEXITSTATUS(status) :
		    WTERMSIG(status));
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
test_drop_fails_by_name(void **state)
{
	struct privdrop_target t;
	char err[256];

	(void)state;
	if (privdrop_lookup(&t, err, sizeof(err)) != 0) {
		print_message("%s\n", err);
		skip();
	}
	assert_int_equal(run_kid(kid_drop_fails, in_tmp("missing")), KID_OK);
}

static void
test_drop(void **state)
{
	struct privdrop_target t;
	char err[512];

	(void)state;
	if (geteuid() != 0) {
		print_message("not root: no real drop to test\n");
		skip();
	}
	if (privdrop_lookup(&t, err, sizeof(err)) != 0) {
		print_message("%s\n", err);
		skip();
	}
	assert_int_equal(privdrop_prepare_root(in_tmp("chroot"), err,
	    sizeof(err)), 0);
	assert_int_equal(run_kid(kid_drop, in_tmp("chroot")), KID_OK);
	/* Nothing was left behind in it. */
	assert_int_equal(privdrop_prepare_root(in_tmp("chroot"), err,
	    sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prepare_creates),
		cmocka_unit_test(test_prepare_not_empty),
		cmocka_unit_test(test_prepare_writable),
		cmocka_unit_test(test_prepare_lists_all),
		cmocka_unit_test(test_prepare_symlink),
		cmocka_unit_test(test_prepare_bad_paths),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_drop_refuses_root),
		cmocka_unit_test(test_drop_fails_by_name),
		cmocka_unit_test(test_drop),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
