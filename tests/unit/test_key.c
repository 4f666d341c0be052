/* Keys: exactly 32 bytes of standard base64; key files private. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testfile.h"
#include "err.h"
#include "key.h"

#define GOOD "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0="

static void
test_key_decode_good(void **state)
{
	uint8_t key[32];
	char back[SPA_KEY_B64_LEN + 1];
	int len = 0;
	(void)state;

	assert_int_equal(key_decode(GOOD, key, &len), 0);
	assert_int_equal(len, 32);
	assert_int_equal(key[0], 0x3e);
	assert_int_equal(key[31], 0x5d);
	key_encode(key, back);
	assert_string_equal(back, GOOD);
	assert_int_equal(key_decode("  " GOOD "\n", key, NULL), 0);
}

static void
test_key_decode_bad(void **state)
{
	static const struct { const char *text; int rc; int len; } bad[] = {
		{ "AAAAAAAAAAAAAAAAAAAAAA==", SPA_ERR_KEY_LENGTH, 16 },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", SPA_ERR_KEY_LENGTH, 34 },
		{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", SPA_ERR_KEY_LENGTH, 33 },
		{ "", SPA_ERR_BASE64, -1 },
		{ "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV0", SPA_ERR_BASE64, -1 },
		{ "PqWEZ75TM7+WCsf/2VOMNCtRUkVSdO16abhFlF5WIV!=", SPA_ERR_BASE64, -1 },
		{ "PqWEZ75TM7-WCsf_2VOMNCtRUkVSdO16abhFlF5WIV0=", SPA_ERR_BASE64, -1 },
		{ "PqWEZ75TM7+WCsf/ 2VOMNCtRUkVSdO16abhFlF5WIV0=", SPA_ERR_BASE64, -1 },
	};
	uint8_t key[32];
	(void)state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int len = -1;

		assert_int_equal(key_decode(bad[i].text, key, &len), bad[i].rc);
		if (bad[i].rc == SPA_ERR_KEY_LENGTH)
			assert_int_equal(len, bad[i].len);
	}
	assert_non_null(strstr(err_str(SPA_ERR_KEY_LENGTH), "32 bytes"));
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	testfile_write(NULL, path, text, mode);
}

static void
test_key_files(void **state)
{
	char dir[] = "/tmp/spa-key-XXXXXX", path[64];
	uint8_t key[32], again[32];
	struct stat st;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k", dir);
	assert_int_equal(key_load_file(path, key), SPA_ERR_SYSTEM);
	assert_int_equal(errno, ENOENT);
	write_file(path, GOOD "\n", 0600);
	assert_int_equal(key_load_file(path, key), 0);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(key_load_file(path, key), SPA_ERR_KEY_MODE);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(key_load_file(path, key), SPA_ERR_KEY_MODE);
	write_file(path, "AAAA\n", 0400);
	assert_int_equal(key_load_file(path, key), SPA_ERR_KEY_LENGTH);
	/* Saving refuses to replace a file unless told to, and is private. */
	assert_int_equal(key_save_file(path, key, 0), SPA_ERR_SYSTEM);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(key_decode(GOOD, key, NULL), 0);
	assert_int_equal(key_save_file(path, key, 1), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(key_load_file(path, again), 0);
	assert_memory_equal(key, again, 32);
	unlink(path);
	/* A FIFO must be refused at once, not block the reader. */
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(key_load_file(path, key), SPA_ERR_KEY_NOT_FILE);
	unlink(path);
	assert_int_equal(key_load_file(dir, key), SPA_ERR_KEY_NOT_FILE);
	rmdir(dir);
}

/* key_load_file_stat: what fstat said of the file read, also when it is
 * refused; a device is refused without being read. */
static void
test_key_file_stat(void **state)
{
	char dir[] = "/tmp/spa-key-XXXXXX", path[64];
	static const mode_t open_modes[] = { 0602, 0620, 0610, 0601, 0700 };
	uint8_t key[32];
	struct stat st;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/k", dir);
	write_file(path, GOOD "\n", 0600);
	memset(&st, 0, sizeof(st));
	assert_int_equal(key_load_file_stat(path, key, &st), 0);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_mode & 07777, 0600);
	for (size_t i = 0; i < sizeof(open_modes) / sizeof(open_modes[0]); i++) {
		assert_int_equal(chmod(path, open_modes[i]), 0);
		assert_int_equal(key_load_file_stat(path, key, &st),
		    open_modes[i] == 0700 ? 0 : SPA_ERR_KEY_MODE);
		assert_int_equal(st.st_mode & 07777, open_modes[i]);
	}
	unlink(path);
	rmdir(dir);
	alarm(10);
	assert_int_equal(key_load_file_stat("/dev/zero", key, &st),
	    SPA_ERR_KEY_NOT_FILE);
	assert_true(S_ISCHR(st.st_mode));
	alarm(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_decode_good),
		cmocka_unit_test(test_key_decode_bad),
		cmocka_unit_test(test_key_files),
		cmocka_unit_test(test_key_file_stat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
