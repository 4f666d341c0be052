/*
 * sniffer/privdrop.c when the system refuses or lies: failing calls
 * (tests/unit/sysfail.h), a kernel that answers otherwise than it should
 * (a seccomp filter loaded by the test that makes one call fail, or
 * "succeed" without doing anything), and files seen through a private
 * mount namespace (a garbled /proc/sys/kernel/cap_last_cap, a password
 * file whose _spa is root, a chroot whose "/" others may write).
 *
 * Each drop runs in a forked child, as root, and reports by its exit
 * code: the drop must return SPA_ERR_PRIVILEGE with a message naming the
 * step, never 0 half-dropped; where the fault is one the drop survives
 * (an unreadable cap_last_cap, a kernel without the ambient set), 0 with
 * an empty bounding set.
 */
#define _GNU_SOURCE                     /* unshare(2) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "kidrun.h"
#include "privdrop.h"
#include "sysfail.h"
#include "testfile.h"
#include "tmpfschild.h"

static char tmpdir[64];

static int
setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_sysfail_privdrop.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	(void)state;
	sysfail_clear();
	return testfile_remove_tree(tmpdir);
}

/* tmpdir/name, in one of two buffers used in turn. */
static const char *
in_tmp(const char *name)
{
	static char path[2][sizeof(tmpdir) + 128];
	static int turn;

	turn ^= 1;
	snprintf(path[turn], sizeof(path[turn]), "%s/%s", tmpdir, name);
	return path[turn];
}

/* ---- In the child: what the kernel is made to answer. ---- */

/* The exit code of a child that could not set its scene up. */
#define KID_SETUP 2
#define KID_SKIP 77

/* One seccomp rule: calls nr whose arguments match cmp[0..n) get errno e
 * (0: "succeed" without doing anything); everything else runs.  The child
 * is root, so no no_new_privs is needed, though libseccomp sets it. */
static void
kid_fake(int nr, int e, unsigned n, const struct scmp_arg_cmp *cmp)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	if (ctx == NULL ||
	    seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO((uint32_t)e), nr, n,
	    cmp) != 0 || seccomp_load(ctx) != 0)
		_exit(KID_SETUP);
	seccomp_release(ctx);
}

/* prctl(option, ...) gets errno e; with arg1 when arg1 >= 0. */
static void
kid_fake_prctl(int option, long arg1, int e)
{
	const struct scmp_arg_cmp cmp[2] = {
		SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)option),
		SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)arg1),
	};

	kid_fake(SCMP_SYS(prctl), e, arg1 >= 0 ? 2 : 1, cmp);
}

/* Call nr whose argument arg (an id: 32 bits) is id gets errno e. */
static void
kid_fake_id(int nr, unsigned arg, uint32_t id, int e)
{
	const struct scmp_arg_cmp cmp = { .arg = arg,
	    .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xffffffffu, .datum_b = id };

	kid_fake(nr, e, 1, &cmp);
}

/* A private mount namespace with a small tmpfs on tmpdir/mnt (mode
 * opts), or exit 77. */
static const char *
kid_tmpfs(const char *opts)
{
	const char *mnt = in_tmp("mnt");

	if (mkdir(mnt, 0755) != 0 && errno != EEXIST)
		_exit(KID_SETUP);
	tmpfschild_mount(mnt, opts);
	return mnt;
}

/* text in a file of the tmpfs, bind-mounted over path. */
static void
kid_replace_file(const char *path, const char *text)
{
	char file[PATH_MAX];

	snprintf(file, sizeof(file), "%s/file", kid_tmpfs("size=64k"));
	testfile_write(NULL, file, text, 0644);
	if (mount(file, path, NULL, MS_BIND, NULL) != 0)
		_exit(KID_SKIP);
}

/* ---- The drop's cases. ---- */

struct drop_case {
	const char *name;
	/* In the child, as root, before the drop: sets the scene (it may
	 * exit 77: not here); NULL for none. */
	void (*scene)(const struct privdrop_target *t);
	const char *fail;       /* sysfail call to fail once, or NULL */
	unsigned skip;          /* calls of it that succeed first */
	const char *says;       /* in the message; NULL: the drop works */
};

static const char *drop_dir;    /* where the child chroots: "/" unless a
                                 * scene changes it */

static void
scene_bset_eperm(const struct privdrop_target *t)
{
	(void)t;
	kid_fake_prctl(PR_CAPBSET_DROP, -1, EPERM);
}

/* No known last capability: the drop goes on until the kernel says
 * EINVAL, but not at capability 0, and not any other errno. */
static void
scene_bset_einval_first(const struct privdrop_target *t)
{
	(void)t;
	kid_fake_prctl(PR_CAPBSET_DROP, 0, EINVAL);
}

static void
scene_bset_eperm_third(const struct privdrop_target *t)
{
	(void)t;
	kid_fake_prctl(PR_CAPBSET_DROP, 3, EPERM);
}

static void
scene_nnp_refused(const struct privdrop_target *t)
{
	(void)t;
	kid_fake_prctl(PR_SET_NO_NEW_PRIVS, -1, EPERM);
}

static void
scene_ambient_refused(const struct privdrop_target *t)
{
	(void)t;
	kid_fake_prctl(PR_CAP_AMBIENT, -1, EPERM);
}

/* A kernel before 4.3: no ambient set, the drop goes on. */
static void
scene_ambient_unknown(const struct privdrop_target *t)
{
	(void)t;
	kid_fake_prctl(PR_CAP_AMBIENT, -1, EINVAL);
}

static void
scene_bset_read_eperm(const struct privdrop_target *t)
{
	(void)t;
	kid_fake_prctl(PR_CAPBSET_READ, 5, EPERM);
}

static void
scene_bset_read_einval_first(const struct privdrop_target *t)
{
	(void)t;
	kid_fake_prctl(PR_CAPBSET_READ, 0, EINVAL);
}

/* A kernel with 64 capabilities: the whole bounding set is read, all
 * of it empty. */
static void
scene_bset_read_64(const struct privdrop_target *t)
{
	const struct scmp_arg_cmp cmp[2] = {
		SCMP_A0(SCMP_CMP_EQ, PR_CAPBSET_READ),
		SCMP_A1(SCMP_CMP_GT, CAP_LAST_CAP),
	};

	(void)t;
	kid_fake(SCMP_SYS(prctl), 0, 2, cmp);
}

/* PR_GET_NO_NEW_PRIVS answers 0: not set. */
static void
scene_nnp_not_set(const struct privdrop_target *t)
{
	(void)t;
	kid_fake_prctl(PR_GET_NO_NEW_PRIVS, -1, 0);
}

/* setresuid(uid, uid, uid) "succeeds" doing nothing, from ids (0 0 0)
 * and (uid 0 0): the real, then the effective uid is not the target's. */
static void
scene_uid_stays(const struct privdrop_target *t)
{
	kid_fake_id(SCMP_SYS(setresuid), 0, t->uid, 0);
}

static void
scene_euid_stays(const struct privdrop_target *t)
{
	if (setresuid(t->uid, 0, 0) != 0)
		_exit(KID_SETUP);
	kid_fake_id(SCMP_SYS(setresuid), 0, t->uid, 0);
}

/* From (uid uid 0), the capabilities kept through that change by
 * SECBIT_NO_SETUID_FIXUP: the saved uid is not the target's. */
static void
scene_suid_stays(const struct privdrop_target *t)
{
	if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) != 0 ||
	    setresuid(t->uid, t->uid, 0) != 0)
		_exit(KID_SETUP);
	kid_fake_id(SCMP_SYS(setresuid), 0, t->uid, 0);
}

/* The same for the gids, from (0 0 0), (gid 0 0) and (gid gid 0). */
static void
scene_gid_stays(const struct privdrop_target *t)
{
	kid_fake_id(SCMP_SYS(setresgid), 0, t->gid, 0);
}

static void
scene_egid_stays(const struct privdrop_target *t)
{
	if (setresgid(t->gid, 0, 0) != 0)
		_exit(KID_SETUP);
	kid_fake_id(SCMP_SYS(setresgid), 0, t->gid, 0);
}

static void
scene_sgid_stays(const struct privdrop_target *t)
{
	if (setresgid(t->gid, t->gid, 0) != 0)
		_exit(KID_SETUP);
	kid_fake_id(SCMP_SYS(setresgid), 0, t->gid, 0);
}

/* A supplementary group, and a setgroups(0) that does nothing. */
static void
scene_groups_stay(const struct privdrop_target *t)
{
	if (setgroups(1, &t->gid) != 0)
		_exit(KID_SETUP);
	kid_fake(SCMP_SYS(setgroups), 0, 0, NULL);
}

/* SECBIT_NO_SETUID_FIXUP: the capabilities survive the uid change, so
 * setuid(0) really works afterwards. */
static void
scene_caps_kept(const struct privdrop_target *t)
{
	(void)t;
	if (prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP, 0, 0, 0) != 0)
		_exit(KID_SETUP);
}

/* Each way back to root "works" while the others do not. */
static void
scene_setgid_works(const struct privdrop_target *t)
{
	(void)t;
	kid_fake_id(SCMP_SYS(setgid), 0, 0, 0);
}

static void
scene_seteuid_works(const struct privdrop_target *t)
{
	(void)t;
	kid_fake_id(SCMP_SYS(setresuid), 1, 0, 0);
}

static void
scene_setegid_works(const struct privdrop_target *t)
{
	const struct scmp_arg_cmp cmp[2] = {
		{ .arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xffffffffu,
		    .datum_b = 0xffffffffu },
		{ .arg = 1, .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xffffffffu,
		    .datum_b = 0 },
	};

	(void)t;
	kid_fake(SCMP_SYS(setresgid), 0, 2, cmp);
}

/* PR_SET_KEEPCAPS: the permitted set survives the uid change (the
 * effective one does not, so no way back to root works). */
static void
scene_permitted_kept(const struct privdrop_target *t)
{
	(void)t;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0)
		_exit(KID_SETUP);
}

/* The effective set survives too, and the kernel refuses every way back
 * to root: only the capability check is left to see it. */
static void
scene_effective_kept(const struct privdrop_target *t)
{
	scene_caps_kept(t);
	kid_fake_id(SCMP_SYS(setuid), 0, 0, EPERM);
	kid_fake_id(SCMP_SYS(setgid), 0, 0, EPERM);
	kid_fake_id(SCMP_SYS(setresuid), 1, 0, EPERM);
	kid_fake_id(SCMP_SYS(setresgid), 1, 0, EPERM);
}

/* /proc/sys/kernel/cap_last_cap saying what the drop cannot use: it
 * goes on to the first capability the kernel calls invalid. */
static void
scene_last_letters(const struct privdrop_target *t)
{
	(void)t;
	kid_replace_file("/proc/sys/kernel/cap_last_cap", "abc\n");
}

static void
scene_last_trailing(const struct privdrop_target *t)
{
	(void)t;
	kid_replace_file("/proc/sys/kernel/cap_last_cap", "40x\n");
}

static void
scene_last_negative(const struct privdrop_target *t)
{
	(void)t;
	kid_replace_file("/proc/sys/kernel/cap_last_cap", "-1\n");
}

static void
scene_last_too_big(const struct privdrop_target *t)
{
	(void)t;
	kid_replace_file("/proc/sys/kernel/cap_last_cap", "64\n");
}

static void
scene_last_empty(const struct privdrop_target *t)
{
	(void)t;
	kid_replace_file("/proc/sys/kernel/cap_last_cap", "");
}

/* Without a newline, the number alone is fine. */
static void
scene_last_bare(const struct privdrop_target *t)
{
	char last[16];
	int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY);
	ssize_t n;

	(void)t;
	if (fd < 0 || (n = read(fd, last, sizeof(last) - 1)) <= 0)
		_exit(KID_SETUP);
	close(fd);
	last[n] = '\0';
	last[strcspn(last, "\n")] = '\0';
	kid_replace_file("/proc/sys/kernel/cap_last_cap", last);
}

/* A chroot whose "/" is a tmpfs of the given mode and owner; the working
 * tree is bound into it at its own path, so that a coverage build's
 * counts can still be written from inside. */
static void
kid_bad_root(const char *opts)
{
	char cwd[PATH_MAX], in[PATH_MAX * 2];

	drop_dir = kid_tmpfs(opts);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		_exit(KID_SETUP);
	snprintf(in, sizeof(in), "%s%s", drop_dir, cwd);
	for (char *p = in + strlen(drop_dir) + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(in, 0755);
		*p = '/';
	}
	if ((mkdir(in, 0755) != 0 && errno != EEXIST) ||
	    mount(cwd, in, NULL, MS_BIND | MS_REC, NULL) != 0)
		_exit(KID_SKIP);
}

static void
scene_root_writable(const struct privdrop_target *t)
{
	(void)t;
	kid_bad_root("size=64k,mode=0777");
}

static void
scene_root_not_roots(const struct privdrop_target *t)
{
	(void)t;
	kid_bad_root("size=64k,mode=0755,uid=65534");
}

static const struct drop_case drop_cases[] = {
	/* System calls of the drop failing. */
	{ "chroot", NULL, "chroot", 0, "chroot /: " },
	{ "chdir", NULL, "chdir", 0, "chdir / in chroot /: " },
	{ "setgroups", NULL, "setgroups", 0, "setgroups(0): " },
	{ "setresgid", NULL, "setresgid", 0, "setresgid(" },
	{ "setresuid", NULL, "setresuid", 0, "setresuid(" },
	{ "getresuid", NULL, "getresuid", 0, "getresuid/getresgid: " },
	{ "getresgid", NULL, "getresgid", 0, "getresuid/getresgid: " },
	{ "getgroups", NULL, "getgroups", 0,
	    "supplementary groups left after the drop" },
	{ "stat /", NULL, "stat", 0, "stat / in the chroot: " },
	{ "capget", NULL, "syscall:capget", 0, "capget: " },
	/* The kernel refusing a prctl. */
	{ "bounding set", scene_bset_eperm, NULL, 0,
	    "PR_CAPBSET_DROP 0: Operation not permitted" },
	{ "bounding set, last unknown, EINVAL at 0", scene_bset_einval_first,
	    "open", 0, "PR_CAPBSET_DROP 0: Invalid argument" },
	{ "bounding set, last unknown, EPERM at 3", scene_bset_eperm_third,
	    "open", 0, "PR_CAPBSET_DROP 3: Operation not permitted" },
	{ "no_new_privs", scene_nnp_refused, NULL, 0,
	    "PR_SET_NO_NEW_PRIVS: Operation not permitted" },
	{ "ambient set", scene_ambient_refused, NULL, 0,
	    "PR_CAP_AMBIENT_CLEAR_ALL: Operation not permitted" },
	{ "no ambient set", scene_ambient_unknown, NULL, 0, NULL },
	{ "bounding set read", scene_bset_read_eperm, NULL, 0,
	    "capability 5 still in the bounding set after the drop" },
	{ "bounding set read, EINVAL at 0", scene_bset_read_einval_first,
	    NULL, 0, "capability 0 still in the bounding set" },
	{ "bounding set of 64", scene_bset_read_64, NULL, 0, NULL },
	/* The proofs catching a drop that did not happen. */
	{ "no_new_privs not set", scene_nnp_not_set, NULL, 0,
	    "no_new_privs is not set after the drop" },
	{ "uid unchanged", scene_uid_stays, NULL, 0,
	    "after the drop: uids 0 0 0, gids " },
	{ "euid unchanged", scene_euid_stays, NULL, 0, " 0 0, gids " },
	{ "gid unchanged", scene_gid_stays, NULL, 0, ", gids 0 0 0, not " },
	{ "suid unchanged", scene_suid_stays, NULL, 0, " 0, gids " },
	{ "egid unchanged", scene_egid_stays, NULL, 0, " 0 0, not " },
	{ "sgid unchanged", scene_sgid_stays, NULL, 0, " 0, not " },
	{ "groups kept", scene_groups_stay, NULL, 0,
	    "supplementary groups left after the drop" },
	{ "capabilities kept: setuid(0) works", scene_caps_kept, NULL, 0,
	    "root ids could be regained after the drop" },
	{ "setgid(0) works", scene_setgid_works, NULL, 0,
	    "root ids could be regained after the drop" },
	{ "seteuid(0) works", scene_seteuid_works, NULL, 0,
	    "root ids could be regained after the drop" },
	{ "setegid(0) works", scene_setegid_works, NULL, 0,
	    "root ids could be regained after the drop" },
	{ "permitted set kept", scene_permitted_kept, NULL, 0,
	    "capabilities left after the drop: effective 00000000, "
	    "permitted " },
	{ "effective set kept", scene_effective_kept, NULL, 0,
	    "capabilities left after the drop: effective " },
	/* What the drop survives: cap_last_cap unreadable or garbled. */
	{ "cap_last_cap: open fails", NULL, "open", 0, NULL },
	{ "cap_last_cap: read fails", NULL, "read", 0, NULL },
	{ "cap_last_cap: letters", scene_last_letters, NULL, 0, NULL },
	{ "cap_last_cap: trailing", scene_last_trailing, NULL, 0, NULL },
	{ "cap_last_cap: negative", scene_last_negative, NULL, 0, NULL },
	{ "cap_last_cap: too big", scene_last_too_big, NULL, 0, NULL },
	{ "cap_last_cap: empty", scene_last_empty, NULL, 0, NULL },
	{ "cap_last_cap: no newline", scene_last_bare, NULL, 0, NULL },
	/* A "/" that is not what privdrop_prepare_root checked. */
	{ "root writable", scene_root_writable, NULL, 0,
	    "the chroot's / is not a root-owned directory closed to others "
	    "(uid 0, mode 0777)" },
	{ "root not root's", scene_root_not_roots, NULL, 0,
	    "the chroot's / is not a root-owned directory closed to others "
	    "(uid 65534, mode 0755)" },
};

/* "syscall:capget" is "syscall:NR" for sysfail. */
static const char *
sysfail_name(const char *call, char *buf, size_t len)
{
	if (strcmp(call, "syscall:capget") != 0)
		return call;
	snprintf(buf, len, "syscall:%d", (int)SYS_capget);
	return buf;
}

/* The case in the child: 0 when the drop did what it should. */
static int
drop_kid(const struct drop_case *c)
{
	struct privdrop_target t;
	char err[512] = "", name[32];
	const char *fail = NULL;
	int rc;

	if (privdrop_lookup(&t, err, sizeof(err)) != 0)
		return KID_SETUP;
	drop_dir = "/";
	if (c->scene != NULL)
		c->scene(&t);
	if (c->fail != NULL) {
		fail = sysfail_name(c->fail, name, sizeof(name));
		sysfail_arm(fail, c->skip, strcmp(fail, "open") == 0 ? ENOENT :
		    strcmp(fail, "read") == 0 ? EIO : EPERM);
	}
	rc = privdrop_drop(&t, drop_dir, err, sizeof(err));
	if (fail != NULL && sysfail_failed(fail) != 1) {
		fprintf(stderr, "%s: %s failed %u times\n", c->name, fail,
		    sysfail_failed(fail));
		return 5;
	}
	if (c->says == NULL) {
		/* It worked: the bounding set is empty to its end. */
		if (rc != 0 || prctl(PR_CAPBSET_READ, 0, 0, 0, 0) != 0 ||
		    prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0) {
			fprintf(stderr, "%s: rc %d: %s\n", c->name, rc, err);
			return 3;
		}
		return 0;
	}
	if (rc != SPA_ERR_PRIVILEGE || strstr(err, c->says) == NULL) {
		fprintf(stderr, "%s: rc %d, message \"%s\", not \"%s\"\n",
		    c->name, rc, err, c->says);
		return 4;
	}
	return 0;
}

static int
drop_kid_of(const void *c)
{
	return drop_kid(c);
}

static void
need_root_and_user(void)
{
	struct privdrop_target t;
	char err[512];

	if (geteuid() != 0) {
		print_message("not root: no real drop to fail\n");
		skip();
	}
	if (privdrop_lookup(&t, err, sizeof(err)) != 0) {
		print_message("%s\n", err);
		skip();
	}
}

static void
test_drop_cases(void **state)
{
	unsigned bad = 0, skipped = 0;

	(void)state;
	need_root_and_user();
	for (size_t i = 0; i < sizeof(drop_cases) / sizeof(drop_cases[0]);
	    i++) {
		int code = kidrun(drop_kid_of, &drop_cases[i]);

		if (code == KID_SKIP) {
			print_message("%s: skipped (no mount namespace)\n",
			    drop_cases[i].name);
			skipped++;
		} else if (code != 0) {
			print_message("%s: child exited %d\n",
			    drop_cases[i].name, code);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_int_equal(geteuid(), 0);
	if (skipped == sizeof(drop_cases) / sizeof(drop_cases[0]))
		skip();
}

/* ---- The lookup. ---- */

/* No user found, the lookup failing (NSS error): its errno is in the
 * message; no user without an error: none. */
static void
test_lookup_fails(void **state)
{
	struct privdrop_target t;
	char err[512];

	(void)state;
	sysfail_arm_all("getpwnam", EIO);
	assert_int_equal(privdrop_lookup(&t, err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
	assert_int_equal(sysfail_failed("getpwnam"), 2);
	assert_string_equal(err, "no user " PRIVDROP_USER " nor "
	    PRIVDROP_FALLBACK_USER ": Input/output error: create one "
	    "(useradd --system --no-create-home --shell /usr/sbin/nologin "
	    PRIVDROP_USER ")");
	sysfail_arm_all("getpwnam", 0);
	assert_int_equal(privdrop_lookup(&t, err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
	assert_non_null(strstr(err, "nor " PRIVDROP_FALLBACK_USER
	    ": create one"));
	sysfail_clear();
}

/* A password file of the test's, in a mount namespace. */
struct lookup_case {
	const char *passwd;
	const char *says;       /* NULL: found, user */
	const char *user;
};

static const struct lookup_case lookup_cases[] = {
	{ "_spa:x:0:4242::/:/usr/sbin/nologin\n",
	    "user _spa has uid 0 and gid 4242: the capture child must run as "
	    "neither root nor group 0", NULL },
	{ "_spa:x:4242:0::/:/usr/sbin/nologin\n",
	    "user _spa has uid 4242 and gid 0", NULL },
	/* A root _spa is not worked around with nobody. */
	{ "_spa:x:4242:0::/:/usr/sbin/nologin\n"
	    "nobody:x:65534:65534::/:/usr/sbin/nologin\n",
	    "user _spa has uid 4242 and gid 0", NULL },
	{ "_spa:x:4242:4343::/:/usr/sbin/nologin\n", NULL, "_spa" },
};

static int
lookup_kid(const void *arg)
{
	const struct lookup_case *c = arg;
	struct privdrop_target t;
	char err[512] = "";
	int rc;

	kid_replace_file("/etc/passwd", c->passwd);
	rc = privdrop_lookup(&t, err, sizeof(err));
	if (c->says == NULL) {
		if (rc != 0 || strcmp(t.user, c->user) != 0 ||
		    t.uid != 4242 || t.gid != 4343) {
			fprintf(stderr, "rc %d, user %s: %s\n", rc, t.user,
			    err);
			return 3;
		}
		return 0;
	}
	if (rc != SPA_ERR_PRIVILEGE || strstr(err, c->says) == NULL) {
		fprintf(stderr, "rc %d: \"%s\", not \"%s\"\n", rc, err,
		    c->says);
		return 4;
	}
	return 0;
}

static void
test_lookup_root_user(void **state)
{
	(void)state;
	tmpfschild_need_root();
	for (size_t i = 0; i < sizeof(lookup_cases) / sizeof(lookup_cases[0]);
	    i++) {
		int code = kidrun(lookup_kid, &lookup_cases[i]);

		if (code == KID_SKIP) {
			print_message("no mount namespace here\n");
			skip();
		}
		if (code != 0)
			fail_msg("password file %zu: child exited %d", i, code);
	}
}

/* ---- The chroot directory. ---- */

struct prepare_case {
	const char *fail;       /* the call failing once */
	unsigned skip;
	int err;
	const char *dir;        /* under tmpdir */
	int exists;             /* made before, empty, 0755 */
	const char *says;       /* in the message, "@": the directory */
};

static const struct prepare_case prepare_cases[] = {
	/* Making it: the parent tmpdir's mkdir (EEXIST) fails otherwise. */
	{ "mkdir", 0, EACCES, "p1/empty", 0, "mkdir /tmp: Permission denied" },
	{ "open", 0, EACCES, "p2", 0, "open @: Permission denied" },
	{ "fchmod", 0, EPERM, "p3", 0, "chmod @: Operation not permitted" },
	/* Checking it. */
	{ "lstat", 0, EIO, "c1", 1,
	    "chroot directory @: Input/output error" },
	{ "open", 0, EMFILE, "c2", 1, "open @: Too many open files" },
	{ "fstat", 0, EIO, "c3", 1,
	    "chroot directory @ changed while it was checked" },
	{ "fdopendir", 0, ENOMEM, "c4", 1,
	    "opendir @: Cannot allocate memory" },
	{ "readdir", 0, EIO, "c5", 1, "readdir @: Input/output error" },
};

static void
test_prepare_fails(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(prepare_cases) /
	    sizeof(prepare_cases[0]); i++) {
		const struct prepare_case *c = &prepare_cases[i];
		char err[512], dir[256], want[512];

		snprintf(dir, sizeof(dir), "%s", in_tmp(c->dir));
		if (c->exists)
			assert_int_equal(mkdir(dir, 0755), 0);
		sysfail_arm(c->fail, c->skip, c->err);
		assert_int_equal(privdrop_prepare_root(dir, err, sizeof(err)),
		    SPA_ERR_PRIVILEGE);
		assert_int_equal(sysfail_failed(c->fail), 1);
		sysfail_clear();
		/* "@" in says stands for the directory. */
		snprintf(want, sizeof(want), "%.*s%s%s",
		    (int)strcspn(c->says, "@"), c->says,
		    strchr(c->says, '@') != NULL ? dir : "",
		    strchr(c->says, '@') != NULL ? strchr(c->says, '@') + 1 :
		    "");
		if (strstr(err, want) == NULL)
			fail_msg("%s: \"%s\", not \"%s\"", c->fail, err, want);
	}
}

/* Not root's: named with the owner, as root (chown). */
static void
test_prepare_not_roots(void **state)
{
	char err[512], want[512];
	const char *dir = in_tmp("theirs");

	(void)state;
	if (geteuid() != 0) {
		print_message("not root: cannot give a directory away\n");
		skip();
	}
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(chown(dir, 65534, 65534), 0);
	assert_int_equal(privdrop_prepare_root(dir, err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
	snprintf(want, sizeof(want), "chroot directory %s: owned by uid "
	    "65534, not root (chown root %s)", dir, dir);
	assert_string_equal(err, want);
}

/* No room for the message, or none at all: the same answer. */
static void
test_prepare_no_room(void **state)
{
	char err[24], path[PATH_MAX + 16];
	const char *dir = in_tmp("small");
	int fd;

	(void)state;
	assert_int_equal(mkdir(dir, 0757), 0);
	assert_int_equal(chmod(dir, 0757), 0);
	assert_true((fd = open(in_tmp("small/x"), O_CREAT | O_WRONLY,
	    0600)) >= 0);
	close(fd);
	dir = in_tmp("small");
	assert_int_equal(privdrop_prepare_root(dir, NULL, 0),
	    SPA_ERR_PRIVILEGE);
	assert_int_equal(privdrop_prepare_root(dir, err, 0),
	    SPA_ERR_PRIVILEGE);
	/* Two problems in 24 bytes: the first, cut. */
	memset(err, 'x', sizeof(err));
	assert_int_equal(privdrop_prepare_root(dir, err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, "chroot directory ", 17);
	assert_int_equal(privdrop_prepare_root(NULL, err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
	assert_string_equal(err, "chroot directory (none)");
	assert_int_equal(privdrop_prepare_root(NULL, NULL, 0),
	    SPA_ERR_PRIVILEGE);
	/* A path longer than PATH_MAX: refused before anything is made. */
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(privdrop_prepare_root(path, err, sizeof(err)),
	    SPA_ERR_PRIVILEGE);
	{
		char big[256];

		assert_int_equal(privdrop_prepare_root(path, big, sizeof(big)),
		    SPA_ERR_PRIVILEGE);
		assert_non_null(strstr(big, "...: path too long"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_cases),
		cmocka_unit_test(test_lookup_fails),
		cmocka_unit_test(test_lookup_root_user),
		cmocka_unit_test(test_prepare_fails),
		cmocka_unit_test(test_prepare_not_roots),
		cmocka_unit_test(test_prepare_no_room),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
