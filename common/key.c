#include "key.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "err.h"

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

int
key_decode(const char *text, uint8_t key[SPA_SECRET_LEN], int *decoded_len)
{
	char trimmed[512];
	uint8_t raw[sizeof(trimmed)];
	size_t start = 0, n = strlen(text);
	int len, pad = 0, rc = 0;

	while (start < n && isspace((unsigned char)text[start]))
		start++;
	while (n > start && isspace((unsigned char)text[n - 1]))
		n--;
	n -= start;
	if (n >= sizeof(trimmed))
		return SPA_ERR_KEY_LENGTH;
	memcpy(trimmed, text + start, n);
	trimmed[n] = '\0';
	if (!key_b64_valid(trimmed, n))
		return SPA_ERR_BASE64;
	len = EVP_DecodeBlock(raw, (const unsigned char *)trimmed, (int)n);
	if (len < 0)
		return SPA_ERR_BASE64;
	pad = (trimmed[n - 1] == '=') + (n > 1 && trimmed[n - 2] == '=');
	len -= pad;
	if (decoded_len != NULL)
		*decoded_len = len;
	if (len != SPA_SECRET_LEN)
		rc = SPA_ERR_KEY_LENGTH;
	else
		memcpy(key, raw, SPA_SECRET_LEN);
	crypto_wipe(raw, sizeof(raw));
	crypto_wipe(trimmed, sizeof(trimmed));
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

int
key_load_file_stat(const char *path, uint8_t key[SPA_SECRET_LEN],
    struct stat *st)
{
	char text[512];
	int fd, rc, saved;

	/* O_NONBLOCK: a FIFO or device named as key file must not hang us
	 * before fstat can refuse it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return SPA_ERR_SYSTEM;
	rc = key_read_fd(fd, text, sizeof(text), st);
	if (rc == 0)
		rc = key_decode(text, key, NULL);
	crypto_wipe(text, sizeof(text));
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
key_save_file(const char *path, const uint8_t key[SPA_SECRET_LEN],
    int overwrite)
{
	char text[SPA_KEY_B64_LEN + 2];
	int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
	int fd, rc = 0;

	flags |= overwrite ? O_TRUNC : O_EXCL;
	fd = open(path, flags, 0600);
	if (fd < 0)
		return SPA_ERR_SYSTEM;
	key_encode(key, text);
	text[SPA_KEY_B64_LEN] = '\n';
	/* An existing file may have been more open: tighten it. */
	if (fchmod(fd, 0600) != 0 ||
	    write(fd, text, SPA_KEY_B64_LEN + 1) != SPA_KEY_B64_LEN + 1)
		rc = SPA_ERR_SYSTEM;
	crypto_wipe(text, sizeof(text));
	if (close(fd) != 0 && rc == 0)
		rc = SPA_ERR_SYSTEM;
	return rc;
}
