/*
 * Reads the test-vector files (tests/vectors/NAME.txt): blocks of
 * `field = value` lines separated by blank lines, `#` comments.
 */
#ifndef SPA_TEST_VECTORS_H
#define SPA_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#define VEC_MAX_FIELDS 24

struct vec_field {
	char *key;
	char *value;
};

struct vec_block {
	struct vec_field fields[VEC_MAX_FIELDS];
	size_t nfields;
};

struct vec_file {
	struct vec_block *blocks;
	size_t nblocks;
};

/* Loads path; fails the running cmocka test on any error. */
void vec_load(const char *path, struct vec_file *out);
void vec_free(struct vec_file *f);
/* The value of key in b, or NULL. */
const char *vec_get(const struct vec_block *b, const char *key);
/* The value of key in b; fails the test when absent. */
const char *vec_need(const struct vec_block *b, const char *key);
/* Decodes the hex value of key into out, which must be exactly want bytes
 * long unless want is 0; returns the length.  Fails the test otherwise. */
size_t vec_hex(const struct vec_block *b, const char *key, uint8_t *out,
    size_t cap, size_t want);
/* The directory holding the vector files ($SPA_VECTORS or tests/vectors). */
const char *vec_dir(void);

#endif
