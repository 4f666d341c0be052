#include "key.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"

/* Longer text is no key of ours (88 characters at most), and is refused
 * before it is decoded. */
#define KEY_TEXT_MAX 512

/* Base64 of 32 bytes is 43 significant characters and one '='. */
static int
key_b64_valid(const char *s, size_t n)
{
	size_t pad = 0;

	if (n == 0 || n % 4 != 0)
		return 0;
	while (pad < 2 && s[n - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < n - pad; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/')
			return 0;
	return 1;
}

/* Trims text and decodes it into raw (KEY_TEXT_MAX bytes): the decoded
 * length, or SPA_ERR_BASE64, or SPA_ERR_KEY_LENGTH for text too long to be
 * a key.  The caller wipes raw. */
static int
key_decode_raw(const char *text, uint8_t raw[KEY_TEXT_MAX])
{
	char trimmed[KEY_TEXT_MAX];
	size_t start = 0, n = strlen(text);
	int len;

	while (start < n && isspace((unsigned char)text[start]))
		start++;
	while (n > start && isspace((unsigned char)text[n - 1]))
		n--;
	n -= start;
	if (n >= sizeof(trimmed))
		return SPA_ERR_KEY_LENGTH;
	memcpy(trimmed, text + start, n);
	trimmed[n] = '\0';
	if (!key_b64_valid(trimmed, n) || (len = EVP_DecodeBlock(raw,
	    (const unsigned char *)trimmed, (int)n)) < 0)
		len = SPA_ERR_BASE64;
	else    /* EVP_DecodeBlock counts the padding as zero bytes */
		len -= (trimmed[n - 1] == '=') + (n > 1 && trimmed[n - 2] == '=');
	crypto_wipe(trimmed, sizeof(trimmed));
	return len;
}

int
key_decode(const char *text, uint8_t key[SPA_SECRET_LEN], int *decoded_len)
{
	uint8_t raw[KEY_TEXT_MAX];
	int len, rc = 0;

	len = key_decode_raw(text, raw);
	if (len < 0)
		return len;
	if (decoded_len != NULL)
		*decoded_len = len;
	if (len != SPA_SECRET_LEN)
		rc = SPA_ERR_KEY_LENGTH;
	else
		memcpy(key, raw, SPA_SECRET_LEN);
	crypto_wipe(raw, sizeof(raw));
	return rc;
}

int
key_decode_client(const char *text, uint8_t secret[SPA_SECRET_LEN],
    uint8_t seed[SIGN_SEED_LEN], int *has_seed)
{
	uint8_t raw[KEY_TEXT_MAX];
	int len, rc = 0;

	*has_seed = 0;
	len = key_decode_raw(text, raw);
	if (len < 0)
		return len;
	if (len == SPA_SECRET_LEN || len == SPA_SIGNING_KEY_LEN) {
		memcpy(secret, raw, SPA_SECRET_LEN);
		*has_seed = len == SPA_SIGNING_KEY_LEN;
		if (*has_seed)
			memcpy(seed, raw + SPA_SECRET_LEN, SIGN_SEED_LEN);
		else
			crypto_wipe(seed, SIGN_SEED_LEN);
	} else {
		rc = SPA_ERR_KEY_LENGTH;
	}
	crypto_wipe(raw, sizeof(raw));
	return rc;
}

void
key_encode(const uint8_t key[SPA_SECRET_LEN], char out[SPA_KEY_B64_LEN + 1])
{
	EVP_EncodeBlock((unsigned char *)out, key, SPA_SECRET_LEN);
}

/* Reads the key text of an open descriptor: a private regular file. */
static int
key_read_fd(int fd, char *text, size_t cap, struct stat *st)
{
	ssize_t n;

	if (fstat(fd, st) != 0)
		return SPA_ERR_SYSTEM;
	if (!S_ISREG(st->st_mode))
		return SPA_ERR_KEY_NOT_FILE;
	if ((st->st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return SPA_ERR_KEY_MODE;
	n = read(fd, text, cap - 1);
	if (n < 0)
		return SPA_ERR_SYSTEM;
	text[n] = '\0';
	return 0;
}

int
key_load_file(const char *path, uint8_t key[SPA_SECRET_LEN])
{
	struct stat st;

	return key_load_file_stat(path, key, &st);
}

/* The text of the key file at path into text (KEY_TEXT_MAX bytes, to be
 * wiped by the caller); results as key_load_file_stat's before decoding. */
static int
key_read_path(const char *path, char text[KEY_TEXT_MAX], struct stat *st)
{
	int fd, rc, saved;

	/* O_NONBLOCK: a FIFO or device named as key file must not hang us
	 * before fstat can refuse it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return SPA_ERR_SYSTEM;
	rc = key_read_fd(fd, text, KEY_TEXT_MAX, st);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
key_load_file_stat(const char *path, uint8_t key[SPA_SECRET_LEN],
    struct stat *st)
{
	char text[KEY_TEXT_MAX];
	int rc;

	rc = key_read_path(path, text, st);
	if (rc == 0)
		rc = key_decode(text, key, NULL);
	crypto_wipe(text, sizeof(text));
	return rc;
}

int
key_load_client_file(const char *path, uint8_t secret[SPA_SECRET_LEN],
    uint8_t seed[SIGN_SEED_LEN], int *has_seed)
{
	char text[KEY_TEXT_MAX];
	struct stat st;
	int rc;

	*has_seed = 0;
	rc = key_read_path(path, text, &st);
	if (rc == 0)
		rc = key_decode_client(text, secret, seed, has_seed);
	crypto_wipe(text, sizeof(text));
	return rc;
}

/* Creates path with mode 0600 holding the len characters of text and a
 * newline (text has room for it).  As key_save_file. */
static int
key_write_text(const char *path, char *text, size_t len, int overwrite)
{
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
	int fd, rc = 0, saved;

	flags |= overwrite ? O_TRUNC : O_EXCL;
	fd = open(path, flags, 0600);
	if (fd < 0)
		return SPA_ERR_SYSTEM;
	text[len] = '\n';
	/* An existing file may have been more open: tighten it. */
	if (fchmod(fd, 0600) != 0 ||
	    write(fd, text, len + 1) != (ssize_t)(len + 1))
		rc = SPA_ERR_SYSTEM;
	saved = errno;
	if (close(fd) != 0 && rc == 0)
		rc = SPA_ERR_SYSTEM;
	else
		errno = saved;
	return rc;
}

int
key_save_file(const char *path, const uint8_t key[SPA_SECRET_LEN],
    int overwrite)
{
	char text[SPA_KEY_B64_LEN + 2];
	int rc, saved;

	key_encode(key, text);
	rc = key_write_text(path, text, SPA_KEY_B64_LEN, overwrite);
	saved = errno;
	crypto_wipe(text, sizeof(text));
	errno = saved;
	return rc;
}

void
key_encode_signing(const uint8_t secret[SPA_SECRET_LEN],
    const uint8_t seed[SIGN_SEED_LEN], char out[SPA_SIGNING_KEY_B64_LEN + 1])
{
	uint8_t raw[SPA_SIGNING_KEY_LEN];

	memcpy(raw, secret, SPA_SECRET_LEN);
	memcpy(raw + SPA_SECRET_LEN, seed, SIGN_SEED_LEN);
	EVP_EncodeBlock((unsigned char *)out, raw, sizeof(raw));
	crypto_wipe(raw, sizeof(raw));
}

int
key_save_signing_file(const char *path, const uint8_t secret[SPA_SECRET_LEN],
    const uint8_t seed[SIGN_SEED_LEN], int overwrite)
{
	char text[SPA_SIGNING_KEY_B64_LEN + 2];
	int rc, saved;

	key_encode_signing(secret, seed, text);
	rc = key_write_text(path, text, SPA_SIGNING_KEY_B64_LEN, overwrite);
	saved = errno;
	crypto_wipe(text, sizeof(text));
	errno = saved;
	return rc;
}
