/*
 * libFuzzer harness for knock's profile reader (knock/profile.c): the
 * input is a knock.conf, read for the section [srv] from a private file
 * (mode 0600, rewritten for each input).  A refusal must say which file;
 * an accepted profile must hold fields in range for the bits it sets and
 * nothing for the bits it does not.  A crash, a sanitizer report or a
 * broken promise is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "profile.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];
static int fd = -1;

static void
remove_file(void)
{
	unlink(path);
}

static void
check(const struct profile *p)
{
	static const uint8_t zero[SPA_SECRET_LEN];

	/* No bit beyond the last field profile.h names. */
	if (p->have & ~((unsigned)PROFILE_STUN * 2 - 1))
		abort();
	if ((p->have & PROFILE_ADDRESS) && p->address[0] == '\0')
		abort();
	if (!(p->have & PROFILE_ADDRESS) && p->address[0] != '\0')
		abort();
	if ((p->have & PROFILE_PORT) && p->port == 0)
		abort();
	if ((p->have & PROFILE_REQUEST) &&
	    !request_valid(p->request, strlen(p->request)))
		abort();
	if (!(p->have & PROFILE_KEY) &&
	    (memcmp(p->key, zero, sizeof(zero)) != 0 || p->has_seed))
		abort();
	if ((p->have & PROFILE_KEYFILE) && p->keyfile[0] == '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[PROFILE_ERR_MAX];
	struct profile p;
	int rc;

	if (fd < 0) {
		snprintf(path, sizeof(path), "/tmp/fuzz_profile.XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			abort();
		atexit(remove_file);
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	rc = profile_load(path, "srv", &p, err);
	if (rc == 0) {
		check(&p);
		profile_wipe(&p);
	} else if (strncmp(err, path, strlen(path)) != 0 ||
	    (rc != SPA_ERR_CONFIG && rc != SPA_ERR_NOT_FOUND &&
	    rc != SPA_ERR_SYSTEM && rc != SPA_ERR_KEY_MODE)) {
		abort();
	}
	return 0;
}
