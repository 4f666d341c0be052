/*
 * libFuzzer harness for the configuration parser: the input, as text, is a
 * sniffer.conf.  A refusal must be one "fuzz.conf:..." line; an accepted
 * configuration must hold what conf.h promises.  A crash, a sanitizer
 * report or a broken promise is a bug.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct conf *c)
{
	for (size_t i = 0; i < c->nactions; i++) {
		const struct conf_action *a = &c->actions[i];

		if (!request_valid(a->name, strlen(a->name)) ||
		    conf_find_action(c, a->name) != a || a->timeout == 0 ||
		    (a->kind == CONF_ACTION_RUN) != (a->run_as != NULL) ||
		    (a->kind == CONF_ACTION_RUN && a->run.words[0][0] != '/'))
			abort();
	}
	for (size_t i = 0; i < c->nusers; i++)
		for (size_t j = 0; j < c->users[i].nallow; j++)
			if (conf_find_action(c, c->users[i].allow[j]) == NULL)
				abort();
	if (c->sniffer.port == 0 || c->sniffer.window == 0 ||
	    (!c->sniffer.native && !c->sniffer.classic &&
	    !c->sniffer.signed_fmt))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CONF_ERR_MAX], *text;
	struct conf *c;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (conf_load_string("fuzz.conf", text, &c, err) == 0) {
		check(c);
		conf_free(c);
	} else if (strncmp(err, "fuzz.conf:", 10) != 0 ||
	    strchr(err, '\n') != NULL) {
		abort();
	}
	free(text);
	return 0;
}
