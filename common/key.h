/*
 * Secrets (doc/protocol.md "Keys"): exactly 32 bytes, written as standard
 * base64 with padding (44 characters).  Key files hold that one line and
 * must not be readable by group or others, as ssh requires.
 */
#ifndef SPA_KEY_H
#define SPA_KEY_H

#include <stdint.h>

#include "crypto.h"

#define SPA_KEY_B64_LEN 44

/* Decodes base64 text (surrounding whitespace ignored).  Returns 0,
 * SPA_ERR_BASE64, or SPA_ERR_KEY_LENGTH (then *decoded_len, if not NULL,
 * says how many bytes it held). */
int key_decode(const char *text, uint8_t key[SPA_SECRET_LEN],
    int *decoded_len);
/* Writes the 44 characters and a NUL. */
void key_encode(const uint8_t key[SPA_SECRET_LEN], char out[SPA_KEY_B64_LEN + 1]);
struct stat;

/* Reads a key file: SPA_ERR_SYSTEM (errno set) when it cannot be opened
 * or read, SPA_ERR_KEY_NOT_FILE when it is not a regular file (a FIFO or
 * a device is refused at once, never waited on or read),
 * SPA_ERR_KEY_MODE when group or others may read, write or execute it,
 * else as key_decode.  The mode is checked on the open descriptor. */
int key_load_file(const char *path, uint8_t key[SPA_SECRET_LEN]);
/* The same, and *st is what fstat said of the file read (its owner, its
 * mode), valid whenever the result is not SPA_ERR_SYSTEM. */
int key_load_file_stat(const char *path, uint8_t key[SPA_SECRET_LEN],
    struct stat *st);
/* Creates path with mode 0600 holding the key; refuses to replace an
 * existing file unless overwrite (SPA_ERR_SYSTEM, errno EEXIST). */
int key_save_file(const char *path, const uint8_t key[SPA_SECRET_LEN],
    int overwrite);

#endif
