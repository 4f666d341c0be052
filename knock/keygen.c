#include "keygen.h"

#include <errno.h>

#include "crypto.h"
#include "err.h"
#include "key.h"

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
