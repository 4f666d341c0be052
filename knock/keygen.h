/*
 * `knock --keygen`: a new secret of 32 random bytes (doc/protocol.md "Keys"),
 * as one base64 line, in a file created with mode 0600 or on stdout.
 * `knock --keygen --sign` adds an Ed25519 seed (doc/protocol.md "Signed
 * format"): the client's key is S || seed, 88 base64 characters, and the
 * server's [user] section gets S and the public key, never the seed.
 */
#ifndef KNOCK_KEYGEN_H
#define KNOCK_KEYGEN_H

#include <stdint.h>
#include <stdio.h>

#include "crypto.h"
#include "sign.h"

/* Creates path (mode 0600) holding a new key; an existing file is replaced
 * only when overwrite.  Returns 0, SPA_ERR_CRYPTO, or SPA_ERR_SYSTEM with
 * errno set (EEXIST when the file exists). */
int keygen_write(const char *path, int overwrite);
/* Creates the missing directories above path, mode 0700 (as mkdir -p,
 * never touching one that exists).  Returns 0, SPA_ERR_NOSPACE for a path
 * longer than PATH_MAX, or SPA_ERR_SYSTEM with errno set and the directory
 * that could not be made in failed (PATH_MAX bytes). */
int keygen_make_parents(const char *path, char *failed);
/* Prints a new key and a newline to out.  Returns 0 or a SPA_ERR code. */
int keygen_print(FILE *out);

/* Prints the two lines of the server's [user] section for a signing key:
 * "key = BASE64(S)" and "public = BASE64(A)", A the seed's public key.
 * Returns 0, SPA_ERR_CRYPTO, or SPA_ERR_SYSTEM when out cannot be written. */
int keygen_print_public(const uint8_t secret[SPA_SECRET_LEN],
    const uint8_t seed[SIGN_SEED_LEN], FILE *out);
/* Creates path (mode 0600) holding a new signing key (S || seed), as
 * keygen_write does, then prints its two server lines to out.  Returns as
 * keygen_write, or as keygen_print_public once the file is written (then
 * ferror(out) tells the two SPA_ERR_SYSTEM apart). */
int keygen_sign_write(const char *path, int overwrite, FILE *out);
/* Prints a new signing key's 88 characters on a line, then its two server
 * lines.  Returns 0 or a SPA_ERR code. */
int keygen_sign_print(FILE *out);

#endif
