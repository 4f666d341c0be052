#include "keygen.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto.h"
#include "err.h"
#include "key.h"
#include "sign.h"

int
keygen_write(const char *path, int overwrite)
{
	uint8_t key[SPA_SECRET_LEN];
	int rc, saved;

	if ((rc = crypto_random(key, sizeof(key))) != 0)
		return rc;
	rc = key_save_file(path, key, overwrite);
	saved = errno;
	crypto_wipe(key, sizeof(key));
	errno = saved;
	return rc;
}

int
keygen_make_parents(const char *path, char *failed)
{
	char dir[PATH_MAX];
	struct stat st;
	size_t n = strlen(path), i;

	failed[0] = '\0';
	if (n >= sizeof(dir))
		return SPA_ERR_NOSPACE;
	memcpy(dir, path, n + 1);
	/* Each prefix ending before a '/', the file's own name excluded. */
	for (i = 1; i < n; i++) {
		if (dir[i] != '/' || dir[i - 1] == '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0700) != 0 && (errno != EEXIST ||
		    stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
			if (errno == EEXIST)
				errno = ENOTDIR;
			memcpy(failed, dir, i + 1);
			return SPA_ERR_SYSTEM;
		}
		dir[i] = '/';
	}
	return 0;
}

int
keygen_print(FILE *out)
{
	uint8_t key[SPA_SECRET_LEN];
	char text[SPA_KEY_B64_LEN + 1];
	int rc;

	if ((rc = crypto_random(key, sizeof(key))) != 0)
		return rc;
	key_encode(key, text);
	if (fprintf(out, "%s\n", text) < 0 || fflush(out) != 0)
		rc = SPA_ERR_SYSTEM;
	crypto_wipe(key, sizeof(key));
	crypto_wipe(text, sizeof(text));
	return rc;
}

int
keygen_print_public(const uint8_t secret[SPA_SECRET_LEN],
    const uint8_t seed[SIGN_SEED_LEN], FILE *out)
{
	uint8_t pub[SIGN_PUBLIC_LEN];
	char key_text[SPA_KEY_B64_LEN + 1], pub_text[SPA_KEY_B64_LEN + 1];
	int rc;

	if ((rc = sign_public_of(seed, pub)) != 0)
		return rc;
	key_encode(secret, key_text);
	key_encode(pub, pub_text);
	if (fprintf(out, "key = %s\npublic = %s\n", key_text, pub_text) < 0 ||
	    fflush(out) != 0)
		rc = SPA_ERR_SYSTEM;
	crypto_wipe(key_text, sizeof(key_text));
	return rc;
}

/* A new S and seed from the CSPRNG. */
static int
keygen_signing(uint8_t secret[SPA_SECRET_LEN], uint8_t seed[SIGN_SEED_LEN])
{
	if (crypto_random(secret, SPA_SECRET_LEN) != 0 ||
	    crypto_random(seed, SIGN_SEED_LEN) != 0)
		return SPA_ERR_CRYPTO;
	return 0;
}

int
keygen_sign_write(const char *path, int overwrite, FILE *out)
{
	uint8_t secret[SPA_SECRET_LEN], seed[SIGN_SEED_LEN];
	int rc, saved;

	rc = keygen_signing(secret, seed);
	if (rc == 0)
		rc = key_save_signing_file(path, secret, seed, overwrite);
	if (rc == 0)
		rc = keygen_print_public(secret, seed, out);
	saved = errno;
	crypto_wipe(secret, sizeof(secret));
	crypto_wipe(seed, sizeof(seed));
	errno = saved;
	return rc;
}

int
keygen_sign_print(FILE *out)
{
	uint8_t secret[SPA_SECRET_LEN], seed[SIGN_SEED_LEN];
	char text[SPA_SIGNING_KEY_B64_LEN + 1];
	int rc;

	if ((rc = keygen_signing(secret, seed)) == 0) {
		key_encode_signing(secret, seed, text);
		if (fprintf(out, "%s\n", text) < 0)
			rc = SPA_ERR_SYSTEM;
		else
			rc = keygen_print_public(secret, seed, out);
	}
	crypto_wipe(secret, sizeof(secret));
	crypto_wipe(seed, sizeof(seed));
	crypto_wipe(text, sizeof(text));
	return rc;
}
