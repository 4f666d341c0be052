/*
 * `knock --keygen`: a new secret of 32 random bytes (doc/protocol.md "Keys"),
 * as one base64 line, in a file created with mode 0600 or on stdout.
 */
#ifndef KNOCK_KEYGEN_H
#define KNOCK_KEYGEN_H

#include <stdio.h>

/* Creates path (mode 0600) holding a new key; an existing file is replaced
 * only when overwrite.  Returns 0, SPA_ERR_CRYPTO, or SPA_ERR_SYSTEM with
 * errno set (EEXIST when the file exists). */
int keygen_write(const char *path, int overwrite);
/* Prints a new key and a newline to out.  Returns 0 or a SPA_ERR code. */
int keygen_print(FILE *out);

#endif
