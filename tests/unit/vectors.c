#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "vectors.h"

const char *
vec_dir(void)
{
	const char *d = getenv("SPA_VECTORS");

	return d != NULL ? d : "tests/vectors";
}

static char *
vec_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static struct vec_block *
vec_new_block(struct vec_file *f)
{
	f->blocks = realloc(f->blocks, (f->nblocks + 1) * sizeof(*f->blocks));
	assert_non_null(f->blocks);
	memset(&f->blocks[f->nblocks], 0, sizeof(*f->blocks));
	return &f->blocks[f->nblocks++];
}

static void
vec_add_field(struct vec_block *b, char *line, const char *path, int lineno)
{
	char *eq = strchr(line, '=');

	if (eq == NULL || b->nfields >= VEC_MAX_FIELDS)
		fail_msg("%s:%d: not a `field = value` line", path, lineno);
	*eq = '\0';
	b->fields[b->nfields].key = strdup(vec_trim(line));
	b->fields[b->nfields].value = strdup(vec_trim(eq + 1));
	b->nfields++;
}

void
vec_load(const char *path, struct vec_file *out)
{
	char buf[1024], full[512];
	struct vec_block *cur = NULL;
	int lineno = 0;
	FILE *fp;

	snprintf(full, sizeof(full), "%s/%s", vec_dir(), path);
	memset(out, 0, sizeof(*out));
	fp = fopen(full, "r");
	if (fp == NULL)
		fail_msg("cannot open %s", full);
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		char *line = vec_trim(buf);

		lineno++;
		if (*line == '#')
			continue;
		if (*line == '\0') {
			cur = NULL;
			continue;
		}
		if (cur == NULL)
			cur = vec_new_block(out);
		vec_add_field(cur, line, full, lineno);
	}
	fclose(fp);
	assert_true(out->nblocks > 0);
}

void
vec_free(struct vec_file *f)
{
	for (size_t i = 0; i < f->nblocks; i++)
		for (size_t j = 0; j < f->blocks[i].nfields; j++) {
			free(f->blocks[i].fields[j].key);
			free(f->blocks[i].fields[j].value);
		}
	free(f->blocks);
	memset(f, 0, sizeof(*f));
}

const char *
vec_get(const struct vec_block *b, const char *key)
{
	for (size_t i = 0; i < b->nfields; i++)
		if (strcmp(b->fields[i].key, key) == 0)
			return b->fields[i].value;
	return NULL;
}

const char *
vec_need(const struct vec_block *b, const char *key)
{
	const char *v = vec_get(b, key);

	if (v == NULL)
		fail_msg("vector block %s lacks field %s",
		    vec_get(b, "name") ? vec_get(b, "name") : "?", key);
	return v;
}

size_t
vec_hex(const struct vec_block *b, const char *key, uint8_t *out, size_t cap,
    size_t want)
{
	size_t len = 0;

	if (hex_decode(vec_need(b, key), out, cap, &len) != 0)
		fail_msg("field %s is not hex of at most %zu bytes", key, cap);
	if (want != 0 && len != want)
		fail_msg("field %s: %zu bytes, want %zu", key, len, want);
	return len;
}
