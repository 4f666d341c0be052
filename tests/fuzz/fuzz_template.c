/*
 * libFuzzer harness for command templates: the first byte says whether the
 * program must be an absolute path, the rest is the template.  An accepted
 * template must expand to exactly its words, none empty and none split; a
 * crash or a sanitizer report is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct template_values values = {
	.addr = "2001:db8::1", .proto = "tcp", .port = "22", .timeout = "30",
	.user = "a user", .request = "ssh", .family = "6", .knock_port = "5001",
	.inner_addr = "2001:db8::10", .inner_port = "22",
};

static void
check(const struct template *t, int require_abs)
{
	char **argv, line[4096];
	size_t n;

	if (t->nwords == 0 || t->nwords > TEMPLATE_MAX_WORDS ||
	    t->words[t->nwords] != NULL ||
	    (require_abs && t->words[0][0] != '/'))
		abort();
	if (template_expand(t, &values, &argv) != 0)
		abort();
	for (n = 0; argv[n] != NULL; n++)
		if (t->words[n] == NULL || t->words[n][0] == '\0' ||
		    argv[n][0] == '\0')
			abort();
	if (n != t->nwords)
		abort();
	template_argv_join(argv, line, sizeof(line));
	if (strlen(line) >= sizeof(line))
		abort();
	template_argv_free(argv);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[TEMPLATE_ERR_MAX], *text;
	struct template t;
	int require_abs;

	if (size < 1)
		return 0;
	require_abs = data[0] & 1;
	if ((text = malloc(size)) == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (template_parse(text, require_abs, &t, err) == 0) {
		check(&t, require_abs);
		template_free(&t);
	} else if (err[0] == '\0' || t.words != NULL) {
		abort();
	}
	free(text);
	return 0;
}
