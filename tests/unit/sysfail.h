/*
 * Failing system calls for the unit tests test_sysfail_*.c only: they are
 * linked with ld's --wrap for every call that tests/unit/sysfail*.c
 * wraps (GNUmakefile finds them), so that each such call made by the
 * project's own code goes through here first and can be made to fail
 * with a chosen errno.  Calls made inside shared libraries (libc itself,
 * libpcap, libseccomp) are not seen.  No production code knows about it.
 *
 *	sysfail_arm("chroot", 0, EPERM);        (the next chroot fails)
 *	assert_int_equal(privdrop_drop(...), SPA_ERR_PRIVILEGE);
 *	assert_int_equal(sysfail_failed("chroot"), 1);
 *	sysfail_clear();
 *
 * A call made through syscall(2) is named "syscall:NR" ("syscall:125").
 * What is armed is inherited by a forked child, which counts on its own.
 */
#ifndef SPA_TEST_SYSFAIL_H
#define SPA_TEST_SYSFAIL_H

/* The call named `call` made after `skip` more that succeed fails once,
 * setting errno to err.  Several calls may be armed at once; arming one
 * again replaces it. */
void sysfail_arm(const char *call, unsigned skip, int err);
/* Every call named `call` fails with err until sysfail_clear(). */
void sysfail_arm_all(const char *call, int err);
/* How many calls named `call` were failed since it was armed. */
unsigned sysfail_failed(const char *call);
/* Disarms everything. */
void sysfail_clear(void);
/* A cmocka teardown: disarms everything (a test that failed may have left
 * a call armed), then removes testfile_dir (tests/unit/testfile.h). */
int sysfail_dir_teardown(void **state);

/* For the wrappers: 1 when this call of `call` is to fail (errno is then
 * set), else 0. */
int sysfail_hit(const char *call);

/* A wrapper of a call that returns -1 (or NULL: _PTR) on failure:
 * SYSFAIL_WRAP(int, chroot, (const char *p), (p)) */
#define SYSFAIL_WRAP(type, name, params, args)                          \
	type __real_##name params;                                      \
	type __wrap_##name params;                                      \
	type __wrap_##name params                                       \
	{                                                               \
		return sysfail_hit(#name) ? (type)-1 : __real_##name args; \
	}
#define SYSFAIL_WRAP_PTR(type, name, params, args)                      \
	type __real_##name params;                                      \
	type __wrap_##name params;                                      \
	type __wrap_##name params                                       \
	{                                                               \
		return sysfail_hit(#name) ? NULL : __real_##name args;  \
	}

#endif
