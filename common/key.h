/*
 * Secrets (doc/protocol.md "Keys"): exactly 32 bytes, written as standard
 * base64 with padding (44 characters).  Key files hold that one line and
 * must not be readable by group or others, as ssh requires.  A client's
 * signing key (doc/protocol.md "Signed format") is S || seed, 64 bytes,
 * 88 base64 characters: only the key_*_client and key_*_signing functions
 * take it; the others refuse it as a key of the wrong length.
 */
#ifndef SPA_KEY_H
#define SPA_KEY_H

#include <stdint.h>

#include "crypto.h"
#include "sign.h"

#define SPA_KEY_B64_LEN 44
#define SPA_SIGNING_KEY_LEN (SPA_SECRET_LEN + SIGN_SEED_LEN)
#define SPA_SIGNING_KEY_B64_LEN 88

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


/* A client's key text: 32 bytes (the secret alone: *has_seed = 0, seed
 * wiped) or 64 bytes (S || seed: *has_seed = 1).  Returns 0,
 * SPA_ERR_BASE64 or SPA_ERR_KEY_LENGTH (any other length; *has_seed 0). */
int key_decode_client(const char *text, uint8_t secret[SPA_SECRET_LEN],
    uint8_t seed[SIGN_SEED_LEN], int *has_seed);
/* A client's key file, checked as key_load_file checks it, decoded as
 * key_decode_client decodes; errors as key_load_file's. */
int key_load_client_file(const char *path, uint8_t secret[SPA_SECRET_LEN],
    uint8_t seed[SIGN_SEED_LEN], int *has_seed);
/* Writes the 88 characters of S || seed and a NUL. */
void key_encode_signing(const uint8_t secret[SPA_SECRET_LEN],
    const uint8_t seed[SIGN_SEED_LEN], char out[SPA_SIGNING_KEY_B64_LEN + 1]);
/* As key_save_file, for a signing key: one line of 88 characters. */
int key_save_signing_file(const char *path,
    const uint8_t secret[SPA_SECRET_LEN], const uint8_t seed[SIGN_SEED_LEN],
    int overwrite);

#endif
